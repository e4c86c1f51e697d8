"""The recorder checks the input's frame count against the session clock: a source that
stops delivering while its stream stays open (PulseAudio suspended it) is told while it
lasts and becomes a gap of its true length, so later frames keep their session time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gim.audio import recorder as recorder_module
from gim.audio.recorder import MicEvents, MicTiming, Recorder

RATE = 48000
BLOCK = 1024


class FakeStream:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeTime:
    """The monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The recorder's monotonic clock, moved by the test (a block's time per block)."""
    fake = FakeTime()
    monkeypatch.setattr(recorder_module, "_monotonic", fake)
    return fake


class FakeInput:
    """An input whose callbacks the test drives by hand (with a fake clock, each block
    is handed over one block's time after the last)."""

    def __init__(self) -> None:
        self.callback: Callable[..., None] | None = None
        self.time: FakeTime | None = None

    def input_stream(
        self, rate: int, channels: int, blocksize: int, callback: Any, finished: Any
    ) -> FakeStream:
        self.callback = callback
        return FakeStream()

    def deliver(self, n: int, advance: bool = True) -> None:
        assert self.callback is not None
        for _ in range(n):
            if self.time is not None and advance:
                self.time.now += BLOCK / RATE
            self.callback(np.full((BLOCK, 1), 0.1, np.float32), BLOCK, None, None)


def recorder(
    clock: Callable[[], int] | None, time: FakeTime | None = None, tolerance: float = 0.2
) -> tuple[Recorder, FakeInput, dict[str, list[Any]]]:
    seen: dict[str, list[Any]] = {"blocks": [], "gaps": [], "stalls": []}
    device = FakeInput()
    device.time = time
    rec = Recorder(
        device,  # type: ignore[arg-type]
        RATE,
        1,
        lambda frame, block: seen["blocks"].append(frame),
        MicEvents(
            gap=lambda lost, back: seen["gaps"].append((lost, back)), stall=seen["stalls"].append
        ),
        clock=clock,
        timing=MicTiming(tolerance=tolerance),
    )
    rec.start()
    return rec, device, seen


def drained(rec: Recorder) -> Recorder:
    """``rec`` once its drain thread has numbered every block handed over so far."""
    deadline = time.monotonic() + 5.0
    while rec._taken < rec._delivered and time.monotonic() < deadline:
        time.sleep(0.001)
    with rec._numbering:  # (the last block taken is numbered once the drain lets go)
        return rec


def test_a_stalled_source_is_told_and_leaves_a_gap_of_its_length(fake_time: FakeTime) -> None:
    out = [5000]  # the music's clock: ahead of the microphone's count by a constant
    rec, device, seen = recorder(lambda: out[0], fake_time)
    for _ in range(100):  # normal delivery: the clock moves with the microphone
        out[0] += BLOCK
        device.deliver(1)
    assert not rec.stalled
    stalled_at = drained(rec).frames
    out[0] += 10 * RATE  # ten seconds of music play while nothing arrives...
    fake_time.now += 10.0
    time.sleep(0.5)  # ...and the watch notices while it lasts
    assert rec.stalled and seen["stalls"] == [stalled_at]
    assert rec.now() >= stalled_at + 10 * RATE  # the session time goes on during the stall
    for _ in range(30):  # frames flow again (the gap is measured over the first ones)
        out[0] += BLOCK
        device.deliver(1)
    rec.close()
    assert not rec.stalled
    assert seen["gaps"] == [(stalled_at, stalled_at + 10 * RATE)]
    # the first frames after the stall sit where the clock says, exactly
    assert seen["blocks"][100:] == [stalled_at + 10 * RATE + i * BLOCK for i in range(30)]
    assert seen["blocks"][:100] == [i * BLOCK for i in range(100)]


class LateDelivery:
    """Blocks captured on time and handed over late, as PulseAudio does: the input's
    blocks wait a random while and then come in a burst; the output counts its frames
    zero to two blocks before they sound, or (its callbacks late under load) up to three
    after. The microphone's count never runs early."""

    def __init__(self, device: FakeInput, out: list[int], seed: int, clock: FakeTime) -> None:
        self.device, self.out, self.clock = device, out, clock
        self.rng = np.random.default_rng(seed)
        self.captured = self.delivered = 0  # blocks

    def run(self, blocks: int, prompt: float, late_output: bool = False) -> None:
        """Capture ``blocks`` blocks; after each, hand over all waiting with ``prompt``
        probability (else they wait for a later burst). ``late_output``: the output's
        callbacks come late at times too (its count falls up to three blocks behind)."""
        for _ in range(blocks):
            self.captured += 1
            self.clock.now += BLOCK / RATE
            if self.rng.random() < prompt:
                while self.delivered < self.captured:
                    sounded = self.captured * BLOCK  # the output's true place now
                    lowest = -3 if late_output else 0
                    self.out[0] = sounded + BLOCK * int(self.rng.integers(lowest, 3))
                    self.device.deliver(1, advance=False)
                    self.delivered += 1

    def stall(self, blocks: int) -> None:
        """The source stops: ``blocks`` blocks are never captured (the music plays on)."""
        self.captured += blocks
        self.delivered += blocks
        self.clock.now += blocks * BLOCK / RATE
        self.out[0] = self.captured * BLOCK


@pytest.mark.parametrize("seed", range(3))
def test_the_length_of_a_stall_is_exact_when_blocks_come_late_in_bursts(
    seed: int, fake_time: FakeTime
) -> None:
    """After a resume the blocks come in bursts, five blocks late on average, and before
    the stall the output's callbacks came late at times: the distance between the two
    counts moves with both (its mean was 0.12-0.15 s off here, its least value 64 ms),
    the microphone's own count against the monotonic clock does not."""
    out = [0]
    rec, device, seen = recorder(lambda: out[0], fake_time, tolerance=0.5)
    source = LateDelivery(device, out, seed, fake_time)
    source.run(300, prompt=0.6, late_output=True)
    stalled_at = drained(rec).frames
    source.stall(469)  # ten seconds
    time.sleep(0.4)
    source.run(60, prompt=0.2)  # bursts after the resume (more than a second)...
    source.run(60, prompt=0.6)  # ...then the usual delivery
    rec.close()
    ((lost, back),) = seen["gaps"]
    assert lost == stalled_at
    error = (back - lost) - 469 * BLOCK
    assert abs(error) < 0.002 * RATE, error / RATE


def test_without_a_player_the_wall_clock_measures_a_stall() -> None:
    rec, device, seen = recorder(None)
    for _ in range(20):
        device.deliver(1)
        time.sleep(BLOCK / RATE)
    lost = drained(rec).frames
    time.sleep(0.6)
    for _ in range(30):
        device.deliver(1)
        time.sleep(BLOCK / RATE)
    rec.close()
    ((start, back),) = seen["gaps"]
    assert start == lost
    assert 0.4 * RATE < back - start < 0.9 * RATE


def test_before_the_music_starts_a_stall_is_no_gap() -> None:
    rec, device, seen = recorder(lambda: 0)  # the player has not started
    device.deliver(5)
    time.sleep(0.4)
    device.deliver(1)
    rec.close()
    assert seen["gaps"] == []
    assert seen["blocks"] == [i * BLOCK for i in range(6)]


def test_a_pause_of_the_whole_audio_server_is_no_gap() -> None:
    out = [0]
    rec, device, seen = recorder(lambda: out[0])
    for _ in range(50):
        out[0] += BLOCK
        device.deliver(1)
    time.sleep(0.5)  # input and output both stand still (the machine was busy)
    for _ in range(5):
        out[0] += BLOCK
        device.deliver(1)
    rec.close()
    assert seen["gaps"] == [] and seen["stalls"] == []
    assert seen["blocks"] == [i * BLOCK for i in range(55)]


def test_steady_delivery_with_jitter_is_no_gap() -> None:
    out = [0]
    rec, device, seen = recorder(lambda: out[0])
    rng = np.random.default_rng(1)
    for _ in range(300):
        out[0] += BLOCK + int(rng.integers(-BLOCK, BLOCK))  # callbacks come unevenly
        device.deliver(1)
        if rng.random() < 0.05:
            threading.Event().wait(0.01)
    rec.close()
    assert seen["gaps"] == [] and seen["stalls"] == []
    assert seen["blocks"] == [i * BLOCK for i in range(300)]


def test_blocks_that_come_late_in_a_burst_lose_nothing() -> None:
    """A loaded machine: no callback for a while, then the held blocks all at once. The
    stall is told, but nothing was missing, so no gap and the frames keep their count."""
    out = [0]
    rec, device, seen = recorder(lambda: out[0])
    for _ in range(100):
        out[0] += BLOCK
        device.deliver(1)
    out[0] += 12 * BLOCK  # 0.26 s of music while the callbacks are held back...
    time.sleep(0.5)
    assert seen["stalls"] == [100 * BLOCK]
    device.deliver(11)  # ...then they come at once (one block short: 21 ms, jitter's size)
    for _ in range(30):
        out[0] += BLOCK
        device.deliver(1)
    rec.close()
    assert seen["gaps"] == [(100 * BLOCK, 100 * BLOCK)]  # told: back, nothing lost
    assert seen["blocks"] == [i * BLOCK for i in range(141)]


def test_the_callback_only_copies_and_enqueues(fake_time: FakeTime) -> None:
    """Numbering, the clock checks and a stall's settling run on the drain thread: the
    audio callback (here the test's thread) never does more than copy and enqueue."""
    out = [0]
    rec, device, seen = recorder(lambda: out[0], fake_time)
    where: set[str] = set()
    check = rec._check

    def watched(*args: Any) -> bool:
        where.add(threading.current_thread().name)
        return check(*args)

    rec._check = watched  # type: ignore[method-assign]
    for _ in range(50):
        out[0] += BLOCK
        device.deliver(1)
    out[0] += 5 * RATE
    fake_time.now += 5.0
    for _ in range(120):  # a stall, then enough blocks to settle it
        out[0] += BLOCK
        device.deliver(1)
    rec.close()
    assert where == {"recorder-drain"}
    assert seen["gaps"] == [(50 * BLOCK, 50 * BLOCK + 5 * RATE)]
    assert seen["blocks"] == [i * BLOCK for i in range(50)] + [
        50 * BLOCK + 5 * RATE + i * BLOCK for i in range(120)
    ]

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

from gim.audio.recorder import Recorder

RATE = 48000
BLOCK = 1024


class FakeStream:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeInput:
    """An input whose callbacks the test drives by hand."""

    def __init__(self) -> None:
        self.callback: Callable[..., None] | None = None

    def input_stream(
        self, rate: int, channels: int, blocksize: int, callback: Any, finished: Any
    ) -> FakeStream:
        self.callback = callback
        return FakeStream()

    def deliver(self, n: int) -> None:
        assert self.callback is not None
        for _ in range(n):
            self.callback(np.full((BLOCK, 1), 0.1, np.float32), BLOCK, None, None)


def recorder(clock: Callable[[], int] | None) -> tuple[Recorder, FakeInput, dict[str, list[Any]]]:
    seen: dict[str, list[Any]] = {"blocks": [], "gaps": [], "stalls": []}
    device = FakeInput()
    rec = Recorder(
        device,  # type: ignore[arg-type]
        RATE,
        1,
        lambda frame, block: seen["blocks"].append(frame),
        on_gap=lambda lost, back: seen["gaps"].append((lost, back)),
        on_stall=seen["stalls"].append,
        clock=clock,
        tolerance=0.2,
    )
    rec.start()
    return rec, device, seen


def test_a_stalled_source_is_told_and_leaves_a_gap_of_the_clocks_length() -> None:
    out = [5000]  # the music's clock: ahead of the microphone's count by a constant
    rec, device, seen = recorder(lambda: out[0])
    for _ in range(100):  # normal delivery: the clock moves with the microphone
        out[0] += BLOCK
        device.deliver(1)
    assert not rec.stalled
    stalled_at = rec.frames
    out[0] += 10 * RATE  # ten seconds of music play while nothing arrives...
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
    zero to two blocks before they sound. Neither count ever runs early."""

    def __init__(self, device: FakeInput, out: list[int], seed: int) -> None:
        self.device, self.out = device, out
        self.rng = np.random.default_rng(seed)
        self.captured = self.delivered = 0  # blocks

    def run(self, blocks: int, prompt: float) -> None:
        """Capture ``blocks`` blocks; after each, hand over all waiting with ``prompt``
        probability (else they wait for a later burst)."""
        for _ in range(blocks):
            self.captured += 1
            if self.rng.random() < prompt:
                while self.delivered < self.captured:
                    sounded = self.captured * BLOCK  # the output's true place now
                    self.out[0] = sounded + BLOCK * int(self.rng.integers(0, 3))
                    self.device.deliver(1)
                    self.delivered += 1

    def stall(self, blocks: int) -> None:
        """The source stops: ``blocks`` blocks are never captured (the music plays on)."""
        self.captured += blocks
        self.delivered += blocks


@pytest.mark.parametrize("seed", range(3))
def test_the_length_of_a_stall_is_exact_when_blocks_come_late_in_bursts(seed: int) -> None:
    """After a resume the blocks come in bursts, ten blocks late on average: the distance's
    mean moves with that lateness, its least value does not."""
    out = [0]
    rec, device, seen = recorder(lambda: out[0])
    source = LateDelivery(device, out, seed)
    source.run(300, prompt=0.6)
    stalled_at = rec.frames
    source.stall(469)  # ten seconds
    time.sleep(0.4)
    source.run(60, prompt=0.1)  # bursts after the resume (more than a second)...
    source.run(60, prompt=0.6)  # ...then the usual delivery
    rec.close()
    ((lost, back),) = seen["gaps"]
    assert lost == stalled_at
    error = (back - lost) - 469 * BLOCK
    assert abs(error) < 0.002 * RATE, error / RATE  # the mean was off by 0.17 s here


def test_without_a_player_the_wall_clock_measures_a_stall() -> None:
    rec, device, seen = recorder(None)
    for _ in range(20):
        device.deliver(1)
        time.sleep(BLOCK / RATE)
    lost = rec.frames
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

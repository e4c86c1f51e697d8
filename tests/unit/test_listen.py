"""Listening through a stored session, driven the way PortAudio drives it: every block the
callback hands out carries the moment asked for, at the speed asked for.

The voice track is a ramp whose value is the session second / 100, so the sound itself
says which moment it is; the callback is called by hand with the stream times a device
would give (no device here: the real one is in tests/e2e/test_listen_pulse.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from gim.audio.listen import QUEUED_BLOCKS, Listener, SessionSound
from tests.support.sample import sample_record

RATE = 48000
FRAMES = 1200  # one callback: 25 ms


@pytest.fixture
def sound(tmp_path: Path) -> SessionSound:
    t = np.arange(20 * RATE) / RATE
    soundfile.write(tmp_path / "mic.flac", (t / 100.0).astype(np.float32), RATE, subtype="PCM_24")
    return SessionSound(tmp_path, sample_record())


class Device:
    """Calls a listener's callback as a sound device would, block after block."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.now = 100.0
        listener._stream = self  # position() reads the stream's clock: ours
        listener._thread.start()

    @property
    def time(self) -> float:
        return self.now

    def play(self, blocks: int) -> np.ndarray:
        """``blocks`` callbacks' output; each is heard when the next one is asked for.

        A device keeps time however fast its producer is; this one runs faster than real
        time, so before each callback it waits (up to 5 s) until the producer thread has a
        whole callback's worth queued: a callback given only part of one (a block ending
        mid-callback with the next not queued yet) is an underrun a real device would not
        have here, and would put the moments behind the stream's clock.
        """
        out = []
        for _ in range(blocks):
            buffer = np.zeros((FRAMES, 2), dtype=np.float32)
            heard = SimpleNamespace(outputBufferDacTime=self.now)
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                while not self.ready(FRAMES) and time.monotonic() < deadline:
                    time.sleep(0.002)
                before = self.listener.played
                self.listener._callback(buffer, FRAMES, heard, None)
                if self.listener.played > before or self.listener.ended.is_set():
                    break  # (nothing played: only blocks from before a seek were dropped)
            out.append(buffer)
            self.now += FRAMES / RATE
        return np.concatenate(out)

    def ready(self, frames: int) -> bool:
        """Whether the producer has ``frames`` of the current wish queued, or its end, or
        has a full queue (blocks from before a seek the callback drops to make room)."""
        listener = self.listener
        turn = listener._wish.turn
        playing = listener._playing
        have = 0
        if playing is not None and playing[0] == turn and playing[3] is not None:
            have = len(playing[3]) - listener._at
        with listener._blocks.mutex:
            queued = list(listener._blocks.queue)
        if len(queued) >= QUEUED_BLOCKS:
            return True
        for block in queued:
            if block[0] != turn:
                continue
            if block[3] is None:
                return True  # the recording's end: the callback ends it
            have += len(block[3])
        return have >= frames

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("speed", [1.0, 0.5, 0.75, 1.25, 1.5])
def test_each_block_carries_the_moment_at_the_speed_asked(
    sound: SessionSound, speed: float
) -> None:
    listener = Listener(sound, 2.0, "voice", speed)
    device = Device(listener)
    try:
        out = device.play(80)  # 2 s of listening
        moment = 2.0 + 2.0 * speed
        # the window search may move a moment by 10 ms, the 40 ms window smears it
        assert out[-1, 0] * 100 == pytest.approx(moment, abs=0.06)
        assert listener.position() == pytest.approx(moment, abs=0.06)
    finally:
        listener.close()


def test_a_seek_is_heard_at_once_and_what_was_queued_is_dropped(sound: SessionSound) -> None:
    listener = Listener(sound, 1.0, "voice", 1.0)
    device = Device(listener)
    try:
        device.play(10)
        listener.seek(12.0)
        assert listener.position() == 12.0  # until the speakers have it
        out = device.play(1)
        assert out[0, 0] * 100 == pytest.approx(12.0, abs=0.001)
        listener.set_speed(1.5)
        out = device.play(41)
        assert out[-1, 0] * 100 == pytest.approx(12.025 + 1.0 * 1.5, abs=0.06)
    finally:
        listener.close()


def test_a_loop_keeps_to_its_line_and_the_end_ends(sound: SessionSound) -> None:
    listener = Listener(sound, 5.0, "voice", 1.0)
    listener.loop = (5.0, 6.0)
    device = Device(listener)
    try:
        moments = device.play(120)[:, 0] * 100  # 3 s: three rounds
        assert moments.min() >= 4.99 and moments.max() <= 6.0
        assert np.sum(np.diff(moments) < -0.5) >= 2  # it went round
        listener.loop = None
        listener.seek(19.9)
        device.play(10)  # the last 0.1 s, read as a whole 0.2 s block padded with silence
        assert listener.ended.is_set()
    finally:
        listener.close()

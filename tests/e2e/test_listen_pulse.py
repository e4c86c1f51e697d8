"""Listening through a stored session on the real PulseAudio null sink: the speakers take
the sound, the moment heard moves on, a seek lands, closing lets go of the device.

How the moment follows the speed, seeks and loops frame by frame is tested without a
device (tests/unit/test_listen.py); here only what a real device adds, with nothing timed
against the wall clock (a loaded machine's sink takes frames late, which is no fault)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio.listen import Listener, SessionSound
from tests.support.sample import sample_record

RATE = 48000
pytestmark = pytest.mark.audio


@pytest.fixture
def sound(tmp_path: Path) -> SessionSound:
    """A 20 s session: a voice of noise bursts, a music ramp."""
    t = np.arange(20 * RATE) / RATE
    rng = np.random.default_rng(1)
    voice = (0.1 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * t) > 0)).astype(np.float32)
    soundfile.write(tmp_path / "mic.flac", voice, RATE)
    music = np.stack([t / 100.0, t / 100.0], axis=1).astype(np.float32)
    soundfile.write(tmp_path / "reference.flac", music, RATE, subtype="PCM_24")
    return SessionSound(tmp_path, sample_record())


def wait_for(done: object, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if done():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("not reached")


@pytest.mark.parametrize("speed", [1.0, 1.5])
def test_the_speakers_take_the_sound_and_the_moment_moves_on(
    pulse: str, sound: SessionSound, speed: float
) -> None:
    listener = Listener(sound, 2.0, "both", speed)
    listener.open(None, 0.1)
    try:
        wait_for(lambda: listener.played >= RATE)  # a second of sound taken by the sink
        assert listener.position() > 2.0
        listener.seek(12.0)
        wait_for(lambda: listener.position() > 12.0)
        assert listener.position() < 14.0 and listener.speed == speed
    finally:
        listener.close()
    assert not listener._thread.is_alive()  # nothing left playing

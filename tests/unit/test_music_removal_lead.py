"""The music is removed when the microphone's count leads the reference's.

A music-only session on a PulseAudio null-sink loopback stored a lag of -0.38 s (the
microphone's frame 0 came after the reference's). The final pass searched lags from 0
only: over the demo's repeating broken chords and the closing fade it took an alias at
+0.43 s, removed nothing, and the recall detectors heard the music as a voice (two
flagged lines, "." and "You"). The session is rebuilt here: a quarter second of
silence, the demo's Bach prelude, the player's 5 s fade from 13.5 s.
"""

from __future__ import annotations

import numpy as np

from gim.audio.files import SAMPLE_RATE, resample
from gim.audio.synth import RATE, DemoPiece, prelude, render
from gim.core.clock import lag_span
from gim.passes.prepare import prepare
from gim.transcribe.vad import Stretch, residual_db

LEAD = 18432
"""Frames at 48 kHz by which the microphone led (the recorded session's stored lag)."""


def _session() -> np.ndarray:
    """What the player played, mono, 48 kHz (silence, the prelude, the fade)."""
    piece = DemoPiece("lead-test", lambda: [n for n in prelude() if n.start < 20.0])
    music = np.asarray(render(piece).mean(axis=1), np.float32)
    played = np.concatenate([np.zeros(12288, np.float32), music])[: int(18.6 * RATE)]
    fade, length = int(13.5 * RATE), 5 * RATE
    played[fade : fade + length] *= np.linspace(1.0, 0.0, length, dtype=np.float32)
    played[fade + length :] = 0.0
    return played


def test_music_is_removed_when_the_microphone_leads() -> None:
    played = _session()
    heard = played[LEAD:]  # the microphone's frame 0 is the reference's frame LEAD
    mic, reference = resample(heard, RATE), resample(played, RATE)
    stored = -LEAD * SAMPLE_RATE / RATE
    # the final pass gives the session clock's lag over the recording
    clock_lag = lag_span([(0, -LEAD)], RATE, 0.0, len(heard) / RATE)
    prepared = prepare(mic, reference, clock_lag)
    assert prepared.delay is not None
    assert abs(prepared.delay.frames - stored) < 2
    music = Stretch(SAMPLE_RATE, 12 * SAMPLE_RATE)
    assert residual_db(prepared.mic, prepared.clean, music) < -30.0

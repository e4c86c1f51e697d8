"""The music is removed on both sides of a step in the lag.

On a loaded machine the microphone dropped out (or the output slipped) and the music's
lag in the recording stepped by a tenth of a second mid-session. The final pass took one
lag over the whole recording and removed nothing on one side of the step: a music-only
loopback session got lines in the music. The stretches between steps
(`SessionClock.lag_stretches`) are prepared each with its own lag
(`gim.passes.prepare.prepare_along`).
"""

from __future__ import annotations

import numpy as np

from gim.audio.files import SAMPLE_RATE, resample
from gim.audio.synth import RATE, DemoPiece, prelude, render
from gim.core.clock import lag_stretches
from gim.passes.prepare import prepare_along
from gim.transcribe.vad import Stretch, residual_db

BEFORE, AFTER = 2400, 7200
"""The lag (48 kHz frames) before and after the step."""
STEP = 20.0
"""Session seconds where the microphone lost (AFTER - BEFORE) frames."""


def _session() -> tuple[np.ndarray, np.ndarray]:
    """(microphone, reference) mono at 48 kHz, the lag stepping at `STEP`."""
    piece = DemoPiece("step-test", lambda: [n for n in prelude() if n.start < 45.0])
    played = np.asarray(render(piece).mean(axis=1), np.float32)[: 42 * RATE]
    cut = int(STEP * RATE)
    heard = np.concatenate(
        [np.zeros(BEFORE, np.float32), played[: cut - BEFORE], played[cut - AFTER + BEFORE :]]
    )[: 40 * RATE]
    return heard, played[: len(heard)]


def test_each_side_of_a_lag_step_has_its_music_removed() -> None:
    heard, played = _session()
    step = int(STEP * RATE)
    points = [(f, float(BEFORE)) for f in range(RATE, step, 5 * RATE)]
    points += [(step - 1, float(BEFORE)), (step + RATE // 2, float(AFTER))]
    points += [(f, float(AFTER)) for f in range(step + 5 * RATE, len(heard), 5 * RATE)]
    lags = lag_stretches(points, RATE, 0.0, len(heard) / RATE)
    assert [(round(a, 2), round(b, 2)) for a, b, _ in lags] == [(0.0, 20.0), (20.0, 40.0)]

    prepared = prepare_along(resample(heard, RATE), resample(played, RATE), lags)
    assert len(prepared.clean) == len(prepared.mic)
    for a, b in ((2.0, 19.0), (21.0, 39.0)):
        music = Stretch(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE))
        assert residual_db(prepared.mic, prepared.clean, music) < -25.0, (a, b)


def test_a_steady_lag_is_one_stretch() -> None:
    points = [(f * 48000, 2400.0 + f) for f in range(0, 60, 5)]
    ((a, b, lag),) = lag_stretches(points, 48000, 0.0, 60.0)
    assert (a, b) == (0.0, 60.0) and lag is not None

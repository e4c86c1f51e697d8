"""The Aligner: lag measured from the signals, kept only when trustworthy, blocks lined up.

The rule under test: a measurement far (> 50 ms) from the last kept lag is kept only when a
second one agrees with it (within 5 ms); the step is then placed where it happened, so a
single wrong measurement (a cough, a door) never moves the music.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import gim.audio.alignment as alignment
from gim.audio.alignment import Aligner
from gim.audio.delay import DelayEstimate
from gim.core.clock import lag_at

RATE = 16000
BLOCK = RATE // 10


def stream(
    aligner: Aligner, seconds: float, lag: Callable[[int], int], seed: int = 3
) -> np.ndarray:
    """Play noise, let the microphone hear it ``lag(frame)`` late; pump like the runner."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    ref = rng.standard_normal(n).astype(np.float32) * 0.3
    lags = np.array([lag(f) for f in range(n)])
    source = np.arange(n) - lags
    mic = np.where(source >= 0, ref[np.clip(source, 0, n - 1)], 0.0).astype(np.float32)
    mic += 0.01 * rng.standard_normal(n).astype(np.float32)
    for start in range(0, n, BLOCK):
        aligner.played(start, ref[start : start + BLOCK])
        aligner.heard(start, mic[start : start + BLOCK, None])
        aligner.pump()
    aligner.pump(final=True)
    return mic


def test_a_steady_lag_is_measured_and_every_block_fed_lined_up() -> None:
    fed: list[tuple[np.ndarray, np.ndarray, int]] = []
    measured: list[int] = []
    aligner = Aligner(
        RATE, lambda m, r, f: fed.append((m, r, f)), on_measure=lambda f, e: measured.append(f)
    )
    mic = stream(aligner, 40, lambda f: 400)
    assert len(aligner.points) >= 5 and measured == [f for f, _ in aligner.points]
    assert all(abs(lag - 400) < 1 for _, lag in aligner.points)
    assert [f for _, _, f in fed] == list(range(0, len(mic), BLOCK))  # each once, in order
    later = [(m[:, 0], r) for m, r, f in fed if f >= 2 * RATE]
    heard = np.concatenate([m for m, _ in later])
    aligned = np.concatenate([r for _, r in later])
    assert np.corrcoef(heard, aligned)[0, 1] > 0.99


def test_a_lag_step_is_followed_and_placed_where_it_happened() -> None:
    step = 20 * RATE  # the output device changed: the sound now arrives 100 ms later
    told: list[tuple[int, float]] = []
    aligner = Aligner(RATE, on_measure=lambda f, e: told.append((f, e.frames)))
    stream(aligner, 45, lambda f: 400 if f < step else 2000)
    points = aligner.points
    assert sorted(told) == points  # every point is kept (the journal), those placing the step too
    assert abs(lag_at(step - RATE, points) - 400) < 2
    assert abs(lag_at(step + 2 * RATE, points) - 2000) < 2
    # the step is placed where it happened (to half a second), not spread over 5 s
    last_old = max(f for f, lag in points if abs(lag - 400) < 2)
    first_new = min(f for f, lag in points if abs(lag - 2000) < 2)
    assert step - RATE // 2 <= last_old < first_new <= step + RATE
    assert abs(points[-1][1] - 2000) < 1


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[float]], Aligner]:
    """An Aligner whose long-window measurements return the given lags, one per window
    (short windows, used to place a step, find nothing)."""

    def build(lags: list[float]) -> Aligner:
        script = list(lags)

        def estimate(mic: np.ndarray, ref: np.ndarray, *args: object) -> DelayEstimate:
            if len(mic) < 8 * RATE or not script:
                return DelayEstimate(0.0, 0.0, RATE)
            return DelayEstimate(script.pop(0), 20.0, RATE)

        monkeypatch.setattr(alignment, "estimate_delay", estimate)
        aligner = Aligner(RATE)
        ones = np.ones(BLOCK, np.float32) * 0.1  # sounding, so every window is measured
        frame = 0
        while script:
            aligner.played(frame, ones)
            aligner.heard(frame, ones)
            aligner.pump()
            frame += BLOCK
        return aligner

    return build


def test_one_measurement_far_from_the_rest_is_not_kept(measure: Callable) -> None:
    aligner = measure([400, 400, 4000, 401, 400])
    assert [lag for _, lag in aligner.points] == [400, 400, 401, 400]


def test_two_far_measurements_that_agree_are_kept(measure: Callable) -> None:
    aligner = measure([400, 4000, 4040, 4041])
    assert [lag for _, lag in aligner.points] == [400, 4000, 4040, 4041]


def test_two_far_measurements_that_disagree_are_not_kept(measure: Callable) -> None:
    aligner = measure([400, 4000, 9000, 400])
    assert [lag for _, lag in aligner.points] == [400, 400]


def test_a_small_change_is_kept_at_once(measure: Callable) -> None:
    aligner = measure([400, 1100, 1200])  # within 50 ms (800 frames) of the last kept
    assert [lag for _, lag in aligner.points] == [400, 1100, 1200]

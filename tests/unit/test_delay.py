"""Delay estimation finds the lag of a played signal inside a noisy, reverberant copy."""

from __future__ import annotations

import numpy as np
import pytest

from gim.audio.delay import estimate_delay

RATE = 16000


def room(signal: np.ndarray, lag: int, rng: np.random.Generator, noise: float = 0.3) -> np.ndarray:
    """The signal arriving ``lag`` frames late, with a decaying echo tail and noise."""
    tail = rng.standard_normal(RATE // 10) * np.exp(-np.arange(RATE // 10) / 300) * 0.1
    tail[0] = 1.0
    wet = np.convolve(signal, tail)[: len(signal)]
    out = np.zeros_like(signal)
    out[lag:] = wet[: len(signal) - lag]
    return out + noise * rng.standard_normal(len(signal)) * signal.std()


@pytest.mark.parametrize("lag", [0, 37, 1600, 4801])
def test_finds_lag_in_noisy_reverberant_copy(lag: int) -> None:
    rng = np.random.default_rng(lag)
    ref = rng.standard_normal(RATE * 3)
    est = estimate_delay(room(ref, lag, rng), ref, RATE, max_delay=0.5)
    assert abs(est.frames - lag) < 1.0
    assert est.confidence > 6


def test_silence_gives_no_confidence() -> None:
    zeros = np.zeros(RATE)
    assert estimate_delay(zeros, zeros, RATE).confidence == 0.0


@pytest.mark.parametrize("direct", [0.9, 0.7, 0.5])
def test_direct_sound_wins_over_a_stronger_reflection(direct: float) -> None:
    """A reflection 10 ms after the direct path and louder than it (PHAT's highest peak):
    the lag is the direct sound's, the first to arrive."""
    rng = np.random.default_rng(7)
    ref = rng.standard_normal(RATE * 3)
    lag, reflection = 800, 160
    mic = np.zeros_like(ref)
    mic[lag:] += direct * ref[:-lag]
    mic[lag + reflection :] += ref[: -(lag + reflection)]
    mic += 0.3 * rng.standard_normal(len(ref))
    est = estimate_delay(mic, ref, RATE, max_delay=0.5, min_delay=-0.5)
    assert abs(est.frames - lag) < 1.0
    assert est.confidence > 6


def test_a_weak_early_bump_does_not_move_the_lag() -> None:
    """An earlier path far below the main one (-20 dB) is not taken for the direct sound."""
    rng = np.random.default_rng(8)
    ref = rng.standard_normal(RATE * 3)
    mic = np.zeros_like(ref)
    mic[800:] += ref[:-800]
    mic[640:] += 0.1 * ref[:-640]
    est = estimate_delay(mic, ref, RATE, max_delay=0.5, min_delay=-0.5)
    assert abs(est.frames - 800) < 1.0

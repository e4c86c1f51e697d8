"""The time stretch keeps the pitch and changes only the length, block by block as whole."""

from __future__ import annotations

import numpy as np
import pytest

from gim.audio.stretch import Stretcher, stretch

RATE = 48000


def tone(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([x, x], axis=1)


def pitch(x: np.ndarray) -> float:
    mid = x[len(x) // 4 : len(x) // 4 + RATE // 2, 0]
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    return float(np.argmax(spectrum) * RATE / len(mid))


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.25, 1.5])
def test_the_length_follows_the_speed_and_the_pitch_stays(speed: float) -> None:
    x = tone(220.0, 3.0)
    y = stretch(x, RATE, speed)
    assert len(y) / len(x) == pytest.approx(1 / speed, rel=0.03)
    assert pitch(y) == pytest.approx(220.0, abs=3.0)


def test_windows_join_where_the_waveform_continues() -> None:
    # windows added where the tone is out of phase cancel part of it: a plain overlap-add
    # at 1.37x dips by 7.8 dB every hop; the search keeps the level within 0.5 dB
    y = stretch(tone(200.0, 3.0), RATE, 1.37)[RATE // 10 : -RATE // 10, 0]
    step = RATE // 200
    levels = [np.sqrt(np.mean(y[i : i + step] ** 2)) for i in range(0, len(y) - step, step)]
    assert 20 * np.log10(max(levels) / min(levels)) < 0.5


def test_streamed_in_blocks_gives_the_whole_clips_output_and_the_moments() -> None:
    rng = np.random.default_rng(3)
    x = (0.1 * rng.standard_normal((RATE * 2, 2))).astype(np.float32)
    whole = stretch(x, RATE, 0.75)
    stretcher = Stretcher(RATE)
    parts, starts = [], []
    for i in range(0, len(x), 4800):
        stretcher.push(x[i : i + 4800])
        out, hops = stretcher.pull(0.75)
        parts.append(out)
        starts += hops
    streamed = np.concatenate(parts)
    assert np.array_equal(streamed, whole[: len(streamed)])
    # each output hop says where in the input it comes from: 0.75 input hops per hop
    assert starts[0] == 0 and abs(starts[-1] - 0.75 * stretcher.hop * (len(starts) - 1)) <= (
        stretcher.seek
    )

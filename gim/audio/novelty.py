"""How the sound of a recording changes: the curves the boundary finder reads.

`features` describes each tenth of a second (log band energies, loudness, chroma);
`novelty` compares the sound after each moment with the sound before it (a few
seconds either side); `onsets` does the same on a short scale every 10 ms, to place a
boundary on the new piece's first onset.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

COARSE = 0.1
"""Seconds per frame of the change-of-sound curve."""
FINE = 0.01
"""Seconds per frame of the level and onset curves."""


def _frames(audio: NDArray[np.floating], rate: int, hop: float, size: int) -> NDArray[np.float64]:
    """Power spectra of ``size``-sample Hann windows every ``hop`` seconds (in blocks)."""
    step = max(1, int(hop * rate))
    n = len(audio) // step
    padded = np.concatenate([np.asarray(audio, np.float32), np.zeros(size, np.float32)])
    window = np.hanning(size).astype(np.float32)
    out = np.empty((n, size // 2 + 1), np.float64)
    view = np.lib.stride_tricks.sliding_window_view(padded, size)[::step][:n]
    for a in range(0, n, 4096):
        out[a : a + 4096] = np.abs(np.fft.rfft(view[a : a + 4096] * window, axis=1)) ** 2
    return out


def _bands(power: NDArray[np.float64], rate: int, count: int) -> NDArray[np.float64]:
    """Log energies of ``count`` log-spaced bands from 50 Hz to 8 kHz (or Nyquist)."""
    size = 2 * (power.shape[1] - 1)
    top = min(8000.0, rate / 2) * size / rate
    edges = np.unique(np.geomspace(max(1.0, 50.0 * size / rate), top, count + 1).astype(int))
    cum = np.concatenate([np.zeros((len(power), 1)), np.cumsum(power, axis=1)], axis=1)
    energy = cum[:, edges[1:]] - cum[:, edges[:-1]]
    # Floored 80 dB under the loudest band: silence must not dominate the statistics.
    floor = float(energy.max()) * 1e-8 + 1e-20
    return np.asarray(np.log10(energy + floor) * 10)


def _chroma(power: NDArray[np.float64], rate: int) -> NDArray[np.float64]:
    """Energy per pitch class (100 Hz to 4 kHz), each frame scaled to unit length."""
    size = 2 * (power.shape[1] - 1)
    freqs = np.arange(power.shape[1]) * rate / size
    use = (freqs >= 100) & (freqs <= 4000)
    pitch = np.round(12 * np.log2(freqs[use] / 440.0)).astype(int) % 12
    chroma = np.zeros((len(power), 12))
    for c in range(12):
        chroma[:, c] = np.sqrt(power[:, use][:, pitch == c].sum(axis=1))
    return chroma / (np.linalg.norm(chroma, axis=1, keepdims=True) + 1e-12)


def features(audio: NDArray[np.floating], rate: int) -> NDArray[np.float64]:
    """Per `COARSE` frame: log band energies, loudness and chroma, each dimension scaled
    to unit variance over the recording (so no one kind of feature dominates)."""
    size = 1 << int(np.ceil(np.log2(2 * COARSE * rate)))
    power = _frames(audio, rate, COARSE, size)
    if not len(power):
        return np.zeros((0, 1))
    bands = _bands(power, rate, 24)
    loud = 10 * np.log10(power.sum(axis=1) + float(power.sum(axis=1).max()) * 1e-8 + 1e-20)
    feats = np.concatenate([bands, loud[:, None], _chroma(power, rate)], axis=1)
    return (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-9)


def novelty(feats: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """How much the sound after each frame differs from the sound before it.

    Foote's checkerboard kernel over an inner-product self-similarity matrix is the
    squared distance between the kernel-weighted means before and after; here each
    dimension's difference is also divided by its spread within the two sides (a
    Welch-like statistic), so a piece that always varies a lot (a loud orchestra
    against a solo) does not look like a new recording, and a new recording, which
    differs steadily in many dimensions at once, does. ``width`` frames a side,
    Gaussian-tapered.
    """
    n, dims = feats.shape
    if n < 2 * width + 1:
        return np.zeros(n)
    taper = np.exp(-0.5 * ((np.arange(width) + 0.5) / (width / 2)) ** 2)
    taper /= taper.sum()
    out = np.zeros(n)
    for d in range(dims):
        f = feats[:, d]
        # after[i] weighs f[i], f[i+1], ...; before[i] weighs f[i-1], f[i-2], ...
        m1a = np.convolve(f, taper[::-1], mode="full")[width - 1 : width - 1 + n]
        m2a = np.convolve(f * f, taper[::-1], mode="full")[width - 1 : width - 1 + n]
        m1b = np.concatenate([[0.0], np.convolve(f, taper, mode="full")[: n - 1]])
        m2b = np.concatenate([[0.0], np.convolve(f * f, taper, mode="full")[: n - 1]])
        var = np.maximum(m2a - m1a**2, 0) + np.maximum(m2b - m1b**2, 0)
        out += (m1a - m1b) ** 2 / (var + 0.05)
    out /= dims
    out[:width] = 0.0
    out[n - width :] = 0.0
    return out


def onsets(audio: NDArray[np.floating], rate: int, span: float = 0.3) -> NDArray[np.float64]:
    """Change of sound per `FINE` frame on a short scale: the distance between the mean
    log band energies (dB) of the ``span`` seconds after and before, plus the rise of the
    level (a new piece starts with an onset, which also catches a soft, slow attack)."""
    size = 1 << int(np.ceil(np.log2(2 * FINE * rate)))
    power = _frames(audio, rate, FINE, size)
    w = max(1, round(span / FINE))
    if len(power) < 2 * w + 1:
        return np.zeros(len(power))
    bands = _bands(power, rate, 16)
    cum = np.concatenate([np.zeros((1, bands.shape[1])), np.cumsum(bands, axis=0)])
    n = len(bands)
    out = np.zeros(n)
    i = np.arange(w, n - w + 1)
    after = (cum[i + w] - cum[i]) / w
    before = (cum[i] - cum[i - w]) / w
    rise = np.clip(after - before, 0.0, None).mean(axis=1)
    out[w : n - w + 1] = np.sqrt(((after - before) ** 2).mean(axis=1)) + rise
    return out

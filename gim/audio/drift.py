"""Clock drift between what was played and what the microphone heard.

Input and output streams may run on different clocks (a USB microphone, built-in
speakers): then the lag of the music in the microphone grows or shrinks steadily, tens
of frames per minute at 50 ppm, and a filter fitted over a long window smears. The lag
is measured along the recording and a robust line fitted through it; the reference is
then resampled to follow it (`gim.audio.echo.align_reference` with ``drift``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gim.audio.delay import estimate_delay
from gim.audio.echo import align_reference

Audio = NDArray[np.float32]

DRIFT_WINDOW = 5.0
"""Seconds per lag measurement when following clock drift along a recording."""
MAX_DRIFT = 1e-3
"""A steeper line (0.1%, far beyond real sound cards) is a misfit: no drift is assumed."""
SIGNIFICANT = 3.0
"""A drift is followed only when it is this many standard errors from none."""
DRIFT_RATE = 4000
"""Lags are measured on signals low-passed to this rate: at full band a drift of 50 ppm
already smears the correlation peak of a window away."""


def measure_drift(
    mic: Audio, reference: Audio, rate: int, max_delay: float = 1.0, min_delay: float = 0.0
) -> tuple[float, float] | None:
    """The reference's lag at frame 0 and how much it grows per frame (clock drift).

    First coarsely on signals low-passed to `DRIFT_RATE` (robust to a large drift), then
    again at full band against the reference resampled to that first line. None when
    fewer than three windows agree.

    Args:
        mic: the microphone, mono.
        reference: what was played, on the microphone's nominal frame clock.
        rate: sample rate of both.
        max_delay: largest lag searched, in seconds.
        min_delay: smallest lag searched (negative: the microphone's count leads).

    Returns:
        The lag in frames at frame 0, and the frames it grows per frame.
    """
    coarse = _lag_line(mic, reference, rate, DRIFT_RATE, DRIFT_WINDOW, (min_delay, max_delay))
    if coarse is None or abs(coarse[1]) > MAX_DRIFT:
        return None
    following = align_reference(reference, 0.0, len(mic), coarse[1])
    fine = _lag_line(mic, following, rate, rate, 2 * DRIFT_WINDOW, (min_delay, max_delay))
    lag0, slope, error, middle = (
        coarse if fine is None else (fine[0], coarse[1] + fine[1], fine[2], fine[3])
    )
    if abs(slope) < SIGNIFICANT * error:
        # A slope the scatter of the lags explains is no drift: over a short stretch
        # (the rolling pass's 90 s windows) it misaligned the music by most of a frame
        # at the ends, and removed 10 dB less music there (the demo's first notes heard
        # as a voice). One lag, the line's value at the measurements' middle, is used.
        return lag0 + slope * middle, 0.0
    return lag0, slope


def _lag_line(
    mic: Audio,
    reference: Audio,
    full: int,
    rate: int,
    window: float,
    search: tuple[float, float],
) -> tuple[float, float, float, float] | None:
    """A robust line (in frames at ``full``) through lags (within ``search``, seconds)
    measured every ``window`` seconds on the signals resampled from ``full`` to ``rate``:
    Theil-Sen, then least squares over the points within 2 frames (at ``rate``) of it.

    Returns:
        The lag at frame 0, its growth per frame, the slope's standard error (from the
        points' scatter about the line) and the frame at the middle of the points.
    """
    import soxr

    n = min(len(mic), len(reference))
    low_mic, low_ref = mic[:n], reference[:n]
    if rate != full:
        low_mic = soxr.resample(low_mic, full, rate)
        low_ref = soxr.resample(low_ref, full, rate)
    win, scale = int(window * rate), full / rate
    x, y = [], []
    for s in range(0, len(low_ref) - win + 1, win):
        part = slice(s, s + win)
        if float(np.max(np.abs(low_ref[part]), initial=0.0)) < 1e-4:
            continue
        est = estimate_delay(low_mic[part], low_ref[part], rate, search[1], search[0])
        if est.confidence >= 5.0:
            x.append((s + win / 2) * scale)
            y.append(est.frames * scale)
    if len(x) < 3:
        return None
    xs, ys = np.array(x), np.array(y)
    i, j = np.triu_indices(len(xs), 1)
    slope = float(np.median((ys[j] - ys[i]) / (xs[j] - xs[i])))
    inliers = np.abs(ys - (float(np.median(ys - slope * xs)) + slope * xs)) <= 2.0 * scale
    if inliers.sum() < 3:
        return None
    xi, yi = xs[inliers], ys[inliers]
    slope, lag0 = np.polyfit(xi, yi, 1)
    spread = float(np.sum((xi - xi.mean()) ** 2))
    scatter = float(np.sum((yi - (lag0 + slope * xi)) ** 2)) / max(1, len(xi) - 2)
    error = float(np.sqrt(scatter / spread)) if spread > 0 else float("inf")
    return float(lag0), float(slope), error, float(xi.mean())

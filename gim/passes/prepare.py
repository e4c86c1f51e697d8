"""The audio side of the offline passes: delay, drift, music removal.

Used by ``gim transcribe``, the rolling pass and the final pass over a stored session.
Given the microphone and the reference at 16 kHz (`gim.audio.files`), measures the delay
between the played reference and the microphone, follows the clock drift along the
recording and cancels the reference (a least-squares fit of the room,
`gim.audio.echo.cancel_echo`). The raw recording is never modified.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gim.audio.delay import DelayEstimate, estimate_delay
from gim.audio.drift import measure_drift
from gim.audio.echo import LEAD, align_reference, cancel_echo
from gim.audio.files import SAMPLE_RATE, Audio
from gim.core.clock import Lags, LagSpan

DELAY_WINDOW = 20.0
"""Seconds of audio per delay measurement."""
LEAD_MARGIN = 0.25
"""Seconds searched before a session's stored lag when that lag is negative."""


@dataclass
class Prepared:
    """A recording ready for Whisper: the microphone at 16 kHz and its cleaned version."""

    mic: Audio
    """Microphone, mono, 16 kHz (untouched apart from resampling)."""
    clean: Audio
    """After echo cancellation (the same array as ``mic`` without a reference)."""
    delay: DelayEstimate | None = None
    """Measured delay of the reference in the microphone (16 kHz frames)."""
    reference: Audio | None = None
    """The reference aligned to ``mic`` (16 kHz)."""


def measure_delay(mic: Audio, reference: Audio, max_delay: float = 1.0) -> DelayEstimate | None:
    """The reference's lag in the microphone, from the most confident of several windows."""
    n = min(len(mic), len(reference))
    win = int(DELAY_WINDOW * SAMPLE_RATE)
    starts = [0] if n <= win else list(np.linspace(0, n - win, min(6, n // win + 1)).astype(int))
    best: DelayEstimate | None = None
    for s in starts:
        seg = slice(s, min(n, s + win))
        if float(np.max(np.abs(reference[seg]), initial=0.0)) < 1e-4:
            continue
        est = estimate_delay(mic[seg], reference[seg], SAMPLE_RATE, max_delay)
        if best is None or est.confidence > best.confidence:
            best = est
    return best if best is not None and best.confidence >= 5.0 else None


def prepare(mic: Audio, reference: Audio | None = None, lag: LagSpan | None = None) -> Prepared:
    """Measure the delay and drift and cancel the reference from the 16 kHz ``mic``.

    The lag is followed along the recording (`measure_drift`), searched from the least
    lag the session's clock measured over it (``lag``, `SessionClock.lag_span`: a
    negative lag, the microphone's count leading, is searched around too); when that
    fails, the clock's lag over the stretch is used, else one lag measured here.
    """
    if reference is None:
        return Prepared(mic=mic, clean=mic)
    # The lag is searched from 0 (a microphone hears the music after it is played), but
    # separate streams start counting at different moments and the microphone's count
    # can lead: a session on a PulseAudio loopback stored -0.38 s. Searched from 0, an
    # alias of the repeating music was found instead, nothing was removed, and the recall
    # detectors heard the music-only session as a voice. A negative stored lag (measured
    # live over negative lags too) opens the search below it.
    earliest = 0.0
    if lag is not None:
        earliest = min(0.0, lag.least - LEAD_MARGIN)
    drift = measure_drift(mic, reference, SAMPLE_RATE, min_delay=earliest)
    slope = 0.0
    if drift is not None:
        lag0, slope = drift
        if abs(slope) * len(mic) < 1.0:  # less than a frame over the recording: none
            slope = 0.0
        delay: DelayEstimate | None = DelayEstimate(lag0 + slope * len(mic) / 2, 100.0, SAMPLE_RATE)
    elif lag is not None:
        lag0, slope = lag.start * SAMPLE_RATE, lag.drift
        delay = DelayEstimate(lag.at(len(mic) / 2 / SAMPLE_RATE) * SAMPLE_RATE, 100.0, SAMPLE_RATE)
    else:
        delay = measure_delay(mic, reference)
        lag0 = delay.frames if delay is not None else 0.0
    if delay is None:
        return Prepared(mic=mic, clean=mic)
    aligned = align_reference(reference, lag0 - LEAD * SAMPLE_RATE, len(mic), slope)
    return Prepared(mic, cancel_echo(mic, aligned, SAMPLE_RATE), delay, aligned)


def prepare_along(mic: Audio, reference: Audio | None, lags: Lags, offset: float = 0.0) -> Prepared:
    """`prepare` stretch by stretch where the session's lag stepped (``lags``,
    `SessionClock.lag_stretches`, in session seconds; ``offset``: the session seconds of
    ``mic``'s first frame), joined again. One stretch (no step): `prepare` itself."""
    if reference is None or len(lags) <= 1:
        return prepare(mic, reference, lags[0][2] if lags else None)
    cuts = [min(max(round((a - offset) * SAMPLE_RATE), 0), len(mic)) for a, _, _ in lags[1:]]
    edges = [0, *cuts, len(mic)]
    parts = [
        prepare(mic[a:b], reference[a:b], lag)
        for (a, b), (_, _, lag) in zip(itertools.pairwise(edges), lags, strict=True)
        if b > a
    ]
    delays = [(len(p.mic), p.delay) for p in parts if p.delay is not None]
    if not delays:
        return Prepared(mic=mic, clean=mic)
    return Prepared(
        mic,
        np.concatenate([p.clean for p in parts]).astype(np.float32, copy=False),
        max(delays, key=lambda d: d[0])[1],
        np.concatenate(
            [p.reference if p.reference is not None else np.zeros_like(p.mic) for p in parts]
        ),
    )

"""Where the client *may* be speaking: recall first, so no speech is dropped silently.

Silero VAD at its usual threshold misses real speech that does not sound like read
speech: a hoarse or creaky voice, whispering, long hesitations between words. Missing a
sentence of a therapy session is worse than flagging a doubtful one, so candidates come
from the union of three detectors on the echo-cancelled signal:

- **sure**: Silero at its usual threshold (0.5, ending below 0.35);
- **weak voice**: Silero at a low threshold with hysteresis (a run above 0.15 that
  reaches 0.3 somewhere);
- **energy** (only when the music was cancelled): frames whose cleaned energy stands
  well above the local residual floor *and* keeps a good share of the microphone's
  energy. Cancellation takes the played music out, so a frame where a tenth or more of
  the microphone's energy survives it holds a sound the player did not make. Silero is
  not asked here: it scores whispering and falsetto near zero. Clicks are kept out by a
  minimum length; a breath or a creak may come through, and Whisper then gives a
  flagged marker at worst.

Music-only stretches stay silent: after cancellation they keep far less than a tenth of
the microphone's energy, so the energy detector ignores them, and every candidate still
passes `gim.transcribe.vad.RESIDUAL_SKIP_DB` before Whisper sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from gim.transcribe.engine import SAMPLE_RATE
from gim.transcribe.vad import Stretch

FRAME = 512
"""Frames (32 ms at 16 kHz) per detector step: Silero's window."""
SURE = (0.5, 0.35)
"""Silero start and stay thresholds of a stretch that is certainly speech."""
WEAK = (0.3, 0.15)
"""Silero start and stay thresholds of a stretch that may be speech."""
ENERGY_RUN = 0.25
"""Seconds: a shorter energy run is a click or a knock, not a word."""
RISE_DB = 10.0
"""Cleaned energy this far above the local residual floor stands out."""
KEPT_DB = -10.0
"""Cancellation that leaves at least this much of the microphone's energy left a sound
the player did not make (the played music loses 20 dB or more)."""
NO_SIGNAL_DB = -100.0
"""A frame quieter than this holds no sound at all (digital silence): even a quiet room's
noise through a microphone stays well above it."""
FLOOR_WINDOW = 15.0
"""Seconds around a frame over which the residual floor is estimated."""
TAIL = 0.4
"""Seconds around a sure run where energy is its reverberation, not more speech."""
MERGE_GAP = 0.3
"""Seconds: padded stretches closer than this are decoded together."""
MIN_RUN = 0.2
"""Seconds: a shorter candidate is a click, not a word."""


@dataclass(frozen=True)
class Candidate:
    """A stretch that may be speech, in 16 kHz frames."""

    span: Stretch
    sure: bool
    """Silero at its usual threshold heard speech in it (else only the recall detectors)."""
    voiced: tuple[Stretch, ...] = ()
    """The detected runs inside ``span`` (before padding and joining)."""


def speech_probabilities(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    """Silero's speech probability for each `FRAME` of ``audio`` (the last one padded)."""
    from faster_whisper.vad import get_vad_model

    if len(audio) == 0:
        return np.zeros(0, np.float32)
    padded = np.pad(np.asarray(audio, np.float32), (0, (-len(audio)) % FRAME))
    return np.asarray(get_vad_model()(padded), np.float32).reshape(-1)


def frame_db(audio: NDArray[np.floating]) -> NDArray[np.float64]:
    """Energy of each `FRAME` in dB (full scale 0 dB)."""
    n = len(audio) // FRAME
    x = np.asarray(audio[: n * FRAME], np.float64).reshape(n, FRAME)
    return 10 * np.log10(np.mean(x * x, axis=1) + 1e-12)


def hysteresis(values: NDArray[np.floating], start: float, stay: float) -> NDArray[np.bool_]:
    """Frames in runs above ``stay`` that reach ``start`` somewhere."""
    above = np.asarray(values) >= stay
    out = np.zeros(len(above), bool)
    for a, b in _runs(above):
        if float(np.max(values[a:b])) >= start:
            out[a:b] = True
    return out


def residual_floor(db: NDArray[np.float64], window: float = FLOOR_WINDOW) -> NDArray[np.float64]:
    """The local floor of the cleaned signal: a low percentile over ``window`` seconds.

    Frames with no signal at all (`NO_SIGNAL_DB`: zeros where the recording was padded
    before the microphone started, across a gap or after its end) are left out: they
    are not the room's floor, and counting them put the floor 60 dB under the room's
    noise near the ends of a recording, so the room's own hiss stood out as a voice (a
    flagged "Thank you so much for watching" at the start or end of the demo). A frame
    without signal takes the floor of the nearest frame before it that has one.
    """
    from scipy.ndimage import percentile_filter

    size = max(1, int(window * SAMPLE_RATE / FRAME))
    live = np.asarray(db) > NO_SIGNAL_DB
    if not live.any():
        return np.asarray(db, np.float64)
    heard = np.asarray(db, np.float64)[live]
    # Mirrored at the ends: repeating the first or last frame (one partial frame at the
    # edge of the padding) made that one frame the floor of half a window.
    floor = np.asarray(percentile_filter(heard, 10, size=min(size, len(heard)), mode="reflect"))
    # Each frame maps to the last frame with signal at or before it (the first, before it).
    nearest = np.clip(np.cumsum(live) - 1, 0, len(heard) - 1)
    return np.asarray(floor[nearest], np.float64)


def energy_activity(
    mic: NDArray[np.floating],
    clean: NDArray[np.floating],
    floor_db: NDArray[np.float64] | float | None = None,
) -> NDArray[np.bool_]:
    """Frames where the cleaned signal holds a sound the player did not make.

    Args:
        mic: the microphone at 16 kHz.
        clean: the same after echo cancellation.
        floor_db: the residual floor (per frame or one value); estimated when None.
    """
    clean_db, mic_db = frame_db(clean), frame_db(mic)
    n = min(len(clean_db), len(mic_db))
    clean_db, mic_db = clean_db[:n], mic_db[:n]
    floor = residual_floor(clean_db) if floor_db is None else floor_db
    loud = (
        (clean_db > np.asarray(floor)[:n] + RISE_DB)
        if np.ndim(floor)
        else (clean_db > float(floor) + RISE_DB)
    )
    active = loud & (clean_db - mic_db > KEPT_DB) & (clean_db > -70.0)
    active = _close(active, int(0.15 * SAMPLE_RATE / FRAME))
    out = np.zeros(n, bool)
    for a, b in _runs(active):
        if (b - a) * FRAME >= ENERGY_RUN * SAMPLE_RATE:
            out[a:b] = True
    return out


def find_candidates(
    mic: NDArray[np.float32],
    clean: NDArray[np.float32],
    *,
    cancelled: bool,
    pad: float = 0.35,
    join: float = 0.5,
    max_span: float = 25.0,
    probs: NDArray[np.float32] | None = None,
    floor_db: NDArray[np.float64] | float | None = None,
) -> list[Candidate]:
    """Every stretch of ``clean`` that may be speech, marked sure or not.

    Args:
        mic: the microphone at 16 kHz.
        clean: the same after echo cancellation (``mic`` itself without a reference).
        cancelled: whether the music was removed (enables the energy detector).
        pad: seconds added on each side of a stretch.
        join: stretches closer than this (seconds) become one.
        max_span: longer stretches are cut at their quietest moment (Whisper: 30 s).
        probs: Silero's probabilities, when already computed.
        floor_db: the residual floor for the energy detector (estimated when None).
    """
    probs = speech_probabilities(clean) if probs is None else probs
    sure = hysteresis(probs, *SURE)
    maybe = sure | hysteresis(probs, *WEAK)
    if cancelled:
        # Energy only adds what Silero was not sure of: its runs are kept where they
        # reach beyond a sure run's reverberant tail, so ordinary speech keeps the
        # stretch Silero gives it (a longer one invites Whisper to add words).
        energy = energy_activity(mic, clean, floor_db)
        tail = int(TAIL * SAMPLE_RATE / FRAME)
        near = sure.copy()
        for a, b in _runs(sure):
            near[max(0, a - tail) : b + tail] = True
        for a, b in _runs(energy):
            beyond = int(np.count_nonzero(~near[a:b]))
            if beyond * FRAME >= ENERGY_RUN * SAMPLE_RATE:
                maybe[a:b] = True
    maybe = _close(maybe, int(join * SAMPLE_RATE / FRAME))
    db = frame_db(clean)
    limit = int(max_span * SAMPLE_RATE / FRAME) - 2 * int(pad * SAMPLE_RATE / FRAME)
    total = len(clean)
    out: list[Candidate] = []
    for a, b in _runs(maybe):
        if (b - a) * FRAME < MIN_RUN * SAMPLE_RATE:
            continue
        for c, d in _split(a, b, db, max(limit, 1)):
            voiced = tuple(
                Stretch(x * FRAME, min(total, y * FRAME)) for x, y in _runs(maybe[c:d], c)
            )
            start = max(0, c * FRAME - int(pad * SAMPLE_RATE))
            end = min(total, d * FRAME + int(pad * SAMPLE_RATE))
            out.append(Candidate(Stretch(start, end), bool(sure[c:d].any()), voiced))
    return _merge(out, int(MERGE_GAP * SAMPLE_RATE), int(max_span * SAMPLE_RATE))


def _merge(found: list[Candidate], gap: int, longest: int) -> list[Candidate]:
    """Join padded stretches less than ``gap`` frames apart, up to ``longest`` frames.

    Whisper hears a short phrase better with the words around it.
    """
    out: list[Candidate] = []
    for c in found:
        last = out[-1] if out else None
        if last and c.span.start - last.span.end < gap and c.span.end - last.span.start <= longest:
            out[-1] = Candidate(
                Stretch(last.span.start, c.span.end), last.sure or c.sure, last.voiced + c.voiced
            )
        else:
            out.append(c)
    return out


def _runs(mask: NDArray[np.bool_], offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a) + offset, int(b) + offset) for a, b in zip(starts, ends, strict=True)]


def _close(mask: NDArray[np.bool_], gap: int) -> NDArray[np.bool_]:
    """``mask`` with gaps of fewer than ``gap`` frames between runs filled."""
    out = np.asarray(mask, bool).copy()
    runs = _runs(out)
    for (_, b), (c, _) in pairwise(runs):
        if c - b < gap:
            out[b:c] = True
    return out


def _split(a: int, b: int, db: NDArray[np.float64], limit: int) -> list[tuple[int, int]]:
    """Cut frames [a, b) into pieces of at most ``limit`` frames at the quietest frames."""
    if b - a <= limit:
        return [(a, b)]
    lo, hi = a + limit // 2, min(a + limit, b - 1)
    cut = lo + int(np.argmin(db[lo:hi])) if hi > lo and hi <= len(db) else a + limit
    return [(a, cut), *_split(cut, b, db, limit)]

"""Where each piece of a program starts in a recording of what was played.

When a piece is linked to its audio file, the file itself is found in the reference:
a coarse search correlates onset envelopes (log energy per 10 ms, its rise) over the
whole reference, then the waveforms are correlated at full rate within a few hops of the
coarse peak. Level, fades and a different file rate do not matter; the piece must only
have been played from that file. Pieces without a file are placed from their durations
and the transitions the reference shows (a silence, or a sudden change of sound).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

HOP = 0.01
"""Seconds per envelope step of the coarse search."""
NOVELTY_HOP = 0.1
"""Seconds per step of the change-of-sound curve (unlinked pieces)."""
OPENING = 40.0
"""Seconds from a piece's start used for the search."""
NEARLY = 0.85
"""A match this close to the best one, earlier, is the start (the best may be a repeat)."""
MIN_SCORE = 0.35
"""Normalised envelope correlation below which a piece is not found (it was not played)."""


def envelope(audio: NDArray[np.floating], rate: int) -> NDArray[np.float64]:
    """Onset envelope: the rise of log energy per `HOP`, zero mean, unit norm."""
    hop = max(1, int(HOP * rate))
    n = len(audio) // hop
    x = np.asarray(audio[: n * hop], np.float64).reshape(n, hop)
    # Floored so a start out of digital silence does not outweigh every note.
    db = np.maximum(10 * np.log10(np.mean(x * x, axis=1) + 1e-10), -70.0)
    rise = np.clip(np.diff(db, prepend=db[:1]), 0.0, 15.0)
    return rise - rise.mean() if n else rise


def locate(
    piece: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    after: float = 0.0,
) -> tuple[float, float] | None:
    """Seconds into ``reference`` where ``piece`` starts, and the match score (0..1).

    Args:
        piece: the piece's audio, mono at ``rate``.
        reference: what was played, mono at ``rate``.
        rate: sample rate of both.
        after: only starts from this second on are considered.

    Returns:
        None when the piece is not found in the reference.
    """
    from scipy.signal import fftconvolve

    hop = max(1, int(HOP * rate))
    env_ref = envelope(reference, rate)
    # The piece's opening: a guide who moves on early still played it. Music repeats
    # itself (a variation's repeat, a returning theme), so of the places that match
    # nearly as well as the best, the earliest is the start.
    env_piece = envelope(piece[: int(OPENING * rate)], rate)
    if len(env_piece) < 10 or not env_piece.any():
        return None
    # Room after the end: the recording may stop during the piece.
    env_ref = np.concatenate([env_ref, np.zeros(len(env_piece))])
    corr = fftconvolve(env_ref, env_piece[::-1], mode="valid")
    window = np.sqrt(np.maximum(fftconvolve(env_ref**2, np.ones(len(env_piece)), mode="valid"), 0))
    score = corr / (np.linalg.norm(env_piece) * window + 1e-12)
    lo = max(0, int(np.ceil(after * rate / hop)))
    if lo >= len(score):
        return None
    best = float(np.max(score[lo:]))
    # A short piece matches some stretch by chance more easily: ask more of it.
    if best < max(MIN_SCORE, 3.5 / np.sqrt(len(env_piece) / 10)):
        return None
    k = lo + int(np.flatnonzero(score[lo:] >= NEARLY * best)[0])
    # Refine on a loud stretch of what was played (the guide may have stopped early).
    played = played_length(piece, reference, rate, k * hop / rate)
    first, length = _loudest(piece[: int(min(60.0, max(played, 1.0)) * rate)], rate, 5.0)
    start = _refine(piece[first : first + length], reference, k * hop + first, hop, rate) - first
    return start / rate, float(score[k])


def played_length(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int, start: float
) -> float:
    """Seconds of ``piece`` played from ``start`` in ``reference`` before it stopped.

    The piece stopped where the reference falls silent for half a second while the
    file still sounds (the guide moved on early); otherwise it played to its end.
    """
    hop = max(1, int(0.05 * rate))
    first = round(start * rate)
    n = min(len(piece), max(0, len(reference) - first)) // hop
    full = len(piece) / rate
    if n <= 0:
        return full
    x = np.asarray(reference[first : first + n * hop], np.float64).reshape(n, hop)
    y = np.asarray(piece[: n * hop], np.float64).reshape(n, hop)
    ref_db = 10 * np.log10(np.mean(x * x, axis=1) + 1e-20)
    piece_db = 10 * np.log10(np.mean(y * y, axis=1) + 1e-20)
    stopped = (ref_db < -60.0) & (piece_db > -50.0)
    need = int(0.5 * rate / hop)
    run = 0
    for i, gone in enumerate(stopped):
        run = run + 1 if gone else 0
        if run >= need:
            return (i - run + 1) * hop / rate
    return min(full, n * hop / rate) if n * hop < len(piece) else full


def place(
    reference: NDArray[np.floating],
    rate: int,
    pieces: Sequence[NDArray[np.floating] | None],
    durations: Sequence[float],
    *,
    program_start: float = 0.0,
    gap: float = 2.0,
) -> tuple[list[float], list[float]]:
    """Where each piece starts in ``reference`` and how long it played (seconds).

    Args:
        reference: what was played, mono at ``rate``.
        rate: its sample rate.
        pieces: each piece's audio at ``rate``, or None when it has no linked file.
        durations: each piece's length in seconds (from its file when it has one).
        program_start: where the first piece starts when nothing else says.
        gap: seconds between pieces when nothing else says.

    Returns:
        Starts and lengths, in program order; a piece found by its file ends where it
        was stopped (or where the next piece starts).
    """
    found: list[float | None] = []
    after = program_start if program_start > 0 else 0.0
    for audio in pieces:
        hit = (
            locate(audio, reference, rate, after=max(0.0, after - 1.0))
            if audio is not None
            else None
        )
        found.append(hit[0] if hit else None)
        if hit:
            after = hit[0] + 1.0
    silences = quiet_stretches(reference, rate)
    changes = [b for _, b in silences]
    change = novelty(reference, rate) if any(a is None for a in found[1:]) else np.zeros(0)
    starts: list[float] = []
    for i, at in enumerate(found):
        if at is not None:
            starts.append(at)
        elif i == 0:
            # Before the first found piece, count back from it; else the given start.
            later = next(((j, s) for j, s in enumerate(found) if s is not None), None)
            back = later[1] - sum(durations[: later[0]]) - gap * later[0] if later else None
            starts.append(back if back is not None and back >= 0 else program_start)
        else:
            end = starts[-1] + durations[i - 1]
            # A silence ending after most of the last piece may be an early move on.
            early = starts[-1] + 0.3 * durations[i - 1]
            starts.append(_snap(end + gap, changes, change, end, early))
    lengths = list(durations)
    for i, audio in enumerate(pieces):
        if audio is not None and found[i] is not None:
            lengths[i] = played_length(audio, reference, rate, starts[i])
        if i + 1 < len(starts):
            # Never past the next piece's start, nor into the silence before it.
            before = [a for a, b in silences if abs(b - starts[i + 1]) < 0.2 and a > starts[i]]
            stop = before[0] if before and audio is None else starts[i + 1]
            lengths[i] = max(0.0, min(lengths[i], stop - starts[i]))
    return starts, lengths


def quiet_stretches(
    reference: NDArray[np.floating], rate: int, level_db: float = -65.0, min_gap: float = 0.5
) -> list[tuple[float, float]]:
    """(start, end) seconds of each silence of at least ``min_gap`` in ``reference``."""
    hop = max(1, int(0.05 * rate))
    n = len(reference) // hop
    if n == 0:
        return []
    x = np.asarray(reference[: n * hop], np.float64).reshape(n, hop)
    quiet = 10 * np.log10(np.mean(x * x, axis=1) + 1e-20) < level_db
    out, run = [], 0
    for i, q in enumerate([*quiet, False]):
        if q:
            run += 1
            continue
        if run * hop >= min_gap * rate:
            out.append(((i - run) * hop / rate, i * hop / rate))
        run = 0
    return out


def novelty(
    reference: NDArray[np.floating], rate: int, context: float = 2.0
) -> NDArray[np.float64]:
    """How much the sound changes at each `NOVELTY_HOP`: log band energies of the
    ``context`` seconds after against those before (a new piece changes key, scoring and
    loudness at once)."""
    hop = max(1, int(NOVELTY_HOP * rate))
    n = len(reference) // hop
    if n < 4:
        return np.zeros(max(n, 0))
    x = np.asarray(reference[: n * hop], np.float64).reshape(n, hop)
    power = np.abs(np.fft.rfft(x * np.hanning(hop), axis=1)) ** 2
    edges = np.unique(np.geomspace(2, power.shape[1] - 1, 25).astype(int))
    bands = np.stack([power[:, a:b].sum(axis=1) for a, b in pairwise(edges)], axis=1)
    feats = np.log(bands + 1e-10)
    c = max(1, int(context / NOVELTY_HOP))
    cum = np.vstack([np.zeros(feats.shape[1]), np.cumsum(feats, axis=0)])
    out = np.zeros(n)
    for i in range(c, n - c):
        before = (cum[i] - cum[i - c]) / c
        after = (cum[i + c] - cum[i]) / c
        out[i] = float(np.linalg.norm(after - before))
    return out


def _snap(
    guess: float,
    changes: list[float],
    change: NDArray[np.float64],
    earliest: float,
    early: float,
    tolerance: float = 5.0,
) -> float:
    """Where the piece expected at ``guess`` starts: the nearest end of a silence from
    ``early`` to ``tolerance`` after it; else the clearest change of sound within
    ``tolerance``; else ``guess`` itself."""
    low = max(guess - tolerance, earliest - 1.0)
    near = [c for c in changes if early <= c <= guess + tolerance]
    if near:
        return min(near, key=lambda c: abs(c - guess))
    a, b = max(0, int(low / NOVELTY_HOP)), min(len(change), int((guess + tolerance) / NOVELTY_HOP))
    if b <= a:
        return guess
    k = a + int(np.argmax(change[a:b]))
    typical = float(np.median(change[change > 0])) if np.any(change > 0) else 0.0
    return k * NOVELTY_HOP if change[k] > 4.0 * typical else guess


def _loudest(piece: NDArray[np.floating], rate: int, seconds: float) -> tuple[int, int]:
    """(first frame, length) of the ``seconds`` of ``piece`` with the most energy."""
    length = min(len(piece), int(seconds * rate))
    if length >= len(piece):
        return 0, len(piece)
    hop = rate
    n = len(piece) // hop
    x = np.asarray(piece[: n * hop], np.float64).reshape(n, hop)
    energy = np.mean(x * x, axis=1)
    w = max(1, length // hop)
    sums = np.convolve(energy, np.ones(w), mode="valid")
    return int(np.argmax(sums)) * hop, length


def _refine(
    excerpt: NDArray[np.floating], reference: NDArray[np.floating], at: int, hop: int, rate: int
) -> int:
    """The frame of ``reference`` near ``at`` where ``excerpt`` lines up best (waveforms)."""
    span = 3 * hop
    part = np.asarray(excerpt, np.float64)
    lo = max(0, at - span)
    window = np.asarray(reference[lo : at + span + len(part)], np.float64)
    if len(window) < len(part) or not part.any():
        return at
    # Whitened (phase-only) correlation: the peak is sharp whatever the spectrum.
    n = 1 << int(np.ceil(np.log2(len(window) + len(part))))
    cross = np.fft.rfft(window, n) * np.conj(np.fft.rfft(part, n))
    corr = np.fft.irfft(cross / (np.abs(cross) + 1e-12), n)[: len(window) - len(part) + 1]
    return lo + int(np.argmax(corr))

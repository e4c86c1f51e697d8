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

import numpy as np
from numpy.typing import NDArray

HOP = 0.01
"""Seconds per envelope step of the coarse search."""
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
    # Floored so a start out of digital silence does not outweigh every note (low
    # enough for the soft notes of a piece played 20 dB down).
    db = np.maximum(10 * np.log10(np.mean(x * x, axis=1) + 1e-12), -90.0)
    rise = np.clip(np.diff(db, prepend=db[:1]), 0.0, 15.0)
    return rise - rise.mean() if n else rise


def match_scores(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int
) -> NDArray[np.float64] | None:
    """How well ``piece``'s opening matches ``reference`` starting at each `HOP` (0..1).

    None when the piece has too little sound to be looked for.
    """
    from scipy.signal import fftconvolve

    env_ref = envelope(reference, rate)
    # The piece's opening: a guide who moves on early still played it.
    env_piece = envelope(piece[: int(OPENING * rate)], rate)
    if len(env_piece) < 10 or not env_piece.any():
        return None
    # Room after the end: the recording may stop during the piece.
    env_ref = np.concatenate([env_ref, np.zeros(len(env_piece))])
    corr = fftconvolve(env_ref, env_piece[::-1], mode="valid")
    window = np.sqrt(np.maximum(fftconvolve(env_ref**2, np.ones(len(env_piece)), mode="valid"), 0))
    return np.asarray(corr / (np.linalg.norm(env_piece) * window + 1e-12))


def _needed(piece: NDArray[np.floating], rate: int) -> float:
    """The score a match must reach: a short piece matches by chance more easily."""
    hops = min(len(piece), int(OPENING * rate)) / max(1, int(HOP * rate))
    return max(MIN_SCORE, 3.5 / np.sqrt(max(hops, 1.0) / 10))


def locate(
    piece: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    after: float = 0.0,
) -> tuple[float, float] | None:
    """Seconds into ``reference`` where ``piece`` starts, and the match score (0..1).

    Music repeats itself (a variation's repeat, a returning theme), so of the places
    that match nearly as well as the best, the earliest is the start.

    Args:
        piece: the piece's audio, mono at ``rate``.
        reference: what was played, mono at ``rate``.
        rate: sample rate of both.
        after: only starts from this second on are considered.

    Returns:
        None when the piece is not found in the reference.
    """
    score = match_scores(piece, reference, rate)
    hop = max(1, int(HOP * rate))
    lo = max(0, int(np.ceil(after * rate / hop)))
    if score is None or lo >= len(score):
        return None
    best = float(np.max(score[lo:]))
    if best < _needed(piece, rate):
        return None
    k = lo + int(np.flatnonzero(score[lo:] >= NEARLY * best)[0])
    return _start(piece, reference, rate, k), float(score[k])


def _start(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int, k: int
) -> float:
    """Seconds where ``piece`` starts, refined from the coarse match at `HOP` ``k``."""
    hop = max(1, int(HOP * rate))
    # Refine on a loud stretch of what was played (the guide may have stopped early).
    played = played_length(piece, reference, rate, k * hop / rate)
    first, length = _loudest(piece[: int(min(60.0, max(played, 1.0)) * rate)], rate, 5.0)
    return (
        _refine(piece[first : first + length], reference, k * hop + first, hop, rate) - first
    ) / rate


def _options(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int, after: float
) -> list[tuple[float, float, float]]:
    """Where ``piece`` may have been played: (start, score, seconds it went on matching).

    Local peaks of the match score from ``after`` on, at most six, best first. A peak
    that an earlier one nearly equals, while the piece played from the earlier one
    still sounds, is a repeat inside the piece (a variation's repeat), not a start.
    """
    score = match_scores(piece, reference, rate)
    if score is None:
        return []
    hop = max(1, int(HOP * rate))
    reach = round(2.0 / HOP)
    lo = max(0, int(np.ceil(after * rate / hop)))
    if lo >= len(score):
        return []
    # Half the best match at least: a stretch played and then stopped early still
    # matches better than that; chance does not.
    need = max(_needed(piece, rate), 0.5 * float(np.max(score[lo:])))
    peaks: dict[int, tuple[float, float]] = {}
    for k in (int(i) for i in np.flatnonzero(score >= need)):
        if k < lo or score[k] < score[max(0, k - reach) : k + reach + 1].max():
            continue
        if any(
            (k * hop / rate) - start < heard - 2.0 and score[p] >= NEARLY * score[k]
            for p, (start, heard) in peaks.items()
        ):
            continue
        start = _start(piece, reference, rate, k)
        peaks[k] = (start, matched_length(piece, reference, rate, start))
    best = sorted(peaks, key=lambda p: -score[p])[:6]
    return [(peaks[k][0], float(score[k]), peaks[k][1]) for k in best]


def _found(
    reference: NDArray[np.floating],
    rate: int,
    pieces: Sequence[NDArray[np.floating] | None],
    after: float,
) -> list[tuple[float, float] | None]:
    """Where each piece with a file was played and how long it went on sounding like
    its file, chosen jointly: in program order, each after the previous one stopped
    matching, the most of the reference explained (a piece played briefly matches less
    well than a later repeat of its stretch inside another piece; together they
    explain more)."""
    Choice = tuple[float, float] | None
    # Each state: (value, frontier, choices so far); one per last choice.
    states: dict[object, tuple[float, float, list[Choice]]] = {None: (0.0, after, [])}
    for i, audio in enumerate(pieces):
        options = [] if audio is None else _options(audio, reference, rate, max(0.0, after - 1))
        nxt: dict[object, tuple[float, float, list[Choice]]] = {}
        for key, (total, frontier, chosen) in states.items():
            if key not in nxt or nxt[key][0] < total:
                nxt[key] = (total, frontier, [*chosen, None])
            for o, (start, score, heard) in enumerate(options):
                if start < frontier - 1.0:
                    continue
                value = total + score * max(heard, 1.0) - 1e-6 * start
                until = start + max(1.0, heard - 4.0)
                if (i, o) not in nxt or nxt[(i, o)][0] < value:
                    nxt[(i, o)] = (value, until, [*chosen, (start, heard)])
        states = nxt
    return max(states.values(), key=lambda s: s[0])[2]


def matched_length(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int, start: float
) -> float:
    """Seconds from ``start`` during which ``reference`` goes on sounding like ``piece``.

    Onset envelopes are compared over 4 s windows every second (allowing ±30 ms of
    drift); the piece is over at the first two windows in a row that do not match.
    """
    hop = max(1, int(HOP * rate))
    first = round(start * rate)
    ref = envelope(reference[max(0, first) :], rate)
    own = envelope(piece, rate)
    n = min(len(ref), len(own))
    size, step, misses = round(4.0 / HOP), round(1.0 / HOP), 0
    for a in range(0, max(0, n - size) + 1, step):
        x = own[a : a + size]
        best = 0.0
        for lag in range(-3, 4):
            lo = a + lag
            if lo < 0 or lo + size > len(ref):
                continue
            y = ref[lo : lo + size]
            norm = float(np.linalg.norm(x - x.mean()) * np.linalg.norm(y - y.mean()))
            if norm > 0:
                best = max(best, float(np.dot(x - x.mean(), y - y.mean())) / norm)
        misses = misses + 1 if best < 0.3 else 0
        if misses >= 2:
            return (a - step) * hop / rate
    return (n - size * misses) * hop / rate if n > size else n * hop / rate


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
    # Silent: under -60 dB, or near the floor of a reference recorded with some noise.
    from gim.audio.boundaries import level_db, silence_threshold

    quiet = max(-60.0, silence_threshold(level_db(reference, rate, 0.05)))
    stopped = (ref_db < quiet) & (piece_db > -50.0)
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
    gap: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Where each piece starts in ``reference`` and how long it played (seconds).

    Args:
        reference: what was played, mono at ``rate``.
        rate: its sample rate.
        pieces: each piece's audio at ``rate``, or None when it has no linked file.
        durations: each piece's length in seconds (from its file when it has one).
        program_start: the music starts at or after this second.
        gap: the program's silence between pieces.

    Returns:
        Starts and lengths, in program order; a piece found by its file ends where it
        was stopped (or where the next piece starts).
    """
    hits = _found(reference, rate, pieces, max(0.0, program_start))
    found = [hit[0] if hit else None for hit in hits]
    heard: list[float | None] = [None] * len(pieces)
    for i, (audio, hit) in enumerate(zip(pieces, hits, strict=True)):
        if audio is not None and hit is not None:
            heard[i] = min(hit[1], played_length(audio, reference, rate, hit[0]))
    if any(at is None for at in found):
        starts, lengths = _by_boundaries(
            reference, rate, found, heard, durations, program_start, gap
        )
    else:
        starts, lengths = [float(at) for at in found if at is not None], list(durations)
    for i, audio in enumerate(pieces):
        if audio is not None and found[i] is not None:
            lengths[i] = played_length(audio, reference, rate, starts[i])
            if i + 1 < len(starts) and lengths[i + 1] > 0:
                lengths[i] = max(0.0, min(lengths[i], starts[i + 1] - starts[i]))
    return starts, lengths


def _by_boundaries(
    reference: NDArray[np.floating],
    rate: int,
    found: Sequence[float | None],
    heard: Sequence[float | None],
    durations: Sequence[float],
    program_start: float,
    gap: float,
) -> tuple[list[float], list[float]]:
    """Starts and lengths from the reference's boundaries, found pieces fixed (``heard``:
    how long each went on sounding like its file).

    A piece not played (the session ended first) starts where the sound ends and
    lasts nothing.
    """
    from gim.audio.boundaries import candidates, choose

    bounds, first, last = candidates(reference, rate, after=program_start)
    chosen = choose(bounds, durations, first, last, anchors=found, known=heard, gap=gap)
    starts, lengths = [], []
    for at in chosen:
        starts.append(at[0] if at else last)
        lengths.append(at[1] if at else 0.0)
    return starts, lengths


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

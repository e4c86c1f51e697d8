"""Pieces linked to files, found in a recording of what was played by their sound.

A coarse search correlates onset envelopes (log energy per 10 ms, its rise) over the
whole reference, then the waveforms are correlated at full rate within a few hops of
the coarse peak. Level, fades and a different file rate do not matter; the piece must
only have been played from that file. The pieces are chosen jointly, in program order.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

HOP = 0.01
"""Seconds per envelope step of the coarse search."""
OPENING = 40.0
"""Seconds from a piece's start used for the search."""
NEARLY = 0.85
"""A match this close to an earlier one while the piece still sounds is a repeat in it."""
MIN_SCORE = 0.35
"""Normalised envelope correlation below which a piece is not found (it was not played)."""
SKIP = 0.05
"""Value lost per second of reference skipped before a piece's match (one of
score x seconds explained)."""
OPTIONS = 6
"""Places considered for each piece (the earliest that are not repeats)."""


class Played:
    """The reference (what was played) with what every search needs, computed once."""

    def __init__(self, audio: NDArray[np.floating], rate: int) -> None:
        self.audio = audio
        self.rate = rate
        self.hop = max(1, int(HOP * rate))

    @cached_property
    def env(self) -> NDArray[np.float64]:
        """The reference's onset envelope."""
        return envelope(self.audio, self.rate)

    @cached_property
    def quiet(self) -> float:
        """dB under which the reference is silent: -60, or near a recorded noise floor."""
        from gim.audio.boundaries import level_db, silence_threshold

        return max(-60.0, silence_threshold(level_db(self.audio, self.rate, 0.05)))


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


def match_scores(piece: NDArray[np.floating], ref: Played) -> NDArray[np.float64] | None:
    """How well ``piece``'s opening matches the reference starting at each `HOP` (0..1).

    None when the piece has too little sound to be looked for.
    """
    from scipy.signal import fftconvolve

    # The piece's opening: a guide who moves on early still played it.
    env_piece = envelope(piece[: int(OPENING * ref.rate)], ref.rate)
    if len(env_piece) < 10 or not env_piece.any():
        return None
    # Room after the end: the recording may stop during the piece.
    env_ref = np.concatenate([ref.env, np.zeros(len(env_piece))])
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
    """Seconds into ``reference`` where ``piece`` starts from ``after`` on, and the match
    score (0..1): the earliest place matching nearly as well as the best; None when it
    is not found.

    Args:
        piece: the piece's audio, mono at ``rate``.
        reference: what was played, mono at ``rate``.
        rate: sample rate of both.
        after: only starts from this second on are considered.
    """
    options = _options(piece, Played(reference, rate), after)
    if not options:
        return None
    best = max(score for _, score, _ in options)
    return next((start, score) for start, score, _ in options if score >= NEARLY * best)


def _start(piece: NDArray[np.floating], ref: Played, k: int) -> float:
    """Seconds where ``piece`` starts, refined from the coarse match at `HOP` ``k``."""
    rate, hop = ref.rate, ref.hop
    # Refine on a loud stretch of what was played (the guide may have stopped early).
    played = played_on(piece, ref, k * hop / rate)
    first, length = _loudest(piece[: int(min(60.0, max(played, 1.0)) * rate)], rate, 5.0)
    at = _refine(piece[first : first + length], ref.audio, k * hop + first, hop, rate)
    return (at - first) / rate


def _options(
    piece: NDArray[np.floating],
    ref: Played,
    after: float,
    score: NDArray[np.float64] | None = None,
) -> list[tuple[float, float, float]]:
    """Where ``piece`` may have been played: (start, score, seconds it went on matching).

    Local peaks of the match score from ``after`` on, the earliest `OPTIONS`, each at
    least a third of the best. A peak that an earlier one nearly equals, while the piece
    played from the earlier one still sounds, is a repeat inside the piece (a
    variation's repeat), not a start.
    """
    score = match_scores(piece, ref) if score is None else score
    lo = max(0, int(np.ceil(after / HOP)))
    if score is None or lo >= len(score):
        return []
    # A stretch played and then stopped early still matches better than a third of
    # the best (12 s of a 25 s opening: 0.4); chance does not.
    need = max(_needed(piece, ref.rate), 0.3 * float(np.max(score[lo:])))
    reach = round(2.0 / HOP)
    peaks: dict[int, tuple[float, float]] = {}
    for k in (int(i) for i in np.flatnonzero(score[lo:] >= need) + lo):
        if score[k] < score[max(0, k - reach) : k + reach + 1].max():
            continue
        if any(
            k * HOP - start < heard - 2.0 and score[p] >= NEARLY * score[k]
            for p, (start, heard) in peaks.items()
        ):
            continue
        start = _start(piece, ref, k)
        peaks[k] = (start, matched_length(piece, ref, start))
        if len(peaks) >= OPTIONS:
            break
    return [(start, float(score[k]), heard) for k, (start, heard) in peaks.items()]


def find_pieces(
    ref: Played, pieces: Sequence[NDArray[np.floating] | None], after: float = 0.0
) -> list[tuple[float, float] | None]:
    """Where each piece with a file was played and how long it went on sounding like
    it (seconds), None where not found.

    Chosen jointly: in program order, each after the previous one stopped matching,
    explaining the most of the reference (score x seconds matched; a piece played early
    and briefly matches less well than a later repeat of its stretch inside another
    piece, but together they explain more).
    """
    Choice = tuple[float, float] | None
    # Each state: (value, frontier, choices so far); one per last choice.
    states: dict[object, tuple[float, float, list[Choice]]] = {None: (0.0, after, [])}
    for i, audio in enumerate(pieces):
        options: list[tuple[float, float, float]] = []
        scores = None if audio is None else match_scores(audio, ref)
        # Looked for after where the likeliest choices so far leave off.
        leading = sorted(states.values(), key=lambda s: -s[0])[:3]
        for frontier in sorted({f for _, f, _ in leading}) if audio is not None else []:
            for option in _options(audio, ref, max(0.0, frontier - 1.0), scores):  # type: ignore[arg-type]
                if all(abs(option[0] - o[0]) > 0.05 for o in options):
                    options.append(option)
        nxt: dict[object, tuple[float, float, list[Choice]]] = {}
        for key, (total, frontier, chosen) in states.items():
            if key not in nxt or nxt[key][0] < total:
                nxt[key] = (total, frontier, [*chosen, None])
            last = max([c[0] for c in chosen if c is not None], default=-1.0)
            for o, (start, score, heard) in enumerate(options):
                if start < max(frontier - 1.0, last + 1.0):
                    continue
                # A stretch left unexplained before it counts a little against it: of
                # two plays of the same file, the next one is this piece's.
                value = total + score * max(heard, 1.0) - SKIP * max(0.0, start - frontier)
                until = start + max(1.0, heard - 4.0)
                if (i, o) not in nxt or nxt[(i, o)][0] < value:
                    nxt[(i, o)] = (value, until, [*chosen, (start, heard)])
        states = nxt
    return max(states.values(), key=lambda s: s[0])[2]


def matched_length(piece: NDArray[np.floating], ref: Played, start: float) -> float:
    """Seconds from ``start`` during which the reference goes on sounding like ``piece``.

    Onset envelopes are compared over 4 s windows every second (allowing ±30 ms of
    drift); the piece is over at the first two windows in a row that do not match.
    """
    # Envelopes on the piece's own frame grid: rises are sharp, half a hop apart
    # they no longer line up.
    first = max(0, round(start * ref.rate))
    own = envelope(piece, ref.rate)
    env = envelope(ref.audio[first : first + len(piece) + 10 * ref.hop], ref.rate)
    n = min(len(env), len(own))
    size, step, misses = round(4.0 / HOP), round(1.0 / HOP), 0
    for a in range(0, max(0, n - size) + 1, step):
        x = own[a : a + size] - own[a : a + size].mean()
        best = 0.0
        for lag in range(-3, 4):
            if a + lag < 0 or a + lag + size > len(env):
                continue
            y = env[a + lag : a + lag + size]
            y = y - y.mean()
            norm = float(np.linalg.norm(x) * np.linalg.norm(y))
            if norm > 0:
                best = max(best, float(np.dot(x, y)) / norm)
        misses = misses + 1 if best < 0.3 else 0
        if misses >= 2:
            return (a - step) * HOP
    return (n - size * misses) * HOP if n > size else n * HOP


def played_length(
    piece: NDArray[np.floating], reference: NDArray[np.floating], rate: int, start: float
) -> float:
    """Seconds of ``piece`` played from ``start`` in ``reference`` before it stopped.

    The piece stopped where the reference falls silent for half a second while the
    file still sounds (the guide moved on early); otherwise it played to its end.
    """
    return played_on(piece, Played(reference, rate), start)


def played_on(piece: NDArray[np.floating], ref: Played, start: float) -> float:
    """`played_length` on a prepared reference."""
    rate, reference = ref.rate, ref.audio
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
    stopped = (ref_db < ref.quiet) & (piece_db > -50.0)
    need = int(0.5 * rate / hop)
    run = 0
    for i, gone in enumerate(stopped):
        run = run + 1 if gone else 0
        if run >= need:
            return (i - run + 1) * hop / rate
    return min(full, n * hop / rate) if n * hop < len(piece) else full


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

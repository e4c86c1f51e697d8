"""Where one piece ends and the next begins, found in a recording of what was played.

Used for pieces without a linked file: only the program's nominal durations and the
reference say where they are. Candidate boundaries come from the reference itself: the
end of a silence (pieces played with a gap, or after a fade-out), a sudden dip of the
level (one recording ending into the next), and a change of sound (`gim.audio.novelty`:
a new recording brings another key, scoring, loudness and room), each with a strength;
the program's own timing adds boundaries of no strength. A dynamic programme chooses
one start per played piece, trading the strengths against how far the lengths they
imply stray from the nominal ones (a piece may stop early, rarely by much straight into
the next; longer is rarely right; the session may end before the program). A change
of sound is placed on the new piece's onset, a silence's end on its first sound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gim.audio.novelty import COARSE, FINE, features, novelty, onsets

CONTEXT = 3.0
"""Seconds of sound compared either side of a possible boundary."""
REWARD = 6.0
"""Cost units a boundary of strength 1 is worth (one unit: a deviation of ~1.4 σ)."""
EARLY = 2.5
"""Cost of a piece stopped early (or not played), whatever its played length."""
FRAGMENT = 6.0
"""Extra cost of a piece that played less than a quarter of its length (rarely done)."""
ABRUPT = 2.0
"""Extra cost of a piece stopped early straight into the next: stopping fades out."""


@dataclass(frozen=True)
class Boundary:
    """A place in the reference where a new piece may start."""

    start: float
    """Seconds: where the new piece begins (its first onset)."""
    end: float
    """Seconds: where the sound before it stopped (a silence's start, else ``start``)."""
    strength: float
    """0..1: how clearly the reference changes here."""


def level_db(audio: NDArray[np.floating], rate: int, hop: float = FINE) -> NDArray[np.float64]:
    """Mean power in dB per ``hop`` seconds (floored at -120 dB)."""
    n_hop = max(1, int(hop * rate))
    n = len(audio) // n_hop
    x = np.asarray(audio[: n * n_hop], np.float64).reshape(n, n_hop)
    return np.asarray(np.maximum(10 * np.log10(np.mean(x * x, axis=1) + 1e-12), -120.0))


def silence_threshold(db: NDArray[np.float64]) -> float:
    """dB below which the reference counts as silent.

    Digital silence is below -65 dB; a reference recorded through a mixer has a noise
    floor instead, so a stretch within 6 dB of the quietest moments also counts, as long
    as it is far below the music (a quiet passage is not a silence).
    """
    if not len(db):
        return -65.0
    floor = float(np.percentile(db, 2))
    music = float(np.median(db))
    # Under -90 dB nothing is audible, whatever the rest of the recording holds.
    return max(min(max(-65.0, floor + 6.0), music - 25.0), -90.0)


def silences(
    db: NDArray[np.float64], hop: float = FINE, min_gap: float = 0.2
) -> list[tuple[float, float]]:
    """(start, end) seconds of each silence of at least ``min_gap`` (``db`` per ``hop``)."""
    quiet = np.concatenate([[False], db < silence_threshold(db), [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = edges.reshape(-1, 2)
    return [(a * hop, b * hop) for a, b in runs if (b - a) * hop >= min_gap]


def candidates(
    audio: NDArray[np.floating], rate: int, after: float = 0.0
) -> tuple[list[Boundary], float, float]:
    """Possible piece starts in ``audio``, and where its sound begins (from ``after``, less
    half a second; ``after`` itself when the sound begins within 2 s of it: the file's
    own lead-in) and ends, in seconds.

    Every silence's end is a candidate (stronger the longer the silence, full from 2 s);
    so is every sudden dip of the level (the end of one recording and the lead-in of
    the next, played back to back), and every peak of the change-of-sound curve, placed
    where the sound changes most on a short scale within 0.6 s of it (the new piece's
    onset). Where these coincide (within 0.5 s) the first kinds place it.
    """
    db = level_db(audio, rate)
    thr = silence_threshold(db)
    sounding = np.flatnonzero(db >= thr)
    sounding = sounding[sounding >= (after - 0.5) / FINE]
    if not len(sounding):
        return [], 0.0, 0.0
    first, last = _back(db, int(sounding[0])) * FINE, (sounding[-1] + 1) * FINE
    if 0 < after <= first + 0.5 and first < after + 2.0:
        first = after  # a start given by the guide, where the music begins: theirs
    quiet = _at_silences(db)
    out: list[Boundary] = []
    for bound in [*quiet, *_at_dips(db), *_at_changes(audio, rate)]:
        if not first < bound.start < last:
            continue
        # A piece starts with sound: a change into a silence is the end of one.
        if any(a - 0.5 <= bound.start < b for a, b in ((q.end, q.start) for q in quiet)):
            continue
        near = [i for i, b in enumerate(out) if abs(b.start - bound.start) <= 0.5]
        if not near:
            out.append(bound)
            continue
        b = out[near[0]]
        out[near[0]] = Boundary(b.start, b.end, max(b.strength, bound.strength))
    return sorted(out, key=lambda b: b.start), first, last


def _at_silences(db: NDArray[np.float64]) -> list[Boundary]:
    """A start where each silence ends (on the soft opening's first sound)."""
    out = []
    for a, b in silences(db):
        strength = min(1.0, 0.4 + 0.3 * (b - a))
        b = max(a, _back(db, round(b / FINE)) * FINE)
        out.append(Boundary(b, a, strength))
    return out


def _at_dips(db: NDArray[np.float64], depth: float = 20.0) -> list[Boundary]:
    """A start at each sudden dip: ``depth`` dB under the level around it (±2 s) for at
    least 50 ms, shorter than half a second. Music rarely drops that far that briefly (a
    hall's reverberation fills its rests); one recording ending into another does. The
    start is where the level dropped: the new file's lead-in is part of it."""
    from scipy.ndimage import median_filter

    if len(db) < 10:
        return []
    coarse = db[: len(db) // 5 * 5].reshape(-1, 5).mean(axis=1)
    around = np.repeat(median_filter(coarse, size=81, mode="nearest"), 5)
    around = np.concatenate([around, np.full(len(db) - len(around), around[-1])])
    low = np.concatenate([[False], db < around - depth, [False]])
    edges = np.flatnonzero(np.diff(low.astype(np.int8))).reshape(-1, 2)
    out = []
    for a, b in edges:
        if b - a >= 5 and (b - a) * FINE < 0.5:
            drop = float(np.median(around[a:b]) - np.min(db[a:b]))
            out.append(Boundary(a * FINE, a * FINE, min(0.9, 0.3 + drop / 50.0)))
    return out


def _at_changes(audio: NDArray[np.floating], rate: int) -> list[Boundary]:
    """A start at each clear peak of the change-of-sound curve (over four times its
    median, the highest within 0.5 s), on the strongest short-scale change near it."""
    curve = novelty(features(audio, rate), round(CONTEXT / COARSE))
    flux = onsets(audio, rate)
    reach = round(0.5 / COARSE)
    typical = float(np.median(curve[curve > 0])) if np.any(curve > 0) else 0.0
    peaks = [
        i
        for i in range(1, len(curve) - 1)
        if curve[i] > 4 * typical and curve[i] >= curve[max(0, i - reach) : i + reach + 1].max()
    ]
    out = []
    for i in peaks:
        # Evidence grows with how unusual the change is for this recording: none at 4
        # times its typical change (music changes its sound all the time), certain
        # at 20 times (a new recording differs in many ways at once).
        strength = float(min(1.0, np.log(curve[i] / (4 * typical)) / np.log(5.0)))
        at = refine(flux, i * COARSE, 0.6)
        out.append(Boundary(at, at, strength))
    return out


def _back(db: NDArray[np.float64], at: int) -> int:
    """The frame where the sound that rises over the silence threshold at ``at`` began:
    a soft opening starts under the threshold, above the floor (at most 1 s back)."""
    floor = max(float(np.percentile(db, 2)) + 10.0, -90.0)
    k = at
    while k > 0 and at - k < round(1.0 / FINE) and db[k - 1] > floor:
        k -= 1
    return k


def refine(flux: NDArray[np.float64], at: float, reach: float) -> float:
    """The strongest change (`onsets`) within ``reach`` seconds of ``at`` (seconds)."""
    lo = max(0, round((at - reach) / FINE))
    hi = min(len(flux), round((at + reach) / FINE) + 1)
    if hi <= lo:
        return at
    return (lo + int(np.argmax(flux[lo:hi]))) * FINE


def length_cost(
    played: NDArray[np.float64], nominal: float, gapless: NDArray[np.bool_] | bool = False
) -> NDArray[np.float64]:
    """Cost of a piece of ``nominal`` seconds having played ``played`` seconds.

    Normal around the nominal length (σ = 2 s + 3%: programs list another recording's
    timing, a little off); shorter costs at most `EARLY` (the guide moved on, at any
    point), more for a fragment (`FRAGMENT`) or a stop straight into the next piece
    (`ABRUPT`, when ``gapless``); longer only the normal cost (a piece rarely plays
    longer than it is).
    """
    sigma = 2.0 + 0.03 * nominal
    x = (played - nominal) / sigma
    cost = 0.5 * x * x
    early = EARLY + FRAGMENT * (played < 0.25 * nominal) + ABRUPT * np.asarray(gapless)
    return np.asarray(np.where(played < nominal, np.minimum(cost, early), cost))


def _timed(
    firm: Sequence[Boundary], durations: Sequence[float], last: float, gap: float
) -> list[Boundary]:
    """Where the program's own timing puts the next pieces, counted from each firm start
    (the opening, a found piece, the end of a clear silence): boundaries of no strength,
    kept where nothing in the reference marks one near them."""
    out: dict[int, Boundary] = {}
    for base in [b.start for b in firm if b.strength >= 0.7]:
        for i in range(len(durations)):
            t = base
            for d in durations[i : i + 2]:  # the next piece or two
                t += d + gap
                if t < last:
                    out.setdefault(round(t / COARSE), Boundary(t, t - gap, 0.0))
    return list(out.values())


def choose(
    bounds: Sequence[Boundary],
    durations: Sequence[float],
    first: float,
    last: float,
    anchors: Sequence[float | None] = (),
    known: Sequence[float | None] = (),
    gap: float = 0.0,
) -> list[tuple[float, float] | None]:
    """(start, played length) of each piece, None for pieces not played.

    Args:
        bounds: candidate starts (`candidates`), in time order.
        durations: each piece's nominal length (seconds).
        first: where the sound begins: the first piece starts there unless anchored.
        last: where the sound ends.
        anchors: a known start per piece (found by its file), or None.
        known: how long each anchored piece went on sounding like its file (seconds):
            the next piece starts no earlier than 4 s before that ends.
        gap: the program's silence between pieces (seconds).
    """
    n = len(durations)
    anchors = list(anchors) + [None] * (n - len(anchors))
    known = list(known) + [None] * (n - len(known))
    fit = _Fit(durations, known)
    opening = Boundary(first, first, 1.0)
    cands = [opening, *[b for b in bounds if first < b.start < last]]
    # A piece found by its file starts exactly there.
    cands += [Boundary(at, at, 1.0) for at in anchors if at is not None]
    cands += _timed(cands, durations, last, gap)
    cands.sort(key=lambda b: b.start)
    # No piece plays much longer than the longest nominal one (keeps the work linear).
    longest = max([*durations, *(h for h in known if h is not None)]) * 1.3 + 120.0
    grid = _Grid.of(cands, longest)
    cost, back = _forward(grid, fit, anchors, cands.index(opening))
    return _best(grid, fit, cost, back, anchors, last)


@dataclass
class _Fit:
    """What a piece's played length costs: nominal, or measured from its file."""

    durations: Sequence[float]
    known: Sequence[float | None]

    def __call__(
        self, i: int, played: NDArray[np.float64], gapless: NDArray[np.bool_] | bool
    ) -> NDArray[np.float64]:
        heard = self.known[i]
        if heard is None:
            return length_cost(played, self.durations[i], gapless)
        # Measured, not nominal: little room either way (never impossible: a measure
        # can be off, and one impossible step would leave no placement at all).
        cost = 0.5 * ((played - heard) / 2.0) ** 2
        return np.asarray(np.where(played < heard - 4.0, 50.0 + cost, cost))


@dataclass
class _Grid:
    """The candidates as arrays, and the pairs (j, k) of a piece starting at candidate
    j with the next at candidate k."""

    starts: NDArray[np.float64]
    ends: NDArray[np.float64]
    gain: NDArray[np.float64]
    inside: NDArray[np.float64]
    """Cumulated cost of the silences passed over, per candidate."""
    gapless: NDArray[np.bool_]
    J: NDArray[np.int_]
    K: NDArray[np.int_]
    span: NDArray[np.float64]
    passed: NDArray[np.float64]
    """Cost of the silences strictly between each pair."""

    @classmethod
    def of(cls, cands: Sequence[Boundary], longest: float) -> _Grid:
        """The grid of ``cands``; no pair longer than ``longest`` seconds."""
        starts = np.array([b.start for b in cands])
        ends = np.array([b.end for b in cands])
        gain = REWARD * np.array([b.strength for b in cands])
        # A silence inside a piece is unusual: passing over one costs half its reward.
        silent = np.array([b.end < b.start for b in cands], float) * gain / 2
        inside = np.concatenate([[0.0], np.cumsum(silent)])
        m = len(cands)
        lo = np.searchsorted(starts, ends - longest)
        count = np.maximum(np.arange(m) - lo, 0)
        K = np.repeat(np.arange(m), count)
        J = np.arange(len(K)) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
        span = ends[K] - starts[J]
        keep = span > 0
        J, K, span = J[keep], K[keep], span[keep]
        passed = np.maximum(inside[K] - inside[J + 1], 0.0)
        return cls(starts, ends, gain, inside, ends >= starts, J, K, span, passed)


def _forward(
    grid: _Grid, fit: _Fit, anchors: Sequence[float | None], zero: int
) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """The cheapest cost of piece i starting at each candidate, and where piece i-1
    started on that way (``zero``: the opening candidate)."""
    n, m = len(anchors), len(grid.starts)
    J, K = grid.J, grid.K
    allowed = np.ones((n, m), bool)
    for i, at in enumerate(anchors):
        if at is not None:
            allowed[i] = grid.starts == at
    cost = np.full((n, m), np.inf)
    back = np.zeros((n, m), int)
    # The first piece starts where the sound does, unless its file placed it.
    cost[0] = np.where(allowed[0], 0.0, np.inf) if anchors[0] is not None else cost[0]
    if anchors[0] is None:
        cost[0, zero] = 0.0
    for i in range(1, n):
        step = cost[i - 1][J] + fit(i - 1, grid.span, grid.gapless[K]) + grid.passed
        step = step - grid.gain[K]
        # The cheapest way into each k: sort by (k, cost), take each k's first.
        order = np.lexsort((step, K))
        firsts = order[np.flatnonzero(np.diff(np.concatenate([[-1], K[order]])))]
        back[i, K[firsts]] = J[firsts]
        cost[i, K[firsts]] = np.where(allowed[i, K[firsts]], step[firsts], np.inf)
    return cost, back


def _best(
    grid: _Grid,
    fit: _Fit,
    cost: NDArray[np.float64],
    back: NDArray[np.int_],
    anchors: Sequence[float | None],
    last: float,
) -> list[tuple[float, float] | None]:
    """The cheapest placement ending anywhere from the last anchored piece on, followed
    back (None for pieces not played)."""
    n, m = cost.shape
    starts, ends, inside = grid.starts, grid.ends, grid.inside
    must = max([i for i, at in enumerate(anchors) if at is not None], default=0)
    total = np.full((n, m), np.inf)
    for i in range(must, n):
        tail = last - starts
        passed_tail = inside[m] - inside[1 : m + 1]
        # The session may end before the program does: one decision, whatever is left.
        total[i] = cost[i] + fit(i, tail, False) + passed_tail + EARLY * (i < n - 1)
        total[i][tail <= 0] = np.inf
    if not np.isfinite(total).any():
        return [None] * n
    flat = int(np.argmin(total))
    i, j = flat // m, flat % m
    out: list[tuple[float, float] | None] = [None] * n
    out[i] = (float(starts[j]), float(last - starts[j]))
    while i > 0:
        k, j = j, int(back[i][j])
        i -= 1
        out[i] = (float(starts[j]), float(ends[k] - starts[j]))
    return out

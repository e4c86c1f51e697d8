"""Where one piece ends and the next begins, found in a recording of what was played.

Used for pieces without a linked file: only the program's nominal durations and the
reference say where they are. Candidate boundaries come from the reference itself: the
end of a silence (pieces played with a gap, or after a fade-out), and a change of sound
(pieces played back to back: a new recording brings another key, scoring, loudness and
room). A dynamic programme then chooses one start per played piece, trading each
boundary's strength against how far the lengths it implies stray from the nominal ones
(a piece may stop early; longer is rarely right; the last pieces may not be played at
all). Each chosen start is finally moved to the new piece's first onset at 10 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

COARSE = 0.1
"""Seconds per frame of the change-of-sound curve."""
FINE = 0.01
"""Seconds per frame of the level and onset curves."""
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
    out: list[Boundary] = []
    for base in [b.start for b in firm if b.strength >= 0.7]:
        for i in range(len(durations)):
            t = base
            for d in durations[i:]:
                t += d + gap
                if t >= last:
                    break
                out.append(Boundary(t, t - gap, 0.0))
    return out


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

    def fit(
        i: int, played: NDArray[np.float64], gapless: NDArray[np.bool_] | bool
    ) -> NDArray[np.float64]:
        heard = known[i]
        if heard is None:
            return length_cost(played, durations[i], gapless)
        # Measured, not nominal: little room either way.
        return np.where(played < heard - 4.0, np.inf, 0.5 * ((played - heard) / 2.0) ** 2)

    opening = Boundary(first, first, 1.0)
    cands = [opening, *[b for b in bounds if first < b.start < last]]
    # A piece found by its file starts exactly there.
    cands += [Boundary(at, at, 1.0) for at in anchors if at is not None]
    cands += _timed(cands, durations, last, gap)
    cands.sort(key=lambda b: b.start)
    zero = cands.index(opening)
    starts = np.array([b.start for b in cands])
    ends = np.array([b.end for b in cands])
    gain = REWARD * np.array([b.strength for b in cands])
    # A silence inside a piece is unusual: passing over one costs half its reward.
    silent = np.array([b.end < b.start for b in cands], float) * gain / 2
    inside = np.concatenate([[0.0], np.cumsum(silent)])
    gapless = ends >= starts
    m = len(cands)
    allowed = np.ones((n, m), bool)
    for i, at in enumerate(anchors):
        if at is not None:
            allowed[i] = starts == at
    # span[j, k]: piece starting at candidate j, next at candidate k (> j).
    span = ends[None, :] - starts[:, None]
    passed = inside[None, :m] - inside[1 : m + 1, None]  # silences strictly between j and k
    cost = np.full((n, m), np.inf)
    back = np.zeros((n, m), int)
    # The first piece starts where the sound does, unless its file placed it.
    cost[0] = np.where(allowed[0], 0.0, np.inf) if anchors[0] is not None else cost[0]
    if anchors[0] is None:
        cost[0, zero] = 0.0
    for i in range(1, n):
        step = cost[i - 1][:, None] + fit(i - 1, span, gapless[None, :]) + np.maximum(passed, 0)
        step = np.where(span > 0, step, np.inf) - gain[None, :]
        back[i] = np.argmin(step, axis=0)
        cost[i] = np.where(allowed[i], step[back[i], np.arange(m)], np.inf)
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

"""Two voices told apart in a recording's embedded windows, or one voice heard.

The windows are 1 s of speech every 0.5 s (`gim.passes.speakers.line_windows`). Split two
ways by k-means, one voice's windows come out nearly as far apart as two voices' (1 s of a
voice under music says little: the disfluent set's one voice split 0.78 apart, two voices
0.72-0.74): whether there are two voices is judged on pieces instead, the windows of up to
`PIECE` seconds of one line averaged, where one voice split in two stays 0.88-0.97 alike and
two voices 0.64-0.74 (bench speakers' mixes, 1.5-4 s pieces alike).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gim.transcribe.voice import DIM

TRIES = 30
"""Starting pairs tried when telling two voices apart without a profile."""
SMALLEST = 0.03
"""The smaller voice's least share of the windows when telling two voices apart."""
PIECE = 2.5
"""Seconds of a line's windows averaged into one piece to judge one voice or two."""
SAME_PIECES = 0.82
"""Two clusters of pieces whose centroids are closer than this are one voice. Measured on
the bench's mixes (4 pairs x 0/-5 dB and 3 more pairs at 0 dB, the guide speaking or not,
on the true utterances): one voice split in two 0.88-0.97 apart, two voices 0.64-0.78
(two women, LibriSpeech 3331 and 367, the closest); 1 s windows alone: one voice 0.78-0.93,
two 0.65-0.74, no gap."""


@dataclass
class Windows:
    """Embedded windows of speech: spans (n, 2) in seconds and unit embeddings (n, `DIM`)."""

    spans: np.ndarray
    emb: np.ndarray

    @classmethod
    def none(cls) -> Windows:
        """No windows."""
        return cls(np.zeros((0, 2)), np.zeros((0, DIM), np.float32))


@dataclass(frozen=True)
class Split:
    """Two clusters of a recording's voice: centroids, their similarity, seconds each."""

    one: np.ndarray
    two: np.ndarray
    apart: float
    seconds: tuple[float, float]

    @property
    def two_voices(self) -> bool:
        """Whether the two clusters are two voices (not one voice split in two)."""
        return self.apart <= SAME_PIECES


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to length one."""
    return v / max(float(np.linalg.norm(v)), 1e-9)


def refine(emb: np.ndarray, guide: np.ndarray, client: np.ndarray, anchor: float) -> tuple:
    """Two centroids refined on the windows (k-means); the guide's kept near its profile.

    Args:
        emb: window embeddings.
        guide: the guide's starting centroid.
        client: the client's starting centroid.
        anchor: weight of the starting guide centroid in each update (0 for plain k-means).
    """
    g0, g, c = guide, guide, client
    for _ in range(8):
        margin = emb @ g - emb @ c
        is_g = margin > 0
        if is_g.any():
            g = unit(anchor * g0 + (1 - anchor) * unit(emb[is_g].mean(0)))
        if (~is_g).any():
            c = unit(emb[~is_g].mean(0))
    return g, c


def two_clusters(emb: np.ndarray, tries: int = TRIES) -> tuple[np.ndarray, np.ndarray]:
    """Two voice centroids of the embeddings: k-means from ``tries`` pairs of them (the same
    pairs every time), the split whose centroids are farthest apart kept, among those whose
    smaller side has a few members at least (the guide often speaks a tenth of the time).

    Started from the pair farthest apart, k-means split one voice by its music residue
    (centroids 0.75 apart) where the two voices' own split was 0.70 apart; the tightest
    split (k-means' own measure) cuts the client in two when the guide speaks little."""
    rng = np.random.default_rng(0)
    least = max(3, int(SMALLEST * len(emb)))
    best, found = np.inf, refine(emb, emb[0], emb[-1], anchor=0.0)
    for _ in range(tries):
        i, j = rng.choice(len(emb), 2, replace=False)
        one, two = refine(emb, emb[i], emb[j], anchor=0.0)
        is_one = emb @ one > emb @ two
        apart = float(one @ two)
        if min(is_one.sum(), (~is_one).sum()) >= least and apart < best:
            best, found = apart, (one, two)
    return found


def pieces(win: Windows, most: float = PIECE) -> tuple[np.ndarray, np.ndarray]:
    """Unit means of runs of overlapping windows (one line's), cut every ``most`` seconds,
    and each piece's seconds."""
    order = np.argsort(win.spans[:, 0], kind="stable")
    groups: list[list[int]] = []
    begun = end = -np.inf
    for i in order:
        a, b = win.spans[i]
        if a >= end or b - begun > most:  # a pause between lines, or the piece is full
            groups.append([])
            begun = a
        groups[-1].append(int(i))
        end = max(end, b) if len(groups[-1]) > 1 else b
    emb = np.array([unit(win.emb[g].mean(0)) for g in groups]).reshape(-1, win.emb.shape[1])
    seconds = np.array([win.spans[g, 1].max() - win.spans[g, 0].min() for g in groups])
    return emb, seconds


def split_voices(win: Windows) -> Split | None:
    """The recording's voice split in two clusters of pieces (None: too few to split)."""
    emb, seconds = pieces(win)
    if len(emb) < 2:
        return None
    one, two = two_clusters(emb)
    is_one = emb @ one > emb @ two
    return Split(one, two, float(one @ two), (seconds[is_one].sum(), seconds[~is_one].sum()))

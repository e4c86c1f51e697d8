"""Whose words: each line labelled guide or client from the voices in the recording.

Windows of speech inside the lines (1 s every 0.5 s, or the whole line when shorter) are
embedded (``gim.transcribe.voice``). Two voice centroids are found: the guide's starts
from a profile (enrolled, or the induction of this session) and the client's from the
windows least like it; both are refined on this recording's own windows (the room and the
microphone change a voice). Without a profile, two clusters: the guide is the one that
speaks in the induction, or else the one that speaks less. Each word gets the margin
between its windows' similarities to the two voices; a two-state path over the words of
a line (switching costs less across a pause) splits the line where the voice changes.
A client's words in the guide's column are the worse error, so the guide needs a margin.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from gim.core.session import Segment, Speaker, Word
from gim.transcribe.voice import RATE, VoiceEncoder

WINDOW = 1.0
"""Seconds of speech per embedding."""
HOP = 0.5
"""Seconds between windows (0.25 s cost twice the time for no measured gain)."""
GUIDE_BIAS = 0.04
"""Margin (cosine) the guide's voice must win by: the client is the default."""
SWITCH_COST = 0.25
"""Cost of a voice change between two words with no pause (summed margins)."""
SCALE = 0.06
"""Margin at which the confidence reaches about 73% (logistic scale)."""
UNSURE = 0.7
"""Below this confidence a line is flagged 'speaker unsure'."""
VOICE_MATCH = 0.55
"""Mean similarity to the guide's profile above which a one-voice recording is the guide's
(1 s windows in a room against a profile enrolled dry: the guide 0.53-0.64, another voice
0.43-0.53)."""
TRIES = 30
"""Starting pairs tried when telling two voices apart without a profile."""
SMALLEST = 0.03
"""The smaller voice's least share of the windows when telling two voices apart."""
SAME_VOICE = 0.74
"""Two cluster centroids closer than this are one voice: everything is the client's.
Measured on 1 s windows: one voice 0.76-0.96 (the disfluent set's whispered, creaky and
falsetto styles lowest), two voices 0.64-0.70."""


class LabelMethod(StrEnum):
    """How the labels were made (said in the transcript's header)."""

    ENROLLED = "enrolled voice profile"
    INDUCTION = "the induction's voice"
    CLUSTERS = "two voices told apart"
    ONE_VOICE = "one voice heard"


@dataclass
class Windows:
    """Embedded windows of speech: spans (n, 2) in seconds and unit embeddings (n, 256)."""

    spans: np.ndarray
    emb: np.ndarray


def line_windows(segments: list[Segment], audio: np.ndarray, encoder: VoiceEncoder) -> Windows:
    """Embed the speech windows of every line of ``audio`` (16 kHz, times in its seconds)."""
    spans: list[tuple[float, float]] = []
    for s in segments:
        start, end = max(0.0, s.start), min(len(audio) / RATE, s.end)
        if end - start < 0.3:
            continue
        if end - start <= WINDOW:
            # quantised to 0.1 s so that short lines batch together
            spans.append((start, start + max(0.3, np.floor((end - start) * 10) / 10)))
            continue
        n = int(np.ceil((end - start - WINDOW) / HOP)) + 1
        for k in range(n):
            a = min(start + k * HOP, end - WINDOW)
            spans.append((a, a + WINDOW))
    stretches = [audio[int(a * RATE) : int(a * RATE) + round((b - a) * RATE)] for a, b in spans]
    emb = encoder.embed_stretches(stretches) if stretches else np.zeros((0, 256), np.float32)
    return Windows(np.array(spans, dtype=float).reshape(-1, 2), emb)


def _unit(v: np.ndarray) -> np.ndarray:
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
            g = _unit(anchor * g0 + (1 - anchor) * _unit(emb[is_g].mean(0)))
        if (~is_g).any():
            c = _unit(emb[~is_g].mean(0))
    return g, c


def two_clusters(emb: np.ndarray, tries: int = TRIES) -> tuple[np.ndarray, np.ndarray]:
    """Two voice centroids of the windows: k-means from ``tries`` pairs of windows (the same
    pairs every time), the split whose centroids are farthest apart kept, among those whose
    smaller side has a few windows at least (the guide often speaks a tenth of the time).

    Started from the pair of windows farthest apart, k-means split one voice by its music
    residue (centroids 0.75 apart) where the two voices' own split was 0.70 apart; the
    tightest split (k-means' own measure) cuts the client in two when the guide speaks
    little."""
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


def centroids(
    win: Windows,
    profile: np.ndarray | None,
    induction: tuple[float, float] | None,
    clusters_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, LabelMethod]:
    """The guide's and the client's voice centroids, and how they were found."""
    emb = win.emb
    centre = (win.spans[:, 0] + win.spans[:, 1]) / 2 if len(emb) else np.zeros(0)
    in_induction = (
        (centre >= induction[0]) & (centre < induction[1])
        if induction
        else np.zeros(len(emb), bool)
    )
    if profile is None and in_induction.sum() >= 3 and not clusters_only:
        profile, method = _unit(emb[in_induction].mean(0)), LabelMethod.INDUCTION
    elif profile is not None:
        method = LabelMethod.ENROLLED
    else:
        method = LabelMethod.CLUSTERS
    if profile is not None:
        sim = emb @ profile
        far = emb[sim <= np.quantile(sim, 0.25)]
        # a light anchor: the room and distance move the guide's voice away from a profile
        # enrolled elsewhere (at 0.5 the client's centroid took the guide's far windows)
        g, c = refine(emb, profile, _unit(far.mean(0)), anchor=0.2)
        if float(g @ c) <= SAME_VOICE:
            return g, c, method
        # anchored to the profile, two close voices came out as one (LibriSpeech 3080 and
        # 1998: 0.73 apart); told apart without it, the profile says which is the guide
        one, two = two_clusters(emb)
        if float(one @ two) <= SAME_VOICE:
            return (one, two, method) if one @ profile >= two @ profile else (two, one, method)
        return profile, profile, LabelMethod.ONE_VOICE  # one voice: the profile says whose
    one, two = two_clusters(emb)
    if float(one @ two) > SAME_VOICE:  # one voice and nothing says whose: the client's
        nothing = np.zeros_like(one)
        return nothing, nothing, LabelMethod.ONE_VOICE
    is_one = emb @ one > emb @ two
    if in_induction.any():
        one_is_guide = is_one[in_induction].mean() >= 0.5
    else:
        one_is_guide = is_one.sum() <= (~is_one).sum()
    return (one, two, method) if one_is_guide else (two, one, method)


def word_margins(
    words: list[Word], win: Windows, g: np.ndarray, c: np.ndarray, floor: float = 0.0
) -> np.ndarray:
    """Each word's margin (guide minus client similarity) from the windows around it."""
    margin = win.emb @ g - win.emb @ c - GUIDE_BIAS - floor
    centre = (win.spans[:, 0] + win.spans[:, 1]) / 2
    half = (win.spans[:, 1] - win.spans[:, 0]) / 2
    out = np.zeros(len(words))
    for n, w in enumerate(words):
        mid = (w.start + w.end) / 2
        inside = (win.spans[:, 0] <= mid) & (win.spans[:, 1] >= mid)
        if not inside.any():
            inside = np.abs(centre - mid) == np.abs(centre - mid).min()
        weight = np.maximum(0.05, 1 - np.abs(centre[inside] - mid) / half[inside])
        out[n] = float(np.average(margin[inside], weights=weight))
    return out


def voice_path(margins: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """The most likely guide (True) / client run over the words (Viterbi, two states).

    Args:
        margins: per word, guide minus client similarity (less the guide's bias).
        gaps: per word after the first, the pause before it in seconds.
    """
    n = len(margins)
    cost = np.zeros((n, 2))
    back = np.zeros((n, 2), dtype=int)
    cost[0] = [margins[0], -margins[0]]  # state 0 client, 1 guide: cost = -support
    for k in range(1, n):
        switch = SWITCH_COST * max(0.2, 1.0 - gaps[k - 1] / 0.5)
        for state in (0, 1):
            stay, move = cost[k - 1, state], cost[k - 1, 1 - state] + switch
            back[k, state] = state if stay <= move else 1 - state
            support = -margins[k] if state else margins[k]
            cost[k, state] = min(stay, move) + support
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmin(cost[-1]))
    for k in range(n - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    return path.astype(bool)


def confidence(margin: float) -> float:
    """How sure a label with this mean margin is, 0.5..1."""
    return float(1.0 / (1.0 + np.exp(-abs(margin) / SCALE)))


def label_line(
    segment: Segment, win: Windows, g: np.ndarray, c: np.ndarray, floor: float = 0.0
) -> list[Segment]:
    """The line with its speaker and confidence, split where the voice changes."""
    words = segment.words
    if not words:
        words = [Word(segment.start, segment.end, segment.text)]
    margins = word_margins(words, win, g, c, floor)
    gaps = np.array([b.start - a.end for a, b in itertools.pairwise(words)])
    path = voice_path(margins, gaps)
    runs, begin = [], 0
    for k in range(1, len(words) + 1):
        if k == len(words) or path[k] != path[begin]:
            runs.append((begin, k))
            begin = k
    if len(runs) > 1 and not _words_are_text(segment):
        # the words do not give back the line's text: one label for the whole line, the
        # line's text kept (splitting would lose the words that have no timing)
        margin = float(margins.mean())
        return [_labelled(segment, margin > 0, margin)]
    out: list[Segment] = []
    for a, b in runs:
        is_guide = bool(path[a])
        part = segment if len(runs) == 1 else _part(segment, segment.words[a:b], len(out))
        out.append(_labelled(part, is_guide, float(margins[a:b].mean())))
    return out


def _one_voice(segments: list[Segment], win: Windows, guide: np.ndarray | None) -> list[Segment]:
    """One voice cluster (or music left in every window making them alike): each word is the
    guide's where it matches the guide's voice, else the client's; without a profile, all
    the client's."""
    if guide is None:
        return [replace(s, speaker=Speaker.CLIENT) for s in segments]
    nothing = np.zeros_like(guide)
    out: list[Segment] = []
    for s in segments:
        out.extend(label_line(s, win, guide, nothing, VOICE_MATCH - GUIDE_BIAS))
    return out


def _joined(words: list[Word]) -> str:
    # engines differ: faster-whisper's words carry their leading space, others not
    return " ".join(w.text.strip() for w in words if w.text.strip())


def _words_are_text(segment: Segment) -> bool:
    """Whether the words give back the line's text (letters and digits; punctuation aside)."""
    tokens = [re.findall(r"\w+", t.lower()) for t in (_joined(segment.words), segment.text)]
    return tokens[0] == tokens[1]


def _part(segment: Segment, words: list[Word], n: int) -> Segment:
    text = _joined(words)
    return replace(
        segment,
        start=words[0].start,
        end=words[-1].end,
        text=text,
        words=words,
        id=segment.id if n == 0 else None,
    )


def _labelled(segment: Segment, is_guide: bool, margin: float) -> Segment:
    conf = confidence(margin)
    flagged, reason = segment.flagged, segment.flag_reason
    if conf < UNSURE:
        flagged = True
        reason = f"{reason}; speaker unsure" if reason else "speaker unsure"
    speaker = Speaker.GUIDE if is_guide else Speaker.CLIENT
    return replace(
        segment,
        speaker=speaker,
        speaker_confidence=round(conf, 3),
        flagged=flagged,
        flag_reason=reason,
    )


def unsure(segment: Segment) -> Segment:
    """``segment`` as the client's, flagged "speaker unsure": the evidence disagrees (the
    client is the default: a client's words in the guide's column are the worse error)."""
    return _labelled(segment, is_guide=False, margin=0.0)


def label_speakers(
    segments: list[Segment],
    audio: np.ndarray,
    encoder: VoiceEncoder,
    profile: np.ndarray | None = None,
    induction: tuple[float, float] | None = None,
    clusters_only: bool = False,
) -> tuple[list[Segment], LabelMethod]:
    """Every line labelled guide or client (split where the voice changes), and how.

    Args:
        segments: the lines, with word timings where the pass has them, in ``audio`` time.
        audio: the (echo-cancelled) microphone at 16 kHz.
        encoder: the speaker model.
        profile: the guide's enrolled voice (unit embedding), if any.
        induction: the induction's span in ``audio`` seconds, where only the guide speaks.
        clusters_only: tell the voices apart without a profile (the induction then only
            says which cluster is the guide's): the benchmark's anchor.
    """
    win = line_windows(segments, audio, encoder)
    return label_windows(segments, win, profile, induction, clusters_only)


def label_windows(
    segments: list[Segment],
    win: Windows,
    profile: np.ndarray | None = None,
    induction: tuple[float, float] | None = None,
    clusters_only: bool = False,
) -> tuple[list[Segment], LabelMethod]:
    """`label_speakers` on windows already embedded."""
    if len(win.emb) < 2:
        return segments, LabelMethod.ONE_VOICE
    g, c, method = centroids(win, profile, induction, clusters_only)
    if method is LabelMethod.ONE_VOICE:
        return _one_voice(segments, win, g if np.any(g) else None), method
    out: list[Segment] = []
    for s in segments:
        out.extend(label_line(s, win, g, c))
    return out, method

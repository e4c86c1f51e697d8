"""Whose words: each line labelled guide or client from the voices in the recording.

Windows of speech inside the lines (1 s every 0.5 s, or the whole line when shorter) are
embedded (``gim.transcribe.voice``). Two voice centroids are found: the guide's starts
from a profile (enrolled, or the induction of this session) and the client's from the
windows least like it; both are refined on this recording's own windows (the room and the
microphone change a voice). Without a profile, two clusters: the guide is the one that
speaks in the induction, or else the one that speaks less. Whether two voices are heard at
all is judged on pieces of lines (`gim.passes.voice_clusters`); one voice heard is one
speaker's, the guide's only if it matches the profile. Each word gets the margin
between its windows' similarities to the two voices; a two-state path over the words of
a line (switching costs less across a pause) splits the line where the voice changes.
A client's words in the guide's column are the worse error, so the guide needs a margin.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from enum import StrEnum

import numpy as np

from gim.core.session import Segment, Speaker, Word
from gim.passes.voice_clusters import Split, Windows, refine, split_voices, unit
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
VOICE_SCALE = 0.03
"""`SCALE` for a one-voice recording's mean similarity to the profile against `VOICE_MATCH`:
0.03 off it is 73% sure (the guide's windows in a room 0.53-0.64 on average, another
voice's 0.45-0.50 in the bench's mixes)."""
SAME_VOICE = 0.74
"""Centroids anchored to a profile closer than this came out as one voice: the two voices
are then told apart without the profile (`voice_clusters.split_voices`), which names them.
Measured on 1 s windows: one voice 0.76-0.96, two voices 0.64-0.70."""


class LabelMethod(StrEnum):
    """How the labels were made (said in the transcript's header)."""

    ENROLLED = "enrolled voice profile"
    INDUCTION = "the induction's voice"
    CLUSTERS = "two voices told apart"
    ONE_VOICE = "one voice heard"


ONE = LabelMethod.ONE_VOICE


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
    if not spans:
        return Windows.none()
    stretches = [audio[int(a * RATE) : int(a * RATE) + round((b - a) * RATE)] for a, b in spans]
    return Windows(np.array(spans, dtype=float), encoder.embed_stretches(stretches))


def centroids(
    win: Windows,
    profile: np.ndarray | None,
    induction: tuple[float, float] | None,
    clusters_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, LabelMethod]:
    """The guide's and the client's voice centroids, and how they were found (one voice: the
    centroids are the guide's profile twice, or nothing when no profile says whose)."""
    emb = win.emb
    centre = (win.spans[:, 0] + win.spans[:, 1]) / 2 if len(emb) else np.zeros(0)
    in_induction = (
        (centre >= induction[0]) & (centre < induction[1])
        if induction
        else np.zeros(len(emb), bool)
    )
    if profile is None and in_induction.sum() >= 3 and not clusters_only:
        profile, method = unit(emb[in_induction].mean(0)), LabelMethod.INDUCTION
    elif profile is not None:
        method = LabelMethod.ENROLLED
    else:
        method = LabelMethod.CLUSTERS
    split = split_voices(win)
    if split is None or not split.two_voices:
        voice = profile if profile is not None else np.zeros(emb.shape[1], np.float32)
        return voice, voice, ONE
    if profile is not None:
        return (*_from_profile(emb, profile, split), method)
    if in_induction.any():
        is_one = emb @ split.one > emb @ split.two
        one_is_guide = is_one[in_induction].mean() >= 0.5
    else:
        one_is_guide = split.seconds[0] <= split.seconds[1]
    return (split.one, split.two, method) if one_is_guide else (split.two, split.one, method)


def _from_profile(emb: np.ndarray, profile: np.ndarray, split: Split) -> tuple:
    """The guide's and the client's centroids of two voices, the guide's from its profile:
    refined on the windows, lightly anchored to the profile (the room and distance move the
    guide's voice away from a profile enrolled elsewhere; at 0.5 the client's centroid took
    the guide's far windows), the client's from the quarter least like it. When they come
    out as one voice (LibriSpeech 3080 and 1998: 0.73 apart), the two clusters, the one
    nearer the profile the guide's."""
    sim = emb @ profile
    far = emb[sim <= np.quantile(sim, 0.25)]
    g, c = refine(emb, profile, unit(far.mean(0)), anchor=0.2)
    if float(g @ c) <= SAME_VOICE:
        return g, c
    one, two = split.one, split.two
    return (one, two) if one @ profile >= two @ profile else (two, one)


def window_margins(win: Windows, g: np.ndarray, c: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Each window's margin: guide minus client similarity, less the guide's bias and
    ``floor`` (above nought: the guide's)."""
    return win.emb @ g - win.emb @ c - GUIDE_BIAS - floor


def word_margins(
    words: list[Word], win: Windows, g: np.ndarray, c: np.ndarray, floor: float = 0.0
) -> np.ndarray:
    """Each word's margin (guide minus client similarity) from the windows around it."""
    margin = window_margins(win, g, c, floor)
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
    """The line with its speaker and confidence, split where the voice changes; a line
    without word times (the live pass's) by the mean of its windows' margins."""
    words = segment.words
    inside = (win.spans[:, 1] > segment.start) & (win.spans[:, 0] < segment.end)
    if not words and inside.any():
        # (one word over the whole line took the windows around its middle only: a live
        # line's 4 windows said 0.09, -0.01, 0.16, 0.16 and it was labelled by -0.01)
        margin = float(window_margins(win, g, c, floor)[inside].mean())
        return [_labelled(segment, margin > 0, margin)]
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
    """One voice heard: every line is that voice's. It is the guide's when the recording's
    windows match the guide's profile (`VOICE_MATCH` on average), else the client's, as sure
    as the recording's match says; a line whose own windows say otherwise keeps that label,
    flagged "speaker unsure". Judged word by word against the profile instead, 3% of a
    client's words (the disfluent set's, alone under the music) were taken for the guide's.
    Without a profile, all the client's."""
    if guide is None:
        return [replace(s, speaker=Speaker.CLIENT) for s in segments]
    sim = win.emb @ guide - VOICE_MATCH
    heard = float(sim.mean())
    out: list[Segment] = []
    for s in segments:
        inside = (win.spans[:, 1] > s.start) & (win.spans[:, 0] < s.end)
        agrees = not inside.any() or (float(sim[inside].mean()) >= 0) == (heard >= 0)
        out.append(_labelled(s, heard >= 0, abs(heard) * SCALE / VOICE_SCALE if agrees else 0.0))
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

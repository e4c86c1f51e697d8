"""Comparing two transcriptions of one room mix (the rolling and the whole final pass)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gim.core.session import Segment
from tests.support.roommix import RoomMix, normalise


@dataclass
class Comparison:
    """How a pass (``rolled``) compares with a reference pass (``whole``) on a room mix."""

    wer: float
    """WER of ``rolled`` against the mix's true text."""
    whole_wer: float
    """WER of ``whole`` against the true text."""
    music_words: int
    """Words of ``rolled`` in the music-only stretches."""
    whole_music_words: int
    lines_found: float
    """Share of the lines of each pass whose speech the other has a line for (worst way)."""
    words_matched: float
    """Share of ``whole``'s words found in ``rolled`` (same word, starting within 0.3 s)."""
    word_shift: float
    """Median |start difference| of the matched words (s)."""
    word_shift_p95: float


def wer(mix: RoomMix, lines: list[Segment]) -> float:
    """WER of ``lines`` against the mix's utterances."""
    import jiwer

    truth = normalise(" ".join(u.text for u in mix.utterances))
    said = normalise(" ".join(s.text for s in lines))
    return float(jiwer.wer(truth, said)) if said else 1.0


def music_words(mix: RoomMix, lines: list[Segment]) -> int:
    """Words whose middle lies in a music-only stretch of the mix."""
    music = mix.music_only()
    return sum(
        1 for s in lines for w in s.words if any(a <= (w.start + w.end) / 2 <= b for a, b in music)
    )


def _found(a: list[Segment], b: list[Segment]) -> float:
    hit = sum(any(s.start < x.end and x.start < s.end for x in b) for s in a)
    return hit / len(a) if a else 1.0


def compare(mix: RoomMix, rolled: list[Segment], whole: list[Segment]) -> Comparison:
    """Compare the lines of two passes over ``mix``."""
    words = [(w.start, normalise(w.text)) for s in rolled for w in s.words]
    shifts, matched, total = [], 0, 0
    for s in whole:
        for w in s.words:
            text = normalise(w.text)
            if not text:
                continue
            total += 1
            near = [abs(t - w.start) for t, x in words if x == text and abs(t - w.start) <= 0.3]
            if near:
                matched += 1
                shifts.append(min(near))
    return Comparison(
        wer=wer(mix, rolled),
        whole_wer=wer(mix, whole),
        music_words=music_words(mix, rolled),
        whole_music_words=music_words(mix, whole),
        lines_found=min(_found(rolled, whole), _found(whole, rolled)),
        words_matched=matched / total if total else 1.0,
        word_shift=float(np.median(shifts)) if shifts else float("nan"),
        word_shift_p95=float(np.percentile(shifts, 95)) if shifts else float("nan"),
    )

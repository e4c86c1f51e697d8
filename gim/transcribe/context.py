"""Decode speech candidates in context: Whisper hears a sentence with its pauses.

Decoding each short stretch the detectors found on its own makes Whisper guess at a
clipped phrase (stuttered or paused speech gains words). Here candidates closer than
`JOIN` seconds are decoded together, padded, over the cleaned signal, like an utterance
transcribed alone; then only the words whose middle lies inside a candidate are kept,
so nothing from the music-only or silent stretches between them survives. A candidate
no kept word falls in goes through `gim.transcribe.utterance.transcribe_candidate` on its
own (the retry without the no-speech skip, then the "possible speech" marker), so
recall stays what it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment, Word
from gim.transcribe.engine import SAMPLE_RATE, Engine
from gim.transcribe.filters import HIGH_COMPRESSION, flag_reason, repeated_ngram, words_of
from gim.transcribe.hearing import Hearing
from gim.transcribe.recall import Candidate
from gim.transcribe.utterance import (
    HOLE,
    UNSURE_REASON,
    possible_speech,
    transcribe_candidate,
    transcribe_span,
    uncovered,
)
from gim.transcribe.vad import RESIDUAL_SKIP_DB, Stretch, residual_db

JOIN = 3.0
"""Seconds: candidates closer than this are decoded together (a pause in a sentence)."""
REGION_PAD = 0.3
"""Seconds of cleaned signal added around a region."""
MAX_REGION = 28.0
"""Seconds: a region stays inside one Whisper window."""


def regions(found: list[Candidate], total: int) -> list[tuple[Stretch, list[Candidate]]]:
    """Candidates grouped into padded regions of at most `MAX_REGION` seconds."""
    groups: list[list[Candidate]] = []
    for c in found:
        last = groups[-1] if groups else None
        if (
            last
            and c.span.start - last[-1].span.end < JOIN * SAMPLE_RATE
            and c.span.end - last[0].span.start <= MAX_REGION * SAMPLE_RATE
        ):
            last.append(c)
        else:
            groups.append([c])
    pad = int(REGION_PAD * SAMPLE_RATE)
    return [
        (Stretch(max(0, g[0].span.start - pad), min(total, g[-1].span.end + pad)), g)
        for g in groups
    ]


def transcribe_in_context(
    mic: NDArray[np.float32],
    clean: NDArray[np.float32],
    found: list[Candidate],
    engine: Engine,
    hearing: Hearing,
    *,
    cancelled: bool,
    before: Callable[[Stretch], None] | None = None,
) -> list[Segment]:
    """The lines spoken in the candidates ``found``, each region decoded in one go.

    Args:
        mic: the microphone at 16 kHz.
        clean: the same after echo cancellation (``mic`` when nothing was played).
        found: the speech candidates (`gim.transcribe.recall.find_candidates`).
        engine: a loaded engine.
        hearing: who speaks, which pass, where ``mic`` starts in the session, how to
            decode (with word timing, lines are cut to the candidates by it).
        cancelled: whether the music was removed (enables the music gate).
        before: called with each region before it is decoded (progress, stop).
    """
    if cancelled:
        # The music gate: a stretch whose cleaned energy lost 20 dB is the music.
        found = [c for c in found if residual_db(mic, clean, c.span) >= RESIDUAL_SKIP_DB]
    out: list[Segment] = []
    for region, group in regions(found, len(clean)):
        if before is not None:
            before(region)
        heard = hearing.after(out[-1].text if out else hearing.previous)
        out += _Audio(mic, clean, engine, cancelled).region(region, group, heard)
    return out


@dataclass(frozen=True)
class _Audio:
    """The signal regions are decoded from, and the engine decoding them."""

    mic: NDArray[np.float32]
    clean: NDArray[np.float32]
    engine: Engine
    cancelled: bool

    def region(self, region: Stretch, group: list[Candidate], hearing: Hearing) -> list[Segment]:
        """The lines of one region: decoded whole, then each candidate no kept word falls
        in on its own (with the retry and the marker)."""
        lines, looped = _decode(self, region, group, hearing)
        if looped:
            # Whisper fell into a repetition loop over the region (a stutter, a cut-off
            # word said again and again): each stretch alone, as before, loops less.
            lines = []
        offset = hearing.offset
        kept: list[Segment] = []
        for seg in lines:
            seg.start, seg.end = round(seg.start + offset, 3), round(seg.end + offset, 3)
            seg.words = [
                Word(round(w.start + offset, 3), round(w.end + offset, 3), w.text, w.probability)
                for w in seg.words
            ]
            seg.speaker, seg.source = hearing.speaker, hearing.source
            kept.append(seg)
        for c in group:
            a, b = c.span.start / SAMPLE_RATE + offset, c.span.end / SAMPLE_RATE + offset
            if any(_inside_line(s, a, b) for s in kept):
                continue
            # Nothing heard here in context: on its own, with the retry and the marker.
            alone = hearing.after(kept[-1].text) if kept else hearing
            kept += transcribe_candidate(
                self.mic, self.clean, c, self.engine, alone, cancelled=self.cancelled
            )
        return self.fill_holes(sorted(kept, key=lambda s: s.start), group, hearing)

    def fill_holes(
        self, kept: list[Segment], group: list[Candidate], hearing: Hearing
    ) -> list[Segment]:
        """``kept`` with every heard run's stretch of `HOLE` seconds or more that no line
        covers decoded on its own (lines, or a marker): in context Whisper may write one
        line for a candidate and skip whole sentences of a hard voice in its middle."""
        pad = int(0.2 * SAMPLE_RATE)
        for c in group:
            for run in c.voiced or (c.span,):
                for hole in uncovered(kept, run, hearing.offset, HOLE):
                    part = Stretch(
                        max(c.span.start, hole.start - pad), min(c.span.end, hole.end + pad)
                    )
                    alone = hearing.after(kept[-1].text) if kept else hearing
                    extra = transcribe_span(
                        self.mic,
                        self.clean,
                        part,
                        self.engine,
                        alone,
                        cancelled=self.cancelled,
                        sure=c.sure,
                    )
                    if extra:  # none: the music gate heard only the music there
                        # What the lines decoded alone still leave out is marked.
                        left = uncovered(extra, hole, hearing.offset, HOLE)
                        extra += [possible_speech(x, hearing) for x in left]
                    kept = sorted([*kept, *extra], key=lambda s: s.start)
        return kept


def _inside_line(seg: Segment, a: float, b: float) -> bool:
    """Whether a word of ``seg`` (or the line itself, without words) lies in [a, b]."""
    if seg.words:
        return any(a <= (w.start + w.end) / 2 <= b for w in seg.words)
    return seg.start < b and seg.end > a


def _decode(
    audio: _Audio, region: Stretch, group: list[Candidate], hearing: Hearing
) -> tuple[list[Segment], bool]:
    """Whisper's lines for ``region``, cut to the words inside the candidates (seconds of
    ``clean``, offset not applied), and whether Whisper looped on a repeated phrase."""
    mic, clean, engine, cancelled = audio.mic, audio.clean, audio.engine, audio.cancelled
    base = region.start / SAMPLE_RATE
    spans = [(c.span.start / SAMPLE_RATE, c.span.end / SAMPLE_RATE, c.sure) for c in group]
    residual = min(residual_db(mic, clean, c.span) for c in group) if cancelled and group else None
    out: list[Segment] = []
    looped = False
    timed, options = hearing.word_timestamps, hearing.options
    for s in engine.transcribe(
        clean[region.start : region.end], word_timestamps=timed, options=options
    ):
        if not words_of(s.text):
            continue  # "." or "…" alone: no words, never a line (the candidate goes on alone)
        looped |= s.compression_ratio > HIGH_COMPRESSION or bool(repeated_ngram(words_of(s.text)))
        words = [
            Word(round(base + w.start, 3), round(base + w.end, 3), w.word.strip(), w.probability)
            for w in s.words
        ]
        if words:
            inside = [
                _clamped(spans, w)
                for w in words
                if _where(spans, (w.start + w.end) / 2) is not None
            ]
            if not inside:
                continue
            text = s.text.strip() if len(inside) == len(words) else " ".join(w.text for w in inside)
            start, end = inside[0].start, inside[-1].end
            sure = any(_where(spans, (w.start + w.end) / 2) for w in inside)
            probs = [w.probability for w in inside]
        else:
            start, end = base + s.start, base + s.end
            mid = _where(spans, (start + end) / 2)
            if mid is None:
                continue
            text, sure, inside, probs = s.text.strip(), mid, [], []
        reason = flag_reason(
            text,
            avg_logprob=s.avg_logprob,
            no_speech_prob=s.no_speech_prob,
            compression_ratio=s.compression_ratio,
            previous=out[-1].text if out else "",
            residual_db=residual,
        )
        if not reason and not sure:
            reason = UNSURE_REASON
        out.append(
            Segment(
                start=round(start, 3),
                end=round(end, 3),
                text=text,
                confidence=float(np.mean(probs)) if probs else float(np.exp(s.avg_logprob)),
                flagged=bool(reason),
                flag_reason=reason,
                words=inside,
            )
        )
    return out, looped


def _clamped(spans: list[tuple[float, float, bool]], word: Word) -> Word:
    """``word`` kept inside its candidate: Whisper stretches a region's first word back to
    the region's start (the padding before the voice)."""
    mid = (word.start + word.end) / 2
    a, b = next((a, b) for a, b, _ in spans if a <= mid <= b)
    start, end = max(word.start, a), min(word.end, b)
    return Word(round(start, 3), round(end, 3), word.text, word.probability)


def _where(spans: list[tuple[float, float, bool]], t: float) -> bool | None:
    """Whether the candidate holding time ``t`` is sure; None outside every candidate."""
    for a, b, sure in spans:
        if a <= t <= b:
            return sure
    return None

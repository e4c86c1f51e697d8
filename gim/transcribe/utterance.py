"""Transcribe one stretch that may be speech into transcript lines, flagged where suspect.

Shared by the live pass and the offline pipeline (final pass, ``gim transcribe``).
Recall comes first: a stretch Whisper returns nothing for is decoded again without the
no-speech skip, and when that still gives nothing it becomes a flagged marker line
(`POSSIBLE_SPEECH`) with its time span, so the guide can play it. Parts of a stretch the
detectors heard but no line covers are decoded on their own the same way.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from gim.core.checking import POSSIBLE_SPEECH
from gim.core.session import Segment, Word
from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, Engine
from gim.transcribe.filters import flag_reason, words_of
from gim.transcribe.hearing import Hearing
from gim.transcribe.recall import Candidate
from gim.transcribe.vad import RESIDUAL_SKIP_DB, Stretch, residual_db

MARKER_REASON = "possible speech Whisper could not transcribe: play it"
UNSURE_REASON = "the voice detector was unsure here: check the words"
UNCOVERED = 0.6
"""Seconds of a heard run no line covers before it is decoded on its own."""
HOLE = 1.0
"""Seconds of a heard run no line covers, even where lines cover the rest of the run,
that are decoded again on their own, or marked: the client's words are never dropped
without a trace (a hoarse voice's two sentences once fell between two lines)."""
SLACK = 0.2
"""Seconds around a line still counted as covered by it."""


def transcribe_span(
    mic: NDArray[np.float32],
    clean: NDArray[np.float32],
    span: Stretch,
    engine: Engine,
    hearing: Hearing,
    *,
    cancelled: bool,
    sure: bool = True,
    voiced: tuple[Stretch, ...] = (),
) -> list[Segment]:
    """The lines spoken in ``span``; none when it is only residual music.

    Args:
        mic: the microphone at 16 kHz.
        clean: the same after echo cancellation (``mic`` itself when nothing was played).
        span: the stretch the detectors found, in frames of ``mic``.
        engine: a loaded engine.
        hearing: who speaks, which pass, where ``mic`` starts in the session, the line
            before, how to decode.
        cancelled: whether ``clean`` had the reference removed (enables the music check).
        sure: Silero at its usual threshold heard speech here; otherwise every line is
            flagged for the guide to check.
        voiced: the runs the detectors heard inside ``span`` (for parts left uncovered).
    """
    residual = residual_db(mic, clean, span) if cancelled else None
    if residual is not None and residual < RESIDUAL_SKIP_DB:
        return []
    decode = _Decoder(clean, engine, hearing, residual)
    out = decode.lines(span, hearing.previous)
    if not out:
        return [decode.marker(span)]
    offset = hearing.offset
    pad = int(0.2 * SAMPLE_RATE)
    for run in voiced:
        whole = run.end - run.start >= UNCOVERED * SAMPLE_RATE and _covered(out, run, offset) <= 0.3
        for hole in [run] if whole else uncovered(out, run, offset, HOLE):
            part = Stretch(max(span.start, hole.start - pad), min(span.end, hole.end + pad))
            extra = decode.lines(part, out[-1].text) or [decode.marker(part)]
            out = sorted([*out, *extra], key=lambda s: s.start)
    if not sure:
        for seg in out:
            if not seg.flagged:
                seg.flagged, seg.flag_reason = True, UNSURE_REASON
    return out


def transcribe_candidate(
    mic: NDArray[np.float32],
    clean: NDArray[np.float32],
    candidate: Candidate,
    engine: Engine,
    hearing: Hearing,
    *,
    cancelled: bool,
) -> list[Segment]:
    """`transcribe_span` over one speech candidate (`gim.transcribe.recall`): its span,
    whether Silero was sure of it, and the runs heard inside it."""
    return transcribe_span(
        mic,
        clean,
        candidate.span,
        engine,
        hearing,
        cancelled=cancelled,
        sure=candidate.sure,
        voiced=candidate.voiced,
    )


def uncovered(lines: list[Segment], run: Stretch, offset: float, least: float) -> list[Stretch]:
    """The parts of ``run`` (frames; ``offset``: session seconds of frame 0) at least
    ``least`` seconds long that no line covers (with `SLACK` each side of a line)."""
    step = SAMPLE_RATE // 100
    n = max(0, (run.end - run.start) // step)
    at = offset + (run.start + (np.arange(n) + 0.5) * step) / SAMPLE_RATE
    free = np.ones(n, np.int8)
    for s in lines:
        free[(at >= s.start - SLACK) & (at <= s.end + SLACK)] = 0
    edges = np.diff(np.concatenate([[0], free, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        Stretch(run.start + int(a) * step, min(run.end, run.start + int(b) * step))
        for a, b in zip(starts, ends, strict=True)
        if (b - a) * step >= least * SAMPLE_RATE
    ]


def possible_speech(span: Stretch, hearing: Hearing) -> Segment:
    """A "possible speech" marker over ``span`` (frames from ``hearing.offset``)."""
    start, end = span.seconds
    return Segment(
        start=round(start + hearing.offset, 3),
        end=round(end + hearing.offset, 3),
        text=POSSIBLE_SPEECH,
        speaker=hearing.speaker,
        source=hearing.source,
        confidence=0.0,
        flagged=True,
        flag_reason=MARKER_REASON,
    )


def _covered(lines: list[Segment], run: Stretch, offset: float) -> float:
    """Fraction of ``run`` inside some line (with 0.2 s of slack each side)."""
    a, b = run.start / SAMPLE_RATE + offset, run.end / SAMPLE_RATE + offset
    inside = sum(max(0.0, min(b, s.end + 0.2) - max(a, s.start - 0.2)) for s in lines)
    return inside / max(b - a, 1e-9)


@dataclasses.dataclass
class _Decoder:
    clean: NDArray[np.float32]
    engine: Engine
    hearing: Hearing
    residual: float | None

    def lines(self, span: Stretch, previous: str) -> list[Segment]:
        """Whisper's lines for ``span``; again without the no-speech skip if none."""
        options = self.hearing.options
        out = self._decode(span, options, previous)
        if not out and options.no_speech_threshold is not None:
            # Whisper skips a window it judges "no speech": on a hoarse or whispered
            # voice that is a lost sentence. Decode again; flag_reason flags the guess.
            retry = dataclasses.replace(options, no_speech_threshold=None)
            out = self._decode(span, retry, previous)
        return out

    def marker(self, span: Stretch) -> Segment:
        """A flagged line saying speech may be here, with its time span."""
        return possible_speech(span, self.hearing)

    def _decode(self, span: Stretch, options: DecodeOptions, previous: str) -> list[Segment]:
        base = span.start / SAMPLE_RATE + self.hearing.offset
        limit = (span.end - span.start) / SAMPLE_RATE
        out: list[Segment] = []
        audio = self.clean[span.start : span.end]
        timed = self.hearing.word_timestamps
        for s in self.engine.transcribe(audio, word_timestamps=timed, options=options):
            if not words_of(s.text):
                continue  # "." or "…" alone is no line: the stretch gave nothing
            words = [
                Word(
                    round(base + w.start, 3), round(base + w.end, 3), w.word.strip(), w.probability
                )
                for w in s.words
            ]
            reason = flag_reason(
                s.text,
                avg_logprob=s.avg_logprob,
                no_speech_prob=s.no_speech_prob,
                compression_ratio=s.compression_ratio,
                previous=out[-1].text if out else previous,
                residual_db=self.residual,
            )
            probs = [w.probability for w in s.words]
            out.append(
                Segment(
                    start=round(base + s.start, 3),
                    end=round(base + min(s.end, limit), 3),
                    text=s.text,
                    speaker=self.hearing.speaker,
                    source=self.hearing.source,
                    confidence=float(np.mean(probs)) if probs else float(np.exp(s.avg_logprob)),
                    flagged=bool(reason),
                    flag_reason=reason,
                    words=words,
                )
            )
        return out

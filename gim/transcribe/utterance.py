"""Transcribe one VAD stretch into transcript lines, flagged where suspect.

Shared by the live pass and the offline pipeline (final pass, ``gim transcribe``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment, Source, Speaker, Word
from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, Engine
from gim.transcribe.filters import flag_reason
from gim.transcribe.vad import RESIDUAL_SKIP_DB, Span, residual_db


def transcribe_span(
    mic: NDArray[np.float32],
    clean: NDArray[np.float32],
    span: Span,
    engine: Engine,
    *,
    cancelled: bool,
    word_timestamps: bool = True,
    options: DecodeOptions | None = None,
    speaker: Speaker = Speaker.CLIENT,
    source: Source = Source.FINAL,
    offset: float = 0.0,
    previous: str = "",
) -> list[Segment]:
    """The lines spoken in ``span``; none when it is only residual music.

    Args:
        mic: the microphone at 16 kHz.
        clean: the same after echo cancellation (``mic`` itself when nothing was played).
        span: the stretch VAD found, in frames of ``mic``.
        engine: a loaded engine.
        cancelled: whether ``clean`` had the reference removed (enables the music check).
        word_timestamps: ask for word timing.
        options: decoding options.
        speaker: who the lines are attributed to.
        source: LIVE or FINAL.
        offset: session seconds of frame 0 of ``mic``.
        previous: the line before (for the repetition check).
    """
    residual = residual_db(mic, clean, span) if cancelled else None
    if residual is not None and residual < RESIDUAL_SKIP_DB:
        return []
    base = span.start / SAMPLE_RATE + offset
    limit = (span.end - span.start) / SAMPLE_RATE
    out: list[Segment] = []
    audio = clean[span.start : span.end]
    for s in engine.transcribe(audio, word_timestamps=word_timestamps, options=options):
        if not s.text:
            continue
        words = [
            Word(round(base + w.start, 3), round(base + w.end, 3), w.word.strip(), w.probability)
            for w in s.words
        ]
        reason = flag_reason(
            s.text,
            avg_logprob=s.avg_logprob,
            no_speech_prob=s.no_speech_prob,
            compression_ratio=s.compression_ratio,
            previous=out[-1].text if out else previous,
            residual_db=residual,
        )
        probs = [w.probability for w in s.words]
        out.append(
            Segment(
                start=round(base + s.start, 3),
                end=round(base + min(s.end, limit), 3),
                text=s.text,
                speaker=speaker,
                source=source,
                confidence=float(np.mean(probs)) if probs else float(np.exp(s.avg_logprob)),
                flagged=bool(reason),
                flag_reason=reason,
                words=words,
            )
        )
    return out

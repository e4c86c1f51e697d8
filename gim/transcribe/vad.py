"""Voice activity on the echo-cancelled signal: where the client may be speaking.

Silero VAD (shipped with faster-whisper as ONNX) finds speech-like stretches; a second
check compares each stretch's energy after echo cancellation with the raw microphone's:
when cancellation removed almost everything, what is left is residual music (a singer's
voice in the recording, a loud passage), not the client.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gim.transcribe.engine import SAMPLE_RATE

RESIDUAL_SKIP_DB = -20.0
"""A stretch whose cleaned energy is this far below the microphone's is music: skipped."""
RESIDUAL_FLAG_DB = -13.0
"""Below this (and above the skip level) a stretch is transcribed but flagged."""


@dataclass(frozen=True)
class Stretch:
    """A stretch of audio, in frames at 16 kHz."""

    start: int
    end: int

    @property
    def seconds(self) -> tuple[float, float]:
        """Start and end in seconds."""
        return self.start / SAMPLE_RATE, self.end / SAMPLE_RATE


def speech_spans(
    audio: NDArray[np.float32],
    *,
    threshold: float = 0.5,
    min_silence: float = 0.5,
    pad: float = 0.2,
    max_span: float = 25.0,
) -> list[Stretch]:
    """Speech stretches in float32 mono 16 kHz ``audio`` (Silero VAD).

    Args:
        audio: the echo-cancelled signal.
        threshold: speech probability above which a frame is speech.
        min_silence: a pause this long (seconds) ends an utterance.
        pad: seconds added on each side of a stretch.
        max_span: longer stretches are split (Whisper's window is 30 s).
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=250,
        min_silence_duration_ms=int(min_silence * 1000),
        speech_pad_ms=int(pad * 1000),
        max_speech_duration_s=max_span,
    )
    stamps = get_speech_timestamps(np.ascontiguousarray(audio, np.float32), options)
    return [Stretch(int(s["start"]), int(s["end"])) for s in stamps]


def residual_db(mic: NDArray[np.floating], clean: NDArray[np.floating], span: Stretch) -> float:
    """Energy of ``clean`` relative to ``mic`` over ``span`` in dB (0: nothing removed)."""
    a = np.asarray(mic[span.start : span.end], np.float64)
    b = np.asarray(clean[span.start : span.end], np.float64)
    if a.size == 0:
        return 0.0
    return float(10 * np.log10((np.mean(b * b) + 1e-12) / (np.mean(a * a) + 1e-12)))


def merge_spans(spans: list[Stretch], gap: float = 0.3, max_span: float = 25.0) -> list[Stretch]:
    """Join stretches separated by less than ``gap`` seconds, up to ``max_span`` long."""
    out: list[Stretch] = []
    for s in spans:
        if (
            out
            and (s.start - out[-1].end) < gap * SAMPLE_RATE
            and (s.end - out[-1].start) <= max_span * SAMPLE_RATE
        ):
            out[-1] = Stretch(out[-1].start, s.end)
        else:
            out.append(s)
    return out

"""One microphone channel followed live: resample, cancel the music, cut utterances.

Runs inside the live pass's child process. Audio accumulates in a buffer at 16 kHz; every
`LiveConfig.step` seconds VAD looks at the buffer, and each utterance followed by a pause
of `LiveConfig.min_silence` is transcribed and removed from the buffer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment, Source, Speaker
from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, Engine
from gim.transcribe.recall import FLOOR_WINDOW, NO_SIGNAL_DB, find_candidates, frame_db
from gim.transcribe.utterance import transcribe_span
from gim.transcribe.vad import Span

if TYPE_CHECKING:
    from gim.transcribe.live import LiveConfig

KEEP = SAMPLE_RATE
"""Frames of non-speech kept at the buffer's start (VAD needs some lead-in)."""
MAX_BUFFER = 28 * SAMPLE_RATE
"""An utterance longer than this is cut (Whisper's window is 30 s)."""


class UtteranceStream:
    """Turns one input channel into transcript lines as the client pauses."""

    def __init__(self, config: LiveConfig, channel: int, speaker: Speaker, engine: Engine) -> None:
        """Set up resamplers and the echo canceller for ``channel``."""
        import soxr

        self.config = config
        self.channel = channel
        self.speaker = speaker
        self.engine = engine
        self.options = DecodeOptions(language=config.language, beam_size=1)
        self._mic_rs: Any = soxr.ResampleStream(config.rate, SAMPLE_RATE, 1, dtype="float32")
        self._ref_rs: Any = soxr.ResampleStream(config.rate, SAMPLE_RATE, 1, dtype="float32")
        self.canceller = config.canceller(SAMPLE_RATE) if config.canceller else None
        self.mic = np.zeros(0, np.float32)
        self.clean = np.zeros(0, np.float32)
        self.base: float | None = None
        """Session seconds of buffer frame 0."""
        self._next_frame: int | None = None
        self._since_check = 0
        self._previous = ""
        self._levels = np.zeros(0, np.float64)
        """Energy (dB) of the recent cleaned frames, for the residual floor."""

    def feed(
        self, first_frame: int, mic: NDArray[np.float32], reference: NDArray[np.float32]
    ) -> list[Segment]:
        """Add a block; returns the lines of utterances that ended."""
        out: list[Segment] = []
        if self._next_frame is not None and first_frame != self._next_frame:
            out += self.finish()  # a gap in the recording ends what was being said
        if self.base is None:
            self.base = first_frame / self.config.rate
        self._next_frame = first_frame + len(mic)
        channel = mic[:, min(self.channel, mic.shape[1] - 1)] if mic.ndim == 2 else mic
        m16 = self._mic_rs.resample_chunk(np.ascontiguousarray(channel, np.float32))
        r16 = self._ref_rs.resample_chunk(np.ascontiguousarray(reference.reshape(-1), np.float32))
        self.mic = np.concatenate([self.mic, m16])
        if self.canceller is not None:
            n = min(len(m16), len(r16))
            self.clean = np.concatenate([self.clean, self.canceller.process(m16[:n], r16[:n])])
        else:
            self.clean = self.mic
        self._levels = np.concatenate([self._levels, frame_db(self.clean[-len(m16) :])])
        self._levels = self._levels[-int(FLOOR_WINDOW * SAMPLE_RATE / 512) :]
        self._since_check += len(m16)
        if self._since_check >= self.config.step * SAMPLE_RATE:
            self._since_check = 0
            out += self._check(final=False)
        return out

    def finish(self) -> list[Segment]:
        """Transcribe whatever speech is pending (end of session or a gap)."""
        if self.canceller is not None:
            self.clean = np.concatenate([self.clean, self.canceller.flush()])
        out = self._check(final=True)
        self.mic = np.zeros(0, np.float32)
        self.clean = np.zeros(0, np.float32)
        self.base, self._next_frame = None, None
        return out

    def _check(self, final: bool) -> list[Segment]:
        n = min(len(self.mic), len(self.clean))
        if n == 0 or self.base is None:
            return []
        cancelled = self.canceller is not None
        # Digital silence (before the input delivered, a padded gap) is not the room's
        # floor: counted, the room's hiss stood out as a voice (`recall.residual_floor`).
        heard = self._levels[self._levels > NO_SIGNAL_DB]
        floor = float(np.percentile(heard, 10)) if len(heard) else None
        found = find_candidates(
            self.mic[:n],
            self.clean[:n],
            cancelled=cancelled,
            pad=0.2,
            join=self.config.min_silence,
            floor_db=floor,
        )
        spans = [c.span for c in found]
        pause = int(self.config.min_silence * SAMPLE_RATE)
        pad = int(0.2 * SAMPLE_RATE)
        ended = [c for c in found if final or n - (c.span.end - pad) >= pause]
        if not final and n > MAX_BUFFER and spans and len(ended) == len(spans) - 1:
            ended = found  # cut a very long utterance
        out: list[Segment] = []
        for c in ended:
            lines = transcribe_span(
                self.mic[:n],
                self.clean[:n],
                Span(c.span.start, min(c.span.end, n)),
                self.engine,
                cancelled=cancelled,
                sure=c.sure,
                voiced=c.voiced,
                word_timestamps=False,
                options=self.options,
                speaker=self.speaker,
                source=Source.LIVE,
                offset=self.base,
                previous=self._previous,
            )
            if lines:
                self._previous = lines[-1].text
            out += lines
        if ended:
            self._drop(min(ended[-1].span.end, n))
        elif not spans:
            self._drop(max(0, n - KEEP))
        return out

    def _drop(self, frames: int) -> None:
        if frames <= 0 or self.base is None:
            return
        self.mic = self.mic[frames:]
        self.clean = self.clean[frames:] if self.canceller is not None else self.mic
        self.base += frames / SAMPLE_RATE

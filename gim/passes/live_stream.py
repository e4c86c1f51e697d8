"""One microphone channel followed live: resample, cancel the music, cut utterances.

Runs inside the live pass's child process. Audio accumulates in a buffer at 16 kHz; every
`LiveConfig.step` seconds VAD looks at the buffer, and each utterance followed by a pause
of `LiveConfig.min_silence` is transcribed and removed from the buffer.

The live canceller (Speex) takes less music out than the final pass's fit: about 18 dB
in the demo's room, give or take 3 dB from one second to the next, where
`gim.transcribe.vad.RESIDUAL_SKIP_DB` expects 20. Silero hears voices in that residual
music and Whisper wrote "Thank you." on it. So each stream measures what the canceller
leaves of the music where nobody speaks (`MusicRemoval`) and a candidate must keep
clearly more of the microphone than that (`MUSIC_MARGIN_DB`) to be transcribed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gim.audio.files import Resampler
from gim.core.session import Segment, Source, Speaker
from gim.transcribe.engine import SAMPLE_RATE, Engine, live_options
from gim.transcribe.filters import cut_loop
from gim.transcribe.hearing import Hearing
from gim.transcribe.invented import keep_out_invented
from gim.transcribe.nonverbal import in_brackets
from gim.transcribe.recall import (
    FLOOR_WINDOW,
    FRAME,
    NO_SIGNAL_DB,
    find_candidates,
    frame_db,
)
from gim.transcribe.utterance import transcribe_span
from gim.transcribe.vad import Stretch

if TYPE_CHECKING:
    from gim.passes.live import Canceller, LiveConfig
    from gim.passes.live_voices import LiveVoices

KEEP = SAMPLE_RATE
"""Frames of non-speech kept at the buffer's start (VAD needs some lead-in)."""
MAX_BUFFER = 28 * SAMPLE_RATE
"""An utterance longer than this is cut (Whisper's window is 30 s)."""
MUSIC_MARGIN_DB = 4.0
"""A candidate whose frames keep (`PERCENTILE`) less than this much more of the
microphone's energy than the music alone does is residual music: not transcribed."""
DOUBT_MARGIN_DB = 10.0
"""Below this much more, a candidate may be residual music: only lines Whisper does not
doubt are kept (no flagged line, no marker). In the demo's recordings residual music
came out up to 6.4 dB above the music alone (the canceller removes some passages less
well than others; Whisper flagged every line it wrote there) and the client's sentences
11 to 15 dB above it. The final pass, whose canceller removes far more, still hears
anything softer."""
MEASURED = 2.0
"""Seconds of music without a candidate needed before the canceller's removal is known;
until then (the canceller converging) no candidate in the music is transcribed."""
HISTORY = 30.0
"""Seconds of music-only frames the removal is measured over."""
PERCENTILE = 75
"""Which frames of a candidate are compared: speech stands out in its voiced frames, not
in the pauses and padding around them (at -10 dB under the music, the median of two
utterances kept no more than residual music does; their upper quartile did)."""
SOUNDING_DB = -60.0
"""A reference frame louder than this is music the microphone hears."""


class UtteranceStream:
    """Turns one input channel into transcript lines as the client pauses."""

    def __init__(
        self,
        config: LiveConfig,
        channel: int,
        speaker: Speaker,
        engine: Engine,
        canceller: Canceller | None = None,
    ) -> None:
        """Set up the resamplers for ``channel``; ``canceller`` (16 kHz, this stream's
        own) removes the music, None: the microphone is transcribed as it is."""
        self.config = config
        self.channel = channel
        self.speaker = speaker
        self.engine = engine
        self.hearing = Hearing(
            speaker=speaker,
            source=Source.LIVE,
            word_timestamps=False,  # a preview: the final pass times the words
            options=live_options(config.language),
        )
        self._mic_rs = Resampler(config.rate)
        self._ref_rs = Resampler(config.rate)
        self.canceller = canceller
        self.voices: LiveVoices | None = None
        """Labels the lines guide or client by voice (one microphone, a guide enrolled)."""
        self.mic = np.zeros(0, np.float32)
        self.clean = np.zeros(0, np.float32)
        self.ref = np.zeros(0, np.float32)
        """The reference at 16 kHz, aligned with ``mic``."""
        self.removal = MusicRemoval()
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
        self.ref = np.concatenate(
            [self.ref, r16[: len(m16)], np.zeros(max(0, len(m16) - len(r16)), np.float32)]
        )
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
        self.skip()
        return out

    def skip(self) -> None:
        """Forget the buffered audio without transcribing it (the live pass fell behind:
        the recording keeps it for the final pass); the next block starts afresh."""
        if self.canceller is not None:
            self.canceller.flush()  # its buffered frames belong to the skipped audio
        self.mic = np.zeros(0, np.float32)
        self.clean = np.zeros(0, np.float32)
        self.ref = np.zeros(0, np.float32)
        self.base, self._next_frame = None, None
        self._since_check = 0

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
        music = self.removal.judge(self.mic[:n], self.clean[:n], self.ref[:n], spans)
        if cancelled and not final and not music.known and any(music.heard(c.span) for c in ended):
            ended = []  # the canceller's removal is not known yet: wait for it
        out: list[Segment] = []
        for c in ended:
            excess = music.excess(c.span) if cancelled else None
            if excess is not None and excess < MUSIC_MARGIN_DB:
                continue
            lines = transcribe_span(
                self.mic[:n],
                self.clean[:n],
                Stretch(c.span.start, min(c.span.end, n)),
                self.engine,
                replace(self.hearing, offset=self.base, previous=self._previous),
                cancelled=cancelled,
                sure=c.sure,
                voiced=c.voiced,
            )
            if excess is not None and excess < DOUBT_MARGIN_DB:
                lines = [line for line in lines if not line.flagged]
            if self.voices is not None:
                lines = self.voices.label(lines, self.clean[:n], self.base)
            if lines:
                self._previous = lines[-1].text
            out += lines
        if ended:
            self._drop(min(ended[-1].span.end, n), music)
        elif not spans:
            self._drop(max(0, n - KEEP), music)
        # stock lines and guesses: one marker; a laugh spelt out: "[laughs]"; a loop cut
        out = [replace(s, text=cut_loop(s.text)) if s.flagged else s for s in out]
        return keep_out_invented(in_brackets(out), live=True)

    def _drop(self, frames: int, music: Judgement) -> None:
        if frames <= 0 or self.base is None:
            return
        self.removal.keep(music, frames)
        self.mic = self.mic[frames:]
        self.ref = self.ref[frames:]
        self.clean = self.clean[frames:] if self.canceller is not None else self.mic
        self.base += frames / SAMPLE_RATE


class Judgement:
    """One buffer's frames, seen against the music removal measured so far."""

    def __init__(
        self,
        residual: NDArray[np.float64],
        sounding: NDArray[np.bool_],
        quiet: NDArray[np.bool_],
        level: float | None,
    ) -> None:
        """Per `FRAME`: cleaned minus microphone energy (dB), whether music was playing,
        whether no candidate covers it; ``level``: the music-only removal (None: unknown)."""
        self.residual = residual
        self.sounding = sounding
        self.quiet = quiet
        self.level = level

    @property
    def known(self) -> bool:
        """Whether the music removal has been measured."""
        return self.level is not None

    def heard(self, span: Stretch) -> bool:
        """Whether music was playing in ``span``."""
        a, b = span.start // FRAME, -(-span.end // FRAME)
        return bool(self.sounding[a:b].any())

    def excess(self, span: Stretch) -> float | None:
        """How much more of the microphone ``span`` keeps than the music alone does (dB,
        `PERCENTILE` of its frames with music against the same of the music alone); None
        without music or a measured removal."""
        a, b = span.start // FRAME, -(-span.end // FRAME)
        inside = self.residual[a:b][self.sounding[a:b]]
        if self.level is None or len(inside) == 0:
            return None
        return float(np.percentile(inside, PERCENTILE)) - self.level


class MusicRemoval:
    """How much of the music the live canceller takes out, measured where nobody speaks.

    The `PERCENTILE`, per `FRAME`, of the cleaned energy minus the microphone's over the last
    `HISTORY` seconds of frames in which music played and no candidate was found.
    """

    def __init__(self) -> None:
        """Nothing measured yet."""
        self._history = np.zeros(0, np.float64)

    def judge(
        self,
        mic: NDArray[np.float32],
        clean: NDArray[np.float32],
        ref: NDArray[np.float32],
        spans: list[Stretch],
    ) -> Judgement:
        """The buffer's frames against the removal measured so far (and in its own
        music-only frames)."""
        mic_db, clean_db, ref_db = frame_db(mic), frame_db(clean), frame_db(ref)
        n = min(len(mic_db), len(clean_db), len(ref_db))
        residual = clean_db[:n] - mic_db[:n]
        sounding = (ref_db[:n] > SOUNDING_DB) & (mic_db[:n] > NO_SIGNAL_DB)
        quiet = np.ones(n, bool)
        for span in spans:
            quiet[span.start // FRAME : -(-span.end // FRAME)] = False
        measured = np.concatenate([self._history, residual[sounding & quiet]])
        enough = len(measured) * FRAME >= MEASURED * SAMPLE_RATE
        level = float(np.percentile(measured[-self._size :], PERCENTILE)) if enough else None
        return Judgement(residual, sounding, quiet, level)

    def keep(self, judgement: Judgement, frames: int) -> None:
        """Remember the music-only frames among the first ``frames`` (leaving the buffer)."""
        k = frames // FRAME
        music = judgement.residual[:k][judgement.sounding[:k] & judgement.quiet[:k]]
        self._history = np.concatenate([self._history, music])[-self._size :]

    @property
    def _size(self) -> int:
        return int(HISTORY * SAMPLE_RATE / FRAME)

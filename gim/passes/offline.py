"""The offline pass: a whole recording to transcript lines, each linked to its piece.

Cancels the music (`gim.passes.prepare`), finds speech on the cleaned signal, transcribes
each stretch with word timestamps, flags suspect lines, and (``gim transcribe``) links
each line to the piece sounding when it started (`gim.passes.placement`). Used by
``gim transcribe``, the rolling pass and the final pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gim.audio.files import read_audio, resample
from gim.config import Settings
from gim.core.clock import SessionClock
from gim.core.program import Program
from gim.core.session import Segment, Speaker
from gim.errors import GimError
from gim.passes.placement import check_reference, link_to_program
from gim.passes.prepare import Prepared, prepare, prepare_along
from gim.passes.voices import VoiceSource, label_lines
from gim.transcribe.context import transcribe_in_context
from gim.transcribe.engine import DecodeOptions, Engine
from gim.transcribe.hearing import Hearing
from gim.transcribe.invented import keep_out_invented
from gim.transcribe.nonverbal import in_brackets
from gim.transcribe.recall import Candidate, find_candidates
from gim.transcribe.utterance import transcribe_candidate
from gim.transcribe.vad import Stretch

Progress = Callable[[float], None]
"""Called with the fraction done, 0..1."""
SPEECH_PAD = 0.35
"""Seconds added around each VAD stretch offline (Silero starts late on a soft first
word; with the music removed the extra lead-in costs nothing)."""


class PassStopped(GimError):
    """A transcription pass was asked to stop before the end."""


@dataclass(frozen=True)
class Watch:
    """Who follows a pass: told how far it got, asked between speech stretches whether
    to stop."""

    progress: Progress | None = None
    """Called with the fraction done, 0..1."""
    stop: Callable[[], bool] | None = None
    """Asked between speech stretches; True ends the pass (`PassStopped`)."""

    def report(self, fraction: float) -> None:
        """Tell how far the pass got (0..1)."""
        if self.progress is not None:
            self.progress(fraction)

    def check(self) -> None:
        """Raise `PassStopped` when asked to stop."""
        if self.stop is not None and self.stop():
            raise PassStopped("The transcription was stopped before the end: nothing changed.")

    def part(self, index: int, count: int) -> Watch:
        """The watch of part ``index`` of ``count``: its progress a share of the whole."""
        if self.progress is None:
            return self
        report = self.progress
        return Watch(lambda fraction: report((index + fraction) / count), self.stop)


def transcribe_prepared(
    prepared: Prepared,
    engine: Engine,
    hearing: Hearing | None = None,
    watch: Watch | None = None,
    *,
    context: bool = True,
) -> list[Segment]:
    """Transcribe every stretch of a prepared recording that may be speech.

    Stretches only the recall detectors heard give flagged lines; one Whisper gives no
    words for becomes a flagged "possible speech" marker (`gim.transcribe.recall`), and
    so does Whisper's invented text (`gim.transcribe.invented`), adjacent markers joined.

    Args:
        prepared: the microphone and its cleaned signal.
        engine: a loaded engine.
        hearing: who speaks, which pass, where the audio starts in the session, how to
            decode (default: the client, the final pass, from 0, with word timing).
        watch: told the progress, asked whether to stop.
        context: decode candidates close together as one region and keep the words
            inside them (`gim.transcribe.context`); False decodes each stretch alone
            (the benchmark's comparison).

    Raises:
        PassStopped: when the watch said stop (nothing is kept).
    """
    hearing, watch = hearing or Hearing(), watch or Watch()
    cancelled = prepared.delay is not None
    found = find_candidates(prepared.mic, prepared.clean, cancelled=cancelled, pad=SPEECH_PAD)
    if context:
        total = len(prepared.clean) or 1

        def before(region: Stretch) -> None:
            watch.check()
            watch.report(region.start / total)

        segments = transcribe_in_context(
            prepared.mic,
            prepared.clean,
            found,
            engine,
            hearing,
            cancelled=cancelled,
            before=before,
        )
    else:
        segments = _alone(prepared, engine, found, hearing, watch)
    watch.report(1.0)
    # Whisper's stock phrases and guesses are no transcript lines: collapsed markers; a
    # laugh it spelt out is a bracketed note.
    return keep_out_invented(in_brackets(segments))


def _alone(
    prepared: Prepared, engine: Engine, found: list[Candidate], hearing: Hearing, watch: Watch
) -> list[Segment]:
    """`transcribe_prepared` with each stretch decoded on its own."""
    total = sum(c.span.end - c.span.start for c in found) or 1
    done = 0
    segments: list[Segment] = []
    for candidate in found:
        watch.check()
        heard = hearing.after(segments[-1].text) if segments else hearing
        segments += transcribe_candidate(
            prepared.mic,
            prepared.clean,
            candidate,
            engine,
            heard,
            cancelled=prepared.delay is not None,
        )
        done += candidate.span.end - candidate.span.start
        watch.report(done / total)
    return segments


@dataclass(frozen=True)
class RoomRecording:
    """A recording made elsewhere, and what is known of the music played into its room."""

    audio: Path
    """The microphone recording."""
    reference: Path | None = None
    """What was played into the room, starting with the recording."""
    program: Program | None = None
    """Link lines to this program's pieces."""
    program_start: float = 0.0
    """Seconds into the recording where the program started."""
    piece_files: tuple[Path | None, ...] | None = None
    """The audio file of each piece (None where not linked): the pieces are then found in
    the reference by their sound."""


def transcribe_file(
    recording: RoomRecording,
    engine: str = "faster-whisper",
    model: str = "bundled",
    *,
    language: str = "en",
    cache_dir: Path | None = None,
    word_timestamps: bool = True,
    progress: Progress | None = None,
    voices: VoiceSource | None = None,
) -> list[Segment]:
    """Transcribe a recording made elsewhere (the ``gim transcribe`` command).

    Args:
        recording: the recording, its reference, the program and its files.
        engine: ``faster-whisper`` or ``openai-whisper``.
        model: ``bundled``, a size name, or a local path.
        language: fixed transcription language.
        cache_dir: where converted models are kept.
        word_timestamps: ask for word timing.
        progress: called with the fraction done.
        voices: label each line guide or client by voice (split where it changes).

    Raises:
        InputError: for a missing or unreadable file.
        TranscriptionError: when the model cannot be loaded.
    """
    from gim.transcribe.engine import load_engine

    mic = resample(*read_audio(recording.audio))
    reference = None
    if recording.reference is not None:
        reference = resample(*read_audio(recording.reference, "reference file"))
    program = recording.program
    if program is not None and reference is not None and recording.reference is not None:
        check_reference(reference, recording.reference)
    prepared = prepare(mic, reference)
    hearing = Hearing(word_timestamps=word_timestamps, options=DecodeOptions(language=language))
    loaded = load_engine(engine, model, cache_dir=cache_dir)
    segments = transcribe_prepared(prepared, loaded, hearing, Watch(progress))
    if voices is not None:
        segments, _ = label_lines(segments, prepared.clean, voices)
    if program is not None:
        lag = prepared.delay.seconds if prepared.delay else 0.0
        files = list(recording.piece_files) if recording.piece_files is not None else None
        link_to_program(segments, program, reference, files, recording.program_start, lag)
    return segments


def transcribe_recording(
    folder: Path,
    settings: Settings,
    engine: Engine,
    clock: SessionClock,
    watch: Watch | None = None,
) -> list[Segment]:
    """The whole joined recording of a session folder (``mic.flac``, ``reference.flac``)
    transcribed, each speaker channel on its own, the music cancelled.

    Args:
        folder: the session folder.
        settings: language and the speakers' channels.
        engine: a loaded engine.
        clock: the session's clock (its lag over the recording seeds the music's
            removal, `gim.passes.prepare`).
        watch: told the progress, asked between speech stretches whether to stop.
    """
    watch = watch or Watch()
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    data, rate = read_audio(mic_path, "session recording")
    reference = resample(*read_audio(ref_path, "session reference")) if ref_path.is_file() else None
    lags = clock.lag_stretches(0.0, len(data) / rate) if reference is not None else []
    channels = [(settings.client_channel, Speaker.CLIENT)]
    if settings.guide_channel is not None and data.shape[1] > settings.guide_channel:
        channels.append((settings.guide_channel, Speaker.GUIDE))
    options = DecodeOptions(language=settings.language)
    segments: list[Segment] = []
    for n, (channel, speaker) in enumerate(channels):
        mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
        segments += transcribe_prepared(
            prepare_along(mic, reference, lags),
            engine,
            Hearing(speaker=speaker, options=options),
            watch.part(n, len(channels)),
        )
    return segments

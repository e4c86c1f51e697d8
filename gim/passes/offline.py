"""The offline pass: a whole recording to transcript lines, each linked to its piece.

Cancels the music (`gim.passes.prepare`), finds speech on the cleaned signal, transcribes
each stretch with word timestamps, flags suspect lines, and (``gim transcribe``) links
each line to the piece sounding when it started (`gim.passes.placement`). Used by
``gim transcribe``, the rolling pass and the final pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gim.audio.files import SAMPLE_RATE, read_audio, resample
from gim.config import Settings
from gim.core.program import Program
from gim.core.session import Segment, Source, Speaker
from gim.errors import GimError
from gim.passes.placement import (
    check_reference,
    link_playback,
    piece_starts,
    place_pieces,
    placed_clock,
)
from gim.passes.prepare import Prepared, prepare
from gim.transcribe.context import transcribe_in_context
from gim.transcribe.engine import DecodeOptions, Engine
from gim.transcribe.recall import Candidate, find_candidates
from gim.transcribe.utterance import transcribe_candidate
from gim.transcribe.vad import Span

Progress = Callable[[float], None]
"""Called with the fraction done, 0..1."""
SPEECH_PAD = 0.35
"""Seconds added around each VAD stretch offline (Silero starts late on a soft first
word; with the music removed the extra lead-in costs nothing)."""


class PassStopped(GimError):
    """A transcription pass was asked to stop before the end."""


def transcribe_prepared(
    prepared: Prepared,
    engine: Engine,
    *,
    word_timestamps: bool = True,
    options: DecodeOptions | None = None,
    speaker: Speaker = Speaker.CLIENT,
    source: Source = Source.FINAL,
    progress: Progress | None = None,
    offset: float = 0.0,
    stop: Callable[[], bool] | None = None,
    context: bool = True,
) -> list[Segment]:
    """Transcribe every stretch of a prepared recording that may be speech.

    Stretches only the recall detectors heard give flagged lines; one Whisper gives no
    words for becomes a flagged "possible speech" marker (`gim.transcribe.recall`).

    Args:
        prepared: the microphone and its cleaned signal.
        engine: a loaded engine.
        word_timestamps: ask for word timing.
        options: decoding options (fixed language and thresholds).
        speaker: who the lines are attributed to.
        source: LIVE or FINAL.
        progress: called with the fraction done.
        offset: seconds added to every time (where this audio starts in the session).
        stop: asked between speech stretches; True ends the pass early.
        context: decode candidates close together as one region and keep the words
            inside them (`gim.transcribe.context`); False decodes each stretch alone
            (the benchmark's comparison).

    Raises:
        PassStopped: when ``stop`` said so (nothing is kept).
    """
    cancelled = prepared.delay is not None
    found = find_candidates(prepared.mic, prepared.clean, cancelled=cancelled, pad=SPEECH_PAD)
    if context:
        return _in_context(
            prepared,
            engine,
            found,
            word_timestamps,
            options,
            speaker,
            source,
            progress,
            offset,
            stop,
        )
    total = sum(c.span.end - c.span.start for c in found) or 1
    done = 0
    segments: list[Segment] = []
    for candidate in found:
        if stop is not None and stop():
            raise PassStopped("The transcription was stopped before the end: nothing changed.")
        span = candidate.span
        segments += transcribe_candidate(
            prepared.mic,
            prepared.clean,
            candidate,
            engine,
            cancelled=cancelled,
            word_timestamps=word_timestamps,
            options=options,
            speaker=speaker,
            source=source,
            offset=offset,
            previous=segments[-1].text if segments else "",
        )
        done += span.end - span.start
        if progress is not None:
            progress(done / total)
    if progress is not None:
        progress(1.0)
    return segments


def _in_context(
    prepared: Prepared,
    engine: Engine,
    found: list[Candidate],
    word_timestamps: bool,
    options: DecodeOptions | None,
    speaker: Speaker,
    source: Source,
    progress: Progress | None,
    offset: float,
    stop: Callable[[], bool] | None,
) -> list[Segment]:
    """`transcribe_prepared` with regions decoded in context."""
    total = len(prepared.clean) or 1

    def before(region: Span) -> None:
        if stop is not None and stop():
            raise PassStopped("The transcription was stopped before the end: nothing changed.")
        if progress is not None:
            progress(region.start / total)

    segments = transcribe_in_context(
        prepared.mic,
        prepared.clean,
        found,
        engine,
        cancelled=prepared.delay is not None,
        word_timestamps=word_timestamps,
        options=options,
        speaker=speaker,
        source=source,
        offset=offset,
        before=before,
    )
    if progress is not None:
        progress(1.0)
    return segments


def transcribe_file(
    audio_path: Path,
    reference_path: Path | None = None,
    program: Program | None = None,
    program_start: float = 0.0,
    engine: str = "faster-whisper",
    model: str = "bundled",
    *,
    piece_files: list[Path | None] | None = None,
    language: str = "en",
    cache_dir: Path | None = None,
    word_timestamps: bool = True,
    progress: Progress | None = None,
) -> list[Segment]:
    """Transcribe a recording made elsewhere (the ``gim transcribe`` command).

    Args:
        audio_path: the microphone recording.
        reference_path: what was played into the room, starting with the recording.
        program: link segments to this program's pieces.
        program_start: seconds into the recording where the program started.
        piece_files: the audio file of each piece (None where not linked): the pieces
            are then found in the reference by their sound.
        engine: ``faster-whisper`` or ``openai-whisper``.
        model: ``bundled``, a size name, or a local path.
        language: fixed transcription language.
        cache_dir: where converted models are kept.
        word_timestamps: ask for word timing.
        progress: called with the fraction done.

    Raises:
        InputError: for a missing or unreadable file.
        TranscriptionError: when the model cannot be loaded.
    """
    from gim.transcribe.engine import load_engine

    data, rate = read_audio(audio_path)
    mic = resample(data, rate)
    reference = None
    if reference_path is not None:
        ref_data, ref_rate = read_audio(reference_path, "reference file")
        reference = resample(ref_data, ref_rate)
        if program is not None:
            check_reference(reference, reference_path)
    prepared = prepare(mic, reference)
    loaded = load_engine(engine, model, cache_dir=cache_dir)
    segments = transcribe_prepared(
        prepared,
        loaded,
        word_timestamps=word_timestamps,
        options=DecodeOptions(language=language),
        progress=progress,
    )
    if program is not None and reference is not None:
        # Placement works in reference time; the program start is given in AUDIO's.
        lag = prepared.delay.seconds if prepared.delay else 0.0
        starts, lengths = place_pieces(reference, program, piece_files, program_start - lag)
        link_playback(segments, placed_clock(starts, lengths, lag))
    elif program is not None:
        starts = piece_starts(program, program_start)
        link_playback(segments, placed_clock(starts, [p.duration for p in program.pieces]))
    return segments


def transcribe_recording(
    folder: Path,
    settings: Settings,
    engine: Engine,
    lag_frames: float,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Segment]:
    """The whole joined recording of a session folder (``mic.flac``, ``reference.flac``)
    transcribed, each speaker channel on its own, the music cancelled.

    Args:
        folder: the session folder.
        settings: language and the speakers' channels.
        engine: a loaded engine.
        lag_frames: the session's stored delay (frames at the recording's rate).
        progress: called with the fraction done.
        stop: asked between speech stretches (`PassStopped` when it says True).
    """
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    data, rate = read_audio(mic_path, "session recording")
    reference = resample(*read_audio(ref_path, "session reference")) if ref_path.is_file() else None
    lag16 = lag_frames * SAMPLE_RATE / rate
    channels = [(settings.client_channel, Speaker.CLIENT)]
    if settings.guide_channel is not None and data.shape[1] > settings.guide_channel:
        channels.append((settings.guide_channel, Speaker.GUIDE))
    segments: list[Segment] = []
    for n, (channel, speaker) in enumerate(channels):
        mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
        segments += transcribe_prepared(
            prepare(mic, reference, lag16 if reference is not None else None),
            engine,
            options=DecodeOptions(language=settings.language),
            speaker=speaker,
            progress=scaled(progress, n, len(channels)),
            stop=stop,
        )
    return segments


def scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    """Progress of part ``index`` of ``count`` as a fraction of the whole."""
    if progress is None:
        return None
    report = progress
    return lambda fraction: report((index + fraction) / count)

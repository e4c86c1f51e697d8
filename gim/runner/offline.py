"""The transcription side of the offline pass: speech stretches to lines, lines to pieces.

Finds speech with VAD on the cleaned signal (`gim.audio.offline.prepare`), transcribes
each stretch with word timestamps, flags suspect lines, and links each line to the piece
sounding when it started. Used by ``gim transcribe`` and the final pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from gim.audio.offline import SAMPLE_RATE, Audio, Prepared, prepare, read_audio, resample
from gim.core.clock import SessionClock
from gim.core.program import Program
from gim.core.session import Segment, Source, Speaker
from gim.errors import GimError
from gim.runner.voices import VoiceSource, label_lines
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


def silent_gaps(
    reference: Audio, min_gap: float = 0.5, level_db: float = -55.0
) -> list[tuple[float, float]]:
    """Stretches (seconds) of at least ``min_gap`` where the 16 kHz reference is silent."""
    hop = SAMPLE_RATE // 20
    n = len(reference) // hop
    if n == 0:
        return []
    frames = reference[: n * hop].reshape(n, hop).astype(np.float64)
    quiet = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20) < level_db
    gaps, start = [], None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * hop >= min_gap * SAMPLE_RATE:
                gaps.append((start * hop / SAMPLE_RATE, i * hop / SAMPLE_RATE))
            start = None
    return gaps


def piece_starts(
    program: Program,
    program_start: float = 0.0,
    gaps: list[tuple[float, float]] | None = None,
    tolerance: float = 3.0,
) -> list[float]:
    """Where each piece starts (seconds of audio), played through from ``program_start``.

    A silent gap found in the reference near a piece's nominal end moves the next piece
    to the end of that gap; otherwise the program's own gap is assumed.
    """
    starts, t = [], program_start
    for piece in program.pieces:
        starts.append(t)
        end = t + piece.duration
        near = [g for g in gaps or [] if abs(g[0] - end) <= tolerance and g[1] > end - tolerance]
        t = near[0][1] if near else end + program.gap
    return starts


def placed_clock(starts: list[float], lengths: list[float], lag: float = 0.0) -> SessionClock:
    """The session clock of a program played at ``starts`` for ``lengths`` (seconds).

    Args:
        starts: where each piece started in the reference (what was played).
        lengths: how long each piece played.
        lag: seconds by which the microphone hears the reference late.
    """
    from gim.core.playback import Action, PlaybackEvent, PlaybackLog

    events: list[PlaybackEvent] = []
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        if length <= 0:  # not played
            continue
        first = round(start * SAMPLE_RATE)
        events.append(PlaybackEvent(first, Action.PLAY, piece=i, offset=0))
        events.append(PlaybackEvent(first + round(length * SAMPLE_RATE), Action.END))
    events.sort(key=lambda e: (e.frame, e.action is Action.PLAY))
    return SessionClock(PlaybackLog(SAMPLE_RATE, events), [(0, lag * SAMPLE_RATE)])


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
    voices: VoiceSource | None = None,
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
        voices: label each line guide or client from the voices (split where it changes).

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
    if voices is not None:
        segments = label_lines(segments, prepared.clean, voices)
    if program is not None and reference is not None:
        # Placement works in reference time; the program start is given in AUDIO's.
        lag = prepared.delay.seconds if prepared.delay else 0.0
        starts, lengths = place_pieces(reference, program, piece_files, program_start - lag)
        link_playback(segments, placed_clock(starts, lengths, lag))
    elif program is not None:
        starts = piece_starts(program, program_start)
        link_playback(segments, placed_clock(starts, [p.duration for p in program.pieces]))
    return segments


def check_reference(reference: Audio, path: Path) -> None:
    """Refuse a reference in which no music can be found (before the long transcription).

    Raises:
        InputError: when the 16 kHz ``reference`` is silent throughout.
    """
    from gim.audio.boundaries import level_db, silence_threshold
    from gim.errors import InputError

    db = level_db(reference, SAMPLE_RATE)
    if not len(db) or float(db.max()) < silence_threshold(db) or float(db.max()) < -70.0:
        raise InputError(
            f"The reference {path} is silent, so the pieces cannot be placed: give the "
            "recording of what was played into the room, or leave out --program."
        )


def place_pieces(
    reference: Audio,
    program: Program,
    piece_files: list[Path | None] | None,
    program_start: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Where each piece starts in the 16 kHz ``reference`` (seconds), and its length.

    Linked pieces are found by their sound (`gim.audio.placement`); the others from
    durations and the reference's transitions. A file that cannot be read counts as
    not linked.
    """
    from gim.audio.placement import place
    from gim.errors import InputError

    files = piece_files or [None] * len(program.pieces)
    audio: list[Audio | None] = []
    durations: list[float] = []
    for piece, path in zip(program.pieces, files, strict=True):
        clip = None
        if path is not None:
            try:
                data, rate = read_audio(path, "piece's audio file")
                clip = resample(data, rate)
            except InputError:
                clip = None
        audio.append(clip)
        durations.append(len(clip) / SAMPLE_RATE if clip is not None else piece.duration)
    return place(
        reference, SAMPLE_RATE, audio, durations, program_start=program_start, gap=program.gap
    )


def link_playback(segments: list[Segment], clock: SessionClock) -> None:
    """Set each segment's piece and offset from the session's clock.

    Segment times are microphone time; a line that starts in silence or a pause has no
    piece.
    """
    for seg in segments:
        found = clock.music_at(seg.start)
        seg.piece = found[0] if found else None
        seg.piece_offset = round(found[1], 3) if found else None

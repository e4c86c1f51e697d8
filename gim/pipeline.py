"""The offline transcription pipeline: a recording (and what was played) in, segments out.

Used by ``gim transcribe`` and by the final pass over a stored session. Steps: resample
to 16 kHz, measure the delay between the played reference and the microphone, cancel
the reference (echo cancellation with a least-squares fit of the room over the whole
recording, `gim.audio.echo.cancel_echo`), find speech with VAD on the cleaned signal,
transcribe each speech stretch with word timestamps, flag suspect lines, and link each
line to the piece sounding when it started. The raw recording is never modified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gim.audio.delay import DelayEstimate, estimate_delay
from gim.audio.drift import measure_drift
from gim.audio.echo import LEAD, align_reference, cancel_echo
from gim.config import Settings
from gim.core.playback import PlaybackLog
from gim.core.program import Program
from gim.core.session import Segment, Source, Speaker
from gim.errors import InputError, NotFoundError
from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, Engine
from gim.transcribe.utterance import transcribe_span
from gim.transcribe.vad import merge_spans, speech_spans

if TYPE_CHECKING:
    from gim.store.db import Store

Audio = NDArray[np.float32]
Progress = Callable[[float], None]
"""Called with the fraction done, 0..1."""
DELAY_WINDOW = 20.0
"""Seconds of audio per delay measurement."""
SPEECH_PAD = 0.35
"""Seconds added around each VAD stretch offline (Silero starts late on a soft first
word; with the music removed the extra lead-in costs nothing)."""


@dataclass
class Prepared:
    """A recording ready for Whisper: the microphone at 16 kHz and its cleaned version."""

    mic: Audio
    """Microphone, mono, 16 kHz (untouched apart from resampling)."""
    clean: Audio
    """After echo cancellation (the same array as ``mic`` without a reference)."""
    delay: DelayEstimate | None = None
    """Measured delay of the reference in the microphone (16 kHz frames)."""
    reference: Audio | None = None
    """The reference aligned to ``mic`` (16 kHz)."""


def read_audio(path: Path, what: str = "audio file") -> tuple[NDArray[np.float32], int]:
    """Frames×channels float32 and the sample rate of ``path``.

    Raises:
        InputError: when the file is missing or cannot be decoded.
    """
    import soundfile as sf

    if not path.is_file():
        raise InputError(f"The {what} {path} does not exist: check the path.")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise InputError(
            f"The {what} {path} cannot be read as audio: give a WAV, FLAC, OGG or MP3 file."
        ) from exc
    if data.shape[0] == 0:
        raise InputError(f"The {what} {path} holds no audio: give a recording with sound.")
    return data, int(rate)


def resample(audio: NDArray[np.floating], rate: int, target: int = SAMPLE_RATE) -> Audio:
    """Mono ``audio`` at ``rate`` resampled to ``target``."""
    import soxr

    mono = np.asarray(audio, np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    if rate != target:
        mono = soxr.resample(mono, rate, target)
    return np.ascontiguousarray(mono, dtype=np.float32)


def measure_delay(mic: Audio, reference: Audio, max_delay: float = 1.0) -> DelayEstimate | None:
    """The reference's lag in the microphone, from the most confident of several windows."""
    n = min(len(mic), len(reference))
    win = int(DELAY_WINDOW * SAMPLE_RATE)
    starts = [0] if n <= win else list(np.linspace(0, n - win, min(6, n // win + 1)).astype(int))
    best: DelayEstimate | None = None
    for s in starts:
        seg = slice(s, min(n, s + win))
        if float(np.max(np.abs(reference[seg]), initial=0.0)) < 1e-4:
            continue
        est = estimate_delay(mic[seg], reference[seg], SAMPLE_RATE, max_delay)
        if best is None or est.confidence > best.confidence:
            best = est
    return best if best is not None and best.confidence >= 5.0 else None


def prepare(
    mic: Audio, reference: Audio | None = None, lag_frames: float | None = None
) -> Prepared:
    """Measure the delay and drift and cancel the reference from the 16 kHz ``mic``.

    The lag is followed along the recording (`measure_drift`); when that fails, the
    given ``lag_frames`` (the session's stored delay) or one measured lag is used.
    """
    if reference is None:
        return Prepared(mic=mic, clean=mic)
    drift = measure_drift(mic, reference, SAMPLE_RATE)
    slope = 0.0
    if drift is not None:
        lag0, slope = drift
        if abs(slope) * len(mic) < 1.0:  # less than a frame over the recording: none
            slope = 0.0
        delay: DelayEstimate | None = DelayEstimate(lag0 + slope * len(mic) / 2, 100.0, SAMPLE_RATE)
    elif lag_frames is not None:
        lag0, delay = lag_frames, DelayEstimate(lag_frames, 100.0, SAMPLE_RATE)
    else:
        delay = measure_delay(mic, reference)
        lag0 = delay.frames if delay is not None else 0.0
    if delay is None:
        return Prepared(mic=mic, clean=mic)
    aligned = align_reference(reference, lag0 - LEAD * SAMPLE_RATE, len(mic), slope)
    return Prepared(mic, cancel_echo(mic, aligned, SAMPLE_RATE), delay, aligned)


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
) -> list[Segment]:
    """Transcribe the speech stretches of a prepared recording.

    Args:
        prepared: the microphone and its cleaned signal.
        engine: a loaded engine.
        word_timestamps: ask for word timing.
        options: decoding options (fixed language and thresholds).
        speaker: who the lines are attributed to.
        source: LIVE or FINAL.
        progress: called with the fraction done.
        offset: seconds added to every time (where this audio starts in the session).
    """
    spans = merge_spans(speech_spans(prepared.clean, pad=SPEECH_PAD))
    total = sum(s.end - s.start for s in spans) or 1
    done = 0
    segments: list[Segment] = []
    for span in spans:
        segments += transcribe_span(
            prepared.mic,
            prepared.clean,
            span,
            engine,
            cancelled=prepared.delay is not None,
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


def link_pieces(segments: list[Segment], program: Program, starts: list[float]) -> None:
    """Set ``piece`` and ``piece_offset`` of each segment from where the pieces start."""
    for seg in segments:
        seg.piece, seg.piece_offset = None, None
        for i, (start, piece) in enumerate(zip(starts, program.pieces, strict=True)):
            if start <= seg.start < start + piece.duration:
                seg.piece, seg.piece_offset = i, round(seg.start - start, 3)
                break


def transcribe_file(
    audio_path: Path,
    reference_path: Path | None = None,
    program: Program | None = None,
    program_start: float = 0.0,
    engine: str = "faster-whisper",
    model: str = "bundled",
    *,
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
    prepared = prepare(mic, reference)
    loaded = load_engine(engine, model, cache_dir=cache_dir)
    segments = transcribe_prepared(
        prepared,
        loaded,
        word_timestamps=word_timestamps,
        options=DecodeOptions(language=language),
        progress=progress,
    )
    if program is not None:
        gaps: list[tuple[float, float]] = []
        if reference is not None:
            lag = prepared.delay.seconds if prepared.delay else 0.0
            gaps = [(a + lag, b + lag) for a, b in silent_gaps(reference)]
        link_pieces(segments, program, piece_starts(program, program_start, gaps))
    return segments


def link_playback(segments: list[Segment], log: PlaybackLog, delay_frames: float) -> None:
    """Set each segment's piece and offset from the session's PlaybackLog.

    Segment times are microphone time; the music heard then was played ``delay_frames``
    earlier.
    """
    for seg in segments:
        position = log.position_at(round(seg.start * log.rate - delay_frames))
        seg.piece = position.piece if position else None
        seg.piece_offset = round(position.offset / log.rate, 3) if position else None


def final_pass(
    store: Store,
    session_id: str,
    settings: Settings,
    *,
    progress: Progress | None = None,
) -> list[Segment]:
    """Transcribe a stored session again, whole, with word timestamps (the final pass).

    Reads ``mic.flac`` and ``reference.flac`` from the session folder, cancels the music
    with the stored delay, transcribes each speaker channel, links lines to the pieces,
    and replaces the preview and earlier final lines in the store, keeping every line the
    guide edited. Returns the transcript as now stored.

    Raises:
        NotFoundError: when the session's audio is missing.
        TranscriptionError: when the model cannot be loaded.
    """
    from gim.transcribe.engine import load_engine

    folder = settings.sessions_dir / session_id
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    if not mic_path.is_file():
        raise NotFoundError(
            f"Session {session_id} has no joined recording ({mic_path}): open it once with "
            "gim sessions show to recover it."
        )
    data, rate = read_audio(mic_path, "session recording")
    reference = resample(*read_audio(ref_path, "session reference")) if ref_path.is_file() else None
    delay = store.delay_frames(session_id)
    lag16 = delay * SAMPLE_RATE / rate
    channels = [(settings.client_channel, Speaker.CLIENT)]
    if settings.guide_channel is not None and data.shape[1] > settings.guide_channel:
        channels.append((settings.guide_channel, Speaker.GUIDE))
    engine = load_engine(settings.engine, settings.model, cache_dir=settings.cache_dir / "models")
    segments: list[Segment] = []
    for n, (channel, speaker) in enumerate(channels):
        mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
        part = _scaled(progress, n, len(channels))
        segments += transcribe_prepared(
            prepare(mic, reference, lag16 if reference is not None else None),
            engine,
            options=DecodeOptions(language=settings.language),
            speaker=speaker,
            progress=part,
        )
    segments.sort(key=lambda s: s.start)
    link_playback(segments, store.playback_log(session_id), delay)
    return store.replace_transcript(session_id, segments, Source.FINAL)


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    """Progress of part ``index`` of ``count`` as a fraction of the whole."""
    if progress is None:
        return None
    report = progress
    return lambda fraction: report((index + fraction) / count)

"""Recordings an export carries, as MP3: the microphone, and the voice with the music.

QDA programs play MP3, M4A and WAV (the formats REFI-QDA names for audio), not FLAC,
which gim keeps; MP3 also keeps a 45-minute session small. The voice-and-music mix is
what review plays as "both": the microphone and, lined up by the session clock, exactly
what was played (the reference), each at half level. Read and encoded block by block, so
a long session never sits in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gim.core.record import SessionRecord
from gim.errors import GimError
from gim.export import Recording

BLOCK_SECONDS = 30.0
"""Seconds read, mixed and encoded at a time."""


def _mono(block: Any) -> Any:
    return block.mean(axis=1) if block.ndim == 2 else block


def _encoder(buffer: io.BytesIO, rate: int) -> Any:
    import soundfile as sf

    return sf.SoundFile(
        buffer, "w", samplerate=rate, channels=1, format="MP3", subtype="MPEG_LAYER_III"
    )


def mp3_of(path: Path) -> bytes:
    """The recording at ``path`` as mono MP3 bytes.

    Raises:
        GimError: when it cannot be read or encoded.
    """
    import soundfile as sf

    buffer = io.BytesIO()
    try:
        with sf.SoundFile(str(path)) as source, _encoder(buffer, source.samplerate) as out:
            step = int(BLOCK_SECONDS * source.samplerate)
            for block in source.blocks(blocksize=step, dtype="float32", always_2d=True):
                out.write(_mono(block))
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise GimError(f"Cannot convert the recording {path.name} to MP3 ({exc}).") from exc
    return buffer.getvalue()


def voice_and_music(mic: Path, reference: Path, record: SessionRecord) -> bytes:
    """The microphone and the music as played, lined up and mixed, as mono MP3 bytes.

    Raises:
        GimError: when a recording cannot be read or the mix encoded.
    """
    import soundfile as sf

    buffer = io.BytesIO()
    try:
        with (
            sf.SoundFile(str(mic)) as voice,
            sf.SoundFile(str(reference)) as music,
            _encoder(buffer, voice.samplerate) as out,
        ):
            step = int(BLOCK_SECONDS * voice.samplerate)
            for first in range(0, voice.frames, step):
                voice.seek(first)
                spoken = _mono(voice.read(step, dtype="float32", always_2d=True))
                seconds = first / voice.samplerate
                played = _music(music, record, seconds, len(spoken), voice.samplerate)
                out.write(0.5 * (spoken + played))
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise GimError(f"Cannot mix the voice and the music ({exc}).") from exc
    return buffer.getvalue()


def _music(music: Any, record: SessionRecord, seconds: float, frames: int, rate: int) -> Any:
    """``frames`` of the music heard from session ``seconds``, at ``rate`` (zeros where none)."""
    import numpy as np
    import soxr

    clock = record.clock
    # The music heard at ``seconds`` was played earlier: the lag (and drift) is measured.
    start = round(clock.output_frame(seconds) * music.samplerate / clock.rate)
    want = int(np.ceil(frames * music.samplerate / rate)) + 1
    block = np.zeros(want, dtype=np.float32)
    if start + want > 0 and start < music.frames:
        music.seek(max(0, start))
        got = _mono(music.read(want - max(0, -start), dtype="float32", always_2d=True))
        block[max(0, -start) : max(0, -start) + len(got)] = got
    if music.samplerate != rate:
        block = soxr.resample(block, music.samplerate, rate).astype(np.float32)
    out = np.zeros(frames, dtype=np.float32)
    out[: min(frames, len(block))] = block[:frames]
    return out


def carried(
    record: SessionRecord,
    audio: Path | None,
    *,
    deidentified: bool,
    music: bool,
    warn: Callable[[str], None] | None = None,
) -> tuple[Recording, ...]:
    """The recordings an export that carries its audio (a REFI-QDA project) holds, as MP3:
    the microphone's ``audio``, and with ``music`` the voice mixed with the music played
    (``reference.flac`` beside it).

    Never when ``deidentified``: a voice cannot be de-identified, so ``warn`` is told.
    """
    if audio is None:
        return ()
    if deidentified:
        if warn is not None:
            warn("a voice cannot be de-identified: the recording is left out of this export.")
        return ()
    found = [Recording("Microphone recording", mp3_of(audio), ".mp3")]
    reference = audio.parent / "reference.flac"
    if music and not reference.is_file():
        if warn is not None:
            warn("this session has no recording of the music played: the mix is left out.")
    elif music:
        found.append(
            Recording("Voice and music", voice_and_music(audio, reference, record), ".mp3")
        )
    return tuple(found)

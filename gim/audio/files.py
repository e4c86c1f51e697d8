"""Reading recorded audio: whole files, spans of a joined track, the session's chunk files.

The low-level side of every pass over stored audio (the passes in `gim.passes` and the
runner's recovery read audio only through here): decode with soundfile, resample to
Whisper's 16 kHz with soxr. Nothing here modifies a recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gim.audio.journal import Chunk
from gim.errors import InputError

Audio = NDArray[np.float32]
SAMPLE_RATE = 16_000
"""The rate the offline passes work at (Whisper's)."""


def read_audio(path: Path, what: str = "audio file") -> tuple[NDArray[np.float32], int]:
    """Frames×channels float32 and the sample rate of ``path``.

    Raises:
        InputError: when the file is missing or cannot be decoded.
    """
    import soundfile as sf

    from gim.audio.quiet import quiet_stderr

    if not path.exists():
        raise InputError(f"The {what} {path} does not exist: check the path.")
    if not path.is_file():  # a folder, /dev/null, a pipe
        raise InputError(
            f"The {what} {path} is not an audio file: give a WAV, FLAC, OGG or MP3 file."
        )
    try:
        with quiet_stderr():  # the MP3 decoder prints its complaints to fd 2
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


class Resampler:
    """Mono blocks at ``rate`` resampled to ``target`` as they come (a live stream: the
    filter's state carries over from one block to the next)."""

    def __init__(self, rate: int, target: int = SAMPLE_RATE) -> None:
        import soxr

        self._stream = soxr.ResampleStream(rate, target, 1, dtype="float32")

    def resample_chunk(self, block: NDArray[np.float32]) -> Audio:
        """The resampled frames of ``block`` that are ready."""
        return np.asarray(self._stream.resample_chunk(block), np.float32)


@dataclass(frozen=True)
class TrackInfo:
    """What a joined track holds."""

    rate: int
    frames: int
    channels: int

    @property
    def seconds(self) -> float:
        """Its length in seconds."""
        return self.frames / (self.rate or 1)


def track_info(path: Path) -> TrackInfo | None:
    """Rate, length and channels of the audio file ``path``; None when it cannot be read."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (OSError, RuntimeError):
        return None
    return TrackInfo(int(info.samplerate), int(info.frames), int(info.channels))


def read_frames(path: Path, start: int, stop: int | None = None) -> tuple[Audio, int]:
    """Frames ``start``..``stop`` (frames×channels) of a joined track, and its rate."""
    import soundfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True, start=start, stop=stop)
    return data, int(rate)


def read_chunks(
    folder: Path, chunks: list[Chunk], channels: int, start: int, stop: int
) -> NDArray[np.float32]:
    """Frames ``start``..``stop`` of a track from its chunk files (silence where missing)."""
    import soundfile

    out = np.zeros((stop - start, channels), np.float32)
    for chunk in chunks:
        a, b = max(start, chunk.frame), min(stop, chunk.frame + chunk.frames)
        if a >= b:
            continue
        try:
            data = soundfile.read(
                str(folder / chunk.file),
                dtype="float32",
                always_2d=True,
                start=a - chunk.frame,
                stop=b - chunk.frame,
            )[0]
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            continue  # removed (the session ended) or torn: silence, as when joining
        width = min(channels, data.shape[1])
        out[a - start : a - start + len(data), :width] = data[:, :width]
    return out

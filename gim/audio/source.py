"""Reading a piece's file at the device rate: decode with soundfile, resample with soxr.

A streaming resampler carries its state from one read to the next, so the joins between
blocks are seamless (no click, no lost or doubled frame).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.errors import InputError


class PieceReader:
    """Frames of one piece's recording at ``rate`` with ``channels`` channels.

    Args:
        path: the audio file (FLAC, OGG, MP3, WAV: anything libsndfile reads); None plays
            ``silence`` seconds of silence instead.
        rate: device rate to deliver.
        channels: channels to deliver (mono is spread, extra channels are mixed down).
        start: offset in frames at ``rate`` to start from.
        silence: length in seconds of the silent stand-in when ``path`` is None.
    """

    def __init__(
        self, path: Path | None, rate: int, channels: int, start: int = 0, silence: float = 0.0
    ) -> None:
        import soxr

        self.rate = rate
        self.channels = channels
        self._file = None
        self._silent_left = 0
        if path is None:
            self.length = int(silence * rate)
            self._silent_left = max(0, self.length - start)
            self._stream = None
            return
        import soundfile

        from gim.audio.quiet import quiet_stderr

        try:
            with quiet_stderr():  # the MP3 decoder prints its complaints to fd 2
                self._file = soundfile.SoundFile(str(path))
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            raise InputError(f"The music file {path} cannot be read ({exc}): relink it.") from exc
        self.file_rate = int(self._file.samplerate)
        self.length = int(self._file.frames * rate // self.file_rate)
        """Length of the piece in frames at ``rate``."""
        first = min(int(start * self.file_rate // rate), self._file.frames)
        self._file.seek(first)
        self._stream = (
            None
            if self.file_rate == rate
            else soxr.ResampleStream(self.file_rate, rate, self._file.channels, dtype="float32")
        )
        self._buf = np.zeros((0, channels), dtype=np.float32)
        self._eof = False

    def read(self, frames: int) -> np.ndarray:
        """Up to ``frames`` frames; fewer (possibly none) at the end of the piece."""
        if self._file is None:
            n = min(frames, self._silent_left)
            self._silent_left -= n
            return np.zeros((n, self.channels), dtype=np.float32)
        chunk = max(frames, self.file_rate // 4)
        while len(self._buf) < frames and not self._eof:
            raw = self._file.read(chunk, dtype="float32", always_2d=True)
            last = len(raw) < chunk
            if self._stream is not None:
                raw = self._stream.resample_chunk(raw, last=last)
            self._buf = np.concatenate([self._buf, self._fit(raw)])
            self._eof = last
        out, self._buf = self._buf[:frames], self._buf[frames:]
        return out

    def _fit(self, data: np.ndarray) -> np.ndarray:
        if data.size == 0:
            return np.zeros((0, self.channels), dtype=np.float32)
        data = data.reshape(len(data), -1)
        have = data.shape[1]
        if have == self.channels:
            return data.astype(np.float32, copy=False)
        if have == 1:
            return np.repeat(data, self.channels, axis=1).astype(np.float32)
        mono = data.mean(axis=1, keepdims=True)
        if self.channels == 1:
            return mono.astype(np.float32)
        out = np.repeat(mono, self.channels, axis=1)
        out[:, : min(have, self.channels)] = data[:, : self.channels]
        return out.astype(np.float32)

    def close(self) -> None:
        """Release the file."""
        if self._file is not None:
            self._file.close()


def piece_length(path: Path | None, rate: int, fallback: float) -> int:
    """Length in frames at ``rate`` of a piece's file (``fallback`` seconds when unlinked)."""
    if path is None:
        return int(fallback * rate)
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
        raise InputError(f"The music file {path} cannot be read ({exc}): relink it.") from exc
    return int(info.frames * rate // info.samplerate)

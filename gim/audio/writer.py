"""Crash-safe audio writing: short chunks on disk, joined into one file at the end.

A chunk is written under a temporary name, flushed to disk, renamed, and only then listed
in the journal; so killing the process at any moment loses at most the chunk being filled
(a quarter second for the microphone). A jump in the frame count (a gap: the microphone
stalled or was gone) starts a new chunk; joining fills the missing stretch with silence so
the file stays on the session clock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from gim.audio.journal import Chunk, Journal, replay
from gim.config import ensure_private_dir

SUBTYPE = "PCM_16"


class ChunkWriter:
    """Writes one track (microphone or reference) of a session as chunk files.

    Args:
        folder: the session folder.
        track: "mic" or "reference" (also the chunk sub-folder).
        rate: sample rate.
        channels: channels per frame.
        journal: where each finished chunk is listed.
        chunk_seconds: length of a chunk.
    """

    def __init__(
        self,
        folder: Path,
        track: str,
        rate: int,
        channels: int,
        journal: Journal,
        chunk_seconds: float = 1.0,
    ) -> None:
        self.folder = folder
        self.track = track
        self.rate = rate
        self.channels = channels
        self.journal = journal
        self.chunk_frames = max(1, int(chunk_seconds * rate))
        self.frames_written = 0
        """Frames safely on disk."""
        ensure_private_dir(folder / track)
        self._parts: list[np.ndarray] = []
        self._start = 0
        self._held = 0
        self._next = 0
        self._count = 0

    def write(self, frame: int, block: np.ndarray) -> None:
        """Add ``block`` starting at session ``frame``; may write a chunk (OSError if the
        disk is full)."""
        if self._held and frame != self._next:
            self.flush()
        if not self._held:
            self._start = frame
        self._parts.append(block.reshape(len(block), -1)[:, : self.channels])
        self._held += len(block)
        self._next = frame + len(block)
        if self._held >= self.chunk_frames:
            self.flush()

    def flush(self) -> None:
        """Write what is held as a chunk now."""
        if not self._held:
            return
        data = np.concatenate(self._parts)
        self._parts, held, self._held = [], self._held, 0
        name = f"{self.track}/{self._count:06d}.flac"
        write_durably(self.folder / name, data, self.rate)
        self._count += 1
        self.frames_written += held
        self.journal.write("chunk", track=self.track, file=name, frame=self._start, frames=held)


def write_durably(path: Path, data: np.ndarray, rate: int) -> None:
    """Write FLAC ``data`` to ``path`` via a temporary file, fsync'd, private."""
    import soundfile

    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "wb", opener=_private) as raw:
            handle = _Sink(raw)
            try:
                soundfile.write(
                    handle, np.clip(data, -1.0, 1.0), rate, format="FLAC", subtype=SUBTYPE
                )
            except (RuntimeError, AssertionError, soundfile.LibsndfileError):
                handle.raise_failure()  # the OSError behind it (a full disk), if there is one
                raise
            handle.raise_failure()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a half chunk on a full disk only takes space
        raise


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def assemble(folder: Path, chunks: list[Chunk], out: Path, rate: int, channels: int) -> int:
    """Join ``chunks`` (sorted by frame) into ``out``, silence in the gaps; returns frames.

    Unreadable chunks (a crash while writing one) are skipped as silence. The chunks stay
    until the caller has noted the joined file (see `finish_audio`).
    """
    tmp = out.with_name(out.name + ".part")
    try:
        return _assemble(folder, chunks, tmp, out, rate, channels)
    except BaseException:
        tmp.unlink(missing_ok=True)  # on a full disk the part file only takes the space
        raise


def _assemble(
    folder: Path, chunks: list[Chunk], tmp: Path, out: Path, rate: int, channels: int
) -> int:
    import soundfile

    position = 0
    with open(tmp, "wb", opener=_private) as raw:
        handle = _Sink(raw)
        with soundfile.SoundFile(handle, "w", rate, channels, SUBTYPE, format="FLAC") as sink:
            for chunk in chunks:
                try:
                    data = soundfile.read(
                        str(folder / chunk.file), dtype="float32", always_2d=True
                    )[0]
                except (OSError, RuntimeError, soundfile.LibsndfileError):
                    continue
                if chunk.frame > position:
                    _silence(sink, chunk.frame - position, channels)
                    position = chunk.frame
                skip = position - chunk.frame
                if skip < len(data):
                    try:
                        sink.write(data[skip:, :channels])
                    except AssertionError:  # soundfile asserts every frame was written
                        handle.raise_failure()
                        raise
                    handle.raise_failure()
                    position += len(data) - skip
        handle.raise_failure()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, out)
    return position


class _Sink:
    """A file for libsndfile's virtual I/O that keeps a write failure instead of letting it
    escape the C callback (where Python prints it as "Exception ignored") and raises it after.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.failure: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None:
            return 0
        try:
            return int(self._raw.write(data))
        except OSError as exc:
            self.failure = exc
            return 0

    def raise_failure(self) -> None:
        """Raise the OSError a write met, if one did (ENOSPC on a full disk)."""
        if self.failure is not None:
            raise self.failure

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def finish_audio(folder: Path) -> float:
    """Join every track's chunks into ``<track>.flac`` (once); the microphone seconds.

    Safe to repeat after a crash at any point: a track counts as joined only once the
    journal says so, and its chunks are removed only after that.
    """
    found = replay(folder)
    rate = int(found.header.get("rate", 48000))
    channels = {
        "mic": int(found.header.get("mic_channels", 1)),
        "reference": int(found.header.get("out_channels", 2)),
    }
    journal = Journal(folder)
    seconds = 0.0
    try:
        for track, count in channels.items():
            chunks = found.track(track)
            name = f"{track}.flac"
            if track in found.assembled:
                frames = _frames_of(folder / found.assembled[track])
            elif chunks:
                frames = assemble(folder, chunks, folder / name, rate, count)
                journal.write("assembled", track=track, file=name, frames=frames)
            else:
                continue
            for chunk in chunks:
                (folder / chunk.file).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                (folder / track).rmdir()  # only when empty
            if track == "mic":
                seconds = frames / rate
    finally:
        journal.close()
    return seconds


def _frames_of(path: Path) -> int:
    import soundfile

    try:
        return int(soundfile.info(str(path)).frames)
    except (OSError, RuntimeError, soundfile.LibsndfileError):
        return 0


def _silence(sink: object, frames: int, channels: int) -> None:
    step = 48000
    while frames > 0:
        n = min(step, frames)
        sink.write(np.zeros((n, channels), dtype=np.float32))  # type: ignore[attr-defined]
        frames -= n

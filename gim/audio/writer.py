"""Crash-safe audio writing: short chunks on disk, joined into one file per track.

A chunk is written under a temporary name, flushed to disk, renamed, and only then listed
in the journal; so killing the process at any moment loses at most the chunk being filled
(a quarter second for the microphone). A jump in the frame count (a gap: the microphone
stalled or was gone) starts a new chunk; joining fills the missing stretch with silence so
the file stays on the session clock. Each settled chunk is also appended to the track's
file as the session records (`gim.audio.joining`), so the end only closes it; when that
file was dropped (a full disk) or the process was killed, `finish_audio` joins the chunks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from gim.audio.joining import Joining, joining_path
from gim.audio.journal import Chunk, Journal, Replay, replay
from gim.audio.sink import SUBTYPE
from gim.audio.sink import Sink as _Sink
from gim.audio.sink import private as _private
from gim.config import ensure_private_dir

__all__ = ["SUBTYPE", "ChunkWriter", "assemble", "finish_audio", "write_durably"]


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
        self._joined = Joining(folder, track, rate, channels)

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
        self._joined.add(self._start, data)

    def finish(self) -> bool:
        """End the track's file joined as it recorded, as ``<track>.flac``, noted in the
        journal (what is held and not flushed stays out, as it does from the journal);
        False when there is none (`finish_audio` joins the chunks then). Call it once the
        writing is over; a chunk flushed after it leaves the file to `finish_audio`."""
        return self._joined.finish(self.journal)


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
            if _joined(found, track, len(chunks)):
                frames = _frames_of(folder / found.assembled[track])
            elif chunks:
                joining_path(folder, track).unlink(missing_ok=True)  # a killed session's
                frames = assemble(folder, chunks, folder / name, rate, count)
                journal.write(
                    "assembled", track=track, file=name, frames=frames, chunks=len(chunks)
                )
            else:
                continue
            discard_chunks(folder, track, chunks)
            if track == "mic":
                seconds = frames / rate
    finally:
        journal.close()
    return seconds


REMOVING = ".removing"
"""A joined track's chunk folder, renamed, while a thread empties it: ``mic.removing``."""


def discard_chunks(folder: Path, track: str, chunks: list[Chunk]) -> None:
    """Remove a joined track's chunk files (once the journal notes the joined file).

    Unlinking a file that was fsync'd costs ext4 about 3 ms here: a minute for an hour's
    21,600 chunks. So the folder is renamed at once and emptied by a background thread;
    what a process that ends first leaves behind, `remove_leftovers` removes later.
    """
    source, target = folder / track, folder / f"{track}{REMOVING}"
    with contextlib.suppress(OSError):
        if source.is_dir() and not target.exists():
            source.rename(target)
            _remove_in_background([target])
            return
    for chunk in chunks:  # (a folder renamed before: one by one, as they are)
        (folder / chunk.file).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        source.rmdir()  # only when empty


def remove_leftovers(sessions_dir: Path) -> None:
    """Finish removing the chunk folders joined sessions left (in the background)."""
    with contextlib.suppress(OSError):
        _remove_in_background(sorted(sessions_dir.glob(f"*/*{REMOVING}")))


def _remove_in_background(paths: list[Path]) -> None:
    if not paths:
        return

    def remove() -> None:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    threading.Thread(target=remove, name="gim-remove-chunks", daemon=True).start()


def _joined(found: Replay, track: str, chunks: int) -> bool:
    """Whether the journal says ``track`` is joined, of all its ``chunks``."""
    if track not in found.assembled:
        return False
    held = found.assembled_chunks.get(track)
    return held is None or held == chunks  # (None: joined at the end, before the count)


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

"""The session journal: an append-only, fsync'd record of everything a session wrote.

One JSON object per line. Audio chunks are listed only after their file is safely on
disk, so a journal read after a crash never points at a half-written chunk; a torn last
line (the process died while writing it) is ignored.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gim.config import FILE_MODE

JOURNAL = "journal.jsonl"


class Journal:
    """Appends entries to ``<folder>/journal.jsonl``, durable line by line; thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        """The journal file."""
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        self._fd = fd
        self._lock = threading.Lock()
        self._torn = False  # a failed write left part of a line: end it before the next
        self.on_error: Callable[[OSError], None] | None = None
        """Receives a failed write (a full disk) instead of the writing thread; None: raise."""

    def write(self, kind: str, /, **data: Any) -> None:
        """Append one entry of ``kind`` and wait until it is on disk."""
        if "kind" in data:
            raise ValueError("a journal entry's data cannot have its own 'kind'")
        line = json.dumps({"kind": kind, **data}, separators=(",", ":")) + "\n"
        with self._lock:
            if self._fd < 0:
                return
            data_bytes = (b"\n" if self._torn else b"") + line.encode("utf-8")
            try:
                written = os.write(self._fd, data_bytes)
                if written < len(data_bytes):  # a full disk takes part of a line
                    self._torn = written > 0 or self._torn
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                self._torn = False
                os.fsync(self._fd)
            except OSError as exc:
                if self.on_error is None:
                    raise
                failed = exc
            else:
                return
        self.on_error(failed)

    def close(self) -> None:
        """Close the file (later writes are dropped)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


@dataclass
class Chunk:
    """One audio chunk file listed in the journal."""

    track: str
    """"mic" or "reference"."""
    file: str
    """Path relative to the session folder."""
    frame: int
    """Session frame of its first sample."""
    frames: int
    """Number of frames in it."""


@dataclass
class Replay:
    """What a journal says a session wrote."""

    header: dict[str, Any] = field(default_factory=dict)
    """The first entry: session id, rate, channels, pid."""
    chunks: list[Chunk] = field(default_factory=list)
    playback: list[dict[str, Any]] = field(default_factory=list)
    """PlaybackEvent dicts in order."""
    phases: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[tuple[float, float]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    delays: list[tuple[int, float]] = field(default_factory=list)
    """Measured ``(mic frame, lag)`` points."""
    ended: bool = False
    """Whether the session closed its journal normally."""
    assembled: dict[str, str] = field(default_factory=dict)
    """Track name → final file once the chunks were joined."""
    assembled_chunks: dict[str, int | None] = field(default_factory=dict)
    """Track name → how many chunks its final file holds (None: not noted)."""

    def track(self, name: str) -> list[Chunk]:
        """The chunks of one track in frame order."""
        return sorted((c for c in self.chunks if c.track == name), key=lambda c: c.frame)


#: Entries that carry what was said or written: kept only until the database holds them.
TEXT_KINDS = ("segment", "annotation")


def compact(folder: Path) -> None:
    """Drop the transcript and annotation entries from a finished session's journal.

    The journal holds them only so a crash cannot lose a line before the database has it.
    Once the session is complete (or recovered) the database is the single place the text
    lives, so deleting or de-identifying a session there leaves no copy behind. The file is
    rewritten beside the old one and renamed over it, so a crash here loses nothing.
    """
    path = folder / JOURNAL
    if not path.is_file():
        return
    kept = []
    for raw in path.read_bytes().splitlines(keepends=True):
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(entry, dict) and entry.get("kind") not in TEXT_KINDS:
            kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
    tmp = path.with_name(JOURNAL + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, b"".join(kept))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def replay(folder: Path) -> Replay:
    """Read ``<folder>/journal.jsonl`` (an empty Replay if it is missing)."""
    out = Replay()
    path = folder / JOURNAL
    if not path.is_file():
        return out
    for raw in path.read_bytes().splitlines():
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue  # a torn last line
        if not isinstance(entry, dict):
            continue
        kind = entry.pop("kind", None)
        if kind == "session":
            out.header = entry
        elif kind == "chunk":
            out.chunks.append(Chunk(entry["track"], entry["file"], entry["frame"], entry["frames"]))
        elif kind == "playback":
            out.playback.append(entry)
        elif kind == "phase":
            out.phases.append(entry)
        elif kind == "gap":
            out.gaps.append((float(entry["start"]), float(entry["end"])))
        elif kind == "segment":
            out.segments.append(entry)
        elif kind == "annotation":
            out.annotations.append(entry)
        elif kind == "delay":
            out.delays.append((int(entry["frame"]), float(entry["lag"])))
        elif kind == "assembled":
            out.assembled[entry["track"]] = entry["file"]
            out.assembled_chunks[entry["track"]] = entry.get("chunks")
        elif kind == "end":
            out.ended = True
    return out

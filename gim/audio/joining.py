"""A track's one file, joined while the session records: the end only closes it.

The chunk files stay the crash-safe record (`gim.audio.writer`): each settled chunk (on
disk and in the journal) is also appended here, silence filling any gap, so that the end
of the session closes this file, renames it to ``<track>.flac`` and notes it in the journal
instead of decoding and encoding every chunk again (minutes for a long session). Until
then it is only a copy under a temporary name: a killed process leaves it behind and
recovery joins the chunks as before (`finish_audio` removes it first).

It never stands in the recording's way. Any failure (a full disk above all) drops it and
the end joins the chunks as it always did; and when the disk has less than `JOIN_MARGIN`
free it gives its space back to the chunks, so a nearly full disk records as long as it
did without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gim.audio.sink import SUBTYPE, Sink, private

if TYPE_CHECKING:
    from gim.audio.journal import Journal

JOINING_SUFFIX = ".joining"
"""What the file being joined is called until the end: ``mic.flac.joining``."""
JOIN_MARGIN = 64 * 2**20
"""Free bytes below which the file being joined is given up (its space goes back)."""
log = logging.getLogger(__name__)


def joining_path(folder: Path, track: str) -> Path:
    """The file ``track`` is joined into while the session records."""
    return folder / f"{track}.flac{JOINING_SUFFIX}"


class Joining:
    """One track's file, grown chunk by chunk; thread-safe.

    Args:
        folder: the session folder.
        track: "mic" or "reference".
        rate: sample rate.
        channels: channels per frame.
    """

    def __init__(self, folder: Path, track: str, rate: int, channels: int) -> None:
        self.folder = folder
        self.track = track
        self.rate = rate
        self.channels = channels
        self.path = joining_path(folder, track)
        """The file while it grows."""
        self.frames = 0
        """Frames in it (the session frame its next sample has)."""
        self.chunks = 0
        """Chunks appended."""
        self.given_up = False
        """Whether it was dropped (the end joins the chunks instead)."""
        self._lock = threading.Lock()
        self._raw: Any = None
        self._sink: Sink | None = None
        self._file: Any = None

    def add(self, frame: int, data: np.ndarray) -> None:
        """Append the settled chunk ``data`` that starts at session ``frame``. Never raises:
        a failure drops the file."""
        with self._lock:
            if self.given_up:
                return
            try:
                if shutil.disk_usage(self.folder).free < JOIN_MARGIN:
                    self._give_up("the disk is nearly full")
                    return
                if self._file is None:
                    self._open()
                self._append(frame, data)
            except Exception as exc:  # the chunks are safe: the end joins them instead
                self._give_up(type(exc).__name__)

    def finish(self, journal: Journal) -> bool:
        """Close the file, name it ``<track>.flac`` and note it in ``journal`` (with the
        chunks it holds, which `finish_audio` checks); False when it was dropped."""
        with self._lock:
            if self.given_up or self._file is None:
                return False
            out = self.folder / f"{self.track}.flac"
            try:
                self._close()
                os.replace(self.path, out)
            except Exception as exc:
                self._give_up(type(exc).__name__)
                return False
            self.given_up = True  # (done: later chunks are the end's join's)
        journal.write(
            "assembled", track=self.track, file=out.name, frames=self.frames, chunks=self.chunks
        )
        return True

    def _open(self) -> None:
        import soundfile

        self._raw = open(self.path, "wb", opener=private)  # noqa: SIM115 (closed in _close)
        self._sink = Sink(self._raw)
        self._file = soundfile.SoundFile(
            self._sink, "w", self.rate, self.channels, SUBTYPE, format="FLAC"
        )

    def _append(self, frame: int, data: np.ndarray) -> None:
        assert self._sink is not None
        while frame > self.frames:  # a gap: silence keeps the file on the session clock
            self._write(np.zeros((min(frame - self.frames, self.rate), self.channels), np.float32))
        skip = self.frames - frame
        if skip < len(data):
            self._write(np.clip(data[skip:, : self.channels], -1.0, 1.0))
        self.chunks += 1

    def _write(self, data: np.ndarray) -> None:
        assert self._sink is not None
        try:
            self._file.write(data)
        except AssertionError:  # soundfile asserts every frame was written
            self._sink.raise_failure()
            raise
        self._sink.raise_failure()
        self.frames += len(data)

    def _close(self) -> None:
        assert self._sink is not None
        file, self._file = self._file, None
        try:
            file.close()  # the encoder's last frames and the header
        except AssertionError:
            self._sink.raise_failure()
            raise
        self._sink.raise_failure()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def _give_up(self, why: str) -> None:
        if not self.given_up:
            log.info("gim: the %s track is joined at the end instead (%s)", self.track, why)
        self.given_up = True
        file, self._file = self._file, None
        with contextlib.suppress(Exception):
            if file is not None:
                file.close()
        with contextlib.suppress(Exception):
            if self._raw is not None:
                self._raw.close()
        self.path.unlink(missing_ok=True)

"""Snapshots of a running session for meters and progress lines, and the disk check."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from gim.audio.joining import joining_path
from gim.core.program import Program
from gim.runner.audio_path import AudioPath
from gim.runner.events import RunnerStatus

BYTES_PER_SAMPLE = 2  # 16-bit FLAC at worst does not compress at all


def disk_needed(seconds: float, rate: int, mic_channels: int) -> int:
    """Bytes a session of ``seconds`` needs at worst (the reference is stereo)."""
    return int(seconds * rate * (2 + mic_channels) * BYTES_PER_SAMPLE)


def disk_warning(folder: Path, need: int) -> str | None:
    """The warning to give when the disk under ``folder`` has less than ``need`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free >= need:
        return None
    return (
        f"Only {free // 2**20} MB free on the disk, about {need // 2**20} MB are needed "
        "for this session: free some space or it will stop when the disk fills."
    )


def joining_bytes(folder: Path) -> int:
    """Bytes the files joined as the session records take: given back to the chunks when
    the disk is nearly full (`gim.audio.joining`), so as good as free here."""
    taken = 0
    for track in ("mic", "reference"):
        with contextlib.suppress(OSError):
            taken += joining_path(folder, track).stat().st_blocks * 512
    return taken


DISK_CHECK_SECONDS = 2.0
"""How often a running session looks at the free space."""
DISK_WARN_MINUTES = (10.0, 2.0)
"""Minutes of recording left at which the guide is warned (once each)."""
MEASURE_SECONDS = 30.0
"""Session seconds after which the disk's real filling rate is used."""


class DiskWatch:
    """Tells when the disk under a session has room for only a few more minutes.

    Args:
        folder: the session folder.
        bytes_per_second: what a second of the session takes at worst (`disk_needed`).
    """

    def __init__(self, folder: Path, bytes_per_second: int) -> None:
        self.folder = folder
        self.bytes_per_second = max(1, bytes_per_second)
        """Worst case until the session has run a while; then what it really takes."""
        self._passed: set[float] = set()
        self._first: tuple[float, int] | None = None
        self.measured = False
        """Whether the rate is measured (not the worst case)."""

    def minutes_left(self, elapsed: float) -> float | None:
        """Minutes of recording the free space holds at ``elapsed`` session seconds (None:
        it cannot be read). FLAC compresses, so after the first half minute the rate the
        disk really fills at replaces the worst case."""
        try:
            free = shutil.disk_usage(self.folder).free + joining_bytes(self.folder)
        except OSError:
            return None
        if self._first is None:
            self._first = (elapsed, free)
        start, free_then = self._first
        if elapsed - start >= MEASURE_SECONDS and free_then > free:
            self.measured = True
            self.bytes_per_second = max(1, int((free_then - free) / (elapsed - start)))
        return free / self.bytes_per_second / 60.0

    def start(
        self, elapsed: Callable[[], float], stop: threading.Event, warn: Callable[[str], None]
    ) -> None:
        """Warn through ``warn`` while there is still time to free space, until ``stop``."""

        def loop() -> None:
            while not stop.wait(DISK_CHECK_SECONDS):
                warning = self.check(elapsed())
                if warning is not None:
                    warn(warning)

        threading.Thread(target=loop, name="runner-disk-watch", daemon=True).start()

    def check(self, elapsed: float) -> str | None:
        """A warning when a threshold has just been passed, else None."""
        minutes = self.minutes_left(elapsed)
        if minutes is None or (not self.measured and minutes >= 1):
            return None  # the worst case overstates FLAC's needs: wait for a measurement
        passed = {limit for limit in DISK_WARN_MINUTES if minutes < limit} - self._passed
        if not passed:
            return None
        self._passed |= passed
        left = "less than a minute" if minutes < 1 else f"about {max(1, round(minutes))} minutes"
        left = left.replace("about 1 minutes", "about a minute")
        return (
            f"The disk has room for {left} more of recording: free some space now, or the "
            "session stops when it is full (everything recorded is kept)."
        )


def snapshot(
    session_id: str,
    program: Program,
    rate: int,
    audio: AudioPath | None,
    where: Path,
    warnings: list[str],
) -> RunnerStatus:
    """The status of a session whose audio runs through ``audio`` (None: not started).

    Args:
        session_id: the session's id ("" before it started).
        program: the program being played.
        rate: the session rate.
        audio: the session's audio path.
        where: the folder whose disk the session writes to.
        warnings: every warning so far.
    """
    player = audio.player if audio is not None else None
    recorder = audio.recorder if audio is not None else None
    position = player.position() if player else None
    piece = position.piece if position else None
    offset = position.offset / rate if position else 0.0
    done = 0.0
    if player is not None and piece is not None:
        done = sum(player.lengths[:piece]) / rate + offset + program.gap * piece
    total = (sum(player.lengths) / rate if player else program.duration) + (
        program.gap * max(0, len(program.pieces) - 1)
    )
    points = audio.points if audio is not None else []
    mic = audio.mic if audio is not None else None
    silent = recorder.silent_since if recorder is not None else None
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        free = 0
    return RunnerStatus(
        session_id=session_id,
        elapsed=audio.elapsed if audio is not None else 0.0,
        recorded=(mic.frames_written / rate) if mic else 0.0,
        piece=piece,
        piece_offset=offset,
        program_elapsed=done,
        program_remaining=max(0.0, total - done),
        playing=bool(player and player.playing),
        paused=bool(player and player.paused),
        # a silent microphone's meter falls, not freezes at its last block
        input_level=recorder.level.rms_db if recorder and silent is None else float("-inf"),
        input_peak=recorder.level.peak_db if recorder else float("-inf"),
        output_level=player.level.rms_db if player else float("-inf"),
        output_peak=player.level.peak_db if player else float("-inf"),
        xruns=(recorder.overruns if recorder else 0) + (player.underruns if player else 0),
        disk_free=free,
        lag=(points[-1][1] / rate) if points else None,
        warnings=list(warnings),
        mic_silent_since=None if silent is None else silent / rate,
    )

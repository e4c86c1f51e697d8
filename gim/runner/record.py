"""What a running session keeps: its database row, folder, lock and journal.

Everything is written twice: to the journal at once (so a killed process loses at most a
moment) and to the database through the store thread. At the end the audio chunks are
joined, the PlaybackLog stored, and the journal compacted once the database has it all.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from gim.audio.journal import Journal, compact, replay
from gim.audio.writer import finish_audio
from gim.config import Settings, ensure_private_dir
from gim.core.clock import DelayPoints, median_lag
from gim.core.playback import PlaybackEvent
from gim.core.program import Program
from gim.core.session import Annotation, PhaseChange, Segment, Session, Status
from gim.errors import GimError
from gim.runner.final_mark import owe_final_pass
from gim.runner.recovery import LOCK_FILE
from gim.runner.session_start import SessionPlan
from gim.runner.store_thread import StoreThread

RESERVE_PREFIX = ".reserve-"
"""Held-back space files in ``sessions/``, one per live session."""
RESERVE_BYTES = 8 * 2**20
"""Enough for the database, the journal and the end of the session on a full disk."""
PENDING_FILE = "audio.pending"
"""In a session folder: the chunks are still to be joined (the disk was full)."""


class LiveRecord:
    """A session being recorded: created in the store, its folder locked, its journal open.

    Args:
        store: the store thread.
        session: the session to create (its id is filled in).
        sessions_dir: the folder that holds every session's folder.
    """

    @classmethod
    def create(
        cls, settings: Settings, program: Program, plan: SessionPlan, rate: int
    ) -> LiveRecord:
        """A new session for ``plan`` on ``program``, stored and with its folder.

        Args:
            settings: the data home and the guide.
            program: the program to be played (stored as a snapshot).
            plan: the client, the focus, the consent.
            rate: the session rate.

        Raises:
            SessionInUseError: another gim records in this data home (one at a time).
        """
        from gim.lockfile import claim_recording

        ensure_private_dir(settings.home)
        claim = claim_recording(ensure_private_dir(settings.sessions_dir))
        try:
            return cls._create(settings, program, plan, rate, claim)
        except BaseException:
            os.close(claim)
            raise

    @classmethod
    def _create(
        cls, settings: Settings, program: Program, plan: SessionPlan, rate: int, claim: int
    ) -> LiveRecord:
        from gim.core.program_parse import program_to_dict
        from gim.store.db import Store  # imported here: importing in two threads races

        session = Session(
            id="",
            client=plan.client,
            program=program.slug,
            started_at=datetime.now().isoformat(timespec="seconds"),
            focus=plan.focus,
            consent=plan.consent,
            guide=settings.guide,
            language=settings.language,
            samplerate=rate,
            program_snapshot=program_to_dict(program),
        )
        store = StoreThread(Store, settings.db_path)
        store.start()
        return cls(store, session, settings.sessions_dir, claim=claim)

    def __init__(
        self, store: StoreThread, session: Session, sessions_dir: Path, *, claim: int = -1
    ) -> None:
        self._claim = claim
        """The data home's recording lock (gim.lockfile.claim_recording), -1 if none."""
        self.store = store
        self.session: Session = store.run(lambda s: s.create_session(session))
        """The session as stored."""
        self.id = session.id
        """The session's id."""
        self.folder = ensure_private_dir(sessions_dir / session.id)
        """Where the session's audio and journal go."""
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held: recovery leaves it alone (its folder is new:
        # only another process asking whether it is held may hold it, for a moment)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        self.journal = Journal(self.folder)
        """The session's journal."""
        self.reserve = sessions_dir / f"{RESERVE_PREFIX}{session.id}"
        """Space held back so the session can still be ended cleanly on a full disk."""
        hold_space(self.reserve, RESERVE_BYTES)

    def write_header(self, rate: int, mic_channels: int, *, final_pass: bool) -> None:
        """Journal what the session is: enough to join its audio after a kill, to list it
        again should the database be lost (`gim sessions rebuild`), and whether a final
        pass is owed at its end (recovery marks it so: `gim.runner.final_mark`)."""
        session = self.session
        self.journal.write(
            "session",
            id=session.id,
            rate=rate,
            mic_channels=mic_channels,
            out_channels=2,
            pid=os.getpid(),
            client=session.client,
            program=session.program,
            started_at=session.started_at,
            consent=str(session.consent),
            language=session.language,
            program_snapshot=session.program_snapshot,
            transcribe=final_pass,
        )

    def release_reserve(self) -> None:
        """Give back the held space (the disk is full: the end of the session needs it)."""
        with contextlib.suppress(OSError):
            self.reserve.unlink(missing_ok=True)

    def _update(self, **fields: Any) -> None:
        self.store.run(lambda s: s.update_session(self.id, **fields), wait=False)

    def add_segment(self, segment: Segment) -> None:
        """Keep a live transcript line (its id and session id are filled in)."""
        self.journal.write("segment", **segment.to_dict())
        segment.id = self.store.run(lambda s: s.add_segment(self.id, segment))
        segment.session_id = self.id

    def add_gap(self, start: float, end: float) -> None:
        """Note session seconds the microphone did not record."""
        self.journal.write("gap", start=start, end=end)
        self.session.gaps.append((start, end))
        self._update(gaps=list(self.session.gaps))

    def add_phase(self, change: PhaseChange) -> None:
        """Note that the session moved into a phase."""
        self.session.phases.append(change)
        self._update(phases=list(self.session.phases))
        self.journal.write("phase", time=change.time, phase=str(change.phase))

    def add_annotation(self, note: Annotation) -> None:
        """Keep a guide's note (its id and session id are filled in)."""
        entry = note.to_dict()
        entry["annotation_kind"] = entry.pop("kind")  # "kind" names the journal entry
        self.journal.write("annotation", **entry)
        note.id = self.store.run(lambda s: s.add_annotation(self.id, note))
        note.session_id = self.id

    def add_playback(self, event: PlaybackEvent) -> None:
        """Journal a player action (the whole log is stored at the end)."""
        self.journal.write("playback", **event.to_dict())

    def save(
        self,
        events: list[PlaybackEvent],
        points: DelayPoints,
        warn: Callable[[str], None],
        *,
        final_pass: bool = False,
    ) -> None:
        """Join the audio, store the log and the end, close the store, release the lock.

        With ``final_pass`` the session owes its final pass from here on, and this process
        holds the mark until it runs the pass (`gim.runner.final_mark`).
        """
        status = Status.COMPLETE
        self.release_reserve()
        try:
            seconds = finish_audio(self.folder)
        except OSError as exc:
            # The chunks are safe and listed: the session is kept as recovered now and the
            # next gim command with space joins them (gim.runner.rebuild.join_pending).
            seconds = recorded_seconds(self.folder)
            status = Status.RECOVERED
            try:
                (self.folder / PENDING_FILE).touch(0o600)
            except OSError:
                status = Status.RECORDING  # recovery joins it then
            warn(
                f"The audio is saved in one-second pieces but could not be joined yet "
                f"({exc.strerror}): the next gim command joins it once there is space."
            )
        if final_pass:  # before the end is stored: no moment shows an end without it
            owe_final_pass(self.folder, hold=True)
        fields = {
            "status": status,
            "ended_at": datetime.now().isoformat(timespec="seconds"),
            "audio_seconds": seconds,
            "gaps": list(self.session.gaps),
            "delay_frames": median_lag(points),
            "delay_points": list(points),
        }
        try:
            self.store.run(
                lambda s: (
                    s.add_playback_events(self.id, events),
                    s.update_session(self.id, **fields),
                )
            )
        except GimError as exc:  # the database cannot take it (a full disk): recovery will
            status = Status.RECORDING
            warn(
                f"{exc.message.rstrip('.')}; the session is recovered from its folder by "
                "the next gim command."
            )
        if status is not Status.RECORDING:
            self.journal.write("end", status=str(status))
        self.journal.close()
        if self.store.close(30) and status is Status.COMPLETE:
            with contextlib.suppress(OSError):
                compact(self.folder)  # the database has every line now
        for fd in (self._lock_fd, self._claim):
            if fd >= 0:
                os.close(fd)
        self._lock_fd = self._claim = -1


def hold_space(path: Path, size: int) -> None:
    """Allocate ``size`` bytes at ``path`` (private); nothing when the disk has no room."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
    finally:
        os.close(fd)


def recorded_seconds(folder: Path) -> float:
    """Seconds of microphone audio the journal lists as safely on disk."""
    found = replay(folder)
    rate = int(found.header.get("rate", 48000))
    chunks = found.track("mic")
    return max((c.frame + c.frames for c in chunks), default=0) / rate

"""The session store: one SQLite file (WAL) holding clients, sessions and transcripts.

A `Store` belongs to the thread that opened it (SQLite connections are not shared across
threads here: a worker thread opens its own). Every database failure a guide can meet
(a damaged file, a database held by another program, a folder that cannot be written)
becomes a `StoreError` with one sentence saying what to do; a damaged database is never
deleted or overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from gim.config import FILE_MODE
from gim.core.clock import SessionClock
from gim.core.ids import canonical_client, new_session_id
from gim.core.playback import PlaybackEvent, PlaybackLog
from gim.core.program import Program
from gim.core.record import SessionRecord
from gim.core.session import Session
from gim.errors import SessionInUseError, StoreError
from gim.lockfile import lock_state
from gim.store import rows
from gim.store.failures import disk_full, full_disk_error, guarded, store_error
from gim.store.lines import TranscriptTables, no_session
from gim.store.migrations import migrate
from gim.store.search import SearchHit, run_search

BUSY_TIMEOUT = 2.0
"""Seconds to wait for another program's lock before giving up (short: a guide is waiting)."""
SCHEMA_WAIT = 30.0
"""Seconds to wait for another gim creating or migrating the database."""


@dataclass(frozen=True)
class ClientSummary:
    """A client and how many sessions they have had."""

    code: str
    created_at: str
    notes: str
    sessions: int
    """Number of sessions stored."""
    last_session: str | None
    """Start of the latest session (ISO 8601), None if there is none."""


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Store(TranscriptTables):
    """The session database. Open with `Store.open` (a file) or `Store.memory` (tests)."""

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open the database at ``path``, creating it (mode 0600, WAL) and migrating it."""
        path = Path(path)
        try:
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
            else:
                path.chmod(FILE_MODE)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) or disk_full(path):
                raise full_disk_error(path) from exc
            raise StoreError(
                f"Cannot create the session database {path} ({exc.strerror}): make the data "
                "folder writable or choose another with --home or GIM_HOME."
            ) from exc
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        try:
            with _schema_lock(path.parent):
                store = cls._prepare(Database(conn), path)
        except sqlite3.Error as exc:
            conn.close()
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise store_error(path, exc) from exc
        return store

    @classmethod
    def memory(cls) -> Store:
        """A fresh database in memory (for tests and dry runs)."""
        return cls._prepare(Database(memory=True), None)

    @classmethod
    def _prepare(cls, db: Database, path: Path | None) -> Store:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")  # deleted health records are zeroed on disk
        # SQLite's temporary files (sorts, big queries) stay in memory: without it a demo
        # wrote one, holding rows of health records, to /var/tmp, outside the data home
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails if not a database
        if path is not None:
            db.enable_wal()
        migrate(db)
        return cls(db, path)

    def close(self) -> None:
        """Close the connection (the store cannot be used afterwards)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- clients -------------------------------------------------------------------

    @guarded
    def ensure_client(self, code: str) -> None:
        """Add the client ``code`` unless it exists."""
        self.db.execute(
            "INSERT OR IGNORE INTO clients (code, created_at, notes) VALUES (?, ?, '')",
            [canonical_client(code), _now()],
        )

    @guarded
    def client_language(self, code: str) -> str:
        """The language last chosen for client ``code`` ("" when none was)."""
        code = canonical_client(code)
        row = next(self.db.query("SELECT language FROM clients WHERE code = ?", [code]), None)
        return str(row["language"]) if row else ""

    @guarded
    def set_client_language(self, code: str, language: str) -> None:
        """Keep ``language`` as client ``code``'s language (their next sessions' default)."""
        code = canonical_client(code)
        self.ensure_client(code)
        self.db.execute("UPDATE clients SET language = ? WHERE code = ?", [language, code])

    @guarded
    def clients(self) -> list[ClientSummary]:
        """Every client with their number of sessions and latest session, latest first."""
        sql = """
            SELECT c.code, c.created_at, c.notes, count(s.id) AS sessions,
                   max(s.started_at) AS last_session
            FROM clients c LEFT JOIN sessions s ON s.client = c.code
            GROUP BY c.code ORDER BY last_session IS NULL, last_session DESC, c.code
        """
        return [ClientSummary(**row) for row in self.db.query(sql)]

    # -- sessions ------------------------------------------------------------------

    @guarded
    def create_session(self, session: Session) -> Session:
        """Store a new session, giving it an id and series number when it has none.

        Returns the same object, with ``id`` and ``number`` filled in.
        """
        with self.db.atomic():
            session.client = canonical_client(session.client)
            self.ensure_client(session.client)
            if not session.id:
                when = _parse_time(session.started_at)
                session.id = new_session_id(session.client, when, self._ids_like(when))
            elif self._has_session(session.id):
                raise StoreError(f"A session {session.id} already exists: choose another id.")
            if session.number is None:
                row = self.db.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM sessions WHERE client = ?",
                    [session.client],
                ).fetchone()
                session.number = int(row[0])
            self._insert("sessions", rows.session_row(session))
        return session

    def _ids_like(self, when: datetime) -> set[str]:
        prefix = f"{when:%Y%m%d-%H%M}-"
        cursor = self.db.execute("SELECT id FROM sessions WHERE id LIKE ?", [prefix + "%"])
        return {r[0] for r in cursor}

    @guarded
    def update_session(self, session_id: str, **fields: Any) -> None:
        """Change some fields of a session (any Session field but ``id``, or the delay fields).

        ``delay_frames`` is the median lag, ``delay_points`` every ``(mic frame, lag)``.
        """
        allowed = set(rows.SESSION_COLUMNS) - {"id"} | {"delay_frames", "delay_points"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not session fields: {', '.join(sorted(unknown))}")
        if not fields:
            return
        values = {k: rows.session_value(k, v) for k, v in fields.items()}
        assignments = ", ".join(f'"{k}" = :{k}' for k in values)
        with self.db.atomic():
            if "client" in values:
                values["client"] = canonical_client(values["client"])
                self.ensure_client(values["client"])
            cursor = self.db.execute(
                f"UPDATE sessions SET {assignments} WHERE id = :_id",
                {**values, "_id": session_id},
            )
            if cursor.rowcount == 0:
                raise no_session(session_id)

    def set_speaker_labels(self, session_id: str, how: str) -> None:
        """Say how ``session_id``'s speaker labels were made (`gim.core.session.labels_made`);
        the pass that labels the lines sets it, the transcript's header shows it."""
        self.update_session(session_id, speaker_labels=how)

    @guarded
    def get_session(self, session_id: str) -> Session:
        """The session ``session_id`` (NotFoundError if there is none)."""
        found = list(self.db.query("SELECT * FROM sessions WHERE id = ?", [session_id]))
        if not found:
            raise no_session(session_id)
        return rows.session_from_row(found[0])

    @guarded
    def list_sessions(self, client: str | None = None) -> list[Session]:
        """Every session (or ``client``'s), newest first."""
        where, params = ("", [])
        if client is not None:
            where, params = "WHERE client = ?", [canonical_client(client)]
        sql = f"SELECT * FROM sessions {where} ORDER BY started_at DESC, id DESC"
        return [rows.session_from_row(r) for r in self.db.query(sql, params)]

    @guarded
    def session_ids(self) -> set[str]:
        """The id of every stored session."""
        return {row[0] for row in self.db.execute("SELECT id FROM sessions")}

    @guarded
    def session_summaries(self) -> list[dict[str, Any]]:
        """The ``gim sessions list --json`` dicts, newest first."""
        sql = """
            SELECT s.id, s.client, s.program, s.status, s.started_at, s.audio_seconds,
                   (SELECT count(*) FROM segments g WHERE g.session_id = s.id) AS segments
            FROM sessions s ORDER BY s.started_at DESC, s.id DESC
        """
        return list(self.db.query(sql))

    @guarded
    def delete_session(self, session_id: str, sessions_dir: Path) -> None:
        """Delete a session: its audio folder ``sessions_dir/<id>`` first, then every row.

        The audio goes first so a failure halfway leaves the session listed and the
        deletion can simply be repeated.
        """
        self.get_session(session_id)
        folder = sessions_dir / session_id
        if session_id in ("", ".", "..") or folder.parent != sessions_dir:
            raise StoreError(f"The session id {session_id!r} is not a folder name: delete by hand.")
        if lock_state(
            folder / "session.lock"
        ):  # gim.runner.recovery.LOCK_FILE, held while recording
            raise SessionInUseError(
                f"Session {session_id} is being recorded right now: end it first, then delete it."
            )
        if folder.exists():
            try:
                shutil.rmtree(folder, onerror=_gone_is_removed)
            except OSError as exc:
                raise StoreError(
                    f"Cannot delete the audio folder {folder} ({exc.strerror}): check its "
                    "permissions and delete the session again."
                ) from exc
        with self.db.atomic():
            self.db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
            # Rebuild the index so no token of the deleted session survives in it.
            self.db.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")
        if self.path is not None:
            # Old pages live on in the write-ahead log until a checkpoint: fold them in.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    # -- playback ------------------------------------------------------------------

    @guarded
    def add_playback_events(self, session_id: str, events: Iterable[PlaybackEvent]) -> None:
        """Append player actions to the session's log."""
        with self.db.atomic():
            self._require_session(session_id)
            row = self.db.execute(
                "SELECT coalesce(max(seq), -1) FROM playback_events WHERE session_id = ?",
                [session_id],
            ).fetchone()
            seq = int(row[0])
            for event in events:
                seq += 1
                self._insert(
                    "playback_events", {"session_id": session_id, "seq": seq, **event.to_dict()}
                )

    @guarded
    def playback_log(self, session_id: str) -> PlaybackLog:
        """The session's PlaybackLog, at the session's sample rate."""
        session = self.get_session(session_id)
        found = self.db.query(
            'SELECT frame, action, piece, "offset", value FROM playback_events '
            "WHERE session_id = ? ORDER BY seq",
            [session_id],
        )
        return PlaybackLog(session.samplerate, [PlaybackEvent.from_dict(r) for r in found])

    @guarded
    def delay_frames(self, session_id: str) -> float:
        """The measured lag of the microphone behind the player, in frames."""
        self._require_session(session_id)
        row = self.db.execute("SELECT delay_frames FROM sessions WHERE id = ?", [session_id])
        return float(row.fetchone()[0])

    @guarded
    def delay_points(self, session_id: str) -> list[tuple[int, float]]:
        """Every lag measurement ``(mic frame, lag in frames)``; empty for older sessions."""
        self._require_session(session_id)
        row = self.db.execute("SELECT delay_points FROM sessions WHERE id = ?", [session_id])
        return [(int(f), float(lag)) for f, lag in json.loads(row.fetchone()[0] or "[]")]

    @guarded
    def clock(self, session_id: str) -> SessionClock:
        """The session's clock: session seconds <-> the music heard then."""
        points = self.delay_points(session_id) or [(0, self.delay_frames(session_id))]
        return SessionClock(
            self.playback_log(session_id), points, self.get_session(session_id).gaps
        )

    # -- the whole record, search --------------------------------------------------

    @guarded
    def load_record(self, session_id: str) -> SessionRecord:
        """Everything stored about a session, as one value."""
        session = self.get_session(session_id)
        return SessionRecord(
            session=session,
            program=snapshot_program(session),
            playback=self.playback_log(session_id),
            segments=self.segments(session_id),
            annotations=self.annotations(session_id),
            attachments=self.attachments(session_id),
            delay_frames=self.delay_frames(session_id),
            delay_points=self.delay_points(session_id),
        )

    @guarded
    def search(
        self,
        query: str,
        client: str | None = None,
        session_id: str | None = None,
        limit: int = 50,
        *,
        unchecked: bool = False,
        speaker: str | None = None,
    ) -> list[SearchHit]:
        """Transcript lines and annotations matching ``query``, best first (bm25).

        See `gim.store.search` for the query language; no query raises an error. Lines
        flagged for checking that the guide has not checked are left out unless
        ``unchecked``; ``speaker`` (client|guide) keeps that speaker's lines only.
        """
        clocks: dict[str, SessionClock] = {}

        def locate(sid: str, seconds: float) -> tuple[int | None, float | None]:
            if sid not in clocks:
                clocks[sid] = self.clock(sid)
            found = clocks[sid].music_at(seconds)
            return (None, None) if found is None else found

        return run_search(
            self.db, query, locate, client, session_id, limit, unchecked=unchecked, speaker=speaker
        )


@contextlib.contextmanager
def _schema_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the data folder while the schema is checked and migrated.

    Two gim processes starting at once on a fresh data home would otherwise both create the
    tables ("table clients already exists"); the second now waits and finds them made. A
    lock on the folder itself leaves no file behind and cannot disturb SQLite's own locks.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield  # the open that follows reports what is wrong with the folder
        return
    try:
        deadline = time.monotonic() + SCHEMA_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"The data folder {folder} is held by another gim that is setting up "
                        "its database: wait a moment and try again."
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.now()


def snapshot_program(session: Session) -> Program | None:
    """The Program as it was played in ``session``, None when the snapshot cannot be read."""
    if not session.program_snapshot:
        return None
    from gim.core.program_parse import parse_program
    from gim.errors import GimError

    try:
        return parse_program(
            session.program_snapshot, f"session {session.id}", origin=f"session {session.id}"
        )
    except (GimError, ValueError, TypeError, KeyError):
        return None


def _gone_is_removed(func: object, path: str, exc_info: tuple[type, BaseException, object]) -> None:
    """`shutil.rmtree`'s onerror: a file already gone (a joined session's chunks are removed
    by a background thread) is removed; any other failure is raised."""
    if not isinstance(exc_info[1], FileNotFoundError):
        raise exc_info[1]

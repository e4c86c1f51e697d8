"""Recordings the database does not list: finding them, and `gim sessions rebuild`.

A session folder keeps everything needed to list a session again: its audio (chunks or the
joined files), the journal's header (id, client, program as played, start), the playback
log, phases, gaps and delay points, and (until the database had them) transcript lines and
annotations. When ``gim.db`` is missing, emptied or damaged, every folder under
``sessions/`` it does not list is re-imported from there; a damaged database is renamed
aside, never deleted. Text the journal no longer holds comes back from the final pass.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gim.audio.files import track_info
from gim.audio.journal import JOURNAL, compact, replay
from gim.audio.writer import finish_audio, remove_leftovers
from gim.config import Settings
from gim.core.clock import median_lag
from gim.core.ids import is_session_id
from gim.core.playback import PlaybackEvent
from gim.core.session import Consent, Phase, PhaseChange, Session, Status
from gim.errors import GimError, StoreError
from gim.runner.record import PENDING_FILE, RESERVE_PREFIX
from gim.runner.recovery import _annotation, _segment, is_running
from gim.store.db import Store
from gim.store.failures import store_error

AUDIO_FILES = ("mic.flac", "reference.flac")


@dataclass
class Imported:
    """One session folder brought back into the database."""

    session_id: str
    seconds: float
    """Seconds of microphone audio."""
    lines: int
    """Transcript lines the journal still held."""
    has_audio: bool
    """Whether a microphone recording is there to transcribe."""


def holds_recording(folder: Path) -> bool:
    """Whether ``folder`` is a session folder with something recorded in it."""
    return folder.is_dir() and any((folder / name).exists() for name in (JOURNAL, *AUDIO_FILES))


def orphaned_folders(settings: Settings, known: set[str]) -> list[Path]:
    """Session folders holding recordings whose ids are not in ``known`` (the database's)."""
    root = settings.sessions_dir
    try:
        folders = sorted(p for p in root.iterdir() if p.name not in known)
    except OSError:
        return []
    return [p for p in folders if holds_recording(p)]


def orphan_notice(count: int) -> str:
    """The sentence a command prints when recordings are missing from the database."""
    what = "1 recording" if count == 1 else f"{count} recordings"
    return (
        f"{what} under sessions/ {'is' if count == 1 else 'are'} not in the session database: "
        "run `gim sessions rebuild` to list them again."
    )


def damaged(path: Path) -> bool:
    """Whether the database file at ``path`` exists but is not a sound SQLite database."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(str(path), timeout=2.0)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        return [tuple(r) for r in rows] != [("ok",)]
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return True
        raise store_error(path, exc) from exc  # busy, a full disk, no permission: not damage
    finally:
        conn.close()


def set_aside(path: Path) -> Path:
    """Rename the database (and its -wal/-shm files) to ``gim.db.damaged-<time>``; the new name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(
            f"The damaged database {path} cannot be set aside ({exc.strerror}): move it "
            "yourself and run the rebuild again."
        ) from exc
    return target


def rebuild(settings: Settings, store: Store) -> list[Imported]:
    """Import every session folder the database does not list (live ones are left alone)."""
    known = {s.id for s in store.list_sessions()}
    done = []
    for folder in orphaned_folders(settings, known):
        if is_running(folder):
            continue
        done.append(import_folder(store, folder))
    return done


def import_folder(store: Store, folder: Path) -> Imported:
    """Create the session of ``folder`` from its journal and audio, marked recovered."""
    found = replay(folder)
    header = found.header
    session_id = folder.name
    try:
        seconds = finish_audio(folder) if (found.chunks or found.assembled) else 0.0
    except OSError as exc:
        raise StoreError(
            f"The audio of {session_id} cannot be joined ({exc.strerror}): free some space "
            "and run the rebuild again."
        ) from exc
    mic = folder / "mic.flac"
    if not seconds and mic.is_file():
        seconds = _seconds(mic)
    client, started = _from_id(session_id)
    snapshot = header.get("program_snapshot")
    phases = []
    for entry in found.phases:
        with contextlib.suppress(KeyError, ValueError, TypeError):
            phases.append(PhaseChange(float(entry["time"]), Phase(str(entry["phase"]))))
    session = Session(
        id=session_id,
        client=str(header.get("client") or client),
        program=str(header.get("program") or (snapshot or {}).get("slug") or "unknown"),
        started_at=str(header.get("started_at") or started),
        status=Status.RECOVERED,
        consent=_consent(header.get("consent")),
        samplerate=int(header.get("rate", 48000)),
        audio_seconds=seconds,
        ended_at=datetime.fromtimestamp(folder.stat().st_mtime).isoformat(timespec="seconds"),
        program_snapshot=snapshot if isinstance(snapshot, dict) else {},
        phases=phases,
        gaps=list(found.gaps),
        language=str(header.get("language") or "en"),  # journals before issue 23: English
    )
    store.create_session(session)
    if found.playback:
        store.add_playback_events(session_id, [PlaybackEvent.from_dict(e) for e in found.playback])
    for data in found.segments:
        store.add_segment(session_id, _segment(data))
    for data in found.annotations:
        with contextlib.suppress(KeyError, ValueError, TypeError):
            store.add_annotation(session_id, _annotation(data))
    if found.delays:
        store.update_session(
            session_id, delay_frames=median_lag(found.delays), delay_points=sorted(found.delays)
        )
    with contextlib.suppress(OSError):
        compact(folder)  # the database holds the text now
    return Imported(session_id, seconds, len(found.segments), mic.is_file())


def join_pending(settings: Settings, store: Store) -> list[str]:
    """Join the audio of sessions that ended on a full disk, now that there may be room.

    Also gives back the space held for sessions that are no longer running (a killed
    process leaves its reserve behind). Returns the ids whose audio was joined.
    """
    root = settings.sessions_dir
    remove_leftovers(root)
    with contextlib.suppress(OSError):
        for reserve in root.glob(f"{RESERVE_PREFIX}*"):
            if not is_running(root / reserve.name[len(RESERVE_PREFIX) :]):
                reserve.unlink(missing_ok=True)
    done = []
    for marker in sorted(root.glob(f"*/{PENDING_FILE}")):
        folder = marker.parent
        if is_running(folder):
            continue
        try:
            seconds = finish_audio(folder)
        except OSError:
            continue  # still no room: the next command tries again
        with contextlib.suppress(GimError):  # the session may have been deleted meanwhile
            store.update_session(folder.name, audio_seconds=seconds)
        marker.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            compact(folder)  # the database holds the text
        done.append(folder.name)
    return done


def _from_id(session_id: str) -> tuple[str, str]:
    """(client, started_at) read back from an id such as ``20261124-1530-c07``."""
    if is_session_id(session_id):
        with contextlib.suppress(ValueError):
            when = datetime.strptime(session_id[:13], "%Y%m%d-%H%M")
            return session_id[14:], when.isoformat(timespec="seconds")
    return "unknown", datetime.now().isoformat(timespec="seconds")


def _consent(value: object) -> Consent:
    try:
        return Consent(str(value))
    except ValueError:
        return Consent.MUSIC


def _seconds(path: Path) -> float:
    info = track_info(path)
    return info.seconds if info is not None else 0.0

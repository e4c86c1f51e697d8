"""Recovering sessions that were interrupted (crash, power loss, a killed process).

A session whose status is still "recording" while no process holds its lock file was
interrupted. Its audio is joined from the chunks on disk, its PlaybackLog and any
transcript lines the database missed are rebuilt from the journal, and it is marked
`recovered`. Every gim command that opens the store runs this first, so a guide never
meets a half-finished session.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gim.audio.journal import Journal, compact, replay
from gim.audio.writer import finish_audio
from gim.config import Settings
from gim.core.clock import median_lag
from gim.core.playback import PlaybackEvent
from gim.core.session import Annotation, AnnotationKind, Segment, Source, Speaker, Status
from gim.lockfile import lock_state
from gim.runner.final_mark import owe_final_pass

if TYPE_CHECKING:
    from gim.store.db import Store

LOCK_FILE = "session.lock"
log = logging.getLogger(__name__)


def is_running(folder: Path) -> bool:
    """Whether a live process still records into ``folder`` (it holds the lock file)."""
    return lock_state(folder / LOCK_FILE) is True


def recover_interrupted(settings: Settings, store: Store) -> list[str]:
    """Recover every interrupted session; the ids recovered."""
    done = []
    for session in store.list_sessions():
        if session.status is not Status.RECORDING:
            continue
        folder = settings.sessions_dir / session.id
        if is_running(folder):
            continue
        try:
            recover(store, session.id, folder)
        except OSError as exc:  # no space to join the audio yet: try again next time
            log.warning(
                "gim: session %s cannot be recovered yet (%s): free some space; the next gim "
                "command finishes it.",
                session.id,
                exc.strerror,
            )
            continue
        done.append(session.id)
    return done


def recover(store: Store, session_id: str, folder: Path) -> None:
    """Rebuild one session from its folder and mark it recovered."""
    found = replay(folder)
    recorded_here = bool(found.chunks or found.assembled)
    seconds = finish_audio(folder) if recorded_here else store.get_session(session_id).audio_seconds
    if not list(store.playback_log(session_id)) and found.playback:
        store.add_playback_events(session_id, [PlaybackEvent.from_dict(e) for e in found.playback])
    have = {(round(s.start, 2), s.text) for s in store.segments(session_id)}
    for data in found.segments:
        if (round(float(data["start"]), 2), data["text"]) in have:
            continue
        store.add_segment(session_id, _segment(data))
    noted = {(round(a.time, 2), str(a.kind), a.text) for a in store.annotations(session_id)}
    for data in found.annotations:
        kind = str(data.get("annotation_kind", ""))
        key = (round(float(data["time"]), 2), kind, str(data.get("text", "")))
        if key not in noted:
            store.add_annotation(session_id, _annotation(data))
    fields: dict[str, object] = {
        "status": Status.RECOVERED,
        "audio_seconds": seconds,
        "ended_at": datetime.now().isoformat(timespec="seconds"),
    }
    if found.gaps:
        fields["gaps"] = found.gaps
    if found.delays:
        fields["delay_frames"] = median_lag(found.delays)
        fields["delay_points"] = sorted(found.delays)
    store.update_session(session_id, **fields)
    if folder.is_dir():
        journal = Journal(folder)
        journal.write("end", status=str(Status.RECOVERED))
        journal.close()
        with contextlib.suppress(OSError):
            (folder / LOCK_FILE).unlink()
        compact(folder)
        if recorded_here and found.header.get("transcribe"):
            owe_final_pass(folder, hold=False)  # it has the live lines only


def _segment(data: dict[str, object]) -> Segment:
    def num(key: str) -> float | None:
        value = data.get(key)
        return None if value is None else float(value)  # type: ignore[arg-type]

    piece = data.get("piece")
    return Segment(
        start=float(data["start"]),  # type: ignore[arg-type]
        end=float(data["end"]),  # type: ignore[arg-type]
        text=str(data["text"]),
        speaker=Speaker(str(data.get("speaker", "client"))),
        source=Source.LIVE,
        confidence=num("confidence"),
        flagged=bool(data.get("flagged", False)),
        flag_reason=str(data.get("flag_reason", "")),
        piece=None if piece is None else int(piece),  # type: ignore[call-overload]
        piece_offset=num("piece_offset"),
        model=str(data.get("model") or ""),
    )


def _annotation(data: dict[str, object]) -> Annotation:
    tags = data.get("tags") or []
    return Annotation(
        time=float(data["time"]),  # type: ignore[arg-type]
        kind=AnnotationKind(str(data["annotation_kind"])),
        text=str(data.get("text", "")),
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
        author=str(data.get("author", "")),
    )

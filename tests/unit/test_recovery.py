"""An interrupted session's lines and notes come back from its journal; the text then
lives in the database alone."""

from __future__ import annotations

from pathlib import Path

from gim.audio.journal import JOURNAL, Journal
from gim.config import Settings
from gim.core.session import AnnotationKind, Session, Status
from gim.runner.recovery import recover_interrupted
from gim.store.db import Store


def test_lines_and_notes_are_recovered_once_and_leave_the_journal(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    store = Store.open(settings.db_path)
    session = store.create_session(
        Session(
            id="", client="K1", program="demo", started_at="2026-11-24T10:00:00", audio_seconds=12.0
        )
    )
    folder = settings.sessions_dir / session.id
    folder.mkdir(parents=True)
    journal = Journal(folder)
    journal.write("session", id=session.id, rate=48000, mic_channels=1)
    journal.write("segment", start=4.0, end=6.0, text="a lantern in the fog", speaker="client")
    journal.write(
        "annotation", time=7.0, annotation_kind="intervention", text="Stay with the lantern."
    )
    journal.close()

    assert recover_interrupted(settings, store) == [session.id]
    again = store.get_session(session.id)
    assert again.status is Status.RECOVERED
    assert again.audio_seconds == 12.0  # no chunks here: the stored length stands
    assert [s.text for s in store.segments(session.id)] == ["a lantern in the fog"]
    (note,) = store.annotations(session.id)
    assert (note.kind, note.text) == (AnnotationKind.INTERVENTION, "Stay with the lantern.")
    body = (folder / JOURNAL).read_text()
    assert "lantern" not in body
    assert recover_interrupted(settings, store) == []
    store.close()

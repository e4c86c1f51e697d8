"""What the guide writes during a live session is stored at the moment it happened, and
once the session is complete the text lives in the database alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from gim.audio.journal import JOURNAL
from gim.audio.room import Acoustics, VirtualRoom
from gim.config import Settings
from gim.core.session import AnnotationKind, Status
from gim.library.programs import ProgramLibrary
from gim.runner import SessionPlan, SessionRunner
from gim.store.db import Store


@pytest.mark.slow
def test_marks_during_a_session_are_stored_and_the_journal_keeps_no_text(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    library = ProgramLibrary(settings)
    program = library.get("demo")
    room = VirtualRoom(settings.samplerate, Acoustics(delay=0.05), speed=8.0)
    runner = SessionRunner(
        settings,
        program,
        SessionPlan("K9", duration=20.0, transcribe=False),
        room=room,
        files=library.linked_files(program),
    )
    sid = runner.start()
    try:
        runner.wait_for(0.5)  # about 4 s of session at 8x
        runner.mark(AnnotationKind.MARKER)
        runner.mark(AnnotationKind.INTERVENTION, "What do you notice in your hands?")
        runner.mark(AnnotationKind.OBSERVATION, "long sigh")
        runner.mark(AnnotationKind.TAG, tags=("body",))
        runner.wait()
    finally:
        runner.stop()
    with Store.open(settings.db_path) as store:
        assert store.get_session(sid).status is Status.COMPLETE
        notes = store.annotations(sid)
    assert [n.kind for n in notes] == [
        AnnotationKind.MARKER,
        AnnotationKind.INTERVENTION,
        AnnotationKind.OBSERVATION,
        AnnotationKind.TAG,
    ]
    assert notes[1].text == "What do you notice in your hands?"
    assert notes[3].tags == ["body"]
    assert all(1.0 < n.time < 20.0 for n in notes), [n.time for n in notes]
    journal = (settings.sessions_dir / sid / JOURNAL).read_text()
    assert "hands" not in journal and "sigh" not in journal

"""A real SQLite store in a private tmp data home, seeded with one whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gim.config import Settings
from gim.core.program import Program
from gim.core.program_parse import program_to_dict
from gim.export.sample import sample_program, sample_record
from gim.store.db import Store
from gim.ui.app import GimApp, ScreenFactory

SESSION_ID = "s-sample"


class ShippedPrograms:
    """Stands in for the program library until it lands: the sample program only."""

    def all(self) -> list[Program]:
        return [sample_program()]

    def get(self, slug: str) -> Program:
        return sample_program()


def seed(store: Store, client: str = "AB12", session_id: str = SESSION_ID) -> str:
    """Store the export sample session (program snapshot, playback, lines, notes)."""
    record = sample_record(client)
    session = record.session
    session.id = session_id
    session.program_snapshot = program_to_dict(sample_program())
    store.create_session(session)
    store.add_playback_events(session.id, record.playback.events)
    ids: dict[int | None, int] = {}
    for segment in record.segments:
        old = segment.id
        segment.id = None
        ids[old] = store.add_segment(session.id, segment)
    for note in record.annotations:
        note.segment_id = ids.get(note.segment_id) if note.segment_id else None
        store.add_annotation(session.id, note)
    return session.id


@pytest.fixture
def settings(home: Path) -> Settings:
    """Settings of the tmp data home, with the guide's initials set."""
    return Settings(home=home, guide="GD")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """The real session database of the tmp data home, seeded with one session."""
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    opened = Store.open(settings.db_path)
    seed(opened)
    yield opened
    opened.close()


@pytest.fixture
def session_id() -> str:
    """Id of the seeded session."""
    return SESSION_ID


@pytest.fixture
def seed_session(store: Store) -> Any:
    """Store another copy of the sample session: ``seed_session(client, session_id)``."""
    return lambda client, sid: seed(store, client=client, session_id=sid)


@pytest.fixture
def make_app(settings: Settings, store: Store) -> Any:
    """Build the app over the seeded store, starting on the home screen or ``start``.

    With ``library=True`` the real program library (the checkout's programs) is used;
    otherwise only the sample program, so snapshots do not change with the shipped ones.
    """

    def build(start: ScreenFactory | None = None, *, library: bool = False) -> GimApp:
        programs = None if library else ShippedPrograms()
        return GimApp(settings, start=start, store=store, programs=programs)

    return build

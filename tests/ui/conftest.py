"""A real SQLite store in a private tmp data home, seeded with one whole session."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gim.config import Settings
from gim.core.program import Program
from gim.core.program_parse import program_to_dict
from gim.core.session import Consent, Phase, Segment
from gim.runner.events import (
    Finished,
    GuideWarning,
    PhaseChanged,
    PieceChanged,
    RunnerEvent,
    RunnerStatus,
    SegmentAdded,
)
from gim.store.db import Store
from gim.ui.app import GimApp, ScreenFactory
from tests.support.sample import sample_program, sample_record

SESSION_ID = "s-sample"


class ShippedPrograms:
    """Stands in for the program library until it lands: the sample program only."""

    def all(self) -> list[Program]:
        return [sample_program()]

    def get(self, slug: str) -> Program:
        return sample_program()

    def link_status(self, program: Program) -> list[str]:
        return []  # nothing linked, and no status shown


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


class ScriptedRunner:
    """Reports a piece, a line and a warning from a background thread, records calls."""

    room = None
    consent = Consent.SESSION
    music_started = True
    elapsed = 0.0  # the piece it reports starts with the session

    def __init__(self, on_event: Callable[[RunnerEvent], None], session_id: str) -> None:
        self.on_event = on_event
        self.session_id = session_id
        self.calls: list[tuple[Any, ...]] = []
        self.keywords: list[tuple[str, dict[str, Any]]] = []
        self.reported = threading.Event()

    def start(self) -> str:
        def report() -> None:
            self.on_event(PhaseChanged(Phase.MUSIC, 0.0))
            self.on_event(PieceChanged(0))
            self.on_event(
                SegmentAdded(
                    Segment(3.0, 5.0, "I see a red door", piece=0, piece_offset=3.0, id=99)
                )
            )
            self.on_event(GuideWarning("Clipping: turn the microphone down a little."))
            self.reported.set()

        threading.Thread(target=report, daemon=True).start()
        return self.session_id

    def status(self) -> RunnerStatus:
        return RunnerStatus(
            session_id=self.session_id,
            elapsed=6.0,
            recorded=6.0,
            piece=0,
            piece_offset=6.0,
            program_elapsed=6.0,
            program_remaining=144.0,
            playing=True,
            paused=False,
            input_level=-30.0,
            input_peak=-12.0,
            output_level=-20.0,
            output_peak=-6.0,
            xruns=0,
            disk_free=50_000_000_000,
            lag=0.05,
        )

    def __getattr__(self, name: str) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, *args))
            if kwargs:
                self.keywords.append((name, kwargs))
            if name == "stop":
                self.on_event(Finished(self.session_id))

        return call


@pytest.fixture
def scripted_runner() -> type[ScriptedRunner]:
    """A stand-in for `SessionRunner` that reports a piece, a line and a warning."""
    return ScriptedRunner


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

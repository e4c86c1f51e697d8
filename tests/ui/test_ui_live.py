"""Live session and end of session, driven by a scripted runner that reports from a thread.

The runner here stands in for `SessionRunner` (its events and status are the real
classes): the screen's job is turning thread callbacks into messages, keys into runner
calls, and the end into the end-of-session screen. The real runner is driven end to end
by the tmux demo test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import soundfile

from gim.core.layout import ClientLine, Intervention, PieceHeading
from gim.core.session import AnnotationKind, Phase, Source
from gim.runner.events import (
    RunnerEvent,
)
from gim.store.db import Store
from gim.ui.screens.end import EndScreen
from gim.ui.screens.live import LiveScreen
from gim.ui.widgets.phase_bar import PhaseBar
from gim.ui.widgets.transcript import TranscriptView
from tests.support.sample import sample_program


async def test_live_screen_shows_runner_events_and_sends_keys(
    make_app: Any, session_id: str, store: Store, scripted_runner: Any
) -> None:
    runners: list[Any] = []

    def make_runner(on_event: Callable[[RunnerEvent], None]) -> Any:
        runners.append(scripted_runner(on_event, session_id))
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    messages: list[Any] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        blocks = screen.query_one(TranscriptView).blocks
        assert any(isinstance(b, PieceHeading) and b.index == 0 for b in blocks)
        assert any(isinstance(b, ClientLine) and b.text == "I see a red door" for b in blocks)
        assert screen.query_one(PhaseBar).phase is Phase.MUSIC
        assert "Clipping" in str(screen.query_one("#live-warnings").render())
        assert {type(m).__name__ for m in messages} >= {"SegmentArrived", "PieceStarted"}
        await pilot.press("space", "n", "m")
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"What do you notice", "enter")
        await pilot.press("full_stop")
        await pilot.pause()
        calls = runners[0].calls
        assert ("pause",) in calls and ("next_piece",) in calls
        assert ("mark", AnnotationKind.MARKER, "", ()) in calls
        assert ("mark", AnnotationKind.INTERVENTION, "What do you notice", ()) in calls
        assert ("set_phase", Phase.RETURN) in calls
        assert any(isinstance(b, Intervention) for b in screen.query_one(TranscriptView).blocks)
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert ("stop",) in calls
        assert isinstance(app.screen, EndScreen)


async def test_end_screen_stores_postlude_and_mandala(
    make_app: Any, session_id: str, store: Store, tmp_path: Any
) -> None:
    picture = tmp_path / "drawing.PNG"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    app = make_app(lambda app: EndScreen(session_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        screen.query_one("#postlude").text = "Talked about the door."
        screen.query_one("#mandala-path").value = str(picture)
        screen.query_one("#mandala-title").value = "Red door"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.saved
    session = store.get_session(session_id)
    assert session.postlude_notes == "Talked about the door."
    assert session.mandala_title == "Red door"
    mandalas = [a for a in store.attachments(session_id) if a.kind == "mandala"]
    stored = app.settings.sessions_dir / session_id / mandalas[-1].path
    assert stored.read_bytes() == picture.read_bytes()
    assert stored.stat().st_mode & 0o777 == 0o600


@pytest.mark.whisper
async def test_end_screen_runs_the_final_pass_on_the_recording(
    make_app: Any, session_id: str, store: Store, settings: Any, shared_data: Path
) -> None:
    speech = shared_data / "speech" / "ljspeech" / "LJ001-0001.wav"
    audio, rate = soundfile.read(speech, dtype="float32")
    folder = settings.sessions_dir / session_id
    folder.mkdir(parents=True)
    soundfile.write(folder / "mic.flac", audio, rate)
    app = make_app(lambda app: EndScreen(session_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen.final_done, str(screen.query_one("#final-state").render())
        assert "Final pass done" in str(screen.query_one("#final-state").render())
    lines = store.segments(session_id)
    finals = [s for s in lines if s.source is Source.FINAL]
    assert finals and "printing" in " ".join(s.text.lower() for s in finals)
    assert any(s.source is Source.EDITED for s in lines)  # the guide's edit survived


async def test_a_tag_goes_on_the_chosen_line_and_marks_show_at_their_time(
    make_app: Any, session_id: str, store: Store, scripted_runner: Any
) -> None:
    from gim.core.layout import Note
    from gim.core.session import Segment
    from gim.runner.events import SegmentAdded

    runners: list[Any] = []

    def make_runner(on_event: Callable[[RunnerEvent], None]) -> Any:
        runners.append(scripted_runner(on_event, session_id))
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        await pilot.pause()
        runner = runners[0]
        later = Segment(5.5, 6.0, "a bird flies over", piece=0, piece_offset=5.5, id=100)
        early = Segment(1.0, 2.0, "it is warm", piece=0, piece_offset=1.0, id=101)
        runner.on_event(SegmentAdded(later))
        runner.on_event(SegmentAdded(early))  # a line arriving late goes in its place
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        lines = [b.segment.id for b in view.blocks if isinstance(b, ClientLine)]
        assert lines == [101, 99, 100]
        times = [b.time for b in view.blocks]
        assert times == sorted(times)
        await pilot.press("t")  # no line chosen by the guide: the latest client line
        await pilot.pause()
        await pilot.press("space", "enter")
        await pilot.pause()
        tag_calls = [c for c in runner.calls if c[0] == "mark" and c[1] is AnnotationKind.TAG]
        assert tag_calls[-1][4] is later
        view.highlighted = next(
            i
            for i, b in enumerate(view.blocks)
            if isinstance(b, ClientLine) and b.segment.id == 101
        )
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("space", "enter")
        await pilot.pause()
        tag_calls = [c for c in runner.calls if c[0] == "mark" and c[1] is AnnotationKind.TAG]
        assert tag_calls[-1][4] is early
        notes = [b for b in view.blocks if isinstance(b, Note)]
        assert [n.time for n in notes if n.kind is AnnotationKind.TAG] == [1.0, 5.5]
        await pilot.press("m")
        await pilot.pause()
        assert any(isinstance(b, Note) and b.kind is AnnotationKind.MARKER for b in view.blocks)
        assert "s music" in str(app.screen.query_one("#live-keys").render())

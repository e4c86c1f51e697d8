"""What the guide sees and does on the live screen is true (issue 22): `n` before the
music starts it and the phase moves to music; leaving the music phase fades the music;
a line said after the music ended shows no piece; a typed note keeps the moment its key
was pressed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gim.core.session import AnnotationKind, Phase, Segment
from gim.runner.events import PhaseChanged, RunnerStatus, SegmentAdded
from gim.ui.screens.live import LiveScreen
from gim.ui.widgets.phase_bar import PhaseBar
from gim.ui.widgets.transcript import TranscriptView
from tests.support.sample import sample_program
from tests.ui.conftest import ScriptedRunner


class Clocked(ScriptedRunner):
    """The scripted runner with a session clock the test moves."""

    now = 6.0

    def status(self) -> RunnerStatus:
        return replace(super().status(), elapsed=self.now)


class BeforeMusic(Clocked):
    """A session in its prelude: no music yet, nothing reported."""

    music_started = False

    def start(self) -> str:
        return self.session_id


def live_app(make_app: Any, kind: type[ScriptedRunner], runners: list[Any]) -> Any:
    def make_runner(on_event: Any) -> Any:
        runners.append(kind(on_event, "s-sample"))
        return runners[-1]

    return make_app(lambda app: LiveScreen(make_runner, sample_program()))


async def test_n_in_the_prelude_starts_the_music_and_the_phase(make_app: Any) -> None:
    runners: list[Any] = []
    app = live_app(make_app, BeforeMusic, runners)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        assert app.screen.query_one(PhaseBar).phase is Phase.PRELUDE
        await pilot.press("n")
        await pilot.pause()
        assert ("start_music",) in runners[0].calls
        assert ("next_piece",) not in runners[0].calls
        assert app.screen.query_one(PhaseBar).phase is Phase.MUSIC


async def test_leaving_the_music_phase_fades_and_later_lines_show_no_piece(
    make_app: Any,
) -> None:
    runners: list[Any] = []
    app = live_app(make_app, Clocked, runners)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        await pilot.pause(0.4)
        await pilot.press("full_stop")
        await pilot.pause()
        assert ("set_phase", Phase.RETURN) in runners[0].calls
        assert ("fade_out",) in runners[0].calls
        runner = runners[0]
        runner.on_event(PhaseChanged(Phase.RETURN, 20.0))
        late = Segment(21.0, 23.0, "the light is warm", piece=2, piece_offset=70.0, id=7)
        runner.on_event(SegmentAdded(late))
        await pilot.pause(0.2)
        view = app.screen.query_one(TranscriptView)
        shown = [str(view.get_option_at_index(i).prompt) for i in range(view.option_count)]
        line = next(text for text in shown if "the light is warm" in text)
        assert "♪" not in line
        assert any("♪1 0:03" in text for text in shown)  # said during the music: kept


async def test_a_typed_note_keeps_the_moment_its_key_was_pressed(make_app: Any) -> None:
    runners: list[Any] = []
    app = live_app(make_app, Clocked, runners)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.4)
        await pilot.press("g")
        await pilot.pause()
        runners[0].now = 10.0  # the guide types for four seconds
        await pilot.pause(0.6)
        await pilot.press(*"warmth", "enter")
        await pilot.pause()
        assert ("mark", AnnotationKind.INTERVENTION, "warmth", ()) in runners[0].calls
        assert ("mark", {"at": 6.0}) in runners[0].keywords


async def test_reading_further_up_says_how_to_follow_again(make_app: Any) -> None:
    runners: list[Any] = []
    app = live_app(make_app, Clocked, runners)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        await pilot.pause(0.4)
        title = app.screen.query_one("#live-title")
        assert "back to the newest" not in str(title.render())
        app.screen.query_one(TranscriptView).focus()
        await pilot.press("home")
        await pilot.pause(0.4)
        assert "end back to the newest line" in str(title.render())
        runners[0].on_event(SegmentAdded(Segment(9.0, 10.0, "a new line", piece=0, id=8)))
        await pilot.pause(0.4)
        view = app.screen.query_one(TranscriptView)
        assert view.highlighted == 0  # the guide's place is kept
        await pilot.press("end")
        await pilot.pause(0.4)
        assert view.highlighted == len(view.blocks) - 1
        assert "back to the newest" not in str(title.render())

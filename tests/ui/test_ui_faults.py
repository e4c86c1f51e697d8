"""An error in the app itself never ends a recording, and never shows a traceback: the
guide reads a sentence and the session goes on; outside a recording gim closes with one
sentence (the error reaches the private log, and Pilot still re-raises it for tests)."""

from __future__ import annotations

from typing import Any

import pytest

from gim.ui.screens.home import HomeScreen
from gim.ui.screens.live import LiveScreen
from tests.support.sample import sample_program
from tests.ui.test_ui_resize import StreamingRunner


def fail() -> None:
    raise ZeroDivisionError("a line of the transcript")


async def test_an_error_on_screen_during_a_recording_leaves_it_recording(make_app: Any) -> None:
    runners: list[StreamingRunner] = []

    def make_runner(on_event: Any) -> StreamingRunner:
        runners.append(StreamingRunner(on_event))
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            screen = app.screen
            assert screen.recording
            app.call_later(fail)
            await pilot.pause(0.3)
            sent = runners[0].sent
            await pilot.pause(0.5)
            assert app.is_running and app.screen is screen
            assert "stop" not in runners[0].calls and runners[0].sent > sent
            shown = [n.message for n in app._notifications]
            assert any("the recording goes on" in text for text in shown)


async def test_an_error_elsewhere_closes_gim_with_one_sentence(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(lambda app: HomeScreen())
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.call_later(fail)
            await pilot.pause(0.3)
    said = " ".join(capsys.readouterr().err.split())
    assert "gim: the app closed after an unexpected error (ZeroDivisionError)" in said
    assert "transcript" not in said and "Traceback" not in said


async def test_quitting_during_a_recording_asks_once(make_app: Any) -> None:
    from gim.ui.app import QUIT_QUESTION
    from gim.ui.dialogs.confirm import Confirm

    runners: list[StreamingRunner] = []

    def make_runner(on_event: Any) -> StreamingRunner:
        runners.append(StreamingRunner(on_event))
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        depth = len(app.screen_stack)
        for key in ("ctrl+q", "ctrl+c"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, Confirm) and app.screen.question == QUIT_QUESTION
            await pilot.press("ctrl+q", "ctrl+c")  # asked already: asked once, not again
            await pilot.pause()
            assert len(app.screen_stack) == depth + 1
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, LiveScreen) and "stop" not in runners[0].calls
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.5)
    assert runners[0].calls.count("stop") == 1  # saved once, as the screen closed

"""New session: client history, programs with link status, consent, live microphone check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from textual.widgets import Select

from gim.ui.screens.new_session import NewSessionScreen


@pytest.mark.audio
async def test_new_session_form_and_checks(pulse: str, make_app: Any) -> None:
    app = make_app(lambda app: NewSessionScreen(), library=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"AB12")
        await pilot.pause()
        history = str(screen.query_one("#client-history").render())
        assert "1 earlier sessions" in history and "sample" in history
        screen.query_one("#program", Select).value = "present-moments"
        await pilot.pause()
        pieces = str(screen.query_one("#new-pieces").render())
        assert "Bartók" in pieces and "not linked" in pieces
        await pilot.press("tab", *"feel safe", "tab", "tab", "tab")  # whole session: the default
        await pilot.pause()
        assert str(screen.query_one("#language-name").render()) == "English"
        assert screen.summary() == {
            "client": "AB12",
            "language": "en",
            "program": "present-moments",
            "guide": "GD",  # the settings' guide, not enrolled
            "consent": "session",
        }
        for _ in range(50):  # the null sink's monitor delivers blocks; wait for one
            if screen.mic is not None and screen.mic.heard:
                break
            await pilot.pause(0.1)
        assert screen.mic is not None and screen.mic.heard
        await pilot.pause(0.3)
        assert "Microphone working" in str(screen.query_one("#device-state").render())
        model = str(screen.query_one("#model-state").render())
        assert "ready" in model
        screen.mic.stop()


async def test_the_guide_is_chosen_among_the_enrolled_the_settings_one_first(
    make_app: Any, settings: Any
) -> None:
    from dataclasses import replace

    from gim.store.voices import VoiceProfile, VoiceProfiles

    for name in ("Ann", "Bo"):
        VoiceProfiles(settings.home).save(VoiceProfile(name, np.ones(256), 40.0, 3, "today"))
    app = make_app(lambda app: NewSessionScreen(), library=True)
    app.settings = replace(settings, guide="bo")  # the default in settings, any case
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        guide = screen.query_one("#guide", Select)
        assert screen.chosen_guide() == "Bo"
        assert [str(o[0]) for o in guide._options[1:]] == ["Ann", "Bo"]
        guide.clear()  # none: the lines are not labelled by voice
        await pilot.pause()
        assert screen.summary()["guide"] == ""
        if screen.mic is not None:
            screen.mic.stop()


async def test_start_needs_a_client_code(make_app: Any) -> None:
    app = make_app(lambda app: NewSessionScreen(), library=True)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        if app.screen.mic is not None:
            app.screen.mic.stop()
    assert notes == ["Type the client's code first."]


async def test_a_language_the_model_cannot_do_is_one_sentence_before_starting(
    make_app: Any,
) -> None:
    app = make_app(lambda app: NewSessionScreen(), library=True)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await pilot.pause()
        await pilot.press(*"DK7", "tab", "tab", "backspace", "backspace", *"da")
        await pilot.pause()
        assert str(app.screen.query_one("#language-name").render()) == "Danish"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        if app.screen.mic is not None:
            app.screen.mic.stop()
    assert len(notes) == 1 and "tiny.en transcribes English only" in notes[0]
    assert "gim models" in notes[0]


async def test_unlinked_pieces_are_named_and_never_start_silently(
    make_app: Any, tmp_path: Any
) -> None:
    import numpy as np
    import soundfile

    from gim.ui.screens.live import LiveScreen
    from gim.ui.screens.new_session import MissingPieces
    from gim.ui.screens.programs import ProgramsScreen

    app = make_app(lambda app: NewSessionScreen(), library=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"AB12")
        screen.query_one("#program", Select).value = "present-moments"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MissingPieces)
        names = str(app.screen.query_one("#missing-names").render())
        assert "1 Bartók" in names and "6 Tormis" in names
        await pilot.press("s")  # nothing is linked: skipping everything is not offered
        await pilot.pause()
        assert isinstance(app.screen, MissingPieces)
        await pilot.press("b")
        await pilot.pause()
        assert app.screen is screen
        # one piece linked: link or skip the others
        piece = tmp_path / "voyage.wav"
        soundfile.write(piece, np.zeros(8000 * 3, np.float32), 8000)
        program = app.programs.get("present-moments")
        app.programs.link_piece(program, 1, piece)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "2 Corigliano" not in str(app.screen.query_one("#missing-names").render())
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ProgramsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        started: list[Any] = []
        screen._start = lambda program, files, client: started.append((program, files))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        ((played, files),) = started
        assert [p.title for p in played.pieces] == ["Corigliano, Voyage"]
        assert files == [piece]
        assert not isinstance(app.screen, LiveScreen)


async def test_a_name_as_client_code_asks_before_starting(make_app: Any) -> None:
    from gim.ui.dialogs.confirm import Confirm

    app = make_app(lambda app: NewSessionScreen(), library=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#client").value = "Anna Smith"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert '"Anna Smith" looks like a name' in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        assert app.screen.query_one("#client").has_focus
        if app.screen.mic is not None:
            app.screen.mic.stop()


async def test_only_the_chosen_consent_carries_a_mark(make_app: Any) -> None:
    app = make_app(lambda app: NewSessionScreen(), library=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        music, whole = screen.query_one("#consent-music"), screen.query_one("#consent-session")
        assert (music.BUTTON_INNER, whole.BUTTON_INNER) == (" ", "●")  # the CLI's default too
        music.value = True
        await pilot.pause()
        assert (music.BUTTON_INNER, whole.BUTTON_INNER) == ("●", " ")
        assert screen.summary()["consent"] == "music"
        if screen.mic is not None:
            screen.mic.stop()

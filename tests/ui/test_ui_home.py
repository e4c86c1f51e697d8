"""Home: sessions, clients and programs from the real store; keys lead on from here."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, OptionList

from gim.ui.screens.home import HomeScreen
from gim.ui.screens.programs import ProgramsScreen
from gim.ui.screens.review import ReviewScreen


async def test_home_lists_sessions_clients_and_programs(make_app: Any, seed_session: Any) -> None:
    seed_session("CD34", "s-second")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        assert sorted(screen.summary_rows()) == sorted(["s-sample", "s-second"])
        clients = screen.query_one("#clients", OptionList)
        assert {clients.get_option_at_index(i).id for i in range(clients.option_count)} == {
            "AB12",
            "CD34",
        }
        assert screen.query_one("#programs", OptionList).option_count == 1


async def test_choosing_a_client_shows_only_their_sessions(
    make_app: Any, seed_session: Any
) -> None:
    seed_session("CD34", "s-second")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        clients = app.screen.query_one("#clients", OptionList)
        index = next(
            i for i in range(clients.option_count) if clients.get_option_at_index(i).id == "CD34"
        )
        clients.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.summary_rows() == ["s-second"]


async def test_enter_opens_review_and_escape_returns(make_app: Any, session_id: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#recent", DataTable).has_focus
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.session_id == session_id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_p_opens_programs_and_search_finds_across_sessions(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProgramsScreen)
        await pilot.press("escape", "slash")
        await pilot.pause()
        await pilot.press(*"garden", "enter")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.query_one("TranscriptView").current.text == "I see a garden"


async def test_the_app_never_rings_the_bell(make_app: Any) -> None:
    app = make_app()
    rang: list[bytes] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app._driver.write = lambda data: rang.append(data)  # type: ignore[union-attr,method-assign]
        app.bell()
        await pilot.pause()
    assert not any("\x07" in str(chunk) for chunk in rang)


async def test_palette_offers_the_app_actions(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"programs")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgramsScreen)


async def test_keys_can_be_remapped_in_keys_toml(make_app: Any, settings: Any) -> None:
    (settings.home / "keys.toml").write_text('"home.programs" = "g"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")  # no longer bound
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ProgramsScreen)


async def test_search_keeps_the_query_box_in_charge(make_app: Any) -> None:
    from gim.ui.dialogs.search import SearchDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"garden", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SearchDialog) and dialog.hits
        box = dialog.query_one("#search-input")
        assert box.has_focus
        await pilot.press("enter")  # searching again opens nothing
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("down", *"sea")  # typing in the results goes to the query
        await pilot.pause()
        assert box.has_focus and box.value == "gardensea"  # type: ignore[attr-defined]

"""A client's series from the home screen: sessions, notes, recurring images, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, OptionList

from gim.store.db import Store
from gim.ui.screens.home import HomeScreen
from gim.ui.screens.review import ReviewScreen
from gim.ui.screens.series import SeriesScreen


@pytest.fixture
def two_sessions(store: Store, seed_session: Any) -> Store:
    """AB12 has an earlier session (another focus); CD34 has one of their own."""
    seed_session("AB12", "s-earlier")
    store.update_session("s-earlier", focus="grief about father")
    store.db.execute(
        "UPDATE sessions SET started_at = '2026-02-20T10:00:00', number = 2 WHERE id = 's-earlier'"
    )
    store.db.conn.commit()
    seed_session("CD34", "s-other")
    return store


async def open_series(app: Any, pilot: Any, client: str) -> SeriesScreen:
    """From home: to the clients, highlight ``client``, press s, wait for the reading."""
    await pilot.pause()
    await pilot.press("c")
    clients = app.screen.query_one("#clients", OptionList)
    clients.highlighted = next(
        i for i in range(clients.option_count) if clients.get_option_at_index(i).id == client
    )
    await pilot.press("s")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SeriesScreen)
    return screen


async def test_series_lists_the_clients_sessions_oldest_first_with_themes(
    make_app: Any, two_sessions: Store
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_series(app, pilot, "AB12")
        table = screen.query_one("#series-sessions", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[1] for r in rows] == ["2026-02-20", "2026-03-05"]  # CD34's is not here
        assert rows[0][3] == "grief about father" and rows[0][0] == "2"
        assert all(r[2] == "Sample Program" for r in rows)
        themes = str(screen.query_one("#series-themes").render())
        assert "garden" in themes and "2 sessions" in themes
        note = str(screen.query_one("#series-note").render())
        assert "AB12 wants to feel safe at home" in note  # the latest, highlighted
        await pilot.press("up")
        await pilot.pause()
        assert "grief about father" in str(screen.query_one("#series-note").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.session_id == "s-earlier"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_s_on_a_session_opens_its_clients_series(make_app: Any, two_sessions: Store) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        home = app.screen
        row = home.summary_rows().index("s-other")
        home.query_one("#recent", DataTable).move_cursor(row=row)
        await pilot.press("s")  # on CD34's session in the table
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, SeriesScreen) and app.screen.client == "CD34"


async def test_series_exports_as_markdown_and_html(
    make_app: Any, two_sessions: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_series(app, pilot, "AB12")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [markdown] = screen.exported
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-what").value = "html"
        await pilot.press("tab", "ctrl+u", *str(tmp_path / "out"), "enter")  # another folder
        await app.workers.wait_for_complete()
        await pilot.pause()
        [page] = screen.exported
    assert markdown == tmp_path / "gim-exports" / "AB12-series.md"
    text = markdown.read_text(encoding="utf-8")
    assert "# Series: AB12" in text and "grief about father" in text and "garden" in text
    assert "CD34" not in text
    assert page == tmp_path / "out" / "AB12-series.html"
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<h1>Series: AB12</h1>" in html

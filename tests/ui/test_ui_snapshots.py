"""Snapshots of the main screens at 100×30, from a real store seeded with one session.

Update after an intended change with ``pytest tests/ui/test_ui_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from gim.ui.screens import live
from gim.ui.screens.live import LiveScreen
from gim.ui.screens.programs import ProgramsScreen
from gim.ui.screens.review import ReviewScreen
from gim.ui.screens.series import SeriesScreen
from gim.ui.widgets.transcript import TranscriptView
from tests.support.sample import sample_program

SIZE = (100, 30)


def test_home_snapshot(make_app: Any, snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_review_snapshot(make_app: Any, snap_compare: Any) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SIZE, press=["f"])


def test_programs_snapshot(make_app: Any, snap_compare: Any) -> None:
    assert snap_compare(make_app(lambda app: ProgramsScreen()), terminal_size=SIZE)


def test_live_snapshot(
    make_app: Any, snap_compare: Any, scripted_runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the meters are read once, below, not on the screen's timer: a piece heading takes its
    # time from the last reading, so a timer tick before the runner's events would move it
    monkeypatch.setattr(live, "POLL_SECONDS", 3600.0)
    runners: list[Any] = []

    def make_runner(on_event: Any) -> Any:
        runners.append(scripted_runner(on_event, "s-sample"))
        return runners[-1]

    async def settle(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        # the runner's events come from its thread: wait until the screen has shown the
        # piece and the line, then read the meters
        view = pilot.app.screen.query_one(TranscriptView)
        for _ in range(500):
            if len(view.blocks) >= 2:
                break
            await asyncio.sleep(0.01)
        await pilot.pause()
        pilot.app.screen.poll()
        await pilot.pause()

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


async def settle_workers(pilot: Pilot[None]) -> None:
    """Let thread workers finish and their results show."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_series_snapshot(make_app: Any, snap_compare: Any, store: Any, seed_session: Any) -> None:
    seed_session("AB12", "s-earlier")
    store.update_session("s-earlier", focus="grief about father")
    store.db.execute(
        "UPDATE sessions SET started_at = '2026-02-20T10:00:00', number = 2 WHERE id = 's-earlier'"
    )
    store.db.conn.commit()
    app = make_app(lambda app: SeriesScreen("AB12"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_workers)


def test_export_dialog_snapshot(
    make_app: Any, snap_compare: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    monkeypatch.setenv("HOME", "/home/guide")  # the folder shown, never written
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SIZE, press=["x"])


# -- the same screens at 80x24, the smallest terminal gim supports ------------------------
SMALL = (80, 24)


def test_home_snapshot_80x24(make_app: Any, snap_compare: Any, seed_session: Any) -> None:
    seed_session("CD34", "s-other")  # a second row: rows must be told apart
    assert snap_compare(make_app(), terminal_size=SMALL)


def test_review_snapshot_80x24(make_app: Any, snap_compare: Any) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SMALL, press=["f"])


def test_help_snapshot_80x24(make_app: Any, snap_compare: Any) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SMALL, press=["f1"])


def test_export_dialog_snapshot_80x24(make_app: Any, snap_compare: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", "/home/guide")  # the folder shown, never written
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SMALL, press=["x"])


def test_end_snapshot_80x24(make_app: Any, snap_compare: Any, monkeypatch: Any) -> None:
    from gim.ui.screens.end import EndScreen

    monkeypatch.setattr(EndScreen, "run_final_pass", lambda self, sid: None)  # no recording
    assert snap_compare(make_app(lambda app: EndScreen("s-sample")), terminal_size=SMALL)

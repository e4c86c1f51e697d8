"""Snapshots of the main screens at 100×30, from a real store seeded with one session.

Update after an intended change with ``pytest tests/ui/test_ui_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from gim.export.sample import sample_program
from gim.ui.screens.live import LiveScreen
from gim.ui.screens.programs import ProgramsScreen
from gim.ui.screens.review import ReviewScreen

SIZE = (100, 30)


def test_home_snapshot(make_app: Any, snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_review_snapshot(make_app: Any, snap_compare: Any) -> None:
    app = make_app(lambda app: ReviewScreen("s-sample"))
    assert snap_compare(app, terminal_size=SIZE, press=["f"])


def test_programs_snapshot(make_app: Any, snap_compare: Any) -> None:
    assert snap_compare(make_app(lambda app: ProgramsScreen()), terminal_size=SIZE)


def test_live_snapshot(make_app: Any, snap_compare: Any, scripted_runner: Any) -> None:
    runners: list[Any] = []

    def make_runner(on_event: Any) -> Any:
        runners.append(scripted_runner(on_event, "s-sample"))
        return runners[-1]

    async def settle(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        runners[0].reported.wait(5)
        await pilot.pause()
        pilot.app.screen.poll()
        await pilot.pause()

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)

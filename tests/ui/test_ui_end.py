"""End of session: the final pass's progress with time left, and form fields with boxes."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Label

from gim.ui.screens.end import EndScreen, progress_text


def test_progress_says_the_percentage_once_with_the_time_left() -> None:
    assert progress_text(0.02, 10.0) == "2%"  # too early to tell
    assert progress_text(0.5, 60.0) == "50% · about 1:00 left"
    assert progress_text(0.86, 86.0) == "86% · about 0:14 left"


async def test_the_mandala_fields_have_visible_boxes(make_app: Any) -> None:
    app = make_app(lambda app: EndScreen("s-sample"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name in ("#mandala-path", "#mandala-title", "#mandala-description"):
            field = app.screen.query_one(name, Input)
            assert not field.has_class("-textual-compact")
            assert field.styles.border_top[0] not in ("", "none", "hidden"), name
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = str(app.screen.query_one("#final-state", Label).render())
        assert state.count("%") <= 1

"""Review's "confirm" for a line flagged for checking (issue 21): the line becomes an
ordinary line, stored as an edit that later passes keep; a "possible speech" marker is
confirmed by typing what was said; the "to check" count counts what is still unchecked."""

from __future__ import annotations

from typing import Any

from gim.core.checking import POSSIBLE_SPEECH, checked_only, unchecked
from gim.core.layout import ClientLine
from gim.core.session import Segment, Source
from gim.store.db import Store
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.transcript import TranscriptView


def review(app: Any) -> ReviewScreen:
    return ReviewScreen("s-sample")


def footer_keys(app: Any) -> str:
    """The footer's text as shown."""
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return " ".join(str(key.render()) for key in footer.children)


def title(app: Any) -> str:
    return str(app.screen.query_one("#transcript-title").render())


async def test_confirm_makes_a_flagged_line_ordinary_and_later_passes_keep_it(
    make_app: Any, store: Store
) -> None:
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "1 to check" in title(app) and "Confirm" not in footer_keys(app)
        await pilot.press("f")  # "The sun rises over the sea", flagged "low"
        await pilot.pause()
        assert "Confirm" in footer_keys(app)  # offered on a line to check only
        await pilot.press("a")
        await pilot.pause()
        sun = next(s for s in store.segments("s-sample") if s.text.startswith("The sun"))
        assert sun.source is Source.EDITED and not sun.flagged and not unchecked(sun)
        assert "to check" not in title(app)
        current = app.screen.query_one(TranscriptView).current
        assert isinstance(current, ClientLine) and not current.flagged
        assert "Confirm" not in footer_keys(app)
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one(TranscriptView).current is current  # nothing else to check
    # a later pass hears the same stretch as suspect again: the guide's check stands
    again = Segment(sun.start, sun.end, "The sun rises over the see", flagged=True)
    store.replace_transcript("s-sample", [again])
    kept = [s for s in store.segments("s-sample") if s.start == sun.start]
    assert [(s.text, s.flagged) for s in kept] == [("The sun rises over the sea", False)]
    # and it is an ordinary line downstream: client copy, series, exports, search
    shown, left_out = checked_only(store.load_record("s-sample"))
    assert left_out == 0 and any(s.text == sun.text for s in shown.segments)
    assert [h.ref for h in store.search("sun rises")] == [sun.id]


async def test_confirming_a_marker_asks_what_was_said(make_app: Any, store: Store) -> None:
    marker = store.add_segment("s-sample", Segment(200.0, 203.0, POSSIBLE_SPEECH, flagged=True))
    edited = store.add_segment("s-sample", Segment(205.0, 207.0, "a boat", flagged=True))
    store.edit_segment(edited, "a small boat")  # flagged, but the guide's own words
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "2 to check" in title(app)  # the sun line and the marker, not the edited line
        view = app.screen.query_one(TranscriptView)
        view.highlighted = next(
            i
            for i, b in enumerate(view.blocks)
            if isinstance(b, ClientLine) and b.segment.id == marker
        )
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("escape")  # cancelled: still a marker, still to check
        await pilot.pause()
        assert "2 to check" in title(app)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"a light over the water", "enter")
        await pilot.pause()
        line = next(s for s in store.segments("s-sample") if s.id == marker)
        assert (line.text, line.flagged, line.source) == (
            "a light over the water",
            False,
            Source.EDITED,
        )
        assert "1 to check" in title(app)

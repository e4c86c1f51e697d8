"""Review: the seeded session's transcript, selecting, editing, tagging, commenting, search."""

from __future__ import annotations

from typing import Any

from textual.geometry import Region

from gim.core.layout import ClientLine, PieceHeading
from gim.core.session import AnnotationKind, Source
from gim.store.db import Store
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.timeline import ProgramTimeline
from gim.ui.widgets.transcript import TranscriptView


def review(app: Any) -> ReviewScreen:
    return ReviewScreen("s-sample")


async def test_review_lays_out_the_transcript_with_piece_headings(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        kinds = [type(b).__name__ for b in view.blocks]
        assert kinds[0] == "Header" and kinds[-1] == "Footer"
        headings = [b.title for b in view.blocks if isinstance(b, PieceHeading)]
        assert headings == ["Bach, Air on the G String", "Grieg, Peer Gynt: Morning Mood"]
        lines = [b.text for b in view.blocks if isinstance(b, ClientLine)]
        assert "I see a garden" in lines and "The sun rises over the sea" in lines
        assert "1 to check" in str(app.screen.query_one("#transcript-title").render())


async def test_moving_to_a_line_moves_the_playhead_to_its_piece(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        sun = next(
            i
            for i, b in enumerate(view.blocks)
            if isinstance(b, ClientLine) and b.text.startswith("The sun")
        )
        view.highlighted = sun
        await pilot.pause()
        timeline = app.screen.query_one(ProgramTimeline)
        assert timeline.current == 2
        assert timeline.position is not None and timeline.position >= 110.0  # Grieg starts at 110
        assert "Grieg" in str(app.screen.query_one("#moment").render())


async def test_next_flagged_finds_the_suspect_line(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        current = app.screen.query_one(TranscriptView).current
        assert isinstance(current, ClientLine) and current.flagged


async def test_editing_a_line_stores_it_as_edited(make_app: Any, store: Store) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f", "e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"The sun rises over the hills", "enter")
        await pilot.pause()
        segments = store.segments("s-sample")
        edited = [s for s in segments if s.text == "The sun rises over the hills"]
        assert len(edited) == 1 and edited[0].source is Source.EDITED
        shown = [
            b.text for b in app.screen.query_one(TranscriptView).blocks if isinstance(b, ClientLine)
        ]
        assert "The sun rises over the hills" in shown


async def test_tag_and_comment_are_stored_on_the_line(make_app: Any, store: Store) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f", "t")
        await pilot.pause()
        await pilot.press("space")  # tick the first tag offered: "visual"
        await pilot.press("tab", *"water", "enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"check the lyrics", "enter")
        await pilot.pause()
    notes = store.annotations("s-sample")
    flagged = next(s for s in store.segments("s-sample") if s.flagged)
    tags = [n for n in notes if n.kind is AnnotationKind.TAG and n.segment_id == flagged.id]
    assert tags and sorted(tags[0].tags) == ["visual", "water"]
    comments = [
        n for n in notes if n.kind is AnnotationKind.COMMENT and n.text == "check the lyrics"
    ]
    assert comments and comments[0].segment_id == flagged.id and comments[0].author == "GD"


async def test_search_within_the_session_jumps_to_the_line(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"warm", "enter")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        current = app.screen.query_one(TranscriptView).current
        assert isinstance(current, ClientLine) and current.text == "I feel warm in my chest"


async def test_escape_from_review_opened_first_goes_home(make_app: Any) -> None:
    from gim.ui.screens.home import HomeScreen

    app = make_app(review)  # as `gim review ID` opens it
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.summary_rows() == ["s-sample"]


async def test_enter_in_the_tag_dialog_keeps_the_tags_and_plays_nothing(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        played: list[bool] = []
        screen.action_play_line = lambda: played.append(True)  # type: ignore[method-assign]
        await pilot.press("f", "t")
        await pilot.pause()
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.screen is screen and played == []


async def test_comments_and_edits_have_different_signs(make_app: Any) -> None:
    from gim.ui.widgets.transcript import render_block

    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        blocks = app.screen.query_one(TranscriptView).blocks
        rendered = [render_block(b) for b in blocks]
        edited = next(r for r in rendered if "Bob is there" in r)
        comment = next(r for r in rendered if "non-directive" in r)
        assert "✎" in edited and "✎" not in comment and "comment" in comment


async def test_a_search_hit_lands_mid_pane(make_app: Any, store: Store) -> None:
    from gim.core.session import Segment

    for i in range(40):
        store.add_segment("s-sample", Segment(95.0 + i, 95.5 + i, f"a quiet line {i}"))
    store.add_segment("s-sample", Segment(120.2, 120.8, "a lighthouse on the rocks"))
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"lighthouse", "enter", "down", "enter")
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert view.current is not None and "lighthouse" in getattr(view.current, "text", "")
        row = view._index_to_line[view.highlighted or 0] - round(view.scroll_offset.y)
        height = view.scrollable_content_region.height
        assert abs(row - height // 2) <= 2, (row, height)


async def test_f1_shows_this_screens_keys_first_and_fits_80x24(make_app: Any) -> None:
    from textual.widgets import Static

    from gim.ui.dialogs.help import HelpDialog

    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HelpDialog)
        keys = str(dialog.query_one("#help-keys", Static).render())
        assert keys.index("Back") < keys.index("Transcribe again") and "−3 s" in keys
        assert "Slower" in keys and "Faster" in keys and "Loop line" in keys
        assert "Prelude" in str(dialog.query_one("#help-session", Static).render())
        box = dialog.query_one("#help-dialog").region
        assert box.bottom <= 24 and box.right <= 80
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_the_palette_offers_export_and_transcribe_again_in_review(make_app: Any) -> None:
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Export this session" in titles and "Transcribe again" in titles


async def test_s_flips_a_lines_speaker_as_an_edit(make_app: Any, store: Store) -> None:
    from gim.core.layout import Intervention
    from gim.core.session import Speaker

    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f")  # the suspect line, a client line
        flipped_text = app.screen.query_one(TranscriptView).current.text
        await pilot.press("s")
        await pilot.pause()
        line = next(s for s in store.segments("s-sample") if s.text == flipped_text)
        assert line.speaker is Speaker.GUIDE and line.source is Source.EDITED
        blocks = app.screen.query_one(TranscriptView).blocks
        shown = [b for b in blocks if str(getattr(b, "text", "")).endswith(flipped_text)]
        assert shown and isinstance(shown[0], Intervention)
        app.screen.query_one(TranscriptView).highlighted = app.screen.query_one(
            TranscriptView
        ).blocks.index(shown[0])
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        line = next(s for s in store.segments("s-sample") if s.text == flipped_text)
        assert line.speaker is Speaker.CLIENT


async def test_the_word_heard_redraws_its_row_alone_and_shows(make_app: Any) -> None:
    """While listening, picking out the word heard draws that word's row again (not the
    whole line's text, nor the list, which cost more CPU than the sound), and the screen
    shows the word reversed; the next word draws its row, the word before goes plain."""
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        blocks = view.blocks
        line = next(i for i, b in enumerate(blocks) if getattr(b, "text", "") == "I see a garden")
        view.highlighted = line
        await pilot.pause()
        drawn: list[tuple[Region, ...]] = []
        real = view.refresh
        view.refresh = lambda *regions, **kw: drawn.append(regions) or real(*regions, **kw)  # type: ignore[method-assign]
        words = blocks[line].segment.words  # type: ignore[attr-defined]
        row = view._index_to_line[line] - view.scroll_offset.y
        width = view.scrollable_content_region.width

        def picked() -> str:
            strips = view.render_lines(Region(0, row, view.size.width, 1))
            return "".join(s.text for strip in strips for s in strip if s.style and s.style.reverse)

        view.mark_word(line, words[1].start + 0.01)
        await pilot.pause()
        assert drawn == [(Region(0, row, width, 1),)]  # one row: the word's
        assert picked().strip() == "see"
        drawn.clear()
        view.mark_word(line, words[2].start + 0.01)  # "a garden", one timed word
        await pilot.pause()
        view.refresh = real  # type: ignore[method-assign]
        assert drawn == [(Region(0, row, width, 1),)]
        assert picked().strip() == "a garden"


async def test_the_selection_moving_redraws_the_two_lines_alone(make_app: Any) -> None:
    """The selection following the sound draws again the rows of the line it left and of
    the line it reached, not the whole list."""
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        lines = [i for i, b in enumerate(view.blocks) if isinstance(b, ClientLine)]
        view.highlighted = lines[0]
        await pilot.pause()
        drawn: list[tuple[Region, ...]] = []
        real = view.refresh
        view.refresh = lambda *regions, **kw: drawn.append(regions) or real(*regions, **kw)  # type: ignore[method-assign]
        view.highlighted = lines[1]
        await pilot.pause()
        view.refresh = real  # type: ignore[method-assign]
        top, width = view.scroll_offset.y, view.scrollable_content_region.width
        rows = [Region(0, view._index_to_line[i] - top, width, view._heights[i]) for i in lines[:2]]
        assert drawn == [tuple(rows)]


async def test_b_splits_a_line_at_the_word_picked_and_the_second_half_flips(
    make_app: Any, store: Store
) -> None:
    """The guide picks the word where the other voice begins (←/→), enter cuts the line:
    two edited lines with the words' times, each linked to its piece by the clock; the
    second is selected, and s makes it the guide's. F1 lists the key."""
    from gim.core.layout import Intervention
    from gim.core.session import Speaker
    from gim.ui.dialogs.split import SplitDialog

    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        view.highlighted = next(
            i for i, b in enumerate(view.blocks) if getattr(b, "text", "") == "I see a garden"
        )
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, SplitDialog)
        assert "2 a garden" in str(app.screen.query_one("#split-preview").render())
        await pilot.press("right", "enter")
        await pilot.pause()
        lines = [s for s in store.segments("s-sample") if s.start < 17]
        assert [(s.text, s.source) for s in lines] == [
            ("I see a", Source.EDITED),
            ("garden", Source.EDITED),
        ]
        garden = lines[1]
        assert garden.start == lines[0].end > 14.8  # inside the heard word "a garden"
        record = store.load_record("s-sample")
        assert (garden.piece, garden.piece_offset) == (
            0,
            round(record.clock.music_at(garden.start)[1], 3),
        )
        assert view.current is not None and view.current.text == "garden"
        await pilot.press("s")
        await pilot.pause()
        garden = next(s for s in store.segments("s-sample") if s.text == "garden")
        assert garden.speaker is Speaker.GUIDE
        assert any(isinstance(b, Intervention) and b.text == "garden" for b in view.blocks)
        await pilot.press("f1")
        await pilot.pause()
        assert "Split line" in " ".join(str(w.render()) for w in app.screen.query("Static"))

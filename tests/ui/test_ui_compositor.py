"""Review's compositor (gim.ui.compositor): drawn as Textual's own would draw it, and
Textual's own used when the installed Textual is not the one it was written for."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from gim.config import Settings
from gim.ui import compositor as tight
from gim.ui.compositor import TightCompositor, covers, fits, review_compositor, rows_met, runs
from gim.ui.widgets.review_player import ReviewPlayer
from gim.ui.widgets.transcript import TranscriptView
from tests.ui.test_ui_review_playback import line_index, sample_review, until

Cell = tuple[str, Style | None]


def test_written_for_the_installed_textual() -> None:
    assert fits()
    assert isinstance(review_compositor(), TightCompositor)


@pytest.mark.parametrize("version", [(7, 9), (9, 0), (10, 2), (0, 0)])
def test_another_textual_version_gets_textuals_own(
    version: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not fits(version=version)
    monkeypatch.setattr(tight, "textual_version", lambda: version)
    made = review_compositor()
    assert type(made) is Compositor


def test_a_changed_method_gets_textuals_own() -> None:
    class Renamed(Compositor):  # what a Textual release changing the method would look like
        def _get_renders(self, crop: Any = None, *, order: bool = True) -> Any:
            return super()._get_renders(crop)

    class Gone(Compositor):
        render_partial_update = None  # type: ignore[assignment]

    assert fits(Compositor) and not fits(Renamed) and not fits(Gone)


def test_rows_and_columns_met() -> None:
    shown = Region(0, 2, 50, 10)  # rows 2-11
    updates = [Region(3, 4, 5, 1), Region(40, 5, 30, 2), Region(0, 20, 80, 1)]
    assert rows_met(shown, updates) == [(4, 7)]
    assert covers([(0, 5), (5, 10)], (2, 9)) and covers([(6, 12), (0, 7)], (0, 12))
    assert not covers([(0, 5), (6, 10)], (2, 9)) and not covers([], (1, 2))
    assert runs([1, 2, 3, 7, 9, 10]) == [(1, 4), (7, 8), (9, 11)]


class Terminal:
    """What a terminal shows after the screen's updates: a grid of (character, style)."""

    def __init__(self, strips: list[Strip], width: int) -> None:
        self.width = width
        self.rows = [self.cells(strip) for strip in strips]

    def cells(self, strip: Strip) -> list[Cell]:
        found: list[Cell] = []
        for segment in strip:
            if not segment.control:
                found.extend((ch, segment.style) for ch in segment.text)
        return (found + [(" ", None)] * self.width)[: self.width]

    def apply(self, update: Any) -> None:
        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                self.rows[y] = self.cells(Strip.join(list(line)))
        elif isinstance(update, ChopsUpdate):
            for y, x1, x2 in update.spans:
                chops = zip(update.chop_ends[y], update.chops[y].items(), strict=False)
                for end, (x, strip) in chops:
                    if strip is None or x >= x2 or end <= x1:
                        continue
                    cells = self.cells(strip)[: end - x]
                    for at in range(max(x, x1), min(end, x2)):
                        self.rows[y][at] = cells[at - x]

    def text(self) -> list[str]:
        return ["".join(ch for ch, _ in row) for row in self.rows]

    def save(self, path: Path) -> None:
        """The picture as SVG (to look at when the test fails)."""
        console = Console(record=True, width=self.width, file=io.StringIO())
        for row in self.rows:
            console.print(Text.assemble(*((ch, style or "") for ch, style in row)))
        console.save_svg(str(path))


@pytest.mark.audio
async def test_review_playing_draws_as_textuals_own_compositor(
    pulse: str, make_app: Any, settings: Settings, tmp_path: Path
) -> None:
    """Every frame while the selection and the word follow the sound: the picture a
    terminal shows after the tight compositor's update is the one Textual's own compositor
    leaves for the same update, and after the frames it is the screen rendered whole."""
    app = sample_review(make_app, settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        view = screen.query_one(TranscriptView)
        player = screen.query_one(ReviewPlayer)
        compositor = screen._compositor
        assert isinstance(compositor, TightCompositor)
        width = app.size.width
        terminal = Terminal(compositor.render_strips(), width)  # drawn by the tight one
        stock = Terminal(compositor.render_strips(), width)  # drawn by Textual's own
        drawn = compositor.render_update
        frames: list[bool] = []  # per partial frame while playing: the two pictures agree

        def render_update(**options: Any) -> Any:
            regions = set(compositor._dirty_regions)
            update = drawn(**options)
            if isinstance(update, ChopsUpdate) and player.playing:
                compositor._dirty_regions.update(regions)
                stock.apply(Compositor.render_partial_update(compositor))  # Textual's path
                terminal.apply(update)
                frames.append(terminal.rows == stock.rows)
            elif update is not None:
                terminal.apply(update)
                stock.apply(update)
            return update

        compositor.render_update = render_update  # type: ignore[method-assign]
        view.highlighted = line_index(view, "I see a garden")  # 14-16 s, timed words
        await pilot.press("space")
        words: set[str] = set()

        def note() -> bool:
            lines = view.scrollable_content_region  # on screen, the scrollbar left out
            rows = [row[lines.x : lines.right] for row in terminal.rows[lines.y : lines.bottom]]
            words.add("".join(ch for row in rows for ch, s in row if s and s.reverse).strip())
            return player.position() >= 22.0

        await until(pilot, note)
        await pilot.press("space")
        await pilot.pause()
        whole = Terminal(compositor.render_strips(), width)
        if terminal.rows != whole.rows:
            terminal.save(tmp_path / "frames.svg")
            whole.save(tmp_path / "whole.svg")
        assert terminal.text() == whole.text()
        assert terminal.rows == whole.rows  # styles too: the word picked out, the selection
    assert {"I", "see", "a garden"} <= words  # the word followed on screen, frame by frame
    assert len(frames) >= 8  # position updates drawn as partial frames
    assert all(frames)

"""Wide characters (CJK) in piece titles keep the program timeline's columns in place."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult

from gim.core.program import Piece, Program, Provenance
from gim.ui.widgets.timeline import ProgramTimeline

PROGRAM = Program(
    "wide",
    "Wide",
    "tests",
    Provenance("tests"),
    (
        Piece("武満徹", "ノヴェンバー・ステップス、琵琶と尺八とオーケストラのための", 620.0),
        Piece("Grieg", "Morgenstemning", 240.0),
    ),
)


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield ProgramTimeline(PROGRAM, id="timeline")


async def test_cjk_titles_are_cut_by_cells_and_times_line_up() -> None:
    app = Holder()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        widget = app.query_one(ProgramTimeline)
        lines = widget.render().plain.splitlines()[2:]
        assert len(lines) == 2
        width = max(10, widget.size.width - 2)
        assert [cell_len(line) for line in lines] == [width, width]
        assert lines[0].endswith("10:20") and lines[1].endswith("4:00")
        assert "…" in lines[0]

"""The program timeline: pieces as stretches of a bar, the playhead, and marked moments."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gim.core.clock import mmss
from gim.core.program import Program


class ProgramTimeline(Widget):
    """A bar across the program with piece boundaries, the playhead and markers, and the
    piece list beneath it (the sounding piece picked out).

    Positions are nominal program seconds: the start of piece ``i`` (played through, as
    `Program.piece_starts` gives it) plus the offset into it.
    """

    DEFAULT_CSS = """
    ProgramTimeline { height: auto; min-height: 4; padding: 0 1; }
    """

    position: reactive[float | None] = reactive(None)
    """Where the playhead stands (program seconds), None when nothing is placed."""
    markers: reactive[tuple[float, ...]] = reactive(())
    """Marked moments (program seconds)."""
    current: reactive[int | None] = reactive(None)
    """Index of the piece sounding (or selected), picked out in the list."""

    def __init__(self, program: Program | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.program = program
        """The program shown (None: nothing to draw)."""

    def set_program(self, program: Program | None) -> None:
        """Show another program."""
        self.program = program
        self.refresh(layout=True)

    def place(self, piece: int | None, offset: float | None) -> None:
        """Move the playhead to ``offset`` seconds into ``piece``."""
        if self.program is None or piece is None or piece >= len(self.program.pieces):
            self.position = None
            self.current = piece
            return
        self.current = piece
        self.position = self.program.piece_starts()[piece] + max(0.0, offset or 0.0)

    def follow(self, piece: int | None, offset: float | None) -> None:
        """`place`, but only when the drawn playhead or piece changes: while the sound plays
        the head moves a cell every few seconds, and is not drawn again in between."""
        program, before = self.program, self.position
        same = piece is not None and piece == self.current and before is not None
        if program is not None and piece is not None and same and piece < len(program.pieces):
            scale = max(10, self.size.width - 2) / max(program.duration, 1e-9)
            new = program.piece_starts()[piece] + max(0.0, offset or 0.0)
            if int(new * scale) == int((before or 0.0) * scale):
                return
        self.place(piece, offset)

    def render(self) -> Text:
        program = self.program
        if program is None or not program.pieces or program.duration <= 0:
            return Text("No program.", style="dim")
        width = max(10, self.size.width - 2)
        scale = width / program.duration
        starts = program.piece_starts()
        bar = ["─"] * width
        head = None if self.position is None else min(width - 1, int(self.position * scale))
        if head is not None:
            for i in range(head):
                bar[i] = "━"
        for start in starts[1:]:
            bar[min(width - 1, int(start * scale))] = "┃"
        text = Text()
        marks = [" "] * width
        for moment in self.markers:
            marks[min(width - 1, max(0, int(moment * scale)))] = "▴"
        if head is not None:
            bar[head] = "●"
        text.append("".join(bar), style="#8f7a66")
        text.append("\n")
        text.append("".join(marks), style="#b08a52")
        for i, piece in enumerate(program.pieces):
            sounding = i == self.current
            pointer = "▸ " if sounding else "  "
            # Widths in terminal cells: a CJK or other wide character takes two.
            name = piece.title
            room = width - len(pointer) - 10
            if cell_len(name) > room:
                name = set_cell_size(name, max(1, room - 1)).rstrip() + "…"
            title = set_cell_size(f"{pointer}{i + 1} {name}", max(0, width - 7))
            line = title + mmss(piece.duration).rjust(7)
            text.append("\n")
            text.append(line, style="bold #d0bfa8" if sounding else "#9a8f82")
        return text

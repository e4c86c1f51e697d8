"""Programs: browse the music programs, their pieces, and whether each is linked to a file."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from gim.core.clock import mmss
from gim.core.program import Program
from gim.errors import GimError
from gim.ui.base import GimScreen

if TYPE_CHECKING:
    from gim.library.programs import ProgramLibrary


def link_labels(library: ProgramLibrary, program: Program) -> list[str]:
    """One short link status per piece: "linked", "missing file" or "not linked".

    Asks the library for the status of each piece; shipped demo programs with generated
    audio count as linked.
    """
    try:
        labels = [str(status) for status in library.link_status(program)]
    except GimError:
        return ["?" for _ in program.pieces]
    return labels + [""] * (len(program.pieces) - len(labels))


class ProgramsScreen(GimScreen[None]):
    """The program list beside the chosen program's pieces and their links."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="programs.back"),
        Binding("tab", "focus_next", "Switch pane", id="programs.switch", show=False),
    ]

    def __init__(self, selected: str | None = None) -> None:
        super().__init__()
        self.selected = selected
        """Slug of the program to show first."""
        self._programs: list[Program] = []

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Horizontal(id="programs-body"):
            with Vertical(id="program-list-pane", classes="pane"):
                yield Label("Programs", classes="pane-title")
                yield OptionList(id="program-list")
            with Vertical(id="program-detail", classes="pane"):
                yield Label("", id="program-title", classes="pane-title")
                yield Static("", id="program-about")
                table: DataTable[str] = DataTable(id="pieces", cursor_type="row")
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Programs"
        table = self.query_one("#pieces", DataTable)
        for label in ("#", "Piece", "Recording", "Length", "Link"):
            table.add_column(label, key=label)
        options = self.query_one("#program-list", OptionList)
        try:
            self._programs = list(self.app.programs.all())
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
        for program in self._programs:
            options.add_option(Option(program.title, id=program.slug))
        if not self._programs:
            self.query_one("#program-title", Label).update("No programs found")
            return
        slugs = [p.slug for p in self._programs]
        index = slugs.index(self.selected) if self.selected in slugs else 0
        options.highlighted = index
        options.focus()
        self.show_program(self._programs[index])

    @on(OptionList.OptionHighlighted, "#program-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        program = next((p for p in self._programs if p.slug == event.option.id), None)
        if program is not None:
            self.show_program(program)

    @on(OptionList.OptionSelected, "#program-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#pieces", DataTable).focus()

    def show_program(self, program: Program) -> None:
        """Show ``program``'s description, provenance and pieces."""
        self.selected = program.slug
        self.query_one("#program-title", Label).update(
            f"{program.title}  [dim]· {program.author} · {mmss(program.duration)}[/]"
        )
        source = program.provenance
        checked = "checked against the source" if source.verified else "NOT verified"
        about = [program.description or "", f"Mood: {program.mood}" if program.mood else ""]
        about.append(f"Source: {source.source} ({checked})")
        if source.notes:
            about.append(source.notes)
        self.query_one("#program-about", Static).update("\n".join(a for a in about if a))
        table = self.query_one("#pieces", DataTable)
        table.clear()
        links = link_labels(self.app.programs, program)
        for i, (piece, link) in enumerate(zip(program.pieces, links, strict=True)):
            mark = "" if piece.verified else " (unverified)"
            table.add_row(
                str(i + 1),
                piece.title + mark,
                piece.performer,
                mmss(piece.duration),
                link,
                key=str(i),
            )

"""Programs: browse the music programs, their pieces, and whether each is linked to a file."""

from __future__ import annotations

from pathlib import Path
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
from gim.ui.dialogs.text_prompt import TextPrompt

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
        Binding("l", "link_piece", "Link piece", id="programs.link"),
        Binding("n", "new_program", "New program", id="programs.new"),
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
        for label in ("#", "Link", "Length", "Piece", "Recording"):
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
                link or "-",
                mmss(piece.duration),
                piece.title + mark,
                piece.performer,
                key=str(i),
            )

    # -- linking the guide's own files ------------------------------------------------
    def _program(self) -> Program | None:
        return next((p for p in self._programs if p.slug == self.selected), None)

    def action_link_piece(self) -> None:
        """Pick the audio file for the highlighted piece (browse, listen, link)."""
        program = self._program()
        if program is None:
            return
        library = self.app.programs
        if getattr(library, "is_generated", lambda p: False)(program):
            self.notify("gim makes the demo program's audio: nothing to link.")
            return
        table = self.query_one("#pieces", DataTable)
        index = max(0, table.cursor_row)
        start = Path.home()
        try:
            current = library.linked_files(program)[index]
        except (GimError, AttributeError, IndexError):
            current = None
        if current is not None:
            start = current.parent

        def link(path: Path | None) -> None:
            if path is None:
                return
            try:
                library.link_piece(program, index, path)
            except GimError as exc:
                self.notify(exc.message, severity="error")
                return
            self.notify(f"Piece {index + 1} now plays {path.name}.")
            self.show_program(program)
            table.move_cursor(row=index)

        from gim.ui.screens.link_piece import PickPieceFile

        self.app.push_screen(PickPieceFile(program.pieces[index], index + 1, start), link)

    def action_new_program(self) -> None:
        """Make a program from a folder of the guide's music (durations from the files)."""

        def made(folder: str | None) -> None:
            if not folder:
                return
            path = Path(folder).expanduser()
            self.app.push_screen(
                TextPrompt("Program title", placeholder="e.g. My calm program"),
                lambda title: self._make(path, title),
            )

        self.app.push_screen(
            TextPrompt("New program from a folder of music", placeholder="~/Music/program"),
            made,
        )

    def _make(self, folder: Path, title: str | None) -> None:
        if not title:
            return
        from gim.library.own import audio_files, program_from_files, save_program

        library = self.app.programs
        try:
            files = audio_files([folder])
            program = program_from_files(title, files)
            save_program(self.app.settings, program)
            program = library.get(program.slug)
            for i, file in enumerate(files):
                library.link_piece(program, i, file)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        self._programs = list(library.all())
        options = self.query_one("#program-list", OptionList)
        options.clear_options()
        for known in self._programs:
            options.add_option(Option(known.title, id=known.slug))
        slugs = [p.slug for p in self._programs]
        options.highlighted = slugs.index(program.slug)
        self.show_program(program)
        self.notify(f"{program.title}: {len(program.pieces)} pieces, all linked.")

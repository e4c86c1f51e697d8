"""A client's series: every session, a short note on each, and the images that recur."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label, Static

from gim.core.clock import mmss
from gim.errors import GimError
from gim.export.series import Series
from gim.ui.base import GimScreen
from gim.ui.dialogs.export import ExportRequest, SeriesExportDialog, shown_folder

_COLUMNS = (
    ("#", "number"),
    ("Date", "date"),
    ("Program", "program"),
    ("Focus", "focus"),
    ("Length", "length"),
)


class SeriesRead(Message):
    """The client's sessions were read (in a thread)."""

    def __init__(self, series: Series) -> None:
        super().__init__()
        self.series = series


class SeriesWritten(Message):
    """The series was exported to ``target``."""

    def __init__(self, target: Path) -> None:
        super().__init__()
        self.target = target


class SeriesScreen(GimScreen[None]):
    """All sessions of one client, oldest first, with their notes and recurring themes.

    Args:
        client: The client's code.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="series.back"),
        Binding("enter", "review", "Review", id="series.review"),
        Binding("x", "export", "Export", id="series.export"),
    ]

    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client
        """The client whose series this is."""
        self.series: Series | None = None
        """The series once read from the store."""
        self.exported: tuple[Path, ...] = ()
        """Files written by the last export (tests read them)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Vertical(id="series-body"):
            with Vertical(classes="pane", id="series-sessions-pane"):
                yield Label(f"Sessions with {self.client}", classes="pane-title", id="series-title")
                table: DataTable[str] = DataTable(id="series-sessions", cursor_type="row")
                yield table
            with Horizontal(id="series-lower"):
                with VerticalScroll(classes="pane", id="series-note-pane"):
                    yield Label("Session note", classes="pane-title")
                    yield Static("", id="series-note")
                with VerticalScroll(classes="pane", id="series-themes-pane"):
                    yield Label("Recurring images", classes="pane-title")
                    yield Static("[dim]Reading the sessions…[/]", id="series-themes")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Series · {self.client}"
        table = self.query_one("#series-sessions", DataTable)
        for label, key in _COLUMNS:
            table.add_column(label, key=key)
        table.focus()
        self.read_series()

    @work(thread=True, exclusive=True, exit_on_error=False, group="series", description="series")
    def read_series(self) -> None:
        """Read every session of the client through its own store (in a thread)."""
        from gim.export.series import client_series
        from gim.store.db import Store

        settings = self.app.settings
        try:
            with Store.open(settings.db_path) as store:
                records = [store.load_record(s.id) for s in store.list_sessions(self.client)]
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)  # notify is thread-safe
            return
        self.post_message(SeriesRead(client_series(records)))

    @on(SeriesRead)
    def _show(self, message: SeriesRead) -> None:
        series = self.series = message.series
        table = self.query_one("#series-sessions", DataTable)
        rows = [
            (
                "" if entry.number is None else str(entry.number),
                entry.date,
                entry.program,
                entry.focus,
                mmss(entry.length),
            )
            for entry in series.entries
        ]
        # Columns as wide as their content from the start: a header drawn before the rows
        # came kept its narrower widths over them on a busy machine.
        table.clear(columns=True)
        for column, (label, key) in enumerate(_COLUMNS):
            width = max([cell_len(label), *(cell_len(row[column]) for row in rows)])
            table.add_column(label, key=key, width=width)
        for entry, row in zip(series.entries, rows, strict=True):
            table.add_row(*row, key=entry.session_id)
        count = len(series.entries)
        self.query_one("#series-title", Label).update(
            f"Sessions with {self.client} · {count} session{'' if count == 1 else 's'}"
        )
        themes = [
            f"{t.text}  [dim]{len(t.sessions)} sessions, {t.count}×[/]" for t in series.themes
        ]
        shown = "\n".join(themes) or "[dim]None yet: nothing recurs in two sessions.[/]"
        if series.lane_note():  # lines not yet checked are left out: say so
            shown += f"\n\n[dim]{escape(series.lane_note())}[/]"
        self.query_one("#series-themes", Static).update(shown)
        if count:
            table.move_cursor(row=count - 1)  # the latest session
        self._show_note()

    @on(DataTable.RowHighlighted, "#series-sessions")
    def _highlighted(self) -> None:
        self._show_note()

    def selected(self) -> str | None:
        """Id of the highlighted session."""
        table = self.query_one("#series-sessions", DataTable)
        if self.series is None or table.row_count == 0:
            return None
        return self.series.entries[table.cursor_row].session_id

    def _show_note(self) -> None:
        sid = self.selected()
        entries = self.series.entries if self.series is not None else []
        entry = next((e for e in entries if e.session_id == sid), None)
        self.query_one("#series-note", Static).update(entry.note if entry else "")

    @on(DataTable.RowSelected, "#series-sessions")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    def action_review(self) -> None:
        """Open the highlighted session in review."""
        sid = self.selected()
        if sid is not None:
            self.app.open_review(sid)

    def action_back(self) -> None:
        """Back to where the series was opened from."""
        self.app.pop_screen()

    # -- export ------------------------------------------------------------------------
    def action_export(self) -> None:
        """Ask for md or html and a folder, then write the series there."""
        if self.series is None:
            return
        series = self.series

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.write_series(series, request)

        self.app.push_screen(SeriesExportDialog(), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def write_series(self, series: Series, request: ExportRequest) -> None:
        """Write the series as Markdown or HTML (off the UI thread)."""
        from gim.export.files import free_name, make_folder, write_file
        from gim.export.series import series_html, series_markdown

        fmt = request.choice.what
        text = series_markdown(series) if fmt == "md" else series_html(series)
        try:
            make_folder(request.folder, parents=True)
            target = request.folder / free_name(request.folder, f"{series.client}-series.{fmt}")
            write_file(text.encode("utf-8"), target)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        self.post_message(SeriesWritten(target))

    @on(SeriesWritten)
    def _exported(self, message: SeriesWritten) -> None:
        target = message.target
        self.exported = (target,)
        self.notify(
            f"Written to {shown_folder(target.parent)}: {target.name}", title="Exported", timeout=10
        )

"""Home: recent sessions, clients and programs, and the ways on from here."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from gim.core.clock import mmss
from gim.errors import GimError
from gim.ui.base import GimScreen


class HomeScreen(GimScreen[None]):
    """Recent sessions (newest first), the client list and the program list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "app.new_session", "New session", id="home.new_session"),
        Binding("enter", "review", "Review", id="home.review"),
        Binding("p", "app.programs", "Programs", id="home.programs"),
        Binding("slash", "search", "Search", id="home.search"),
        Binding("c", "focus_clients", "Clients", id="home.clients"),
        Binding("s", "series", "Series", id="home.series"),
        Binding("g", "app.guides", "Guides' voices", id="home.guides", show=False),
        Binding("ctrl+r", "refresh", "Refresh", id="home.refresh", show=False),
    ]

    client_filter: str | None = None
    """When set, only this client's sessions are listed."""

    def __init__(self) -> None:
        super().__init__()
        self._summaries: dict[str, Any] = {}
        """The listed sessions' summaries by id, for the detail line."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Horizontal(id="home-body"):
            with Vertical(id="recent-pane", classes="pane"):
                yield Label("Recent sessions", classes="pane-title")
                table: DataTable[str] = DataTable(
                    id="recent", cursor_type="row", zebra_stripes=False
                )
                yield table
                yield Static("", id="recent-detail")
            with Vertical(id="side-pane"):
                with Vertical(classes="pane", id="clients-pane"):
                    yield Label("Clients", classes="pane-title")
                    yield OptionList(id="clients")
                with Vertical(classes="pane", id="programs-pane"):
                    yield Label("Programs", classes="pane-title")
                    yield OptionList(id="programs")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#recent", DataTable)
        table.add_column("When", key="date")
        table.add_column("Client", key="client")
        table.add_column("Program", key="program")
        table.add_column("Status", key="status")
        table.add_column("Length", key="length")
        self.action_refresh()
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload sessions, clients and programs."""
        table = self.query_one("#recent", DataTable)
        table.clear()
        clients = self.query_one("#clients", OptionList)
        clients.clear_options()
        try:
            summaries = list(self.app.store.session_summaries())
            client_rows = list(self.app.store.clients())
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            summaries, client_rows = [], []
        if self.client_filter is not None:
            summaries = [r for r in summaries if r["client"] == self.client_filter]
        title = self.query_one("#recent-pane .pane-title", Label)
        title.update(
            f"Sessions with {self.client_filter}" if self.client_filter else "Recent sessions"
        )
        titles = self._program_titles()
        self._summaries = {str(row["id"]): row for row in summaries}
        for row in summaries:
            sid = str(row["id"])
            slug = str(row["program"])
            table.add_row(
                str(row["started_at"])[5:16].replace("T", " "),
                str(row["client"]),
                _short(titles.get(slug, slug), PROGRAM_WIDTH),
                str(row["status"]),
                mmss(float(row["audio_seconds"] or 0.0)),
                key=sid,
            )
        self._show_detail()
        for client in client_rows:
            code, count = client.code, client.sessions
            plural = "" if count == 1 else "s"
            label = f"{code}  [dim]{count} session{plural}[/]"
            clients.add_option(Option(label, id=code))
        self._fill_programs()

    def _program_titles(self) -> dict[str, str]:
        """Program titles by slug, so rows show "Positive Affect", not "positive-affect"."""
        try:
            return {p.slug: p.title for p in self.app.programs.all()}
        except GimError:
            return {}

    @on(DataTable.RowHighlighted, "#recent")
    def _show_detail(self) -> None:
        """The highlighted session in full under the table: nothing is cut off there."""
        detail = self.query_one("#recent-detail", Static)
        sid = self._selected_session()
        row = self._summaries.get(sid) if sid is not None else None
        if row is None:
            empty = not self._summaries
            detail.update("No sessions yet: press n for a new session." if empty else "")
            return
        slug = str(row["program"])
        lines = int(row["segments"] or 0)
        parts = [
            str(row["started_at"])[:16].replace("T", " "),
            str(row["client"]),
            self._program_titles().get(slug, slug),
            str(row["status"]),
            mmss(float(row["audio_seconds"] or 0.0)) + " recorded",
            f"{lines} line{'' if lines == 1 else 's'}",
        ]
        detail.update(" · ".join(parts))

    def _fill_programs(self) -> None:
        options = self.query_one("#programs", OptionList)
        options.clear_options()
        try:
            programs = list(self.app.programs.all())
        except GimError as exc:
            self.notify(exc.message, severity="warning", timeout=10)
            programs = []
        for program in programs:
            length = mmss(program.duration)  # title and length on one line of the pane
            options.add_option(
                Option(
                    f"{_short(program.title, 18 - len(length))}  [dim]{length}[/]", id=program.slug
                )
            )

    def _selected_session(self) -> str | None:
        table = self.query_one("#recent", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key and table.get_row(key)[0] else None

    def action_review(self) -> None:
        """Open the selected session in review."""
        sid = self._selected_session()
        if sid is not None:
            self.app.open_review(sid)

    @on(DataTable.RowSelected, "#recent")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    def action_search(self) -> None:
        """Search every transcript."""
        self.app.action_search()

    def action_focus_clients(self) -> None:
        """Move to the client list."""
        self.query_one("#clients", OptionList).focus()

    def action_series(self) -> None:
        """Open the series of the highlighted client (or of the selected session's client)."""
        from gim.ui.screens.series import SeriesScreen

        clients = self.query_one("#clients", OptionList)
        client: str | None = None
        if clients.has_focus and clients.highlighted is not None:
            client = clients.get_option_at_index(clients.highlighted).id
        elif (sid := self._selected_session()) is not None:
            table = self.query_one("#recent", DataTable)
            client = str(table.get_cell(sid, "client"))
        elif self.client_filter is not None:
            client = self.client_filter
        if client:
            self.app.push_screen(SeriesScreen(client))
        else:
            self.notify("Choose a client or a session first (c moves to the clients).", timeout=4)

    @on(OptionList.OptionSelected, "#clients")
    def _client_chosen(self, event: OptionList.OptionSelected) -> None:
        """Show only this client's sessions (choose again to show everyone's)."""
        chosen = event.option.id
        self.client_filter = None if chosen == self.client_filter else chosen
        self.action_refresh()
        self.query_one("#recent", DataTable).focus()

    @on(OptionList.OptionSelected, "#programs")
    def _program_chosen(self, event: OptionList.OptionSelected) -> None:
        from gim.ui.screens.programs import ProgramsScreen

        self.app.push_screen(ProgramsScreen(selected=event.option.id))

    def summary_rows(self) -> list[Any]:
        """The session ids shown, in order (for tests and the palette)."""
        table = self.query_one("#recent", DataTable)
        return [row.key.value for row in table.ordered_rows]


PROGRAM_WIDTH = 14
"""Characters of a program title in the sessions table (the detail line has it whole)."""


def _short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"

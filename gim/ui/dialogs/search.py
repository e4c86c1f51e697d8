"""Search transcripts and notes, within one session or across them; dismisses the chosen hit."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from gim.core.clock import mmss
from gim.errors import GimError
from gim.store.search import SearchHit
from gim.ui.base import GimModal


class SearchDialog(GimModal["SearchHit | None"]):
    """Type words and press enter; ↓ moves to the results, where enter opens one.

    Focus stays in the query box after a search, so the next words typed make a new
    query and enter never opens a session by surprise; typing while the results have
    focus goes back to the query box.

    Args:
        session_id: Search this session only; every session when None.
        client: Search this client's sessions only.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="search.cancel"),
        Binding("down", "results", "Results", id="search.results", show=False),
    ]

    def __init__(self, session_id: str | None = None, client: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        """Limit to one session."""
        self.client = client
        """Limit to one client."""
        self.hits: list[SearchHit] = []
        """The hits shown, in order."""

    def compose(self) -> ComposeResult:
        where = "this session" if self.session_id else (self.client or "every session")
        with Vertical(classes="dialog", id="search-dialog"):
            yield Label(f"Search {where}", classes="dialog-title")
            yield Input(placeholder="words to find", id="search-input", select_on_focus=False)
            yield OptionList(id="search-results")
            yield Label(
                "enter search · ↓ choose a result, enter opens it · escape close",
                classes="dialog-hint",
                id="search-hint",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value)
        if self.hits:
            # Show which hit ↓ would choose, but leave the query box in charge.
            self.query_one("#search-results", OptionList).highlighted = 0

    def on_key(self, event: events.Key) -> None:
        """Typing while the results have focus goes back to the query box."""
        results = self.query_one("#search-results", OptionList)
        if results.has_focus and event.is_printable and event.character:
            event.stop()
            box = self.query_one("#search-input", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)

    def run_search(self, query: str) -> None:
        """Fill the results for ``query``."""
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        self.hits = []
        if not query.strip():
            return
        try:
            self.hits = list(
                self.app.store.search(query, client=self.client, session_id=self.session_id)
            )
        except GimError as exc:
            self.notify(exc.message, severity="warning")
            return
        for i, hit in enumerate(self.hits):
            text = escape(hit.snippet)
            when = mmss(hit.time)
            where = "" if self.session_id else f"{hit.client} "
            date = "" if self.session_id else hit.started_at[:10] + " "
            results.add_option(Option(f"[dim]{where}{date}{when}[/]  {text}", id=str(i)))
        if not self.hits:
            results.add_option(Option("[dim]Nothing found.[/]", disabled=True))

    def action_results(self) -> None:
        """Move to the result list."""
        results = self.query_one("#search-results", OptionList)
        if self.hits:
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])

    def action_cancel(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)

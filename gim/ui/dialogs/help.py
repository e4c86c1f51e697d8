"""F1: gim's own help. The keys of the screen underneath first, then how a session runs,
then the keys that work everywhere."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

HOW_A_SESSION_RUNS = """\
[b]How a session runs[/]
Prelude: talk with the client; set the focus. Start records (with consent).
Induction: relaxation, no music yet.
Music: you start the program; gim links each line to the music.
Return: the program has ended; bring the client back.
Postlude: talk, draw the mandala; End saves the session.
Afterwards gim transcribes the whole recording; review, annotate, export."""
"""A few lines on the arc of a session, for the help screen."""

EVERYWHERE = (
    ("F1", "this help"),
    ("ctrl+p", "every command (palette)"),
    ("escape", "back"),
    ("ctrl+q", "quit gim"),
)
"""Keys that work on every screen."""


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, what it does) for the keys ``screen`` offers, its own before its widgets'.

    Keys inherited from the app (quit, palette, help) are left for the "everywhere" list,
    and moving around lists and tables (arrows, page up/down, tab) goes without saying.
    """
    own: list[tuple[str, str]] = []
    widgets: list[tuple[str, str]] = []
    seen: set[str] = set()
    # The screen's own keys from its class, in the order it declares them: a focused
    # list's arrow keys would otherwise hide the screen's ←/→ among the active ones.
    for cls in type(screen).__mro__:
        if cls is Screen:
            break
        for bound in vars(cls).get("BINDINGS", ()):
            if not isinstance(bound, Binding) or not bound.description:
                continue
            key = bound.key_display or screen.app.get_key_display(bound)
            if bound.description in seen:  # two keys, one action: "⏎ / space  Play"
                own = [(f"{k} / {key}" if d == bound.description else k, d) for k, d in own]
                continue
            seen.add(bound.description)
            own.append((key, bound.description))
    for active in screen.active_bindings.values():
        node, bound = active.node, active.binding
        text = bound.description
        if node is screen.app or node is screen or not text or text in seen:
            continue
        if text in GENERIC_NAMES:
            continue
        seen.add(text)
        widgets.append((bound.key_display or screen.app.get_key_display(bound), text))
    return own + widgets


GENERIC_NAMES = frozenset(
    {
        "Up",
        "Down",
        "Left",
        "Right",
        "Scroll Left",
        "Scroll Right",
        "Scroll Up",
        "Scroll Down",
        "First",
        "Last",
        "Home",
        "End",
        "Page Up",
        "Page Down",
        "Page Left",
        "Page Right",
        "Select",
        "Focus Next",
        "Focus Previous",
        "Copy selected text",
        "Cursor up",
        "Cursor down",
        "Top",
        "Bottom",
    }
)
"""Descriptions of the ordinary moving-around keys every list and table has."""


class HelpDialog(ModalScreen[None]):
    """The keys of the screen underneath, how a session runs, and the keys of every screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, keys: list[tuple[str, str]], title: str) -> None:
        super().__init__()
        self.keys = keys
        """(key, description) of the screen underneath."""
        self.title_text = title
        """The name of that screen."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(f"Keys: {self.title_text}", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(_table(self.keys) or "[dim]No keys of its own.[/]", id="help-keys")
                yield Static(HOW_A_SESSION_RUNS, id="help-session")
                yield Static("[b]Everywhere[/]\n" + _table(list(EVERYWHERE)), id="help-global")
            yield Label("escape or F1 closes", classes="dialog-hint")

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)


def _table(rows: list[tuple[str, str]]) -> str:
    """Keys in a column, descriptions beside them."""
    width = min(12, max((len(k) for k, _ in rows), default=0))
    return "\n".join(f"[b]{_plain(k.ljust(width))}[/]  {_plain(d)}" for k, d in rows)


def _plain(text: str) -> str:
    """``text`` shown as it is: every ``[`` escaped (markup's `escape` leaves a lone one,
    as in the key ``[``, which then swallows what follows)."""
    return text.replace("[", r"\[")

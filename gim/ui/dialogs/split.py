"""Split a line in two: the guide moves to the word the second line starts with."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class SplitDialog(ModalScreen[int | None]):
    """Pick the word a line is cut before: ←/→ move it, enter splits, escape cancels.
    Dismisses with the word's index in the line's text (1 .. words - 1), or None.

    Args:
        words: the line's text, word by word.
        at: the word picked first (the word heard, else the middle one).
        timed: whether the line has word times (else its time is shared by letters).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Word before", id="split.before"),
        Binding("right", "move(1)", "Word after", id="split.after"),
        Binding("ctrl+left,home", "move(-1000)", "First", id="split.first", show=False),
        Binding("ctrl+right,end", "move(1000)", "Last", id="split.last", show=False),
        Binding("enter", "split", "Split", id="split.split"),
        Binding("escape", "cancel", "Cancel", id="split.cancel"),
    ]

    def __init__(self, words: list[str], at: int, *, timed: bool) -> None:
        super().__init__()
        self.words = words
        """The line's words."""
        self.at = min(max(1, at), len(words) - 1)
        """The word the second line starts with."""
        self.timed = timed
        """Whether the cut takes its time from the words heard."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="split-dialog"):
            yield Label("Split this line before the word picked out", classes="dialog-title")
            yield Static(id="split-words")
            yield Static(id="split-preview")
            how = "" if self.timed else " · no word times: the time is shared by letters"
            yield Label(f"←/→ word · enter split · escape cancel{how}", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        shown = [
            f"[reverse]{escape(w)}[/]" if i == self.at else escape(w)
            for i, w in enumerate(self.words)
        ]
        self.query_one("#split-words", Static).update(" ".join(shown))
        first, second = " ".join(self.words[: self.at]), " ".join(self.words[self.at :])
        self.query_one("#split-preview", Static).update(
            f"[dim]1[/] {escape(first)}\n[dim]2[/] {escape(second)}"
        )

    def action_move(self, step: int) -> None:
        """Pick the word ``step`` words on (kept within the line)."""
        self.at = min(max(1, self.at + step), len(self.words) - 1)
        self._show()

    def action_split(self) -> None:
        """Cut the line before the word picked out."""
        self.dismiss(self.at)

    def action_cancel(self) -> None:
        """Close without cutting."""
        self.dismiss(None)

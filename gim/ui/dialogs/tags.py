"""Choose imagery tags for a line: the guide's tag set plus any new tag typed in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList


class TagDialog(ModalScreen[list[str] | None]):
    """Tick tags with space, type a new one, enter to keep; escape cancels.

    Args:
        tags: The tag set offered (from settings, editable there).
        chosen: Tags already on the line.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
        Binding("ctrl+s", "keep", "Keep", id="tags.keep"),
        # A priority binding consumes enter here: a plain key handler let the same key
        # press go on to the review screen underneath once the dialog closed (it played).
        Binding("enter", "keep", "Keep", id="tags.enter", show=False, priority=True),
    ]

    def __init__(self, tags: Sequence[str], chosen: Sequence[str] = ()) -> None:
        super().__init__()
        self.tags = list(dict.fromkeys([*tags, *chosen]))
        """Every tag offered."""
        self.chosen = set(chosen)
        """Tags ticked at the start."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Tags for this line", classes="dialog-title")
            yield SelectionList[str](
                *[(tag, tag, tag in self.chosen) for tag in self.tags], id="tag-list"
            )
            yield Input(placeholder="another tag (enter to keep)", id="tag-new")
            yield Label("space tick · enter keep · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def _answer(self) -> list[str]:
        ticked = list(self.query_one(SelectionList).selected)
        extra = self.query_one("#tag-new", Input).value.strip()
        if extra and extra not in ticked:
            ticked.append(extra)
        return ticked

    def action_keep(self) -> None:
        """Close with the ticked tags."""
        self.dismiss(self._answer())

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

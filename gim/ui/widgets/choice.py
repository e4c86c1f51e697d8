"""A radio button whose choice shows without colour: ● on the chosen option, nothing on
the others (Textual's own marks every option and tells them apart by shade alone)."""

from __future__ import annotations

from typing import Any

from textual.widgets import RadioButton


class ChoiceButton(RadioButton):
    """One option of a `RadioSet`; only the chosen one carries a mark."""

    def __init__(self, label: str, value: bool = False, **kwargs: Any) -> None:
        super().__init__(label, value, **kwargs)
        self.BUTTON_INNER = "●" if value else " "

    def watch_value(self) -> None:
        """Mark the chosen option (or clear the mark), then let the button report it."""
        self.BUTTON_INNER = "●" if self.value else " "
        super().watch_value()

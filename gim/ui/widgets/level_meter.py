"""A microphone level meter: a quiet bar in dBFS, warm when loud, marked when clipping."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FLOOR_DB = -60.0
"""The bottom of the scale."""


class LevelMeter(Widget):
    """``label ▮▮▮▮▯▯▯ -24 dB`` on one line; updated by polling, never from another thread."""

    DEFAULT_CSS = """
    LevelMeter { height: 1; padding: 0 1; }
    """

    level: reactive[float | None] = reactive(None)
    """Peak level in dBFS; None when there is no signal source (device lost)."""

    def __init__(self, label: str = "mic", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        """Name shown before the bar."""

    def render(self) -> Text:
        width = max(6, self.size.width - len(self.label) - 12)
        text = Text(f"{self.label} ", style="#8f8476")
        if self.level is None:
            text.append("no signal", style="#b08a52")
            return text
        shown = max(FLOOR_DB, min(0.0, self.level))
        fraction = (shown - FLOOR_DB) / -FLOOR_DB
        filled = round(fraction * width)
        colour = "#a5665c" if self.level > -1.0 else "#b08a52" if self.level > -12 else "#7d9470"
        text.append("▮" * filled, style=colour)
        text.append("▯" * (width - filled), style="#3a322b")
        text.append(f" {shown:4.0f} dB", style="#8f8476")
        return text

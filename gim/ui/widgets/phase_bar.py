"""The phase bar: prelude, induction, music, return, postlude; the current one picked out."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gim.core.session import Phase

PHASES = tuple(Phase)
"""The phases in session order."""


class PhaseBar(Widget):
    """One line naming every phase, the current one bright, past ones dim."""

    DEFAULT_CSS = """
    PhaseBar { height: 1; padding: 0 1; }
    """

    phase: reactive[Phase] = reactive(Phase.PRELUDE)
    """The phase the session is in."""

    def render(self) -> Text:
        text = Text()
        current = PHASES.index(self.phase)
        for i, phase in enumerate(PHASES):
            if i:
                text.append("  ›  ", style="#4a3f36")
            if i == current:
                text.append(f"● {phase.value}", style="bold #d0a67a")
            elif i < current:
                text.append(phase.value, style="#6f665c")
            else:
                text.append(phase.value, style="#8f8476")
        return text

    def advance(self, step: int = 1) -> Phase:
        """Move ``step`` phases on (or back), staying within the session; returns the phase."""
        index = min(len(PHASES) - 1, max(0, PHASES.index(self.phase) + step))
        self.phase = PHASES[index]
        return self.phase

"""Messages that carry the session runner's events into the UI thread.

The runner calls back from its own threads; `message_for` turns each event into one of
these, and the live screen posts it to itself with `post_message` (thread-safe, never
blocking), so no widget is ever touched outside the UI thread.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from gim.core.session import Phase, Segment
from gim.ui.fields import field_of


class RunnerMessage(Message):
    """Base of every message built from a runner event."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event
        """The runner's event as it came."""


class SegmentArrived(RunnerMessage):
    """A transcript line was stored (live pass)."""

    @property
    def segment(self) -> Segment:
        """The new line."""
        return field_of(self.event, "segment", None)


class PieceStarted(RunnerMessage):
    """The music moved to another piece (next, previous, or the next one in the program)."""

    @property
    def index(self) -> int | None:
        """The piece now playing; None when the music stopped."""
        value = field_of(self.event, "index", None)
        if value is None:
            value = field_of(self.event, "piece", None)
        return None if value is None or not isinstance(value, int) else value


class PhaseEntered(RunnerMessage):
    """The session moved into another phase."""

    @property
    def phase(self) -> Phase:
        """The phase entered."""
        return Phase(str(field_of(self.event, "phase", Phase.MUSIC)))


class RunnerWarning(RunnerMessage):
    """Something the guide should know: microphone lost, clipping, overruns, low disk."""

    @property
    def text(self) -> str:
        """One sentence for the guide."""
        return str(field_of(self.event, "message", "") or field_of(self.event, "text", ""))


class SessionEnded(RunnerMessage):
    """The runner stopped and the recording is safely on disk."""

    @property
    def session_id(self) -> str:
        """The finished session."""
        return str(field_of(self.event, "session_id", ""))


_BY_NAME: dict[str, type[RunnerMessage]] = {
    "SegmentAdded": SegmentArrived,
    "PieceChanged": PieceStarted,
    "PhaseChanged": PhaseEntered,
    "Warning": RunnerWarning,
    "RunnerWarning": RunnerWarning,
    "Finished": SessionEnded,
}


def message_for(event: Any) -> RunnerMessage | None:
    """The UI message for a runner event; None for events the UI does not show."""
    kind = _BY_NAME.get(type(event).__name__)
    return None if kind is None else kind(event)

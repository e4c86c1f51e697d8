"""Messages that carry the session runner's events (and slow work's progress) into the UI.

The runner calls back from its own threads; `message_for` wraps each typed event from
`gim.runner.events` in the message for its type, and the live screen posts it to itself
with `post_message` (thread-safe, never blocking), so no widget is ever touched outside
the UI thread. Progress arrives many times a second: those messages replace an older one
still waiting in the queue (`can_replace`), so a busy screen only draws the newest.
"""

from __future__ import annotations

from textual.message import Message

from gim.core.session import Phase, Segment
from gim.runner.events import (
    Finished,
    GuideWarning,
    PhaseChanged,
    PieceChanged,
    RunnerEvent,
    SegmentAdded,
)


class SegmentArrived(Message):
    """A transcript line was stored (live pass)."""

    def __init__(self, event: SegmentAdded) -> None:
        super().__init__()
        self.segment: Segment = event.segment
        """The new line."""


class PieceStarted(Message):
    """The music moved to another piece (next, previous, or the next one in the program)."""

    def __init__(self, event: PieceChanged) -> None:
        super().__init__()
        self.index: int | None = event.index
        """The piece now playing; None when the music stopped."""


class PhaseEntered(Message):
    """The session moved into another phase."""

    def __init__(self, event: PhaseChanged) -> None:
        super().__init__()
        self.phase: Phase = event.phase
        """The phase entered."""
        self.time: float = event.time
        """Session seconds at which it was entered."""


class RunnerWarning(Message):
    """Something the guide should know: microphone lost, clipping, overruns, low disk."""

    def __init__(self, event: GuideWarning) -> None:
        super().__init__()
        self.text: str = event.text
        """One sentence for the guide."""


class SessionEnded(Message):
    """The runner stopped and the recording is safely on disk."""

    def __init__(self, event: Finished) -> None:
        super().__init__()
        self.session_id: str = event.session_id
        """The finished session."""


class RunnerStarted(Message):
    """The runner opened its devices and created the session."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        """The new session."""


class RunnerFailed(Message):
    """Starting or stopping the runner failed: one sentence for the guide."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        """What went wrong and what to do."""


def message_for(event: RunnerEvent) -> Message | None:
    """The UI message for a runner event; None for events the UI does not show."""
    match event:
        case SegmentAdded():
            return SegmentArrived(event)
        case PieceChanged():
            return PieceStarted(event)
        case PhaseChanged():
            return PhaseEntered(event)
        case GuideWarning():
            return RunnerWarning(event)
        case Finished():
            return SessionEnded(event)
    return None


class Progress(Message):
    """A slow task's progress; a newer one replaces one still waiting in the queue.

    Args:
        fraction: done so far, 0..1.
    """

    def __init__(self, fraction: float) -> None:
        super().__init__()
        self.fraction = fraction
        """Done so far, 0..1."""

    def can_replace(self, message: Message) -> bool:
        """Only the newest progress matters: an older one of the same kind is dropped."""
        return type(message) is type(self)

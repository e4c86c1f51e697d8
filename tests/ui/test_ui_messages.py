"""Runner events become typed UI messages by their type; progress messages coalesce."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from gim.core.session import Phase, Segment
from gim.runner.events import (
    Finished,
    GuideWarning,
    PhaseChanged,
    PieceChanged,
    RunnerEvent,
    SegmentAdded,
)
from gim.ui.final_pass import FinalPassDone, FinalPassProgress
from gim.ui.messages import (
    PhaseEntered,
    PieceStarted,
    RunnerWarning,
    SegmentArrived,
    SessionEnded,
    message_for,
)


def test_each_event_type_has_its_message() -> None:
    line = Segment(1.0, 2.0, "a door")
    segment = message_for(SegmentAdded(line))
    assert isinstance(segment, SegmentArrived) and segment.segment is line
    piece = message_for(PieceChanged(2))
    assert isinstance(piece, PieceStarted) and piece.index == 2
    phase = message_for(PhaseChanged(Phase.RETURN, 9.0))
    assert isinstance(phase, PhaseEntered) and phase.phase is Phase.RETURN
    warning = message_for(GuideWarning("The microphone was lost."))
    assert isinstance(warning, RunnerWarning) and warning.text == "The microphone was lost."
    ended = message_for(Finished("s1"))
    assert isinstance(ended, SessionEnded) and ended.session_id == "s1"
    assert message_for(RunnerEvent()) is None


def test_progress_replaces_only_progress_of_its_kind() -> None:
    assert FinalPassProgress(0.2).can_replace(FinalPassProgress(0.1))
    assert not FinalPassProgress(0.2).can_replace(FinalPassDone(None, "stopped", True))


class Counter(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[float] = []

    def compose(self) -> ComposeResult:
        yield Static()

    def on_final_pass_progress(self, message: FinalPassProgress) -> None:
        self.seen.append(message.fraction)


async def test_a_burst_of_progress_is_drawn_once() -> None:
    app = Counter()
    async with app.run_test() as pilot:
        for i in range(1, 101):
            app.post_message(FinalPassProgress(i / 100))
        await pilot.pause()
        assert app.seen[-1] == 1.0
        assert len(app.seen) < 100  # queued ones were replaced by the newest

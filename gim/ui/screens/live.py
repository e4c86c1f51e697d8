"""The live session: phase bar, now playing, timeline, live transcript, levels, warnings.

Runner events arrive from its threads and are posted here as messages; meters come from
polling `status()` on a timer. Every key acts silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Label, Static

from gim.core.clock import mmss
from gim.core.layout import ClientLine, Intervention, Observation, PhaseHeading, PieceHeading
from gim.core.program import Program
from gim.core.session import AnnotationKind, Speaker
from gim.errors import GimError
from gim.runner.events import Finished, LiveRunner, RunnerEvent, RunnerFactory
from gim.ui.base import GimScreen
from gim.ui.dialogs.confirm import Confirm
from gim.ui.dialogs.tags import TagDialog
from gim.ui.dialogs.text_prompt import TextPrompt
from gim.ui.messages import (
    PhaseEntered,
    PieceStarted,
    RunnerFailed,
    RunnerStarted,
    RunnerWarning,
    SegmentArrived,
    SessionEnded,
    message_for,
)
from gim.ui.widgets.level_meter import LevelMeter
from gim.ui.widgets.now_playing import NowPlaying
from gim.ui.widgets.phase_bar import PhaseBar
from gim.ui.widgets.timeline import ProgramTimeline
from gim.ui.widgets.transcript import TranscriptView

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""How often the meters and clocks are refreshed from `status()`."""


class LiveScreen(GimScreen[None]):
    """One session as it runs.

    Args:
        make_runner: Builds the runner with the screen's event callback.
        program: The program being played (for the timeline and now playing).
        then: "end" for the end-of-session screen afterwards, "review" to go on from it to
            review by itself once the final pass is done (the demo).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Pause", id="live.pause"),
        Binding("n", "next_piece", "Next", id="live.next"),
        Binding("p", "previous_piece", "Prev", id="live.previous"),
        Binding("f", "fade_out", "Fade", id="live.fade"),
        Binding("m", "mark", "Mark", id="live.mark"),
        Binding("g", "intervention", "G:", id="live.intervention"),
        Binding("o", "observation", "[obs]", id="live.observation"),
        Binding("t", "tag", "Tag", id="live.tag"),
        Binding("full_stop", "phase(1)", "Phase›", id="live.phase_next"),
        Binding("comma", "phase(-1)", "Prev phase", id="live.phase_previous", show=False),
        Binding("ctrl+e", "end", "End", id="live.end"),
    ]

    def __init__(self, make_runner: RunnerFactory, program: Program, then: str = "end") -> None:
        super().__init__()
        self.make_runner = make_runner
        """Builds the runner once the screen is up."""
        self.program = program
        """The program being played."""
        self.then = then
        """Where to go when the session ends: "end" or "review"."""
        self.runner: LiveRunner | None = None
        """The running session, once started."""
        self.session_id: str | None = None
        """The session id, once started."""
        self.warnings: list[str] = []
        """Warnings shown, newest last (each once)."""
        self.elapsed = 0.0
        """Session seconds at the last poll."""
        self._ending = False
        self.finished = False
        """The session has ended and the screen moved on."""

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield PhaseBar(id="phase-bar")
        with Horizontal(id="live-body"):
            with Vertical(classes="pane", id="live-transcript-pane"):
                yield Label("Live transcript", classes="pane-title")
                yield TranscriptView(piece_times=True, id="live-transcript")
            with Vertical(id="live-side"):
                with Vertical(classes="pane", id="now-pane"):
                    yield NowPlaying(self.program, id="now-playing")
                with Vertical(classes="pane", id="live-timeline-pane"):
                    yield ProgramTimeline(self.program, id="live-timeline")
                with Vertical(classes="pane", id="status-pane"):
                    yield LevelMeter("mic", id="mic-level")
                    yield Static("", id="live-status")
                    yield Static("", id="live-warnings")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Session · {self.program.title}"
        self.runner = self.make_runner(self.runner_event)
        self.start_runner()
        self.set_interval(POLL_SECONDS, self.poll)

    # -- the runner, from its threads -----------------------------------------------------
    def runner_event(self, event: RunnerEvent) -> None:
        """The runner's callback: called from its threads, so only posts a message."""
        message = message_for(event)
        if message is not None:
            self.post_message(message)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runner", description="start")
    def start_runner(self) -> None:
        """Start the session (opens devices, so in a thread)."""
        assert self.runner is not None
        try:
            session_id = self.runner.start()
        except GimError as exc:
            self.post_message(RunnerFailed(exc.message))
            return
        except Exception as exc:  # the promise: a sentence for the guide, never a traceback
            log.exception("the session runner failed to start")
            text = f"The session could not start ({type(exc).__name__}): run `gim doctor`."
            self.post_message(RunnerFailed(text))
            return
        self.post_message(RunnerStarted(session_id))

    @on(RunnerStarted)
    def _started(self, message: RunnerStarted) -> None:
        self.session_id = message.session_id
        self.sub_title = f"Session {message.session_id} · {self.program.title}"

    @on(RunnerFailed)
    def _failed(self, message: RunnerFailed) -> None:
        self.notify(message.text, severity="error", timeout=20)
        self._note_warning(message.text)

    def poll(self) -> None:
        """Refresh meters and clocks from the runner's status."""
        if self.runner is None:
            return
        try:
            status = self.runner.status()
        except GimError:
            return
        self.elapsed = status.elapsed
        offset = status.piece_offset
        now = self.query_one(NowPlaying)
        now.piece = status.piece
        now.piece_offset = offset
        now.program_elapsed = status.program_elapsed
        now.paused = status.paused
        self.query_one(ProgramTimeline).place(now.piece, offset)
        self.query_one(LevelMeter).level = status.input_level
        recorded = status.recorded
        disk_text = f" · disk {status.disk_free / 1e9:.1f} GB free"
        xruns = status.xruns
        state = "● recording" if self.session_id else "○ starting"
        self.query_one("#live-status", Static).update(
            f"{state} {mmss(recorded)} · session {mmss(self.elapsed)}{disk_text}"
            + (f" · {xruns} overruns" if xruns else "")
        )
        for text in status.warnings:
            self._note_warning(text)
        if self.session_id and not self._ending and self.runner.done():
            self._ending = True  # the program ended (or the set duration passed)
            self._note_warning("The music has ended: saving the recording…")
            self.stop_runner()

    def _note_warning(self, text: str) -> None:
        if text and text not in self.warnings:
            self.warnings.append(text)
            self.query_one("#live-warnings", Static).update("\n".join(self.warnings[-3:]))

    # -- runner messages, in the UI thread ------------------------------------------------
    @on(SegmentArrived)
    def _segment(self, message: SegmentArrived) -> None:
        segment = message.segment
        if segment is None:
            return
        view = self.query_one(TranscriptView)
        follow = view.highlighted is None or view.highlighted >= len(view.blocks) - 1
        if segment.speaker is Speaker.GUIDE:
            view.append(Intervention(segment.start, segment.text.strip(), segment), follow=follow)
        else:
            view.append(ClientLine(segment.start, segment), follow=follow)

    @on(PieceStarted)
    def _piece(self, message: PieceStarted) -> None:
        index = message.index
        if index is None or index >= len(self.program.pieces):
            return
        time = self.elapsed
        self.query_one(TranscriptView).append(PieceHeading(time, index, self.program.pieces[index]))

    @on(PhaseEntered)
    def _phase(self, message: PhaseEntered) -> None:
        self.query_one(PhaseBar).phase = message.phase

    @on(RunnerWarning)
    def _warning(self, message: RunnerWarning) -> None:
        self._note_warning(message.text)

    @on(SessionEnded)
    def _ended(self, message: SessionEnded) -> None:
        session_id = message.session_id or self.session_id
        if not session_id or self.finished:
            return
        self.finished = True
        from gim.ui.screens.end import EndScreen

        # The end screen runs the final pass; for "review" it then opens review by itself.
        self.app.switch_screen(EndScreen(session_id, review_after=self.then == "review"))

    # -- the guide's keys -------------------------------------------------------------------
    def _call(self, action: Callable[[LiveRunner], object]) -> None:
        if self.runner is None:
            return
        try:
            action(self.runner)
        except GimError as exc:
            self.notify(exc.message, severity="warning")

    def action_pause(self) -> None:
        """Pause the music, or resume it."""
        paused = self.query_one(NowPlaying).paused
        self._call(lambda runner: runner.resume() if paused else runner.pause())
        self.query_one(NowPlaying).paused = not paused

    def action_next_piece(self) -> None:
        """Skip to the next piece."""
        self._call(lambda runner: runner.next_piece())

    def action_previous_piece(self) -> None:
        """Back to the previous piece."""
        self._call(lambda runner: runner.previous_piece())

    def action_fade_out(self) -> None:
        """Fade the music out."""
        self._call(lambda runner: runner.fade_out())

    def action_phase(self, step: int) -> None:
        """Move the session to the next (or previous) phase."""
        phase = self.query_one(PhaseBar).advance(step)
        self._call(lambda runner: runner.set_phase(phase))
        self.query_one(TranscriptView).append(PhaseHeading(self.elapsed, phase))

    def action_mark(self) -> None:
        """Mark this moment (a note can be added in review)."""
        self._call(lambda runner: runner.mark(AnnotationKind.MARKER, "", ()))
        self.notify(f"Marked {mmss(self.elapsed)}", timeout=2)
        timeline = self.query_one(ProgramTimeline)
        if timeline.position is not None:
            timeline.markers = (*timeline.markers, timeline.position)

    def action_intervention(self) -> None:
        """Write down an intervention (``G: …``)."""
        at = self.elapsed

        def keep(text: str | None) -> None:
            if text:
                self._call(lambda runner: runner.mark(AnnotationKind.INTERVENTION, text, ()))
                self.query_one(TranscriptView).append(Intervention(at, text))

        self.app.push_screen(
            TextPrompt("Intervention  G:", placeholder="What do you notice?"), keep
        )

    def action_observation(self) -> None:
        """Write down a nonverbal observation (``[sighs]``)."""
        at = self.elapsed

        def keep(text: str | None) -> None:
            if text:
                text = text.strip("[] ")
                self._call(lambda runner: runner.mark(AnnotationKind.OBSERVATION, text, ()))
                self.query_one(TranscriptView).append(Observation(at, text))

        self.app.push_screen(TextPrompt("Observation  [ ]", placeholder="sighs"), keep)

    def action_tag(self) -> None:
        """Tag this moment with imagery tags."""

        def keep(tags: list[str] | None) -> None:
            if tags:
                self._call(lambda runner: runner.mark(AnnotationKind.TAG, "", tuple(tags)))

        self.app.push_screen(TagDialog(self.app.settings.tags), keep)

    def action_end(self) -> None:
        """End the session after a confirmation (the recording is kept)."""

        def answer(yes: bool | None) -> None:
            if yes and not self._ending:
                self._ending = True
                self._note_warning("Ending: saving the recording…")
                self.stop_runner()

        self.app.push_screen(Confirm("End the session now? The recording is kept."), answer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runner", description="stop")
    def stop_runner(self) -> None:
        """Stop the session (flushes audio to disk, so in a thread)."""
        runner = self.runner
        assert runner is not None
        try:
            runner.stop()
        except GimError as exc:
            self.post_message(RunnerFailed(exc.message))
            return
        finally:
            if runner.room is not None:
                runner.room.close()  # a room whose session never started
        # The runner reports Finished itself; this covers one that does not.
        if self.session_id:
            self.post_message(SessionEnded(Finished(self.session_id)))

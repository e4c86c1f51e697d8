"""The live session: phase bar, now playing, timeline, live transcript, levels, warnings.

The arc is the guide's: the session opens in the prelude with no music; `s` starts the
music when the induction ends; after the last piece the session stays in the return
phase, recording, until the guide ends it (ctrl+e, with a confirmation). Runner events
arrive from its threads and are posted here as messages; meters come from polling
`status()` on a timer. Every key acts silently; all of them are shown in the key bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Label, Static

from gim.core.clock import mmss
from gim.core.layout import Block, ClientLine, Intervention, PhaseHeading, PieceHeading
from gim.core.program import Program
from gim.core.session import Consent, Phase, Speaker
from gim.errors import GimError
from gim.runner.events import Finished, LiveRunner, RunnerEvent, RunnerFactory
from gim.ui import hangup
from gim.ui.base import GimScreen
from gim.ui.dialogs.confirm import Confirm
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
from gim.ui.widgets.guide_notes import GuideNotes, ask_runner
from gim.ui.widgets.level_meter import LevelMeter
from gim.ui.widgets.live_panels import KeyBar, SessionStatus, WarningsPanel, recording_state
from gim.ui.widgets.now_playing import NowPlaying
from gim.ui.widgets.phase_bar import PhaseBar
from gim.ui.widgets.timeline import ProgramTimeline
from gim.ui.widgets.transcript import TranscriptView

log = logging.getLogger(__name__)

TITLE_FOLLOWING = "Live transcript"
TITLE_SCROLLED = "Live transcript · [b]end[/b] back to the newest line"
"""The title while the guide reads further up (new lines then do not move the view)."""

POLL_SECONDS = 0.25
"""How often the meters and clocks are refreshed from `status()`."""


def glance(state: str, now: NowPlaying) -> str:
    """The one line a narrow or short window keeps of the side panes: what is being
    recorded first (it must never be out of sight), then the piece and where in it."""
    if now.piece is None:
        return state
    where = "paused" if now.paused else mmss(now.piece_offset)
    return f"{state} · ♪{now.piece + 1} {where}"


class LiveScreen(GimScreen[None]):
    """One session as it runs.

    Args:
        make_runner: Builds the runner with the screen's event callback.
        program: The program being played (for the timeline and now playing).
        then: "end" for the end-of-session screen afterwards, "review" to go on from it to
            review by itself once the final pass is done (the demo).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start_music", "Start music", id="live.music"),
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
        self.elapsed = 0.0
        """Session seconds at the last poll."""
        self._ending = False
        self._phase_shown: Phase | None = None
        self._music_over_at: float | None = None
        self.finished = False
        """The session has ended and the screen moved on."""

    @property
    def recording(self) -> bool:
        """A session runs on this screen (an error in the app must not end it)."""
        return bool(self.session_id) and not self.finished

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield PhaseBar(id="phase-bar")
        yield Static("○ starting", id="live-glance")
        with Horizontal(id="live-body"):
            with Vertical(classes="pane", id="live-transcript-pane"):
                yield Label(TITLE_FOLLOWING, classes="pane-title", id="live-title")
                yield TranscriptView(piece_times=True, id="live-transcript")
                yield WarningsPanel(id="live-warnings")
            with Vertical(id="live-side"):
                with Vertical(classes="pane", id="now-pane"):
                    yield NowPlaying(self.program, id="now-playing")
                with Vertical(classes="pane", id="live-timeline-pane"):
                    yield ProgramTimeline(self.program, id="live-timeline")
                with Vertical(classes="pane", id="status-pane"):
                    yield LevelMeter("mic", id="mic-level")
                    yield SessionStatus("", id="live-status")
        yield KeyBar(id="live-keys")
        yield GuideNotes()

    def on_mount(self) -> None:
        self.sub_title = f"Session · {self.program.title}"
        self.runner = self.make_runner(self.runner_event)
        self.query_one(GuideNotes).runner = self.runner
        self.start_runner()
        self.set_interval(POLL_SECONDS, self.poll)
        # SIGTERM (a shutdown) and SIGHUP (the terminal closed) end the session cleanly:
        # quit, which saves as this screen unmounts
        hangup.install(self.app.exit)

    def on_unmount(self) -> None:
        """Leaving the app mid-session (ctrl+q, SIGTERM, SIGHUP) still saves everything."""
        try:
            if self.runner is not None and not self.finished and self.session_id:
                self.runner.stop()
        except GimError as exc:
            log.warning("the session could not be saved cleanly: %s", exc.message)
        finally:
            hangup.saved.set()

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
        self.sub_title = f"Session {message.session_id} · {self.program.title}{self._language()}"

    def _language(self) -> str:
        """ " · French" when the session is transcribed in a language other than English."""
        from gim.core.languages import ENGLISH, language_name

        settings = getattr(self.runner, "settings", None)
        language = getattr(settings, "language", ENGLISH)
        return "" if language == ENGLISH else f" · {language_name(language)}"

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
        self.query_one(GuideNotes).elapsed = status.elapsed
        offset = status.piece_offset
        now = self.query_one(NowPlaying)
        now.piece = status.piece
        silent = not status.playing and not status.paused
        if silent and self.query_one(PhaseBar).phase is not Phase.MUSIC:
            now.piece = None  # faded or ended: say so, not "playing"
        now.piece_offset = offset
        now.program_elapsed = status.program_elapsed
        now.paused = status.paused
        self.query_one(ProgramTimeline).place(now.piece, offset)
        mic_silent = status.mic_silent_since
        self.query_one(LevelMeter).level = status.input_level if mic_silent is None else None
        in_music = self.query_one(PhaseBar).phase is Phase.MUSIC
        # "recording" once the microphone's first frame is stored, not when asked to start
        stored = status.recorded > 0 or self._consent() is Consent.NONE
        state = recording_state(
            bool(self.session_id) and stored, self._consent(), in_music, status.recorded, mic_silent
        )
        self.query_one(SessionStatus).show(state, self.elapsed, status.disk_free, status.xruns)
        self.query_one("#live-glance", Static).update(glance(state, now))
        self.query_one("#live-title", Label).update(self._transcript_title())
        self.query_one(NowPlaying).note = self._music_note()
        self.query_one(KeyBar).show(self._music_started())
        for text in status.warnings:
            self._note_warning(text)
        if self.session_id and not self._ending and self.runner.done():
            self._ending = True  # the set duration passed
            self._note_warning("The session's set time is over: saving the recording…")
            self.stop_runner()

    def _transcript_title(self) -> str:
        """The pane's title; when the guide moved up, it says how to follow again."""
        view = self.query_one(TranscriptView)
        following = view.highlighted is None or view.highlighted >= len(view.blocks) - 1
        return TITLE_FOLLOWING if following else TITLE_SCROLLED

    def _consent(self) -> Consent:
        return self.runner.consent if self.runner is not None else Consent.SESSION

    def _music_started(self) -> bool:
        return self.runner is not None and self.runner.music_started

    def _music_note(self) -> str:
        if not self._music_started():
            return "No music yet · s starts it"
        return "Music stopped · s plays on"

    def _note_warning(self, text: str) -> None:
        self.query_one(WarningsPanel).note(text)

    # -- runner messages, in the UI thread ------------------------------------------------
    @on(SegmentArrived)
    def _segment(self, message: SegmentArrived) -> None:
        segment = message.segment
        if segment is None:
            return
        over = self._music_over_at
        if over is not None and segment.start >= over and segment.piece is not None:
            # said after the music ended: no piece to show ("♪4 0:10" would say it played)
            segment = replace(segment, piece=None, piece_offset=None)
        if segment.speaker is Speaker.GUIDE:
            self._place(Intervention(segment.start, segment.text.strip(), segment))
        else:
            self._place(ClientLine(segment.start, segment))

    @on(PieceStarted)
    def _piece(self, message: PieceStarted) -> None:
        index = message.index
        if index is None or index >= len(self.program.pieces):
            return
        # the heading goes where the music began
        at = self.runner.elapsed if self.runner is not None else self.elapsed
        self._place(PieceHeading(at, index, self.program.pieces[index]))

    @on(PhaseEntered)
    def _phase(self, message: PhaseEntered) -> None:
        phase = message.phase
        self.query_one(PhaseBar).phase = phase
        if phase is Phase.MUSIC:
            self._music_over_at = None
        elif phase in (Phase.RETURN, Phase.POSTLUDE) and self._music_over_at is None:
            self._music_over_at = message.time
        if phase is not self._phase_shown:
            self._phase_shown = phase
            self._place(PhaseHeading(message.time, phase))

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

    def _call(self, action: Callable[[LiveRunner], object]) -> None:
        ask_runner(self, self.runner, action)

    def _place(self, block: Block) -> None:
        self.query_one(TranscriptView).place(block)

    @on(GuideNotes.Noted)
    def _noted(self, message: GuideNotes.Noted) -> None:
        self._place(message.block)

    # -- the guide's notes ------------------------------------------------------------------
    def action_mark(self) -> None:
        """Mark this moment (a note can be added in review)."""
        self.query_one(GuideNotes).mark()
        timeline = self.query_one(ProgramTimeline)
        if timeline.position is not None:
            timeline.markers = (*timeline.markers, timeline.position)

    def action_intervention(self) -> None:
        """Write down an intervention (``G: …``)."""
        self.query_one(GuideNotes).intervention()

    def action_observation(self) -> None:
        """Write down a nonverbal observation (``[sighs]``)."""
        self.query_one(GuideNotes).observation()

    def action_tag(self) -> None:
        """Tag the chosen client line (or the latest) with imagery tags."""
        line = self.query_one(TranscriptView).chosen_or_latest()
        self.query_one(GuideNotes).tag(line.segment if line is not None else None)

    # -- the guide's keys -------------------------------------------------------------------
    def action_start_music(self) -> None:
        """Start the music (the induction is over), or play on after a pause or fade."""
        self._call(lambda runner: runner.start_music())
        self.query_one(PhaseBar).phase = Phase.MUSIC

    def action_pause(self) -> None:
        """Pause the music, or resume it."""
        paused = self.query_one(NowPlaying).paused
        self._call(lambda runner: runner.resume() if paused else runner.pause())
        self.query_one(NowPlaying).paused = not paused

    def action_next_piece(self) -> None:
        """Skip to the next piece; before the music, start it (the phase moves to music)."""
        if not self._music_started():
            self.action_start_music()
            return
        self._call(lambda runner: runner.next_piece())

    def action_previous_piece(self) -> None:
        """Back to the previous piece; before the music, start it."""
        if not self._music_started():
            self.action_start_music()
            return
        self._call(lambda runner: runner.previous_piece())

    def action_fade_out(self) -> None:
        """Fade the music out (the session and the recording go on)."""
        self._call(lambda runner: runner.fade_out())
        self.notify("Fading the music out; the session goes on.", timeout=3)

    def action_phase(self, step: int) -> None:
        """Move the session to the next (or previous) phase; into music starts the music."""
        bar = self.query_one(PhaseBar)
        before = bar.phase
        phase = bar.advance(step)
        if phase is before:
            return
        if phase is Phase.MUSIC and not self._music_started():
            self._call(lambda runner: runner.start_music())
            return
        self._call(lambda runner: runner.set_phase(phase))
        if before is Phase.MUSIC and step > 0 and self.query_one(NowPlaying).piece is not None:
            # leaving the music phase with the music sounding: it fades, it never plays on
            # into the return unasked
            self.action_fade_out()

    def action_end(self) -> None:
        """End the session after a confirmation (the recording is kept)."""

        def answer(yes: bool | None) -> None:
            if yes and not self._ending:
                self._ending = True
                self._note_warning("Ending: saving the recording…")
                self.stop_runner()

        self.app.push_screen(
            Confirm("End the session now? The recording stops and is kept."), answer
        )

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

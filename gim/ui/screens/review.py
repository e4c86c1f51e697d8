"""Review: the transcript in the guide's layout beside the program timeline.

Select a line to hear that moment (the voice, the music, or both), edit a line's text
(kept through any re-transcription), tag it, comment on it, and search. The screen
composes its parts and hands them what they need ("attributes down"): the player
(`gim.ui.widgets.review_player`), the selected line with its notes
(`gim.ui.widgets.line_notes`) and the slow tasks, export and "transcribe again"
(`gim.ui.widgets.session_tasks`); they answer with messages ("messages up").
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Label

from gim.core.checking import unchecked
from gim.core.layout import Block, ClientLine, Note, place_of, transcript_blocks
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind
from gim.errors import GimError
from gim.store.search import SearchHit
from gim.ui.base import GimScreen
from gim.ui.compositor import review_compositor
from gim.ui.dialogs.search import SearchDialog
from gim.ui.final_pass import FinalPassDone
from gim.ui.widgets.line_notes import LineNotes, segment_id_of
from gim.ui.widgets.review_player import ReviewPlayer
from gim.ui.widgets.session_tasks import SessionTasks
from gim.ui.widgets.timeline import ProgramTimeline
from gim.ui.widgets.transcript import TranscriptView


class ReviewScreen(GimScreen[None]):
    """One session's transcript, its program timeline and the selected moment."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review.back"),
        Binding("enter", "play_line", "Play", id="review.play_line", show=False),
        Binding("space", "toggle_play", "Play", id="review.toggle"),
        Binding("left", "skip(-3)", "−3 s", id="review.back3"),
        Binding("right", "skip(3)", "+3 s", id="review.fwd3"),
        Binding("left_square_bracket", "speed(-1)", "Slower", id="review.slower", show=False),
        Binding("right_square_bracket", "speed(1)", "Faster", id="review.faster", show=False),
        Binding("l", "loop", "Loop line", id="review.loop", show=False),
        Binding("v", "cycle_source", "Source", id="review.source", show=False),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("s", "flip_speaker", "Guide/client", id="review.speaker", show=False),
        Binding("b", "split_line", "Split line", id="review.split", show=False),
        Binding("t", "tag", "Tag", id="review.tag"),
        Binding("c", "comment", "Comment", id="review.comment"),
        Binding("f", "next_flagged", "Flagged", id="review.flagged"),
        # on a line to check the footer offers "a Confirm" in the place of "f Flagged"
        # (80 columns hold no more); f still moves on
        Binding("f", "next_to_check", id="review.flagged_hidden", show=False),
        Binding("a", "confirm", "Confirm", id="review.confirm"),
        Binding("slash", "search", "Find", id="review.search"),
        Binding("ctrl+f", "search_all", "Find in all", id="review.search_all", show=False),
        Binding("x", "export", "Export", id="review.export"),
        Binding("R", "retranscribe", "Transcribe again", id="review.retranscribe", show=False),
    ]

    def __init__(
        self, session_id: str, *, segment_id: int | None = None, time: float | None = None
    ) -> None:
        super().__init__()
        # a word picked out while listening draws that row, not the header, footer and
        # panes beside it (gim.ui.compositor; Textual's own on a Textual it was not
        # written for)
        self._compositor = review_compositor()
        self.session_id = session_id
        """The session reviewed."""
        self.start_segment = segment_id
        """Line to highlight first."""
        self.start_time = time
        """Moment to highlight first when no line is given."""
        self.record: SessionRecord | None = None
        """The session as loaded from the store."""
        self._spoken: list[tuple[float, int]] = []  # (start, block index) of spoken lines
        self._followed: int | None = None  # the line the selection last followed to
        self._following: tuple[TranscriptView, ProgramTimeline]  # what follows the sound
        self._to_check = False  # whether the highlighted line is one to check (a confirms)

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Horizontal(id="review-body"):
            with Vertical(id="transcript-pane", classes="pane"):
                yield Label("Transcript", classes="pane-title", id="transcript-title")
                yield TranscriptView(id="transcript")
            with Vertical(id="review-side"):
                with Vertical(classes="pane", id="timeline-pane"):
                    yield Label("Program", classes="pane-title", id="timeline-title")
                    yield ProgramTimeline(id="timeline")
                with Vertical(classes="pane", id="moment-pane"):
                    yield Label("This line", classes="pane-title")
                    yield LineNotes(id="moment")
                    yield ReviewPlayer(id="player")
        yield Footer(compact=True)
        yield SessionTasks(self.session_id)

    def on_mount(self) -> None:
        self.reload()
        view = self.query_one(TranscriptView)
        if self.start_segment is not None:
            view.select_segment(self.start_segment)
        elif self.start_time is not None:
            self.select_time(self.start_time)
        view.focus()
        if self.start_segment is not None or self.start_time is not None:
            self.call_after_refresh(view.centre_highlight)
        self._offer_unfinished_pass()

    def _offer_unfinished_pass(self) -> None:
        """A final pass killed part way: say so, and how to finish it."""
        from gim.runner.final_mark import final_pass_state

        folder = self.app.settings.sessions_dir / self.session_id
        if final_pass_state(folder) == "not finished":
            self.notify(
                "final pass: not finished. Press R to finish it (the preview lines "
                "are shown until then).",
                severity="warning",
                timeout=15,
            )

    def reload(self) -> None:
        """Read the session from the store and lay it out again."""
        try:
            self.record = self.app.store.load_record(self.session_id)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        record = self.record
        self.query_one(ReviewPlayer).record = record
        self.query_one(LineNotes).record = record
        self.query_one(SessionTasks).record = record
        session = record.session
        self.sub_title = f"Review · {session.client} · {session.started_at[:10]}"
        view = self.query_one(TranscriptView)
        view.set_blocks(transcript_blocks(record))
        self._spoken = [
            (b.time, i) for i, b in enumerate(view.blocks) if segment_id_of(b) is not None
        ]
        self._followed = None
        words = [w.start for s in record.segments for w in s.words]
        player = self.query_one(ReviewPlayer)
        player.marks = sorted({t for t, _ in self._spoken} | set(words))
        player.follow = self._follow
        self._following = (view, self.query_one(ProgramTimeline))
        to_check = sum(unchecked(s) for s in record.segments)
        self.query_one("#transcript-title", Label).update(
            f"Transcript · {len(record.segments)} lines"
            + (f" · [$warning]{to_check} to check[/]" if to_check else "")
        )
        timeline = self.query_one(ProgramTimeline)
        timeline.set_program(record.program)
        title = record.program.title if record.program else session.program
        self.query_one("#timeline-title", Label).update(f"Program · {title}")
        timeline.markers = tuple(
            self._program_time(a.time) or 0.0
            for a in record.annotations
            if a.kind is AnnotationKind.MARKER
        )
        self._show_moment(view.current)

    # -- the selected moment ---------------------------------------------------------
    def _program_time(self, seconds: float) -> float | None:
        """Nominal program seconds sounding at session ``seconds`` (for the timeline)."""
        record = self.record
        if record is None or record.program is None:
            return None
        found = record.clock.music_at(seconds)
        if found is None or found[0] >= len(record.program.pieces):
            return None
        piece, offset = found
        return record.program.piece_starts()[piece] + (offset or 0.0)

    def select_time(self, seconds: float) -> None:
        """Highlight the last line starting at or before ``seconds``."""
        view = self.query_one(TranscriptView)
        best = 0
        for i, block in enumerate(view.blocks):
            if block.time <= seconds and not isinstance(block, Note):
                best = i
        view.highlighted = best

    @on(TranscriptView.OptionHighlighted, "#transcript")
    def _highlighted(self) -> None:
        self._show_moment(self.query_one(TranscriptView).current)

    def _show_moment(self, block: Block | None) -> None:
        self.query_one(LineNotes).show(block)
        to_check = isinstance(block, ClientLine) and block.flagged
        if to_check != self._to_check:  # the footer offers "Confirm" on a line to check
            self._to_check = to_check
            self.refresh_bindings()
        if block is None or self.record is None:
            return
        player = self.query_one(ReviewPlayer)
        if not player.playing:  # while playing the playhead follows the sound
            self.query_one(ProgramTimeline).place(*place_of(self.record, block))
        player.cue(block.time)

    def _follow(self, seconds: float) -> None:
        """The selection follows the sound line by line, the word sounding picked out
        (called by the player when a line or a word is heard)."""
        view, timeline = self._following
        at = bisect_right(self._spoken, (seconds, len(view.blocks))) - 1
        line = self._spoken[at][1] if at >= 0 else None
        if line is not None and line != self._followed:
            self._followed = line  # moved only when the sound reaches another line
            view.follow(line)
        view.mark_word(line, seconds)
        if self.record is not None:
            found = self.record.clock.music_at(seconds)
            timeline.follow(*(found or (None, None)))

    @on(LineNotes.Changed)
    @on(FinalPassDone)
    def _stored(self, message: LineNotes.Changed | FinalPassDone) -> None:
        self.reload()
        select = getattr(message, "select", None)
        if select is not None:
            self.query_one(TranscriptView).select_segment(select)

    @on(SessionTasks.Working)
    def _task_state(self, message: SessionTasks.Working) -> None:
        self.query_one("#transcript-title", Label).update(f"Transcript · [dim]{message.text}[/]")

    # -- the keys ----------------------------------------------------------------------
    @on(TranscriptView.LineChosen)
    def _chosen(self) -> None:
        self.action_play_line()

    def action_play_line(self) -> None:
        """Play the moment of the highlighted line."""
        block = self.query_one(TranscriptView).current
        if block is not None:
            self.query_one(ReviewPlayer).play(block.time)

    def action_toggle_play(self) -> None:
        """Pause, or play from where the player stands."""
        self.query_one(ReviewPlayer).toggle()

    def action_skip(self, seconds: float) -> None:
        """Move the player ±``seconds``."""
        self.query_one(ReviewPlayer).skip(seconds)

    def action_cycle_source(self) -> None:
        """Voice → music → both."""
        self.query_one(ReviewPlayer).cycle_source()

    def action_speed(self, step: int) -> None:
        """Slower or faster (0.5-1.5x, the pitch kept)."""
        self.query_one(ReviewPlayer).change_speed(step)

    def action_loop(self) -> None:
        """Play the highlighted line over and over (again: stop looping)."""
        block = self.query_one(TranscriptView).current
        player = self.query_one(ReviewPlayer)
        segment = getattr(block, "segment", None)
        if player.loop is None and (segment is None or segment_id_of(block) is None):
            self.notify("Only a spoken line can be looped.", timeout=3)
            return
        player.toggle_loop(None if segment is None else (segment.start, segment.end))

    def action_edit(self) -> None:
        """Correct the highlighted line's text (kept through re-transcription)."""
        self.query_one(LineNotes).edit()

    def action_flip_speaker(self) -> None:
        """The highlighted line was the other voice's: guide <-> client (an edit)."""
        self.query_one(LineNotes).flip_speaker()

    def action_split_line(self) -> None:
        """Cut the highlighted line in two at a word (where the other voice begins)."""
        self.query_one(LineNotes).split(self.query_one(ReviewPlayer).position())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Confirm is offered only on a line to check, in the place of Flagged."""
        if action not in ("confirm", "next_flagged"):
            return True
        views = self.query(TranscriptView)
        block = views.first().current if views else None
        to_check = isinstance(block, ClientLine) and block.flagged
        return to_check if action == "confirm" else not to_check

    def action_confirm(self) -> None:
        """The highlighted line marked for checking is right: an ordinary line now."""
        # the highlighted line now, even when the notes pane has not caught up (f a typed fast)
        self.query_one(LineNotes).confirm(self.query_one(TranscriptView).current)

    def action_tag(self) -> None:
        """Tag the highlighted line with imagery tags."""
        self.query_one(LineNotes).tag()

    def action_comment(self) -> None:
        """Add a comment (a supervisor's or the guide's own) to the highlighted line."""
        self.query_one(LineNotes).comment()

    def action_export(self) -> None:
        """Ask what to export and where, then write it in a thread."""
        self.query_one(SessionTasks).export()

    def action_retranscribe(self) -> None:
        """Ask, then transcribe the whole recording again, keeping the guide's edits."""
        self.query_one(SessionTasks).retranscribe()

    def action_back(self) -> None:
        """Stop playing and leave review (to home when review was the first screen)."""
        self.query_one(ReviewPlayer).stop()
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.go_home()

    def action_next_to_check(self) -> None:
        """`action_next_flagged`, from a line to check."""
        self.action_next_flagged()

    def action_next_flagged(self) -> None:
        """Move to the next line marked for checking."""
        if not self.query_one(TranscriptView).next_flagged():
            self.notify("No lines to check.", timeout=3)

    def action_search(self) -> None:
        """Search within this session."""
        self.app.push_screen(SearchDialog(session_id=self.session_id), self._go_to_hit)

    def action_search_all(self) -> None:
        """Search across every session."""
        self.app.action_search()

    def _go_to_hit(self, hit: SearchHit | None) -> None:
        if hit is None:
            return
        view = self.query_one(TranscriptView)
        if not (hit.kind == "segment" and hit.ref and view.select_segment(hit.ref)):
            self.select_time(hit.time)
        view.focus()
        self.call_after_refresh(view.centre_highlight)

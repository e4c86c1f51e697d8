"""What the live screen shares with the guide's notes: the runner, the transcript, and the
keys that write a note at this moment (mark, intervention, observation, tag).

`LiveScreen` is this screen with the music, the phases and the runner's events.
"""

from __future__ import annotations

from collections.abc import Callable

from gim.core.clock import mmss
from gim.core.layout import Block, ClientLine, Intervention, Note, Observation
from gim.core.session import AnnotationKind, Segment
from gim.errors import GimError
from gim.runner.events import LiveRunner
from gim.ui.base import GimScreen
from gim.ui.dialogs.tags import TagDialog
from gim.ui.dialogs.text_prompt import TextPrompt
from gim.ui.widgets.timeline import ProgramTimeline
from gim.ui.widgets.transcript import TranscriptView


class LiveNotes(GimScreen[None]):
    """A running session's screen: the guide's notes go to ``runner`` and show at once."""

    runner: LiveRunner | None = None
    """The running session, once started."""
    elapsed = 0.0
    """Session seconds at the last poll."""

    def _call(self, action: Callable[[LiveRunner], object]) -> None:
        if self.runner is None:
            return
        try:
            action(self.runner)
        except GimError as exc:
            self.notify(exc.message, severity="warning")

    def _place(self, block: Block) -> None:
        """Show ``block`` in time order (lines arrive a few seconds after they were said)."""
        view = self.query_one(TranscriptView)
        follow = view.highlighted is None or view.highlighted >= len(view.blocks) - 1
        view.insert_by_time(block, follow=follow)

    def action_mark(self) -> None:
        """Mark this moment (a note can be added in review)."""
        self._call(lambda runner: runner.mark(AnnotationKind.MARKER, "", ()))
        self._place(Note(self.elapsed, AnnotationKind.MARKER, ""))
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
                self._place(Intervention(at, text))

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
                self._place(Observation(at, text))

        self.app.push_screen(TextPrompt("Observation  [ ]", placeholder="sighs"), keep)

    def tag_target(self) -> Segment | None:
        """The line a tag goes on: the client line the guide highlighted, else the latest."""
        view = self.query_one(TranscriptView)
        current = view.current
        if isinstance(current, ClientLine):
            return current.segment
        lines = [b for b in view.blocks if isinstance(b, ClientLine)]
        return lines[-1].segment if lines else None

    def action_tag(self) -> None:
        """Tag the chosen client line (or the latest) with imagery tags."""
        segment = self.tag_target()

        def keep(tags: list[str] | None) -> None:
            if not tags:
                return
            chosen = tuple(tags)
            self._call(lambda runner: runner.mark(AnnotationKind.TAG, "", chosen, segment))
            at = self.elapsed if segment is None else segment.start
            self._place(Note(at, AnnotationKind.TAG, "", list(tags)))

        self.app.push_screen(TagDialog(self.app.settings.tags), keep)

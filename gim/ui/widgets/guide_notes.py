"""The guide's notes during a live session: a mark, an intervention, an observation or tags
written at this moment.

A widget with nothing to show that the live screen composes. The screen hands it the
running session (`runner`) and the session's time (`elapsed`); it asks the guide (a
dialog where there is something to write), gives the note to the runner and says what to
show with `GuideNotes.Noted`, which the screen places in the transcript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget

from gim.core.clock import mmss
from gim.core.layout import Block, Intervention, Note, Observation
from gim.core.session import AnnotationKind, Segment
from gim.errors import GimError
from gim.runner.events import LiveRunner
from gim.ui.dialogs.tags import TagDialog
from gim.ui.dialogs.text_prompt import TextPrompt

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp


def ask_runner(
    widget: Widget, runner: LiveRunner | None, action: Callable[[LiveRunner], object]
) -> None:
    """Ask the running session for ``action``; a refusal is told to the guide as a warning."""
    if runner is None:
        return
    try:
        action(runner)
    except GimError as exc:
        widget.notify(exc.message, severity="warning")


class GuideNotes(Widget):
    """The notes a guide writes during the session (the live screen's keys ask)."""

    DEFAULT_CSS = "GuideNotes { display: none; }"

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    class Noted(Message):
        """A note was given to the runner: ``block`` shows it in the transcript."""

        def __init__(self, block: Block) -> None:
            super().__init__()
            self.block = block
            """The note as the transcript shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.runner: LiveRunner | None = None
        """The running session, once started (set by the screen)."""
        self.elapsed = 0.0
        """Session seconds now (set by the screen at each poll)."""

    def _note(self, kind: AnnotationKind, text: str, block: Block, at: float | None = None) -> None:
        ask_runner(self, self.runner, lambda runner: runner.mark(kind, text, (), at=at))
        self.post_message(self.Noted(block))

    def mark(self) -> None:
        """Mark this moment (a note can be added in review)."""
        self._note(AnnotationKind.MARKER, "", Note(self.elapsed, AnnotationKind.MARKER, ""))
        self.notify(f"Marked {mmss(self.elapsed)}", timeout=2)

    def intervention(self) -> None:
        """Write down an intervention (``G: …``)."""
        at = self.elapsed

        def keep(text: str | None) -> None:
            if text:
                # at the moment g was pressed, not when Enter was (issue 22)
                self._note(AnnotationKind.INTERVENTION, text, Intervention(at, text), at)

        self.app.push_screen(
            TextPrompt("Intervention  G:", placeholder="What do you notice?"), keep
        )

    def observation(self) -> None:
        """Write down a nonverbal observation (``[sighs]``)."""
        at = self.elapsed

        def keep(text: str | None) -> None:
            if text:
                text = text.strip("[] ")
                self._note(AnnotationKind.OBSERVATION, text, Observation(at, text), at)

        self.app.push_screen(TextPrompt("Observation  [ ]", placeholder="sighs"), keep)

    def tag(self, segment: Segment | None) -> None:
        """Tag ``segment`` (the line the guide chose, else the latest) with imagery tags."""

        def keep(tags: list[str] | None) -> None:
            if not tags:
                return
            chosen = tuple(tags)
            ask_runner(
                self,
                self.runner,
                lambda runner: runner.mark(AnnotationKind.TAG, "", chosen, segment),
            )
            at = self.elapsed if segment is None else segment.start
            self.post_message(self.Noted(Note(at, AnnotationKind.TAG, "", list(tags))))

        self.app.push_screen(TagDialog(self.app.settings.tags), keep)

"""The review screen's notes on a line: correcting its text (kept through any
re-transcription), tagging it with imagery tags, commenting on it."""

from __future__ import annotations

from gim.core.layout import Block, ClientLine, Intervention
from gim.core.session import Annotation, AnnotationKind
from gim.errors import GimError
from gim.ui.dialogs.tags import TagDialog
from gim.ui.dialogs.text_prompt import TextPrompt
from gim.ui.screens.review_tasks import SessionTasks
from gim.ui.widgets.transcript import TranscriptView


class LineNotes(SessionTasks):
    """Base of the review screen: ``e`` edits, ``t`` tags, ``c`` comments on the
    highlighted line, then the screen reloads."""

    @staticmethod
    def _segment_id(block: Block | None) -> int | None:
        if isinstance(block, ClientLine):
            return block.segment.id
        if isinstance(block, Intervention) and block.segment is not None:
            return block.segment.id
        return None

    # -- editing -----------------------------------------------------------------------
    def action_edit(self) -> None:
        """Correct the highlighted line's text (kept through re-transcription)."""
        block = self.query_one(TranscriptView).current
        segment_id = self._segment_id(block)
        if segment_id is None or not isinstance(block, ClientLine | Intervention):
            self.notify("Only transcript lines can be edited.", timeout=4)
            return

        def keep(text: str | None) -> None:
            if text is None or text == block.text:
                return
            try:
                self.app.store.edit_segment(segment_id, text)
            except GimError as exc:
                self.notify(exc.message, severity="error")
                return
            self.reload()

        self.app.push_screen(TextPrompt("Edit line", block.text), keep)

    def _annotate(self, annotation: Annotation) -> None:
        try:
            self.app.store.add_annotation(self.session_id, annotation)
        except GimError as exc:
            self.notify(exc.message, severity="error")
            return
        self.reload()

    def action_tag(self) -> None:
        """Tag the highlighted line with imagery tags."""
        block = self.query_one(TranscriptView).current
        if block is None or self.record is None:
            return
        segment_id = self._segment_id(block)
        had = [
            t
            for a in self.record.annotations
            if a.kind is AnnotationKind.TAG and segment_id and a.segment_id == segment_id
            for t in a.tags
        ]

        def keep(tags: list[str] | None) -> None:
            new = [t for t in tags or [] if t not in had]
            if new:
                self._annotate(
                    Annotation(
                        block.time,
                        AnnotationKind.TAG,
                        tags=new,
                        segment_id=segment_id,
                        author=self.app.settings.guide,
                    )
                )

        self.app.push_screen(TagDialog(self.app.settings.tags, had), keep)

    def action_comment(self) -> None:
        """Add a comment (a supervisor's or the guide's own) to the highlighted line."""
        block = self.query_one(TranscriptView).current
        if block is None:
            return

        def keep(text: str | None) -> None:
            if text:
                self._annotate(
                    Annotation(
                        block.time,
                        AnnotationKind.COMMENT,
                        text,
                        author=self.app.settings.guide,
                        segment_id=self._segment_id(block),
                    )
                )

        self.app.push_screen(TextPrompt("Comment on this line", placeholder="comment"), keep)

"""Review's "this line" pane: the selected line's moment and notes, and the guide's notes
on it: correcting its text (kept through any re-transcription), tags, comments.

The screen hands it the session (`record`) and the selected line (`show`); the widget
writes what the guide wrote to the store and says so with `LineNotes.Changed`, upon
which the screen reads the session again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.widgets import Static

from gim.core.checking import is_marker, unchecked
from gim.core.clock import mmss
from gim.core.layout import Block, ClientLine, Intervention, place_of
from gim.core.record import SessionRecord
from gim.core.session import Annotation, AnnotationKind, Speaker
from gim.core.transcript import split_line, token_words
from gim.errors import GimError
from gim.ui.dialogs.split import SplitDialog
from gim.ui.dialogs.tags import TagDialog
from gim.ui.dialogs.text_prompt import TextPrompt

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp


def segment_id_of(block: Block | None) -> int | None:
    """The stored line behind ``block`` (a client line or a spoken intervention), if any."""
    if isinstance(block, ClientLine):
        return block.segment.id
    if isinstance(block, Intervention) and block.segment is not None:
        return block.segment.id
    return None


class LineNotes(Static):
    """The selected line: when it was said, over which music, and every note on it."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    class Changed(Message):
        """The guide edited, tagged or commented on a line: the store holds it now."""

        def __init__(self, select: int | None = None) -> None:
            super().__init__()
            self.select = select
            """The stored line to select after (the second half of a line split)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.record: SessionRecord | None = None
        """The session shown (set by the screen whenever it loads it)."""
        self.block: Block | None = None
        """The line shown and noted on."""

    def show(self, block: Block | None) -> None:
        """Show ``block``'s moment and notes."""
        self.block = block
        record = self.record
        if block is None or record is None:
            self.update("")
            return
        piece, offset = place_of(record, block)
        lines = [f"At {mmss(block.time)} of the session"]
        if piece is not None and record.program and piece < len(record.program.pieces):
            name = record.program.pieces[piece].title
            lines.append(f"♪ {piece + 1} {name}, {mmss(offset or 0.0)} in")
        if isinstance(block, ClientLine):
            segment = block.segment
            if unchecked(segment):
                reason = segment.flag_reason or "suspect line"
                lines.append(f"[$warning]To check:[/] {reason} (a confirms)")
            if segment.confidence is not None:
                lines.append(f"[dim]confidence {segment.confidence:.0%} · {segment.source}[/]")
        voiced = getattr(block, "segment", None)
        if voiced is not None and voiced.speaker_confidence is not None:
            who = "the guide" if voiced.speaker is Speaker.GUIDE else "the client"
            sure = voiced.speaker_confidence
            lines.append(f"[dim]voice: {who}, {sure:.0%} sure (s flips, b splits)[/]")
        elif voiced is not None:
            lines.append("[dim]s: guide/client · b: split the line[/]")
        segment_id = segment_id_of(block)
        for note in record.annotations:
            if segment_id and note.segment_id == segment_id:
                tags = " ".join(f"#{t}" for t in note.tags)
                lines.append(f"[dim]{note.kind.value}:[/] {tags} {note.text}".rstrip())
        self.update("\n".join(lines))

    # -- the guide's notes --------------------------------------------------------------
    def edit(self, title: str = "Edit line", start: str | None = None) -> None:
        """Correct the line's text (kept through re-transcription); a line marked for
        checking is then the guide's, an ordinary line."""
        block = self.block
        segment_id = segment_id_of(block)
        if segment_id is None or not isinstance(block, ClientLine | Intervention):
            self.notify("Only transcript lines can be edited.", timeout=4)
            return

        def keep(text: str | None) -> None:
            if not text or text == block.text:
                return
            try:
                self.app.store.edit_segment(segment_id, text, flagged=settled)
            except GimError as exc:
                self.notify(exc.message, severity="error")
                return
            self.post_message(self.Changed())

        # the guide's words: a flag about them is settled (one about the speaker stays)
        segment = block.segment
        settled = False if segment is not None and unchecked(segment) else None
        shown = block.text if start is None else start
        self.app.push_screen(TextPrompt(title, shown), keep)

    def flip_speaker(self) -> None:
        """The line was the other voice's: guide <-> client (an edit, kept by later passes)."""
        block = self.block
        segment_id = segment_id_of(block)
        segment = getattr(block, "segment", None)
        if segment_id is None or segment is None:
            self.notify("Only transcript lines have a speaker.", timeout=4)
            return
        other = Speaker.CLIENT if segment.speaker is Speaker.GUIDE else Speaker.GUIDE
        # the guide decided whose words they are: a flag about the speaker alone is settled
        settled = False if segment.flag_reason.strip() == "speaker unsure" else None
        try:
            self.app.store.edit_segment(segment_id, segment.text, speaker=other, flagged=settled)
        except GimError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify(f"Now the {other.value}'s line.", timeout=3)
        self.post_message(self.Changed())

    def split(self, heard: float | None = None) -> None:
        """Cut the line in two before a word the guide picks (the word heard at ``heard``
        seconds first, else the middle one): both halves are edits, kept by later passes,
        each linked to its piece by the one linking rule; the second is selected, ready to
        be flipped to the other voice."""
        block, record = self.block, self.record
        segment = getattr(block, "segment", None)
        if segment_id_of(block) is None or segment is None or record is None:
            self.notify("Only transcript lines can be split.", timeout=4)
            return
        words = segment.text.split()
        if len(words) < 2:
            self.notify("A line needs two words at least to be split.", timeout=4)
            return
        timed = token_words(segment)
        at = len(words) // 2
        if timed is not None and heard is not None and segment.start < heard < segment.end + 0.5:
            at = sum(w.start <= heard for w in timed) - 1

        def keep(chosen: int | None) -> None:
            if chosen is None:
                return
            first, second, _ = split_line(segment, chosen)
            record.clock.link([first, second])
            try:
                new = self.app.store.split_segment(first, second)
            except GimError as exc:
                self.notify(exc.message, severity="error")
                return
            self.notify("Split in two (s flips a line's speaker).", timeout=3)
            self.post_message(self.Changed(select=new))

        self.app.push_screen(SplitDialog(words, at, timed=timed is not None), keep)

    def confirm(self, block: Block | None) -> None:
        """``block``, a line flagged for checking, is right: it becomes an ordinary line
        (an edit, kept by later passes). A "possible speech" marker holds no words: the
        guide types what was said."""
        self.show(block)
        segment_id = segment_id_of(block)
        segment = getattr(block, "segment", None)
        if segment_id is None or segment is None or not segment.flagged:
            self.notify("This line is not marked for checking.", timeout=3)
            return
        if is_marker(segment):
            self.edit(title="What was said here?", start="")
            return
        try:
            self.app.store.edit_segment(segment_id, segment.text, flagged=False)
        except GimError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify("Checked: now an ordinary line.", timeout=3)
        self.post_message(self.Changed())

    def tag(self) -> None:
        """Tag the line with imagery tags."""
        block, record = self.block, self.record
        if block is None or record is None:
            return
        segment_id = segment_id_of(block)
        had = [
            t
            for a in record.annotations
            if a.kind is AnnotationKind.TAG and segment_id and a.segment_id == segment_id
            for t in a.tags
        ]

        def keep(tags: list[str] | None) -> None:
            new = [t for t in tags or [] if t not in had]
            if new:
                guide = self.app.settings.guide
                note = Annotation(
                    block.time, AnnotationKind.TAG, tags=new, segment_id=segment_id, author=guide
                )
                self._annotate(record.session.id, note)

        self.app.push_screen(TagDialog(self.app.settings.tags, had), keep)

    def comment(self) -> None:
        """Add a comment (a supervisor's or the guide's own) to the line."""
        block, record = self.block, self.record
        if block is None or record is None:
            return

        def keep(text: str | None) -> None:
            if text:
                guide = self.app.settings.guide
                segment_id = segment_id_of(block)
                note = Annotation(
                    block.time, AnnotationKind.COMMENT, text, author=guide, segment_id=segment_id
                )
                self._annotate(record.session.id, note)

        self.app.push_screen(TextPrompt("Comment on this line", placeholder="comment"), keep)

    def _annotate(self, session_id: str, annotation: Annotation) -> None:
        try:
            self.app.store.add_annotation(session_id, annotation)
        except GimError as exc:
            self.notify(exc.message, severity="error")
            return
        self.post_message(self.Changed())

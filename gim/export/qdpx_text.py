"""The plain-text transcript inside a REFI-QDA project, with where each line sits in it.

QDA programs code character ranges of a text source (REFI-QDA counts positions in
Unicode characters from 0), so the text is laid out once here and every line that can
be coded or carry a memo keeps its range and its session time: the project's selections,
sync points and memos all come from these ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from gim.core.checking import unchecked
from gim.core.clock import mmss
from gim.core.layout import (
    ClientLine,
    Footer,
    Header,
    Intervention,
    Observation,
    PieceHeading,
    place_of,
    transcript_blocks,
)
from gim.core.record import SessionRecord
from gim.export.transcript import body_line, footer_items, header_items

MOMENT = 1.0
"""Seconds given to an intervention or observation noted at a moment (no line heard)."""


@dataclass(frozen=True)
class TextLine:
    """A codable line of the transcript: what was said or observed, and where it is."""

    start: int
    """Position of its first character in the document."""
    end: int
    """Position just after its last character."""
    time: float
    """Session seconds where it starts."""
    until: float
    """Session seconds where it ends."""
    style: str
    """client, guide or observation."""
    segment_id: int | None = None
    """The stored transcript line it shows, if any."""
    flagged: bool = False
    """A line gim flagged for the guide to check."""
    piece: int | None = None
    """The piece it belongs to (`place_of`: a line's stored link)."""


@dataclass(frozen=True)
class Document:
    """The transcript as one plain text and its codable lines, in session order."""

    text: str
    """The whole text, lines ending in a newline."""
    lines: tuple[TextLine, ...]
    """Every line a code or a memo can be attached to."""

    def line_at(self, time: float, segment_id: int | None = None) -> TextLine | None:
        """The line a note at ``time`` (on ``segment_id``, if any) belongs to.

        The line it was made on; else the line being spoken at ``time``; else the last
        line before it (what the client had just said); else the first line; None when
        the transcript has no lines at all.
        """
        if segment_id is not None:
            for line in self.lines:
                if line.segment_id == segment_id:
                    return line
        for line in self.lines:
            if line.time <= time < max(line.until, line.time + 1e-6):
                return line
        before = [line for line in self.lines if line.time <= time]
        if before:
            return before[-1]
        return self.lines[0] if self.lines else None


def _until(block: object) -> float:
    if isinstance(block, ClientLine):
        return block.segment.end
    if isinstance(block, Intervention) and block.segment is not None:
        return block.segment.end
    assert isinstance(block, Intervention | Observation)
    return block.time + MOMENT


def document(record: SessionRecord) -> Document:
    """The transcript of ``record`` as REFI-QDA plain text: header, lines by time, footer.

    Private notes (markers, tags, comments) are not in the text: they become codes and
    memos. Lines gim flagged are in the text; their selections carry a "to check" code.
    """
    blocks = transcript_blocks(record, private=False)
    head, foot = blocks[0], blocks[-1]
    assert isinstance(head, Header) and isinstance(foot, Footer)
    parts: list[str] = [f"{k}: {v}\n" for k, v in header_items(head)] + ["\n"]
    size = sum(len(p) for p in parts)
    lines: list[TextLine] = []
    for block in blocks[1:-1]:
        line = body_line(block, flags=False)
        if line is None:
            continue
        prefix = f"{line.time}  " + ("♪ " if isinstance(block, PieceHeading) else "")
        text = line.text + (f" — {line.detail}" if line.detail else "")
        if isinstance(block, ClientLine | Intervention | Observation):
            segment = block.segment if isinstance(block, ClientLine | Intervention) else None
            start = size + len(prefix)
            lines.append(
                TextLine(
                    start,
                    start + len(text),
                    block.time,
                    _until(block),
                    line.style,
                    segment.id if segment is not None else None,
                    segment is not None and unchecked(segment),
                    place_of(record, block)[0],
                )
            )
        parts.append(prefix + text + "\n")
        size += len(parts[-1])
    tail = [f"{k}: {v}\n" for k, v in footer_items(foot)]
    if tail:
        parts += ["\n", *tail]
    return Document("".join(parts), tuple(lines))


def time_label(seconds: float) -> str:
    """A session time as selections and memos name it (``m:ss``)."""
    return mmss(seconds)

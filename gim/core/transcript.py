"""How a new transcription pass merges into a session's transcript.

The live pass writes a preview during the music; the final pass over the whole recording
replaces it afterwards (and a later final pass, say with a better model, replaces an
earlier one). A line the guide corrected is never overwritten: where a new line overlaps
an edited line in time, the edit wins and the new line is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from gim.core.session import Segment, Source


def overlaps(a: Segment, b: Segment) -> bool:
    """Whether two lines share some stretch of session time.

    Lines that merely touch (one ends where the other starts) do not overlap. A line of
    no length overlaps a line whose half-open span ``[start, end)`` contains its instant.
    """
    if max(a.start, b.start) < min(a.end, b.end):
        return True
    if a.end <= a.start:
        return _contains(b, a.start)
    if b.end <= b.start:
        return _contains(a, b.start)
    return False


def _contains(line: Segment, instant: float) -> bool:
    return line.start <= instant < line.end or line.start == instant == line.end


def merge_pass(
    existing: Iterable[Segment], new: Iterable[Segment], source: Source = Source.FINAL
) -> list[Segment]:
    """The transcript after a pass: edited lines kept, every other old line replaced.

    Args:
        existing: The session's current lines (live, final and edited, any order).
        new: The lines of the new pass.
        source: What the new lines are (``FINAL`` for a final pass).

    Returns:
        Every edited line of ``existing`` unchanged, plus each line of ``new`` (as a copy
        marked ``source``, without an id) that overlaps no edited line, ordered by start.
    """
    edited = [s for s in existing if s.source is Source.EDITED]
    kept = [
        replace(s, source=source, id=None, words=list(s.words))
        for s in new
        if not any(overlaps(s, e) for e in edited)
    ]
    return sorted([*edited, *kept], key=lambda s: (s.start, s.end))

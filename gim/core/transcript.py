"""How a new transcription pass merges into a session's transcript.

The live pass writes a preview during the music; the final pass over the whole recording
replaces it afterwards (and a later final pass, say with a better model, replaces an
earlier one). A line the guide corrected is never overwritten: where a new line overlaps
an edited line in time, the edit wins and the new line is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from gim.core.session import Segment, Source, Word


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


def token_words(line: Segment) -> list[Word] | None:
    """The line's text word by word, each with its time from the words heard (a heard word
    holding two of the text's words shares its time between them by letters); None when
    the heard words do not give the text's words one for one (edited since, or no times)."""
    tokens = line.text.split()
    out: list[Word] = []
    for heard in line.words:
        parts = heard.text.split()
        total = sum(len(p) for p in parts) or 1
        at = heard.start
        for part in parts:
            end = at + (heard.end - heard.start) * len(part) / total
            out.append(Word(round(at, 3), round(end, 3), part, heard.probability))
            at = end
    if not out or [w.text.lower() for w in out] != [t.lower() for t in tokens]:
        return None
    return out


def split_line(line: Segment, at: int) -> tuple[Segment, Segment, bool]:
    """``line`` cut before word ``at`` of its text (1 .. words - 1): the two lines, both the
    guide's edits (no pass overwrites them), and whether their times came from the words
    heard (else the line's time is shared by letters). Each keeps the line's speaker and
    flags; the piece link is the caller's to make again (`SessionClock.link`).

    Raises:
        ValueError: when ``at`` leaves one side empty.
    """
    tokens = line.text.split()
    if not 0 < at < len(tokens):
        raise ValueError(f"a line of {len(tokens)} words cannot be cut before word {at}")
    timed = token_words(line)
    if timed is not None:
        before, after = timed[:at], timed[at:]
        end, start = before[-1].end, after[0].start
    else:  # no word times: the line's time shared in proportion to the letters
        share = len(" ".join(tokens[:at])) / len(" ".join(tokens))
        end = start = round(line.start + (line.end - line.start) * share, 3)
        before = [w for w in line.words if (w.start + w.end) / 2 < end]
        after = [w for w in line.words if (w.start + w.end) / 2 >= end]
    first = replace(line, end=end, text=" ".join(tokens[:at]), words=before, source=Source.EDITED)
    second = replace(
        line, start=start, text=" ".join(tokens[at:]), words=after, source=Source.EDITED, id=None
    )
    return first, second, timed is not None

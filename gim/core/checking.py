"""The "to check" lane: lines gim flagged that the guide has not yet checked.

gim flags a line it is unsure of (a phrase Whisper tends to invent, sung text, a
"possible speech" marker) rather than drop it; the guide checks it in review. Until then
it is not something the guide can stand behind, so what goes to a client, a series, a
search or an export leaves it out unless asked. A line the guide edited (or confirmed,
which clears its flag) is an ordinary line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from gim.core.record import SessionRecord
from gim.core.session import Segment, Source

POSSIBLE_SPEECH = "[possible speech, not transcribed]"
"""Text of the marker line for a stretch that may be speech but gave no words."""
SPEAKER_ONLY = "speaker unsure"
"""A flag reason about who spoke, not about the words: such a line stays in the reading."""


def is_marker(segment: Segment) -> bool:
    """Whether ``segment`` is a "possible speech, not transcribed" marker (no words)."""
    return segment.text == POSSIBLE_SPEECH


def unchecked(segment: Segment) -> bool:
    """Whether ``segment`` is flagged and the guide has neither edited nor confirmed it.

    A line flagged only because the speaker labels are unsure (`SPEAKER_ONLY`) holds
    words that were said: it is not in the lane (review still shows its flag).
    """
    if not segment.flagged or segment.source is Source.EDITED:
        return False
    reasons = {r.strip() for r in segment.flag_reason.split(";")} - {""}
    return reasons != {SPEAKER_ONLY}


def checked_only(record: SessionRecord) -> tuple[SessionRecord, int]:
    """``record`` without its unchecked lines, and how many were left out.

    Notes made on a line left out keep their moment (they no longer point at the line).
    """
    gone = {s.id for s in record.segments if unchecked(s)}
    if not gone:
        return record, 0
    kept = [s for s in record.segments if not unchecked(s)]
    notes = [
        replace(a, segment_id=None) if a.segment_id in gone and a.segment_id is not None else a
        for a in record.annotations
    ]
    return replace(record, segments=kept, annotations=notes), len(record.segments) - len(kept)


def lines_phrase(count: int) -> str:
    """``1 line`` / ``3 lines``."""
    return f"{count} line" + ("" if count == 1 else "s")


def to_check_lane(
    record: SessionRecord, include: bool, warn: Callable[[str], None] | None = None
) -> SessionRecord:
    """``record`` as an export shows it: unchecked lines left out unless ``include``.

    ``warn`` is told either way, so the guide knows what the export holds.
    """
    if include:
        count = sum(unchecked(s) for s in record.segments)
        if count and warn is not None:
            warn(f"{lines_phrase(count)} not yet checked included, marked for checking.")
        return record
    shown, count = checked_only(record)
    if count and warn is not None:
        warn(
            f"{lines_phrase(count)} flagged for checking and not yet checked left out: "
            "check them in review, or add --with-unchecked."
        )
    return shown

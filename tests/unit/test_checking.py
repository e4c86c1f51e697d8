"""The "to check" lane's rule (`gim.core.checking`): what a guide's confirm or edit does."""

from __future__ import annotations

from dataclasses import replace

from gim.core.checking import POSSIBLE_SPEECH, checked_only, is_marker, unchecked
from gim.core.session import Segment, Source
from tests.support.sample import sample_record


def test_a_flagged_line_is_unchecked_until_confirmed_or_edited() -> None:
    line = Segment(1.0, 2.0, "Thank you.", flagged=True, flag_reason="stock phrase")
    assert unchecked(line)
    confirmed = replace(line, flagged=False, source=Source.EDITED)  # review's "a"
    assert not unchecked(confirmed)
    assert not unchecked(replace(line, source=Source.EDITED))  # edited, flag still stored
    assert not unchecked(replace(line, flag_reason="speaker unsure"))  # who, not what


def test_a_marker_is_known_by_its_text_and_confirmed_by_typing() -> None:
    marker = Segment(5.0, 7.0, POSSIBLE_SPEECH, flagged=True)
    assert is_marker(marker) and unchecked(marker)
    typed = replace(marker, text="a light", flagged=False, source=Source.EDITED)
    assert not is_marker(typed) and not unchecked(typed)


def test_confirmed_lines_come_back_into_what_is_handed_over() -> None:
    record = sample_record("AB12")
    sun = next(s for s in record.segments if s.flagged)
    shown, left_out = checked_only(record)
    assert left_out == 1 and sun.text not in [s.text for s in shown.segments]
    sun.flagged, sun.source = False, Source.EDITED
    shown, left_out = checked_only(record)
    assert left_out == 0 and sun.text in [s.text for s in shown.segments]

"""How a session's speaker labels were made: the sentence kept for its header."""

from __future__ import annotations

from pathlib import Path

from gim.config import Settings
from gim.core.clock import SessionClock
from gim.core.session import Consent, LabelsMade, Segment, Session, labels_made
from gim.runner.voices import by_voice


def test_sentences_name_the_guide_where_the_voice_is_theirs() -> None:
    assert labels_made(LabelsMade.ENROLLED, " Ann ") == "the enrolled voice of Ann"
    assert labels_made(LabelsMade.ENROLLED) == "the enrolled voice of the guide"
    assert labels_made(LabelsMade.CHANNELS, "Ann") == "two channels"


def test_two_channels_and_nothing_to_go_by_say_so_without_touching_the_lines(
    tmp_path: Path,
) -> None:
    lines = [Segment(1.0, 2.0, "hello")]
    session = Session("s", "C1", "demo", "2026-12-07T10:00:00", consent=Consent.MUSIC)
    clock = SessionClock.__new__(SessionClock)  # not read on these paths
    two = Settings(home=tmp_path, guide_channel=1)
    assert by_voice(session, two, tmp_path, clock, lines) == (lines, "two channels")
    none = Settings(home=tmp_path, guide="Ann")  # Ann is not enrolled, no induction recorded
    assert by_voice(session, none, tmp_path, clock, lines) == (lines, "not labelled")

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


def test_two_channels_and_no_lines_say_so_without_touching_the_lines(
    tmp_path: Path,
) -> None:
    lines = [Segment(1.0, 2.0, "hello")]
    session = Session("s", "C1", "demo", "2026-12-07T10:00:00", consent=Consent.MUSIC)
    clock = SessionClock.__new__(SessionClock)  # not read on these paths
    two = Settings(home=tmp_path, guide_channel=1)
    assert by_voice(session, two, tmp_path, clock, lines) == (lines, "two channels")
    # no line: nothing to label (a session with lines, Ann not enrolled and no induction, has
    # its two voices told apart: test_voices)
    none = Settings(home=tmp_path, guide="Ann")
    assert by_voice(session, none, tmp_path, clock, []) == ([], "not labelled")


def test_every_transcript_header_says_how_the_speakers_were_told_apart() -> None:
    import io
    import zipfile

    from gim.core.layout import header
    from gim.export import render
    from gim.export.packet import client_copy
    from gim.ui.widgets.transcript import render_block
    from tests.support.sample import sample_record

    record = sample_record()
    assert "Speaker labels" not in render(record, "md").decode()  # an older session
    record.session.speaker_labels = labels_made(LabelsMade.ENROLLED, "Ann")
    said = "Speaker labels"
    assert f"**{said}:** the enrolled voice of Ann" in render(record, "md").decode()
    assert "the enrolled voice of Ann" in render(record, "html").decode()
    with zipfile.ZipFile(io.BytesIO(render(record, "docx"))) as archive:
        assert "the enrolled voice of Ann" in archive.read("word/document.xml").decode()
    for data in client_copy(record).values():
        assert "the enrolled voice of Ann" in data.decode()
    shown = render_block(header(record))
    assert f"{said}: the enrolled voice of Ann" in shown and shown.count("\n") <= 2

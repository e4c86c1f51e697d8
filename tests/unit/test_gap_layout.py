"""A recording gap is a line of the transcript at its time, in every export."""

from __future__ import annotations

from gim.core.layout import ClientLine, GapNote, transcript_blocks
from gim.export import ExportOptions
from gim.export.audacity import labels
from gim.export.transcript import body_line, markdown
from tests.support.sample import sample_record


def test_a_gap_is_a_block_at_its_time_and_a_line_in_the_transcript() -> None:
    record = sample_record()
    record.session.gaps = [(723.4, 733.9)]
    blocks = transcript_blocks(record)
    (gap,) = [b for b in blocks if isinstance(b, GapNote)]
    assert (gap.time, gap.end) == (723.4, 733.9)
    assert gap.text == "recording gap 12:03–12:13"
    body = blocks[1:-1]
    assert [b.time for b in body] == sorted(b.time for b in body)
    before = [b for b in body[: body.index(gap)] if isinstance(b, ClientLine)]
    assert all(b.time <= 723.4 for b in before)
    line = body_line(gap)
    assert line is not None and line.text == "[recording gap 12:03–12:13]"
    assert line.time == "12:03"
    text = markdown(record, ExportOptions(title="t"))
    assert "recording gap 12:03–12:13" in text
    assert (723.4, 733.9, "[recording gap 12:03–12:13]") in labels(record, ExportOptions(title="t"))


def test_a_dropout_is_no_music_pause_in_any_export() -> None:
    """The player ran dry for 2 s (a busy machine): the log holds the music's position
    over it, and no transcript, subtitle or label file calls it a pause."""
    from gim.core.layout import music_pauses
    from gim.core.playback import Action, PlaybackEvent, PlaybackLog

    record = sample_record()
    rate = record.playback.rate
    events = [e for e in record.playback if e.action not in (Action.PAUSE, Action.RESUME)]
    dropout = PlaybackEvent(20 * rate, Action.DROPOUT, value=float(2 * rate))
    events.insert(1, dropout)
    record.playback = PlaybackLog(rate, events)
    assert music_pauses(record) == []
    spans = record.playback.spans()
    assert spans[0].end == 20 * rate and spans[1].start == 22 * rate
    assert spans[1].offset == spans[0].length  # the music went on where it stopped
    text = markdown(record, ExportOptions(title="t"))
    assert "music paused" not in text
    assert not [label for label in labels(record, ExportOptions(title="t")) if "paused" in label[2]]

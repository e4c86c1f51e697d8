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

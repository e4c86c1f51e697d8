"""`gim transcribe --format txt` with a program: a heading wherever the piece changes."""

from __future__ import annotations

from gim.cli.transcribe import render
from gim.core.program import Piece, Program, Provenance
from gim.core.session import Segment


def test_txt_has_a_heading_per_piece_with_where_it_began() -> None:
    program = Program(
        "p",
        "P",
        "a",
        Provenance("test"),
        (
            Piece(composer="Bach", work="Goldberg", duration=60.0),
            Piece(composer="Satie", work="G", duration=9.0),
        ),
    )
    lines = [Segment(12.0, 14.0, "one"), Segment(30.0, 31.0, "two"), Segment(75.5, 77.0, "three")]
    for seg, (piece, offset) in zip(lines, [(0, 9.0), (0, 27.0), (1, 2.5)], strict=True):
        seg.piece, seg.piece_offset = piece, offset
    text = render(lines, "txt", program)
    assert text.splitlines() == [
        "♪ 1. Bach, Goldberg (from 00:00:03)",
        "[00:00:12] one",
        "[00:00:30] two",
        "",
        "♪ 2. Satie, G (from 00:01:13)",
        "[00:01:15] three",
    ]
    assert "♪" not in render(lines, "txt")  # no program, no headings

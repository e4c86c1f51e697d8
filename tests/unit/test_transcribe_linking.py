"""Linking lines to pieces: nominal durations, gaps found in the reference."""

from __future__ import annotations

import numpy as np

from gim.core.program import Piece, Program, Provenance
from gim.core.session import Segment
from gim.passes.placement import piece_starts, placed_clock, silent_gaps

PROGRAM = Program(
    slug="p",
    title="P",
    author="",
    provenance=Provenance("test"),
    pieces=(Piece("A", "One", 10.0), Piece("B", "Two", 20.0), Piece("C", "Three", 5.0)),
    gap=1.0,
)


def test_played_through_with_the_program_gap() -> None:
    assert piece_starts(PROGRAM, 2.0) == [2.0, 13.0, 34.0]


def test_gaps_found_in_the_reference_move_the_next_piece() -> None:
    # piece A really ended at 12.0 (nominal) and 3 s of silence followed
    assert piece_starts(PROGRAM, 2.0, [(12.0, 15.0)]) == [2.0, 15.0, 36.0]


def test_link_sets_piece_and_offset_and_none_between() -> None:
    segments = [Segment(3.0, 4.0, "a"), Segment(12.5, 13.0, "b"), Segment(20.0, 21.0, "c")]
    placed_clock([2.0, 13.0, 34.0], [10.0, 20.0, 5.0]).link(segments)
    assert [(s.piece, s.piece_offset) for s in segments] == [(0, 1.0), (None, None), (1, 7.0)]


def test_placed_pieces_heard_late_by_the_microphone() -> None:
    segments = [Segment(2.05, 3.0, "a"), Segment(12.1, 13.0, "b")]
    placed_clock([2.0, 12.0], [10.0, 5.0], lag=0.1).link(segments)
    assert [(s.piece, s.piece_offset) for s in segments] == [(None, None), (1, 0.0)]


def test_silent_gaps_in_a_reference() -> None:
    rate = 16000
    tone = (0.1 * np.sin(np.arange(rate * 3) * 0.05)).astype(np.float32)
    ref = np.concatenate([tone, np.zeros(rate * 2, np.float32), tone])
    gaps = silent_gaps(ref)
    assert len(gaps) == 1
    assert abs(gaps[0][0] - 3.0) < 0.06 and abs(gaps[0][1] - 5.0) < 0.06

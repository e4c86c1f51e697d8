"""Pieces found in the reference by their sound (linked files), or by durations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.audio.locate import locate, played_length
from gim.passes.placement import place
from tests.support.roommix import load_audio

RATE = 16000


def _cuts(shared_data: Path) -> list[np.ndarray]:
    goldberg = load_audio(shared_data / "music/goldberg_ishizaka_voiceover.ogg", RATE)
    plum = load_audio(shared_data / "music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg")
    return [goldberg[: 40 * RATE], plum[2 * RATE : 52 * RATE], goldberg[15 * RATE : 45 * RATE]]


def test_linked_pieces_are_found_where_they_were_played(shared_data: Path) -> None:
    pieces = _cuts(shared_data)
    starts = [7.3, 47.3 + 0.0, 97.3 + 3.1]  # gapless into piece 1, 3.1 s of silence before 2
    reference = np.zeros(int(140 * RATE), np.float32)
    for start, audio in zip(starts, pieces, strict=True):
        at = round(start * RATE)
        reference[at : at + len(audio)] += 0.6 * audio
    durations = [len(p) / RATE for p in pieces]
    found, lengths = place(reference, RATE, pieces, durations)
    assert np.allclose(found, starts, atol=0.01)
    assert np.allclose(lengths, durations, atol=0.06)
    # The last piece repeats a stretch of the first: it is only looked for after it.
    hit = locate(pieces[2], reference, RATE)
    assert hit is not None and abs(hit[0] - starts[2]) < 0.01


def test_a_piece_stopped_early_ends_where_it_stopped(shared_data: Path) -> None:
    piece = _cuts(shared_data)[1]
    reference = np.zeros(int(60 * RATE), np.float32)
    reference[2 * RATE : 2 * RATE + 30 * RATE] = piece[: 30 * RATE]
    hit = locate(piece, reference, RATE)
    assert hit is not None and abs(hit[0] - 2.0) < 0.01
    assert abs(played_length(piece, reference, RATE, hit[0]) - 30.0) < 0.1


def test_unlinked_pieces_follow_the_found_ones_and_the_silences(shared_data: Path) -> None:
    pieces = _cuts(shared_data)
    reference = np.zeros(int(140 * RATE), np.float32)
    starts = [5.0, 50.0, 105.0]
    for start, audio in zip(starts, pieces, strict=True):
        reference[round(start * RATE) : round(start * RATE) + len(audio)] += 0.5 * audio
    durations = [40.0, 52.0, 30.0]  # the program's nominal lengths, a little off
    found, _ = place(reference, RATE, [pieces[0], None, None], durations)
    assert abs(found[0] - 5.0) < 0.01
    assert abs(found[1] - 50.0) < 0.1  # snapped to where sound resumes after the silence
    assert abs(found[2] - 105.0) < 0.1
    alone = place(reference, RATE, [None, None, None], durations, program_start=5.0)[0]
    assert np.allclose(alone, starts, atol=0.1)


def test_a_piece_inside_another_is_found_where_it_was_played_itself(shared_data: Path) -> None:
    goldberg = load_audio(shared_data / "music/goldberg_ishizaka_voiceover.ogg", RATE)
    whole, middle = goldberg[: 57 * RATE], goldberg[20 * RATE : 45 * RATE]
    # The middle stretch is played first and stopped after 12 s, then the whole piece.
    reference = np.zeros(int(100 * RATE), np.float32)
    reference[3 * RATE : 15 * RATE] = 0.5 * middle[: 12 * RATE]
    reference[20 * RATE : 77 * RATE] = 0.5 * whole
    found, lengths = place(reference, RATE, [middle, whole], [25.0, 57.0])
    assert abs(found[0] - 3.0) < 0.01 and abs(lengths[0] - 12.0) < 0.1
    assert abs(found[1] - 20.0) < 0.01
    # The other way round: the whole piece, then its middle stretch on its own.
    reference = np.zeros(int(100 * RATE), np.float32)
    reference[2 * RATE : 59 * RATE] = 0.5 * whole
    reference[61 * RATE : 86 * RATE] = 0.5 * middle
    found, lengths = place(reference, RATE, [whole, middle], [57.0, 25.0])
    assert np.allclose(found, [2.0, 61.0], atol=0.01)
    assert abs(lengths[0] - 57.0) < 0.1

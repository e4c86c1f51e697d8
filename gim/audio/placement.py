"""Where each piece of a program starts in a recording of what was played.

Pieces linked to files are found by their sound (`gim.audio.locate`). The others are
placed from what the reference shows between them (`gim.audio.boundaries`: silences,
dips, changes of sound) and the program's nominal durations, around the found ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


def place(
    reference: NDArray[np.floating],
    rate: int,
    pieces: Sequence[NDArray[np.floating] | None],
    durations: Sequence[float],
    *,
    program_start: float = 0.0,
    gap: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Where each piece starts in ``reference`` and how long it played (seconds).

    Args:
        reference: what was played, mono at ``rate``.
        rate: its sample rate.
        pieces: each piece's audio at ``rate``, or None when it has no linked file.
        durations: each piece's length in seconds (from its file when it has one).
        program_start: the music starts at or after this second.
        gap: the program's silence between pieces.

    Returns:
        Starts and lengths, in program order; a piece found by its file ends where it
        was stopped (or where the next piece starts).
    """
    from gim.audio.locate import Played, find_pieces, played_on

    ref = Played(reference, rate)
    hits = find_pieces(ref, pieces, max(0.0, program_start))
    found = [hit[0] if hit else None for hit in hits]
    heard: list[float | None] = [None] * len(pieces)
    for i, (audio, hit) in enumerate(zip(pieces, hits, strict=True)):
        if audio is not None and hit is not None:
            heard[i] = min(hit[1], played_on(audio, ref, hit[0]))
    if any(at is None for at in found):
        starts, lengths = _by_boundaries(
            reference, rate, found, heard, durations, program_start, gap
        )
    else:
        starts, lengths = [float(at) for at in found if at is not None], list(durations)
    for i, audio in enumerate(pieces):
        if audio is not None and found[i] is not None:
            lengths[i] = played_on(audio, ref, starts[i])
            if i + 1 < len(starts) and lengths[i + 1] > 0:
                lengths[i] = max(0.0, min(lengths[i], starts[i + 1] - starts[i]))
    return starts, lengths


def _by_boundaries(
    reference: NDArray[np.floating],
    rate: int,
    found: Sequence[float | None],
    heard: Sequence[float | None],
    durations: Sequence[float],
    program_start: float,
    gap: float,
) -> tuple[list[float], list[float]]:
    """Starts and lengths from the reference's boundaries, found pieces fixed (``heard``:
    how long each went on sounding like its file).

    A piece not played (the session ended first) starts where the sound ends and
    lasts nothing.
    """
    from gim.audio.boundaries import candidates, choose

    bounds, first, last = candidates(reference, rate, after=program_start)
    chosen = choose(bounds, durations, first, last, anchors=found, known=heard, gap=gap)
    if all(at is None for at in chosen) and any(at is not None for at in found):
        # The found pieces leave no room for the others (a doubtful find): place the
        # others as if nothing were found, and the found ones where they were found.
        chosen = choose(bounds, durations, first, last, gap=gap)
    starts, lengths = [], []
    for at, hit in zip(chosen, found, strict=True):
        starts.append(hit if hit is not None else at[0] if at else last)
        lengths.append(at[1] if at else 0.0)
    return starts, lengths

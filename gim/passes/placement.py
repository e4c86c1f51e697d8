"""Piece placement: where each piece of a program sounds in a recording, and which piece
and moment each transcript line belongs to.

Pieces linked to files are found by their sound (`gim.audio.locate`). The others are
placed from what the reference shows between them (`gim.audio.boundaries`: silences,
dips, changes of sound) and the program's nominal durations, around the found ones. The
places become a `SessionClock`, and lines are linked through it
(`SessionClock.link`), as a stored session's lines are through its own clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gim.audio.files import SAMPLE_RATE, Audio, read_audio, resample
from gim.core.clock import SessionClock
from gim.core.playback import Action, PlaybackEvent, PlaybackLog
from gim.core.program import Program
from gim.core.session import Segment
from gim.errors import InputError


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


def silent_gaps(
    reference: Audio, min_gap: float = 0.5, level_db: float = -55.0
) -> list[tuple[float, float]]:
    """Stretches (seconds) of at least ``min_gap`` where the 16 kHz reference is silent."""
    hop = SAMPLE_RATE // 20
    n = len(reference) // hop
    if n == 0:
        return []
    frames = reference[: n * hop].reshape(n, hop).astype(np.float64)
    quiet = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20) < level_db
    gaps, start = [], None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * hop >= min_gap * SAMPLE_RATE:
                gaps.append((start * hop / SAMPLE_RATE, i * hop / SAMPLE_RATE))
            start = None
    return gaps


def piece_starts(
    program: Program,
    program_start: float = 0.0,
    gaps: list[tuple[float, float]] | None = None,
    tolerance: float = 3.0,
) -> list[float]:
    """Where each piece starts (seconds of audio), played through from ``program_start``.

    A silent gap found in the reference near a piece's nominal end moves the next piece
    to the end of that gap; otherwise the program's own gap is assumed.
    """
    starts, t = [], program_start
    for piece in program.pieces:
        starts.append(t)
        end = t + piece.duration
        near = [g for g in gaps or [] if abs(g[0] - end) <= tolerance and g[1] > end - tolerance]
        t = near[0][1] if near else end + program.gap
    return starts


def placed_clock(starts: list[float], lengths: list[float], lag: float = 0.0) -> SessionClock:
    """The session clock of a program played at ``starts`` for ``lengths`` (seconds).

    Args:
        starts: where each piece started in the reference (what was played).
        lengths: how long each piece played.
        lag: seconds by which the microphone hears the reference late.
    """
    events: list[PlaybackEvent] = []
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        if length <= 0:  # not played
            continue
        first = round(start * SAMPLE_RATE)
        events.append(PlaybackEvent(first, Action.PLAY, piece=i, offset=0))
        events.append(PlaybackEvent(first + round(length * SAMPLE_RATE), Action.END))
    events.sort(key=lambda e: (e.frame, e.action is Action.PLAY))
    return SessionClock(PlaybackLog(SAMPLE_RATE, events), [(0, lag * SAMPLE_RATE)])


def check_reference(reference: Audio, path: Path) -> None:
    """Refuse a reference in which no music can be found (before the long transcription).

    Raises:
        InputError: when the 16 kHz ``reference`` is silent throughout.
    """
    from gim.audio.boundaries import level_db, silence_threshold

    db = level_db(reference, SAMPLE_RATE)
    if not len(db) or float(db.max()) < silence_threshold(db) or float(db.max()) < -70.0:
        raise InputError(
            f"The reference {path} is silent, so the pieces cannot be placed: give the "
            "recording of what was played into the room, or leave out --program."
        )


def place_pieces(
    reference: Audio,
    program: Program,
    piece_files: list[Path | None] | None,
    program_start: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Where each piece starts in the 16 kHz ``reference`` (seconds), and its length.

    Linked pieces are found by their sound (`place`); the others from
    durations and the reference's transitions. A file that cannot be read counts as
    not linked.
    """

    files = piece_files or [None] * len(program.pieces)
    audio: list[Audio | None] = []
    durations: list[float] = []
    for piece, path in zip(program.pieces, files, strict=True):
        clip = None
        if path is not None:
            try:
                data, rate = read_audio(path, "piece's audio file")
                clip = resample(data, rate)
            except InputError:
                clip = None
        audio.append(clip)
        durations.append(len(clip) / SAMPLE_RATE if clip is not None else piece.duration)
    return place(
        reference, SAMPLE_RATE, audio, durations, program_start=program_start, gap=program.gap
    )


def link_to_program(
    segments: list[Segment],
    program: Program,
    reference: Audio | None,
    piece_files: list[Path | None] | None,
    program_start: float = 0.0,
    lag: float = 0.0,
) -> None:
    """Link each line of a recording made elsewhere to the program's pieces.

    Args:
        segments: the lines, in seconds of the recording.
        program: the program played.
        reference: what was played (16 kHz), or None: the pieces then follow each other
            from ``program_start`` as the program says.
        piece_files: each piece's audio file, where linked.
        program_start: seconds into the recording where the program started.
        lag: seconds by which the recording hears the reference late.
    """
    if reference is None:
        starts = piece_starts(program, program_start)
        placed_clock(starts, [p.duration for p in program.pieces]).link(segments)
        return
    # Placement works in reference (output) time; the program start is given in the
    # recording's: the clock of the measured lag converts it, as it links the lines.
    lags = SessionClock.lagging(SAMPLE_RATE, [(0, lag * SAMPLE_RATE)])
    played_from = lags.output_frame(program_start) / SAMPLE_RATE
    starts, lengths = place_pieces(reference, program, piece_files, played_from)
    placed_clock(starts, lengths, lag).link(segments)

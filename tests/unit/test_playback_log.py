"""The PlaybackLog maps session frames to (piece, offset) and back, through every action."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gim.core.playback import Action, PlaybackEvent, PlaybackLog, Position

RATE = 1000


def ev(frame: int, action: Action, piece: int | None = None, offset: int = 0) -> PlaybackEvent:
    return PlaybackEvent(frame, action, piece, offset)


def test_gapless_program_maps_each_piece() -> None:
    log = PlaybackLog(
        RATE, [ev(0, Action.PLAY, 0), ev(5000, Action.PLAY, 1), ev(9000, Action.STOP)]
    )
    assert log.position_at(0) == Position(0, 0)
    assert log.position_at(4999) == Position(0, 4999)
    assert log.position_at(5000) == Position(1, 0)
    assert log.position_at(8999) == Position(1, 3999)
    assert log.position_at(9000) is None
    assert log.frames_for(1, 10) == [5010]


def test_pause_stops_the_music_clock() -> None:
    log = PlaybackLog(
        RATE, [ev(0, Action.PLAY, 0), ev(1000, Action.PAUSE), ev(3000, Action.RESUME)]
    )
    assert log.position_at(999) == Position(0, 999)
    assert log.position_at(2000) is None
    assert log.position_at(3000) == Position(0, 1000)
    assert log.position_at(4500) == Position(0, 2500)


def test_seek_while_paused_resumes_at_new_place() -> None:
    log = PlaybackLog(
        RATE,
        [
            ev(0, Action.PLAY, 0),
            ev(100, Action.PAUSE),
            ev(200, Action.SEEK, 2, 50),
            ev(300, Action.RESUME),
        ],
    )
    assert log.position_at(250) is None
    assert log.position_at(310) == Position(2, 60)


def test_repeat_gives_several_frames_for_one_moment() -> None:
    log = PlaybackLog(RATE, [ev(0, Action.PLAY, 0), ev(500, Action.PLAY, 0), ev(900, Action.STOP)])
    assert log.frames_for(0, 100) == [100, 600]
    assert log.pieces_played() == [0]


def test_end_leaves_nothing_to_resume() -> None:
    log = PlaybackLog(RATE, [ev(0, Action.PLAY, 0), ev(100, Action.END), ev(200, Action.RESUME)])
    assert log.position_at(250) is None


def test_events_must_come_in_order() -> None:
    log = PlaybackLog(RATE, [ev(100, Action.PLAY, 0)])
    with pytest.raises(ValueError):
        log.append(ev(50, Action.PAUSE))
    with pytest.raises(ValueError):
        log.append(ev(200, Action.PLAY))


def test_events_round_trip_as_dicts() -> None:
    event = PlaybackEvent(10, Action.VOLUME, value=0.5)
    assert PlaybackEvent.from_dict(event.to_dict()) == event


actions = st.sampled_from(list(Action))


@st.composite
def logs(draw: st.DrawFn) -> PlaybackLog:
    log = PlaybackLog(RATE)
    frame = 0
    for _ in range(draw(st.integers(0, 25))):
        frame += draw(st.integers(0, 5000))
        action = draw(actions)
        piece = offset = None
        if action in (Action.PLAY, Action.SEEK):
            piece = draw(st.integers(0, 5))
            offset = draw(st.integers(0, 100_000))
        log.append(PlaybackEvent(frame, action, piece, offset or 0))
    return log


@given(logs(), st.integers(0, 200_000))
def test_round_trip_frame_to_position_and_back(log: PlaybackLog, frame: int) -> None:
    pos = log.position_at(frame)
    if pos is not None:
        assert frame in log.frames_for(pos.piece, pos.offset)


@given(logs(), st.integers(0, 200_000), st.integers(1, 1000))
def test_music_clock_runs_with_session_clock_inside_a_span(
    log: PlaybackLog, frame: int, step: int
) -> None:
    a, b = log.position_at(frame), log.position_at(frame + step)
    if a is not None and b is not None and a.piece == b.piece:
        spans_a = [s for s in log.spans() if s.contains(frame)]
        spans_b = [s for s in log.spans() if s.contains(frame + step)]
        if spans_a == spans_b:
            assert b.offset - a.offset == step


@given(logs())
def test_spans_are_ordered_and_disjoint(log: PlaybackLog) -> None:
    spans = log.spans()
    for first, second in itertools.pairwise(spans):
        assert first.end is not None
        assert first.start < first.end <= second.start


@given(logs(), st.integers(0, 200_000))
def test_nothing_plays_while_paused(log: PlaybackLog, frame: int) -> None:
    state = None
    for event in log.events:
        if event.frame > frame:
            break
        if event.action in (Action.PAUSE, Action.STOP, Action.END):
            state = "silent"
        elif event.action is Action.PLAY:
            state = "playing"
        elif event.action is Action.RESUME and state != "playing":
            state = "maybe"
    if state == "silent":
        assert log.position_at(frame) is None

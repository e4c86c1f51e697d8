"""The pure mapping from microphone frames to the music heard (gim.core.timeline)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gim.core.playback import Action, PlaybackEvent, PlaybackLog, Position
from gim.core.timeline import lag_at, music_at, music_at_seconds, output_frame

RATE = 1000


def one_piece(start: int = 0) -> PlaybackLog:
    return PlaybackLog(RATE, [PlaybackEvent(start, Action.PLAY, 0, 0)])


@given(st.integers(0, 10**7), st.floats(0, 5000))
def test_constant_lag_shifts_every_frame(mic: int, lag: float) -> None:
    assert abs(output_frame(mic, [(1000, lag)]) - (mic - lag)) < 1e-6


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.floats(-2000, 2000)), min_size=2, max_size=8),
    st.integers(0, 10**6),
)
def test_lag_between_points_stays_between_neighbours(
    raw: list[tuple[int, float]], frame: int
) -> None:
    points = sorted(dict(raw).items())
    if len(points) < 2 or not points[0][0] < frame < points[-1][0]:
        return
    before = max(p for p in points if p[0] <= frame)
    after = min(p for p in points if p[0] >= frame)
    lag = lag_at(frame, points)
    assert min(before[1], after[1]) - 1e-6 <= lag <= max(before[1], after[1]) + 1e-6


@given(st.floats(-1e-3, 1e-3), st.floats(0, 1000), st.integers(0, 10**7))
def test_linear_drift_is_followed_outside_the_points(
    slope: float, intercept: float, frame: int
) -> None:
    points = [(x, intercept + slope * x) for x in (10_000, 50_000, 90_000)]
    assert abs(lag_at(frame, points) - (intercept + slope * frame)) < 1e-3


@given(st.integers(0, 5000), st.integers(0, 500), st.integers(0, 50_000))
def test_mic_frame_maps_to_piece_offset(start: int, lag: int, mic: int) -> None:
    pos = music_at(one_piece(start), mic, [(0, float(lag))])
    if mic - lag < start:
        assert pos is None
    else:
        assert pos == Position(0, mic - lag - start)


@given(st.integers(0, 20_000), st.integers(0, 20_000))
def test_mapping_is_monotonic_within_a_piece(a: int, b: int) -> None:
    log = one_piece()
    pa, pb = music_at(log, a, [(0, 300.0)]), music_at(log, b, [(0, 300.0)])
    if pa and pb and a <= b:
        assert pa.offset <= pb.offset


def test_pause_maps_to_the_piece_heard_last() -> None:
    log = PlaybackLog(
        RATE,
        [
            PlaybackEvent(0, Action.PLAY, 0, 0),
            PlaybackEvent(2000, Action.PAUSE),
            PlaybackEvent(5000, Action.RESUME),
            PlaybackEvent(8000, Action.PLAY, 1, 0),
        ],
    )
    points = [(0, 100.0)]
    assert music_at(log, 3000, points) is None
    assert music_at_seconds(log, 3.0, points) == (0, 2.0)
    assert music_at_seconds(log, 5.6, points) == (0, 2.5)
    assert music_at_seconds(log, 8.1, points) == (1, 0.0)
    assert music_at_seconds(log, 0.05, points) is None

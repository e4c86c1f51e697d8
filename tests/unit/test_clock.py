"""The session clock (gim.core.clock): microphone time <-> the music heard, and m:ss."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from gim.core.clock import SessionClock, lag_at, median_lag, mmss
from gim.core.playback import Action, PlaybackEvent, PlaybackLog, Position
from gim.core.session import Segment

RATE = 1000


def one_piece(start: int = 0) -> PlaybackLog:
    return PlaybackLog(RATE, [PlaybackEvent(start, Action.PLAY, 0, 0)])


def paused() -> PlaybackLog:
    return PlaybackLog(
        RATE,
        [
            PlaybackEvent(0, Action.PLAY, 0, 0),
            PlaybackEvent(2000, Action.PAUSE),
            PlaybackEvent(5000, Action.RESUME),
            PlaybackEvent(8000, Action.PLAY, 1, 0),
        ],
    )


JITTER = 3.0
"""Frames a measurement may stray from the drift line (real ones stray by a frame or two)."""


@st.composite
def measured(draw: st.DrawFn, jitter: float = JITTER) -> list[tuple[int, float]]:
    """Lag points as measured: a drift line (clocks apart by up to 0.1 %) plus jitter."""
    slope = draw(st.floats(-1e-3, 1e-3))
    intercept = draw(st.floats(-2000, 2000))
    frames = draw(st.lists(st.integers(0, 2_000_000), max_size=8, unique=True))
    noise = st.floats(-jitter, jitter) if jitter else st.just(0.0)
    return sorted((f, intercept + slope * f + draw(noise)) for f in frames)


@given(st.integers(0, 10**7), st.floats(0, 5000))
def test_constant_lag_shifts_every_frame(mic: int, lag: float) -> None:
    clock = SessionClock(one_piece(), [(1000, lag)])
    assert abs(clock.output_frame(mic / RATE) - (mic - lag)) < 1e-6


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.floats(-2000, 2000)), min_size=2, max_size=8),
    st.integers(0, 10**6),
)
def test_delay_points_are_interpolated_between_neighbours(
    raw: list[tuple[int, float]], frame: int
) -> None:
    points = sorted(dict(raw).items())
    assume(len(points) >= 2 and points[0][0] < frame < points[-1][0])
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
def test_session_time_maps_to_piece_offset(start: int, lag: int, mic: int) -> None:
    found = SessionClock(one_piece(start), [(0, float(lag))]).music_at(mic / RATE)
    if mic - lag < start:
        assert found is None
    else:
        assert found == (0, (mic - lag - start) / RATE)


@given(measured(jitter=0), st.floats(0, 1500), st.floats(0, 1500))
def test_music_moves_forward_within_a_span(
    points: list[tuple[int, float]], a: float, b: float
) -> None:
    clock = SessionClock(one_piece(), points)
    fa, fb = clock.music_at(min(a, b)), clock.music_at(max(a, b))
    if fa and fb:
        assert fa[1] <= fb[1]


@given(measured(jitter=0), st.floats(0, 2_000_000))
def test_heard_at_inverts_output_frame(points: list[tuple[int, float]], frame: float) -> None:
    clock = SessionClock(one_piece(), points)
    assert abs(clock.output_frame(clock.heard_at(frame)) - frame) < 1e-3


@given(measured(), st.floats(0, 2_000_000))
def test_heard_at_inverts_within_the_jitter(points: list[tuple[int, float]], frame: float) -> None:
    # Past the first and last points the lag follows the fitted line, which may sit a
    # jitter away from the end points: the inverse is as good as the measurements.
    clock = SessionClock(one_piece(), points)
    assert abs(clock.output_frame(clock.heard_at(frame)) - frame) <= 2 * JITTER + 1e-3


@given(measured(), st.floats(3, 1500))
def test_round_trip_through_the_music(points: list[tuple[int, float]], seconds: float) -> None:
    clock = SessionClock(one_piece(), points)
    found = clock.music_at(seconds)
    assume(found is not None)
    assert found is not None
    back = clock.session_at(*found)
    assert back is not None
    assert abs(back - seconds) <= (2 * JITTER + 1) / RATE  # a whole frame, the jitter


def test_a_line_links_to_the_music_heard_as_it_starts_and_none_in_a_pause() -> None:
    clock = SessionClock(paused(), [(0, 100.0)])
    assert clock.music_at(3.0) is None
    assert clock.position_at(1.1) == Position(0, 1000)
    lines = [Segment(s, s + 1.0, "x") for s in (0.05, 1.1, 3.0, 5.6, 8.1)]
    clock.link(lines)
    linked = [(s.piece, s.piece_offset) for s in lines]
    assert linked == [
        (None, None),  # before the music
        (0, 1.0),
        (None, None),  # in the pause: no piece, never the one held (one rule for all)
        (0, 2.5),  # resumed: on from where it paused
        (1, 0.0),
    ]


@given(st.floats(0, 12), st.floats(0, 300))
def test_a_moment_heard_twice_after_a_pause_is_found_once(seconds: float, lag: float) -> None:
    clock = SessionClock(paused(), [(0, lag)])
    found = clock.music_at(seconds)
    if found is not None:
        assert len(clock.hearings(*found)) == 1


def test_a_repeat_is_heard_twice() -> None:
    log = PlaybackLog(
        RATE, [PlaybackEvent(0, Action.PLAY, 0, 0), PlaybackEvent(4000, Action.SEEK, 0, 0)]
    )
    clock = SessionClock(log, [(0, 250.0)])
    assert clock.hearings(0, 1.0) == [1.25, 5.25]
    assert clock.session_at(0, 1.0) == 1.25
    assert clock.session_at(3, 0.0) is None


@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 30)), max_size=5),
    st.floats(0, 1200),
    st.integers(0, 500),
)
def test_gaps_keep_session_time(raw: list[tuple[float, float]], seconds: float, lag: int) -> None:
    gaps = [(a, a + length) for a, length in raw]
    plain = SessionClock(one_piece(), [(0, float(lag))])
    gapped = SessionClock(one_piece(), [(0, float(lag))], gaps)
    # the recording keeps session time through a gap: the music is where it was
    assert gapped.music_at(seconds) == plain.music_at(seconds)
    assert gapped.in_gap(seconds) == any(a <= seconds < b for a, b in gaps)
    assert not plain.in_gap(seconds)


def test_median_lag() -> None:
    assert median_lag([]) == 0.0
    assert median_lag([(0, 3.0), (10, 1.0), (20, 2.0)]) == 2.0
    assert median_lag([(0, 1.0), (10, 2.0)]) == 1.5


@given(st.floats(0, 10**6))
def test_mmss_floors_like_a_clock(seconds: float) -> None:
    text = mmss(seconds)
    parts = [int(p) for p in text.split(":")]
    total = parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)
    assert total == int(seconds)
    assert all(0 <= p < 60 for p in parts[1:])


def test_mmss_examples() -> None:
    assert mmss(0) == "0:00"
    assert mmss(-3) == "0:00"
    assert mmss(75.9) == "1:15"
    assert mmss(3725) == "1:02:05"


def test_a_stretch_inside_a_gap_is_found_within_it() -> None:
    clock = SessionClock(PlaybackLog(RATE, []), [(0, 0.0)], [(10.0, 20.0)])
    assert clock.within_gap(11.0, 12.5)
    assert clock.within_gap(9.9, 20.2)  # a line's times are loose by a fraction of a second
    assert not clock.within_gap(9.0, 11.0)  # it began before the gap: it was recorded
    assert not clock.within_gap(19.0, 21.0)
    assert not SessionClock(PlaybackLog(RATE, [])).within_gap(11.0, 12.0)


def test_beyond_the_points_the_lag_follows_the_points_since_the_last_step() -> None:
    """The player's output slipped 0.3 s early in the session (a loaded machine): later
    moments keep the lag measured after the step, with that stretch's drift, instead of a
    line through the step that tilts further off the longer the session runs."""
    step = [(4_000, -384.0), *((f, -71.0 + 1e-5 * f) for f in range(9_000, 60_000, 5_000))]
    assert abs(lag_at(58_000, step) - (-71.0 + 1e-5 * 58_000)) < 1e-6
    assert abs(lag_at(70_000, step) - (-71.0 + 1e-5 * 70_000)) < 1e-6
    assert lag_at(1_000, step) == -384.0  # before the first point: the first stretch's lag


@given(measured(jitter=0.0), st.floats(0, 1500), st.floats(1, 500))
def test_the_lag_over_a_stretch_is_the_clock_s_lag_at_every_moment(
    points: list[tuple[int, float]], start: float, length: float
) -> None:
    """The music removal of a stretch and the links of its lines use one lag: at every
    moment of the stretch the span's lag is the clock's (a drift line, no step)."""
    assume(points)
    clock = SessionClock(one_piece(), points)
    span = clock.lag_span(start, start + length)
    assert span is not None
    for x in (0.0, length / 3, length / 2, length):
        assert abs(span.at(x) * RATE - clock.lag(start + x)) < 1e-6 * RATE + 1e-3
    assert span.least * RATE <= min(clock.lag(start), clock.lag(start + length)) + 1e-6


def test_a_step_inside_a_stretch_gives_one_lag_and_the_least() -> None:
    points = [(0, 100.0), (10_000, 100.0), (11_000, 400.0), (20_000, 400.0)]
    span = SessionClock(one_piece(), points).lag_span(0.0, 20.0)
    assert span is not None and span.drift == 0.0
    assert span.start == lag_at(10_000, points) / RATE
    assert span.least == 0.1


def test_no_measurement_gives_no_lag_span() -> None:
    assert SessionClock(one_piece()).lag_span(0.0, 10.0) is None

"""The session clock: microphone (session) time <-> the music heard then, and ``m:ss``.

Input and output run on separate streams and clocks. Both count frames from the session
start; the measured lag (microphone frame minus output frame of the same sound) is known at
a few points through the session. Between points the lag is interpolated; outside them it is
extended along the least-squares line through all points, which follows clock drift. The
PlaybackLog then says which piece, and where in it, was sounding at that output frame.

Every conversion between session seconds and a place in the music goes through
`SessionClock`; nothing else in gim does this arithmetic.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gim.core.playback import PlaybackLog, Position
from gim.core.session import Segment

DelayPoints = Sequence[tuple[int, float]]
"""Measured ``(mic frame, lag in frames)`` pairs, sorted by frame."""

Gaps = Sequence[tuple[float, float]]
"""``(start, end)`` session seconds the microphone did not record (kept as silence)."""


def mmss(seconds: float) -> str:
    """Session time or a length as a guide reads it: ``m:ss``, or ``h:mm:ss`` from an hour.

    Whole seconds are floored, as a clock shows them (59.9 s is still ``0:59``); negative
    times show as ``0:00``.
    """
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def median_lag(points: DelayPoints) -> float:
    """The median measured lag in frames (0 with no measurement): the one lag a session
    stores beside its points (sessions from before the points keep only it)."""
    return float(statistics.median(p[1] for p in points)) if points else 0.0


DRIFT = 1e-3
"""The most two sound cards' clocks drift apart (0.1 %); a lag that changes faster between
two points (by more than `JITTER` besides) stepped: the output slipped, a device reopened."""
JITTER = 16
"""Frames two measurements of the same lag may differ by (they differ by one or two)."""


def lag_at(frame: float, points: DelayPoints) -> float:
    """The lag in frames at microphone ``frame`` (0 with no measurement).

    Between points the lag is interpolated. Outside them it follows the least-squares line
    through the points on that side since the last step, which follows clock drift (a line
    through a step would tilt with it and carry the step's size far beyond the points).

    Args:
        frame: microphone frame.
        points: measured ``(mic frame, lag)`` pairs sorted by frame.
    """
    if not points:
        return 0.0
    if len(points) == 1:
        return float(points[0][1])
    first, last = points[0], points[-1]
    if first[0] < frame < last[0]:
        lo, hi = 0, len(points) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if points[mid][0] <= frame:
                lo = mid
            else:
                hi = mid
        (x0, y0), (x1, y1) = points[lo], points[hi]
        if x1 == x0:
            return float(y1)
        return float(y0 + (y1 - y0) * (frame - x0) / (x1 - x0))
    slope, intercept = _line(_steady(points, at_end=frame >= last[0]))
    return slope * frame + intercept


@dataclass(frozen=True)
class LagSpan:
    """The microphone's lag behind the player over one stretch of the recording, as the
    clock's points give it: what a pass aligns the reference with to remove the music."""

    start: float
    """The lag (seconds) at the stretch's first moment."""
    drift: float
    """How much the lag grows per second of the stretch (the two clocks' rate difference)."""
    least: float
    """The least lag (seconds) anywhere in the stretch: where a search for it must start."""

    def at(self, seconds: float) -> float:
        """The lag (seconds) ``seconds`` into the stretch."""
        return self.start + self.drift * seconds


def lag_span(points: DelayPoints, rate: int, start: float, end: float) -> LagSpan | None:
    """The lag over session seconds ``start``..``end`` from the measured ``points`` (frames
    at ``rate``); None with no measurement.

    The lag is the straight line between its values at the two ends (`lag_at`). A line
    steeper than `DRIFT` holds a step (the output slipped): one lag, the middle's, is
    then used, as a room fit over the stretch cannot follow a step either.
    """
    if not points:
        return None
    a, b = start * rate, end * rate
    first, last = lag_at(a, points), lag_at(b, points)
    inside = [lag for frame, lag in points if a <= frame <= b]
    least = min(first, last, *inside) / rate
    drift = (last - first) / (b - a) if b > a else 0.0
    if abs(last - first) > DRIFT * (b - a) + JITTER:  # a step, by `_steady`'s own rule
        return LagSpan(lag_at((a + b) / 2, points) / rate, 0.0, least)
    return LagSpan(first / rate, drift, least)


Lags = Sequence[tuple[float, float, "LagSpan | None"]]
"""Stretches of a recording, ``(start, end, lag)`` in session seconds, with one steady lag
each (`lag_stretches`)."""
MIN_STRETCH = 3.0
"""Seconds a stretch between two lag steps must last to be a stretch of its own."""


def lag_stretches(points: DelayPoints, rate: int, start: float, end: float) -> Lags:
    """Session seconds ``start``..``end`` cut where the lag stepped, each stretch with its
    own lag (`lag_span` between the steps).

    A step lies between the two measured points that place it (the aligner puts them
    where the microphone starts to match the new lag): the stretch after it starts at the
    first, its lag is taken from the second on. Stretches shorter than `MIN_STRETCH` are
    not cut off. One lag over a step fits neither side: after the output slipped (a loaded
    machine) the music after the step was not removed, and was heard as a voice.
    """
    cuts: list[tuple[float, float]] = []  # (where the stretch after starts, its lag from)
    last = start
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        before, after = x0 / rate, x1 / rate
        if abs(y1 - y0) <= DRIFT * abs(x1 - x0) + JITTER:
            continue
        if last + MIN_STRETCH <= before and after + MIN_STRETCH <= end:
            cuts.append((before, after))
            last = after
    edges = [start, *(c for c, _ in cuts), end]
    measured = [start, *(m for _, m in cuts)]
    return [
        (a, b, lag_span(points, rate, m, nxt))
        for (a, b), m, nxt in zip(
            itertools.pairwise(edges), measured, [*(c for c, _ in cuts), end], strict=True
        )
    ]


def _steady(points: DelayPoints, at_end: bool) -> DelayPoints:
    """The points at one end (``at_end``: the last ones) back to the nearest step."""
    ordered = list(reversed(points)) if at_end else list(points)
    kept = [ordered[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(ordered):
        if abs(y1 - y0) > DRIFT * abs(x1 - x0) + JITTER:
            break
        kept.append((x1, y1))
    return kept


def _line(points: DelayPoints) -> tuple[float, float]:
    """Least-squares slope and intercept through the points (flat if they share a frame)."""
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return 0.0, my
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return slope, my - slope * mx


class SessionClock:
    """Session seconds (microphone time) <-> output frames <-> (piece, seconds into it).

    **The linking rule.** A transcript line belongs to the piece that was sounding, as the
    microphone heard it, at the moment the line starts, at the place in the piece heard
    then (`music_at` of its start). A moment when nothing sounded (before the music, in
    a pause, between pieces, after the music) belongs to no piece. The link states what
    the client heard while speaking, a fact the recording can show, not a reading of it:
    holding the last piece through a pause would tie the return phase's talk to the last
    piece and give a line two links (live and final) for one moment; the layout already
    places a line in a pause after the piece before it by its time.

    The link is made once, by `link`, whenever a line is made or its start moves: the
    live pass as a line arrives (the points measured so far), the final and offline
    passes (the whole session's points), a line re-timed in ELAN. It is stored with the
    line, and everything that shows a line's piece shows the stored link (review, search,
    every export). Only moments that are not lines (the playhead, a note, a heading) ask
    `music_at` itself, under the same rule.

    Args:
        log: what was played, in output frames.
        points: measured ``(mic frame, lag)`` pairs sorted by frame; an old session that
            kept only one lag passes ``[(0, lag)]``.
        gaps: session seconds the microphone did not record. The recording keeps session
            time through a gap (it is silence), so gaps do not move the music; they are
            kept here so every caller asks one object.
    """

    def __init__(self, log: PlaybackLog, points: DelayPoints = (), gaps: Gaps = ()) -> None:
        self.log = log
        """What was played."""
        self.points: tuple[tuple[int, float], ...] = tuple(sorted(points))
        """The delay measurements, sorted by microphone frame."""
        self.gaps: tuple[tuple[float, float], ...] = tuple(sorted(gaps))
        """Stretches the microphone missed, in session seconds."""

    @classmethod
    def lagging(cls, rate: int, points: DelayPoints) -> SessionClock:
        """The clock of the measured lags alone, before any music is placed on it (the
        live aligner's, a pass's lag before it places the pieces)."""
        return cls(PlaybackLog(rate, []), points)

    @property
    def rate(self) -> int:
        """Frames per second of the session."""
        return self.log.rate

    def lag(self, seconds: float) -> float:
        """The microphone's lag behind the player at session ``seconds``, in frames."""
        return lag_at(seconds * self.rate, self.points)

    def lag_span(self, start: float, end: float) -> LagSpan | None:
        """The lag over session seconds ``start``..``end`` (`lag_span`)."""
        return lag_span(self.points, self.rate, start, end)

    def lag_stretches(self, start: float, end: float) -> Lags:
        """Seconds ``start``..``end`` cut where the lag stepped (`lag_stretches`)."""
        return lag_stretches(self.points, self.rate, start, end)

    def output_frame(self, seconds: float) -> float:
        """The output frame whose sound the microphone captured at session ``seconds``."""
        return self.played_for(seconds * self.rate)

    def played_for(self, mic_frame: float) -> float:
        """The output frame whose sound the microphone captured at ``mic_frame``."""
        return mic_frame - lag_at(mic_frame, self.points)

    def heard_at(self, frame: float) -> float:
        """Session seconds at which output ``frame`` was heard (`output_frame` inverted)."""
        # mic = frame + lag(mic): the lag changes far slower than time (drift ~1e-4), so
        # this fixed point is found in two or three steps.
        mic = frame + lag_at(frame, self.points)
        for _ in range(50):
            nxt = frame + lag_at(mic, self.points)
            if abs(nxt - mic) < 1e-7:
                mic = nxt
                break
            mic = nxt
        return mic / self.rate

    def position_at(self, seconds: float) -> Position | None:
        """The `Position` (frames) heard at session ``seconds``; see `music_at`."""
        return self.log.position_at(round(self.output_frame(seconds)))

    def music_at(self, seconds: float) -> tuple[int, float] | None:
        """``(piece, seconds into it)`` heard at session ``seconds``: None in silence, a
        pause, between pieces and after the music (the linking rule, class docstring)."""
        pos = self.position_at(seconds)
        return None if pos is None else (pos.piece, pos.offset / self.rate)

    def link(self, lines: Iterable[Segment]) -> None:
        """Set each line's piece and offset (to the millisecond) by the linking rule: the
        one function every pass, live or final, and every re-timing links lines with."""
        for line in lines:
            found = self.music_at(line.start)
            line.piece = found[0] if found else None
            line.piece_offset = round(found[1], 3) if found else None

    def hearings(self, piece: int, offset: float) -> list[float]:
        """Every session second at which ``offset`` seconds into ``piece`` was heard."""
        frames = self.log.frames_for(piece, round(offset * self.rate))
        return [self.heard_at(f) for f in frames]

    def session_at(self, piece: int, offset: float) -> float | None:
        """Session seconds at which ``offset`` seconds into ``piece`` was first heard."""
        found = self.hearings(piece, offset)
        return found[0] if found else None

    def in_gap(self, seconds: float) -> bool:
        """Whether the microphone was not recording at session ``seconds``."""
        return any(a <= seconds < b for a, b in self.gaps)

    def within_gap(self, start: float, end: float, slack: float = 0.25) -> bool:
        """Whether the stretch ``start``-``end`` lies inside one gap (``slack`` seconds
        over its edges allowed, as a line's times are that loose): nothing of it was
        recorded."""
        return any(a - slack <= start and end <= b + slack for a, b in self.gaps)

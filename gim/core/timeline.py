"""From a microphone frame to the music that was sounding when the microphone heard it.

Input and output run on separate streams and clocks. Both count frames from the session
start; the measured lag (microphone frame minus output frame of the same sound) is known at
a few points through the session. Between points the lag is interpolated; outside them it is
extended along the least-squares line through all points, which follows clock drift.
"""

from __future__ import annotations

from collections.abc import Sequence

from gim.core.playback import PlaybackLog, Position

DelayPoints = Sequence[tuple[int, float]]
"""Measured ``(mic frame, lag in frames)`` pairs, sorted by frame."""


def lag_at(frame: float, points: DelayPoints) -> float:
    """The lag in frames at microphone ``frame`` (0 with no measurement).

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
    slope, intercept = _line(points)
    return slope * frame + intercept


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


def output_frame(mic_frame: float, points: DelayPoints) -> float:
    """The output frame whose sound the microphone captured at ``mic_frame``."""
    return mic_frame - lag_at(mic_frame, points)


def music_at(log: PlaybackLog, mic_frame: float, points: DelayPoints) -> Position | None:
    """The piece and offset heard at microphone ``mic_frame``; None in silence or pause."""
    return log.position_at(round(output_frame(mic_frame, points)))


def music_at_seconds(
    log: PlaybackLog, seconds: float, points: DelayPoints
) -> tuple[int, float] | None:
    """`music_at` for session seconds of microphone time: ``(piece, seconds into piece)``.

    A line that starts in a pause or a gap belongs to the piece heard last before it.
    """
    out = round(output_frame(seconds * log.rate, points))
    pos = log.position_at(out) or log.last_position_before(out)
    if pos is None:
        return None
    return pos.piece, pos.offset / log.rate

"""The PlaybackLog: what music was actually played, and when.

Guides skip, repeat, pause and seek, so the plan (the program) is not the record. The log
holds every player action at the output frame it took effect; everything else (which piece
was sounding at a given moment, where a moment of a piece was heard) is a pure function of
it. Time is counted in frames at the session rate, never in wall-clock seconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """What the player did."""

    PLAY = "play"
    """Start playing ``piece`` from ``offset`` (program start, next, previous, skip)."""
    SEEK = "seek"
    """Move to ``piece``/``offset``; keeps playing if it was playing, stays paused if not."""
    PAUSE = "pause"
    """Stop the music clock, remembering the position."""
    RESUME = "resume"
    """Continue from the remembered position."""
    END = "end"
    """The piece played to its end and nothing follows yet (a gap, or the program ended)."""
    STOP = "stop"
    """The guide stopped the music (after any fade-out)."""
    VOLUME = "volume"
    """Output gain changed to ``value`` (0..1)."""
    FADE = "fade"
    """A fade-out of ``value`` seconds began."""
    DROPOUT = "dropout"
    """The output ran dry for ``value`` frames nobody asked for (a busy machine): silence
    was played, the music's position held over it and went on after. Never a pause."""


@dataclass(frozen=True)
class PlaybackEvent:
    """One player action at an output frame of the session."""

    frame: int
    """Session output frame at which the action took effect."""
    action: Action
    """What happened."""
    piece: int | None = None
    """Piece index in the program (PLAY and SEEK)."""
    offset: int = 0
    """Offset into the piece in frames (PLAY and SEEK)."""
    value: float | None = None
    """Gain for VOLUME, seconds for FADE, frames of silence for DROPOUT."""

    def to_dict(self) -> dict[str, object]:
        """A plain dict for storage and JSON."""
        return {
            "frame": self.frame,
            "action": str(self.action),
            "piece": self.piece,
            "offset": self.offset,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PlaybackEvent:
        """The inverse of `to_dict`."""
        piece = data.get("piece")
        value = data.get("value")
        return cls(
            frame=int(data["frame"]),  # type: ignore[call-overload]
            action=Action(str(data["action"])),
            piece=None if piece is None else int(piece),  # type: ignore[call-overload]
            offset=int(data.get("offset") or 0),  # type: ignore[call-overload]
            value=None if value is None else float(value),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class PieceSpan:
    """A stretch of session frames during which one piece played continuously."""

    start: int
    """First session frame of the stretch."""
    end: int | None
    """Session frame after the last one; None while still playing."""
    piece: int
    """Piece index."""
    offset: int
    """Piece offset (frames) at ``start``."""

    def contains(self, frame: int) -> bool:
        """Whether ``frame`` falls inside this stretch."""
        return self.start <= frame and (self.end is None or frame < self.end)

    @property
    def length(self) -> int | None:
        """Frames in the stretch, None while open."""
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True)
class Position:
    """A moment in the music: a piece and an offset into it."""

    piece: int
    """Piece index in the program."""
    offset: int
    """Frames from the start of the piece."""


class PlaybackLog:
    """The ordered player actions of one session, and the timeline they imply."""

    def __init__(self, rate: int, events: Iterable[PlaybackEvent] = ()) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        """Frames per second of the session."""
        self._events: list[PlaybackEvent] = []
        self._spans: list[PieceSpan] | None = None
        for event in events:
            self.append(event)

    @property
    def events(self) -> tuple[PlaybackEvent, ...]:
        """Every action in order."""
        return tuple(self._events)

    def __iter__(self) -> Iterator[PlaybackEvent]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def append(self, event: PlaybackEvent) -> None:
        """Add an action; actions must come in non-decreasing frame order."""
        if event.frame < 0:
            raise ValueError("frame must not be negative")
        if self._events and event.frame < self._events[-1].frame:
            raise ValueError("playback events must be appended in frame order")
        needs_place = event.action in (Action.PLAY, Action.SEEK)
        if needs_place and (event.piece is None or event.piece < 0 or event.offset < 0):
            raise ValueError(f"{event.action} needs a piece and a non-negative offset")
        self._events.append(event)
        self._spans = None

    def spans(self) -> list[PieceSpan]:
        """The stretches of continuous playing, in session order."""
        if self._spans is None:
            self._spans = list(_build_spans(self._events))
        return self._spans

    def position_at(self, frame: int) -> Position | None:
        """The piece and offset sounding at session ``frame``; None in silence or pause."""
        spans = self.spans()
        i = bisect.bisect_right([s.start for s in spans], frame) - 1
        if i < 0:
            return None
        span = spans[i]
        if not span.contains(frame):
            return None
        return Position(span.piece, span.offset + frame - span.start)

    def last_position_before(self, frame: int) -> Position | None:
        """The music position at ``frame``, or where it stood last before it (for headings)."""
        spans = [s for s in self.spans() if s.start <= frame]
        if not spans:
            return None
        span = spans[-1]
        end = frame if span.end is None else min(frame, span.end)
        return Position(span.piece, span.offset + max(0, end - span.start))

    def frames_for(self, piece: int, offset: int) -> list[int]:
        """Every session frame at which ``piece`` was at ``offset`` (repeats give several)."""
        found = []
        for span in self.spans():
            if span.piece != piece or offset < span.offset:
                continue
            frame = span.start + (offset - span.offset)
            if span.contains(frame):
                found.append(frame)
        return found

    def pieces_played(self) -> list[int]:
        """Piece indices in the order they were first heard."""
        seen: list[int] = []
        for span in self.spans():
            if span.piece not in seen:
                seen.append(span.piece)
        return seen

    def volume_at(self, frame: int) -> float:
        """The output gain set at ``frame`` (1.0 until changed)."""
        gain = 1.0
        for event in self._events:
            if event.frame > frame:
                break
            if event.action is Action.VOLUME and event.value is not None:
                gain = event.value
        return gain

    def seconds(self, frames: int) -> float:
        """Frames to seconds at the session rate."""
        return frames / self.rate

    def frames(self, seconds: float) -> int:
        """Seconds to the nearest frame at the session rate."""
        return round(seconds * self.rate)


def _build_spans(events: list[PlaybackEvent]) -> Iterator[PieceSpan]:
    """Walk the actions as a small state machine and yield the playing stretches."""
    playing: PieceSpan | None = None
    held: Position | None = None  # where a pause, stop or paused seek left the music

    def close(at: int) -> Iterator[PieceSpan]:
        nonlocal playing, held
        if playing is not None:
            if at > playing.start:
                yield PieceSpan(playing.start, at, playing.piece, playing.offset)
            held = Position(playing.piece, playing.offset + at - playing.start)
            playing = None

    for ev in events:
        if ev.action is Action.PLAY:
            yield from close(ev.frame)
            assert ev.piece is not None
            playing = PieceSpan(ev.frame, None, ev.piece, ev.offset)
        elif ev.action is Action.SEEK:
            assert ev.piece is not None
            if playing is not None:
                yield from close(ev.frame)
                playing = PieceSpan(ev.frame, None, ev.piece, ev.offset)
            else:
                held = Position(ev.piece, ev.offset)
        elif ev.action in (Action.PAUSE, Action.STOP):
            yield from close(ev.frame)
        elif ev.action is Action.END:
            yield from close(ev.frame)
            held = None
        elif ev.action is Action.RESUME and playing is None and held is not None:
            playing = PieceSpan(ev.frame, None, held.piece, held.offset)
        elif ev.action is Action.DROPOUT and playing is not None:
            yield from close(ev.frame)
            assert held is not None
            playing = PieceSpan(ev.frame + int(ev.value or 0), None, held.piece, held.offset)
    if playing is not None:
        yield playing

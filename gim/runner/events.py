"""What the session runner tells its user (the TUI, the headless command) as it runs.

Events arrive on background threads: a TUI turns each into a message with
``post_message``; never touch widgets from the callback itself. `LiveRunner` is what a
user drives (the real `SessionRunner`, or a stand-in in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from gim.core.session import Annotation, AnnotationKind, Consent, Phase, Segment


class RunnerEvent:
    """Base of everything `SessionRunner` reports through ``on_event``."""


@dataclass
class SegmentAdded(RunnerEvent):
    """A live transcript line was stored (linked to its piece and offset)."""

    segment: Segment


@dataclass
class PieceChanged(RunnerEvent):
    """The music moved to piece ``index`` (None: the music stopped or ended)."""

    index: int | None


@dataclass
class PhaseChanged(RunnerEvent):
    """The guide moved the session into ``phase`` at ``time`` session seconds."""

    phase: Phase
    time: float


@dataclass
class GuideWarning(RunnerEvent):
    """Something the guide should know (a device lost, the disk nearly full)."""

    text: str


@dataclass
class Finished(RunnerEvent):
    """The session ended and everything is saved."""

    session_id: str


@dataclass
class RunnerStatus:
    """A snapshot of a running session for meters and progress lines."""

    session_id: str
    elapsed: float
    """Session seconds (microphone clock, or the player's without a microphone)."""
    recorded: float
    """Seconds of microphone audio safely on disk."""
    piece: int | None
    """Index of the piece sounding (or last sounding)."""
    piece_offset: float
    """Seconds into that piece."""
    program_elapsed: float
    """Seconds of the program played through to this position."""
    program_remaining: float
    """Seconds of the program left after this position."""
    playing: bool
    paused: bool
    input_level: float
    """Microphone RMS in dBFS."""
    input_peak: float
    output_level: float
    """Output RMS in dBFS."""
    output_peak: float
    xruns: int
    """Input overflows plus output underruns so far."""
    disk_free: int
    """Bytes free where the session audio is written."""
    lag: float | None
    """Measured microphone lag in seconds (None until measured)."""
    warnings: list[str] = field(default_factory=list)
    """Warnings so far, oldest first."""
    mic_silent_since: float | None = None
    """Session seconds where the microphone stopped sending sound, while it sends none
    (stalled or lost: nothing is being recorded); None while it records."""


class Reporter:
    """Tells the runner's user what happens: events, and warnings kept in order.

    Args:
        on_event: receives each `RunnerEvent` (None: nobody listens).
    """

    def __init__(self, on_event: Callable[[RunnerEvent], None] | None) -> None:
        self.warnings: list[str] = []
        """Every warning so far, oldest first."""
        self._on_event = on_event

    def emit(self, event: RunnerEvent) -> None:
        """Hand ``event`` on (from whichever thread it happened in)."""
        if self._on_event is not None:
            self._on_event(event)

    def warn(self, text: str) -> None:
        """Keep ``text`` among the warnings and tell it as a `GuideWarning`."""
        self.warnings.append(text)
        self.emit(GuideWarning(text))


class Closable(Protocol):
    """Anything with a ``close()`` (the virtual room)."""

    def close(self) -> None:
        """Release it."""


class LiveRunner(Protocol):
    """A running session as its user drives it: `gim.runner.SessionRunner` satisfies this."""

    @property
    def consent(self) -> Consent:
        """What the client agreed may be recorded."""

    @property
    def music_started(self) -> bool:
        """Whether the guide has started the music (the induction is over)."""

    @property
    def room(self) -> Closable | None:
        """The virtual room, when the session plays into one instead of devices."""

    @property
    def elapsed(self) -> float:
        """Session seconds now (the microphone's clock, or the player's)."""

    def start(self) -> str:
        """Open the devices and start; the session id."""

    def stop(self, fade: float = ...) -> None:
        """Fade out, save everything, end (reports `Finished`)."""

    def status(self) -> RunnerStatus:
        """A snapshot for meters and clocks."""

    def done(self) -> bool:
        """Whether the session should end now (a stop was asked, or its set time passed)."""

    def pause(self) -> None:
        """Pause the music."""

    def resume(self) -> None:
        """Resume the music."""

    def next_piece(self) -> None:
        """Skip to the next piece."""

    def previous_piece(self) -> None:
        """Back to the previous piece."""

    def fade_out(self, seconds: float = ...) -> None:
        """Fade the music out."""

    def set_phase(self, phase: Phase) -> None:
        """Move the session into ``phase`` now."""

    def start_music(self) -> None:
        """Start the music (the guide's key), or play on after a pause or fade."""

    def mark(
        self,
        kind: AnnotationKind,
        text: str = ...,
        tags: tuple[str, ...] = ...,
        segment: Segment | None = ...,
        *,
        at: float | None = ...,
    ) -> Annotation:
        """Keep a guide's note at this moment, or on the line ``segment``."""


RunnerFactory = Callable[[Callable[[RunnerEvent], None]], LiveRunner]
"""Builds a runner given the callback it reports its events to."""

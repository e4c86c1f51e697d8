"""Everything known about one session, as one value: what review and exports work from."""

from __future__ import annotations

from dataclasses import dataclass, field

from gim.core.clock import SessionClock
from gim.core.playback import PlaybackLog
from gim.core.program import Program
from gim.core.session import Annotation, Segment, Session


@dataclass
class Attachment:
    """A file attached to a session, such as the mandala picture from the postlude."""

    kind: str
    """"mandala" or another kind of attachment."""
    path: str
    """File path inside the session folder."""
    title: str = ""
    description: str = ""
    id: int | None = None


@dataclass
class SessionRecord:
    """A session with its program as played, timeline, transcript and annotations."""

    session: Session
    program: Program | None
    """The program snapshot taken when the session ran (None if it could not be read)."""
    playback: PlaybackLog
    """What was actually played, in session output frames."""
    segments: list[Segment] = field(default_factory=list)
    """Transcript lines ordered by start time."""
    annotations: list[Annotation] = field(default_factory=list)
    """Markers, interventions, observations, tags and comments ordered by time."""
    attachments: list[Attachment] = field(default_factory=list)
    delay_frames: float = 0.0
    """Median measured lag of the microphone behind the player (mic frame - played frame)."""
    delay_points: list[tuple[int, float]] = field(default_factory=list)
    """Every lag measurement ``(mic frame, lag)``; empty for sessions that kept only the median."""

    @property
    def clock(self) -> SessionClock:
        """Session time <-> the music heard, from the log, the lag measurements and gaps."""
        points = self.delay_points or [(0, self.delay_frames)]
        return SessionClock(self.playback, points, self.session.gaps)

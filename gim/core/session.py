"""Sessions and what is written during them: segments, words, annotations, phases."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    """The phases of a Bonny-method session, in order."""

    PRELUDE = "prelude"
    INDUCTION = "induction"
    MUSIC = "music"
    RETURN = "return"
    POSTLUDE = "postlude"


class Status(StrEnum):
    """Where a session stands."""

    RECORDING = "recording"
    """In progress (or interrupted and not yet recovered)."""
    COMPLETE = "complete"
    """Ended normally."""
    RECOVERED = "recovered"
    """Interrupted (crash, power loss) and recovered from its journal."""


class Consent(StrEnum):
    """What the client agreed may be recorded."""

    NONE = "none"
    MUSIC = "music"
    """The music phase only."""
    SESSION = "session"
    """The whole session."""


class Speaker(StrEnum):
    """Who spoke a segment."""

    CLIENT = "client"
    GUIDE = "guide"


class LabelsMade(StrEnum):
    """How a session's speaker labels were made (said in the transcript's header); ``{guide}``
    is the guide's name (`labels_made`)."""

    ENROLLED = "the enrolled voice of {guide}"
    INDUCTION = "the induction's voice"
    CLUSTERS = "two voices told apart, no profile"
    ONE_VOICE = "one voice heard"
    CHANNELS = "two channels"
    CHANNELS_CHECKED = "two channels, checked against the enrolled voice of {guide}"
    NONE = "not labelled"


def labels_made(how: LabelsMade, guide: str = "") -> str:
    """The sentence a session keeps in `Session.speaker_labels` for ``how``."""
    return str(how).format(guide=guide.strip() or "the guide")


class Source(StrEnum):
    """Where a segment's text comes from; an edited line is never overwritten."""

    LIVE = "live"
    """Preview from the live pass during the music."""
    FINAL = "final"
    """The final pass over the whole recording."""
    EDITED = "edited"
    """Corrected by the guide."""


class AnnotationKind(StrEnum):
    """What a guide or supervisor adds to a session."""

    MARKER = "marker"
    """A moment marked during the session."""
    INTERVENTION = "intervention"
    """A guide intervention (``G: ...``)."""
    OBSERVATION = "observation"
    """A nonverbal observation (``[sighs]``)."""
    TAG = "tag"
    """An imagery tag on a moment or a line."""
    COMMENT = "comment"
    """A supervisor's (or the guide's own) comment."""


@dataclass
class Word:
    """One word with its timing, for karaoke-style review and exports."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass
class Segment:
    """One transcript line: what was said, when, by whom, and against which music."""

    start: float
    """Session seconds (microphone time) where the line starts."""
    end: float
    """Session seconds where it ends."""
    text: str
    speaker: Speaker = Speaker.CLIENT
    source: Source = Source.LIVE
    confidence: float | None = None
    """Mean word probability or similar, 0..1, when the engine gives one."""
    flagged: bool = False
    """Suspect (possible hallucination, lyrics, low confidence): the guide should review it."""
    flag_reason: str = ""
    piece: int | None = None
    """Index of the piece sounding at ``start``, None outside the music."""
    piece_offset: float | None = None
    """Seconds into that piece."""
    words: list[Word] = field(default_factory=list)
    speaker_confidence: float | None = None
    """How sure the voice label is, 0.5..1 (None: not labelled by voice, e.g. by channel)."""
    id: int | None = None
    session_id: str | None = None
    model: str = ""
    """The Whisper model that made the line ("" when not recorded: older sessions)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["speaker"] = str(self.speaker)
        data["source"] = str(self.source)
        return data


@dataclass
class Annotation:
    """A marker, intervention, observation, tag or comment at a moment of a session."""

    time: float
    """Session seconds."""
    kind: AnnotationKind
    text: str = ""
    tags: list[str] = field(default_factory=list)
    author: str = ""
    segment_id: int | None = None
    """The transcript line it belongs to, if any."""
    id: int | None = None
    session_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data


@dataclass
class PhaseChange:
    """The guide moved the session into ``phase`` at session second ``time``."""

    time: float
    phase: Phase


@dataclass
class Session:
    """One GIM session with one client."""

    id: str
    client: str
    """The code the guide chose for the client (never a real name by default)."""
    program: str
    """Program slug."""
    started_at: str
    """ISO 8601 local time."""
    status: Status = Status.RECORDING
    focus: str = ""
    consent: Consent = Consent.MUSIC
    guide: str = ""
    number: int | None = None
    """Session number in the client's series."""
    samplerate: int = 48000
    audio_seconds: float = 0.0
    ended_at: str | None = None
    program_snapshot: dict[str, Any] = field(default_factory=dict)
    """The program as it was when played (files change; the record must not)."""
    phases: list[PhaseChange] = field(default_factory=list)
    induction: str = ""
    postlude_notes: str = ""
    mandala_title: str = ""
    mandala_description: str = ""
    notes: str = ""
    """The guide's session note."""
    gaps: list[tuple[float, float]] = field(default_factory=list)
    """Stretches (session seconds) with no microphone audio (device lost)."""
    language: str = "en"
    """ISO code of the language the client speaks (Whisper's fixed language)."""
    speaker_labels: str = ""
    """How the lines' speakers were told apart (`labels_made`); empty: not said."""

"""The GIM transcript as guides write it, laid out from a `SessionRecord`.

A header (date, session number, client, focus, induction, program and any changes from
the plan, guide), a heading wherever the music changes, the client's lines, the guide's
``G:`` interventions, ``[observations]``, the guide's private notes (markers, tags,
comments), phase changes, and a footer (return, postlude notes, mandala). Everything is
ordered by session time (microphone seconds). The review screen and every transcript
export render these blocks; nothing here does I/O.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from gim.core.checking import unchecked
from gim.core.clock import mmss
from gim.core.languages import ENGLISH, language_name
from gim.core.playback import Action, PlaybackLog
from gim.core.program import Piece, Program
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind, Phase, Segment, Speaker


@dataclass
class Header:
    """The top of the transcript."""

    date: str
    """Date the session ran (YYYY-MM-DD)."""
    number: int | None
    """Session number in the client's series."""
    client: str
    """The client code."""
    focus: str
    """The focus or goal named in the prelude."""
    induction: str
    """The induction the guide used."""
    program: str
    """Program title (or slug when its snapshot is missing)."""
    changes: list[str]
    """How the music played differs from the plan, one plain sentence each."""
    guide: str
    """The guide's name or initials."""
    language: str = ""
    """The language's name when it is not English (English transcripts say nothing)."""
    speaker_labels: str = ""
    """How the lines' speakers were told apart (`gim.core.session.labels_made`)."""
    time: float = 0.0
    """Always 0: the header comes first."""


@dataclass
class PieceHeading:
    """The music changes here: a new piece (or a repeat) starts sounding."""

    time: float
    """Session seconds (microphone time) at which it was heard."""
    index: int
    """Piece index in the program."""
    piece: Piece | None
    """The piece (None when the program snapshot lacks it)."""
    offset: float = 0.0
    """Seconds into the piece where playing started (0 = from the beginning)."""
    repeat: bool = False
    """The piece had been heard before in this session."""

    @property
    def title(self) -> str:
        """Composer, work and movement (or "Piece n" when unknown)."""
        return self.piece.title if self.piece else f"Piece {self.index + 1}"

    @property
    def recording(self) -> str:
        """Performer / recording, empty when unknown."""
        return self.piece.performer if self.piece else ""


@dataclass
class ClientLine:
    """What the client said."""

    time: float
    """Session seconds where the line starts."""
    segment: Segment
    """The transcript line (text, end, flagged, words)."""

    @property
    def text(self) -> str:
        """The words."""
        return self.segment.text.strip()

    @property
    def flagged(self) -> bool:
        """Suspect line the guide should review (not once the guide edited or confirmed it)."""
        return unchecked(self.segment)


@dataclass
class Intervention:
    """A guide intervention, written ``G: ...``."""

    time: float
    """Session seconds."""
    text: str
    """What the guide said."""
    segment: Segment | None = None
    """The transcript line when the guide's microphone caught it."""


@dataclass
class Observation:
    """A nonverbal observation, written ``[sighs]``."""

    time: float
    """Session seconds."""
    text: str
    """What was observed."""


@dataclass
class Note:
    """A marker, tag or comment: the guide's (or supervisor's) private annotations."""

    time: float
    """Session seconds."""
    kind: AnnotationKind
    """MARKER, TAG or COMMENT."""
    text: str
    """The note ("" for a bare marker)."""
    tags: list[str] = field(default_factory=list)
    """Imagery tags."""
    author: str = ""
    """Who wrote it."""
    segment_id: int | None = None
    """The line it belongs to, if any."""


@dataclass
class PhaseHeading:
    """The session moved into another phase."""

    time: float
    """Session seconds."""
    phase: Phase
    """The phase entered."""


@dataclass
class GapNote:
    """The microphone recorded nothing here (it stalled, was suspended or unplugged)."""

    time: float
    """Session seconds where the gap starts."""
    end: float
    """Session seconds where recording resumed."""

    @property
    def text(self) -> str:
        """``recording gap 12:03–12:13``."""
        return f"recording gap {mmss(self.time)}–{mmss(self.end)}"


@dataclass
class MusicPause:
    """The music stopped for a while and then went on (a gap in the playback log)."""

    time: float
    """Session seconds (microphone time) at which the music stopped."""
    end: float
    """Session seconds at which it sounded again."""

    @property
    def text(self) -> str:
        """The pause as transcripts write it: ``music paused 12:03–12:13``."""
        return f"music paused {mmss(self.time)}–{mmss(self.end)}"


MUSIC_PAUSE_MIN = 1.0
"""Seconds without music between two stretches that count as a pause worth showing."""


@dataclass
class Footer:
    """The end of the transcript: return, postlude and mandala."""

    time: float
    """Session seconds of the return (or the end of the recording)."""
    return_time: float | None
    """When the return phase began, if marked."""
    postlude_notes: str
    """The guide's postlude notes."""
    mandala_title: str
    """Title the client gave the mandala."""
    mandala_description: str
    """Its description."""
    mandala_path: str | None = None
    """Path of the attached mandala picture, if any."""


Block = (
    Header
    | PieceHeading
    | ClientLine
    | Intervention
    | Observation
    | Note
    | PhaseHeading
    | MusicPause
    | GapNote
    | Footer
)
"""One element of the transcript layout."""


def place_of(record: SessionRecord, block: Block) -> tuple[int | None, float | None]:
    """The piece and offset ``block`` stands at: a transcript line's stored link (made by
    `SessionClock.link`; None for a line said in silence), a heading's own piece, else
    the music heard at its time (`SessionClock.music_at`, the same rule)."""
    segment = block.segment if isinstance(block, ClientLine | Intervention) else None
    if segment is not None:
        return segment.piece, segment.piece_offset
    if isinstance(block, PieceHeading):
        return block.index, block.offset
    found = record.clock.music_at(block.time)
    return (None, None) if found is None else found


PRIVATE_KINDS = (AnnotationKind.MARKER, AnnotationKind.TAG, AnnotationKind.COMMENT)
"""Annotation kinds that stay out of a client's copy."""

_ORDER = {
    PhaseHeading: 0,
    MusicPause: 1,
    GapNote: 1,
    PieceHeading: 2,
    Intervention: 3,
    ClientLine: 4,
    Observation: 5,
}


def transcript_blocks(record: SessionRecord, *, private: bool = True) -> list[Block]:
    """The transcript of ``record`` as ordered blocks: header, body by time, footer.

    Args:
        record: The whole session.
        private: Include markers, tags and comments (False for a client's copy).
    """
    session = record.session
    body: list[Block] = []
    body.extend(PhaseHeading(c.time, c.phase) for c in session.phases)
    body.extend(piece_headings(record))
    body.extend(music_pauses(record))
    body.extend(GapNote(start, end) for start, end in session.gaps)
    for segment in record.segments:
        if segment.speaker is Speaker.GUIDE:
            body.append(Intervention(segment.start, segment.text.strip(), segment))
        else:
            body.append(ClientLine(segment.start, segment))
    for note in record.annotations:
        if note.kind is AnnotationKind.INTERVENTION:
            body.append(Intervention(note.time, note.text.strip()))
        elif note.kind is AnnotationKind.OBSERVATION:
            body.append(Observation(note.time, note.text.strip()))
        elif private:
            body.append(
                Note(
                    note.time,
                    note.kind,
                    note.text.strip(),
                    list(note.tags),
                    note.author,
                    note.segment_id,
                )
            )
    body.sort(key=lambda b: (b.time, _ORDER.get(type(b), 6)))
    return [header(record), *body, footer(record)]


def header(record: SessionRecord) -> Header:
    """The transcript header of ``record``."""
    session = record.session
    program = record.program
    return Header(
        date=session.started_at[:10],
        number=session.number,
        client=session.client,
        focus=session.focus,
        induction=session.induction,
        program=program.title if program else session.program,
        changes=program_changes(program, record.playback) if program else [],
        guide=session.guide,
        language="" if session.language == ENGLISH else language_name(session.language),
        speaker_labels=session.speaker_labels,
    )


def footer(record: SessionRecord) -> Footer:
    """The transcript footer of ``record``."""
    session = record.session
    returns = [c.time for c in session.phases if c.phase is Phase.RETURN]
    mandala = next((a for a in record.attachments if a.kind == "mandala"), None)
    end = max(
        [session.audio_seconds, *(s.end for s in record.segments)]
        + [a.time for a in record.annotations]
    )
    return Footer(
        time=end,
        return_time=returns[0] if returns else None,
        postlude_notes=session.postlude_notes,
        mandala_title=session.mandala_title or (mandala.title if mandala else ""),
        mandala_description=session.mandala_description or (mandala.description if mandala else ""),
        mandala_path=mandala.path if mandala else None,
    )


def piece_headings(record: SessionRecord) -> list[PieceHeading]:
    """A heading wherever the sounding piece changes, at microphone time.

    A pause and resume of the same piece, or a seek within it, is not a change; a piece
    heard again after another one is a heading marked as a repeat.
    """
    log = record.playback
    clock = record.clock
    pieces = record.program.pieces if record.program else ()
    headings: list[PieceHeading] = []
    heard: set[int] = set()
    previous: int | None = None
    for span in log.spans():
        if span.piece == previous:
            continue
        time = clock.heard_at(span.start)
        piece = pieces[span.piece] if span.piece < len(pieces) else None
        headings.append(
            PieceHeading(
                max(0.0, time), span.piece, piece, span.offset / log.rate, span.piece in heard
            )
        )
        heard.add(span.piece)
        previous = span.piece
    return headings


def music_pauses(record: SessionRecord) -> list[MusicPause]:
    """Every stretch of at least `MUSIC_PAUSE_MIN` seconds between two stretches of music.

    Silence after the last stretch is the end of the music, not a pause.
    """
    log = record.playback
    clock = record.clock
    spans = log.spans()
    dropouts = {e.frame for e in log if e.action is Action.DROPOUT}  # nobody paused there
    pauses: list[MusicPause] = []
    for before, after in itertools.pairwise(spans):
        if before.end is None or (after.start - before.end) / log.rate < MUSIC_PAUSE_MIN:
            continue
        if before.end in dropouts:
            continue
        start = clock.heard_at(before.end)
        end = clock.heard_at(after.start)
        pauses.append(MusicPause(max(0.0, start), max(0.0, end)))
    return pauses


def program_changes(program: Program, log: PlaybackLog) -> list[str]:
    """How what was played differs from ``program``: skipped, repeated, reordered, shortened.

    Returns plain sentences such as ``"Skipped: Pärt, Da Pacem Domine"``; empty when the
    program played as planned (or nothing was played yet).
    """
    spans = log.spans()
    if not spans:
        return []
    names = [p.title for p in program.pieces]

    def name(i: int) -> str:
        return names[i] if i < len(names) else f"piece {i + 1}"

    runs: list[int] = []  # piece per run of consecutive spans
    played: dict[int, int] = {}
    for span in spans:
        if not runs or runs[-1] != span.piece:
            runs.append(span.piece)
        length = span.length if span.length is not None else 0
        played[span.piece] = played.get(span.piece, 0) + length
    changes: list[str] = []
    first = log.pieces_played()
    last_heard = max(first)
    skipped = [i for i in range(len(names)) if i not in played and i < last_heard]
    not_reached = [i for i in range(len(names)) if i not in played and i > last_heard]
    if skipped:
        changes.append("Skipped: " + "; ".join(name(i) for i in skipped))
    repeated = sorted({i for i in runs if runs.count(i) > 1})
    if repeated:
        changes.append("Repeated: " + "; ".join(name(i) for i in repeated))
    if first != sorted(first):
        changes.append("Played in the order: " + "; ".join(name(i) for i in first))
    open_ended = spans[-1].end is None
    short = [
        i
        for i, frames in played.items()
        if i < len(program.pieces)
        and frames < 0.9 * program.pieces[i].duration * log.rate
        and not (open_ended and i == spans[-1].piece)
    ]
    if short:
        changes.append("Shortened: " + "; ".join(name(i) for i in sorted(short)))
    if not_reached:
        changes.append("Not played: " + "; ".join(name(i) for i in not_reached))
    return changes

"""What goes to the people around a session: a supervision packet and a client copy."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

from gim.core.clock import mmss
from gim.core.deidentify import deidentify
from gim.core.layout import piece_headings, program_changes
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind
from gim.export import ExportOptions
from gim.export.series import session_note
from gim.export.transcript import html_document, markdown

EXCERPT_SECONDS = 15.0
"""Audio kept either side of a marked moment in a supervision packet."""


def program_as_played(record: SessionRecord) -> str:
    """The program as planned and as played (Markdown)."""
    program = record.program
    out = ["# The program as played", ""]
    if program is None:
        return "\n".join([*out, f"Program {record.session.program}: its snapshot is missing."])
    out += [f"**{program.title}** ({program.author})", "", "## Planned", ""]
    for i, piece in enumerate(program.pieces, 1):
        recording = f" — {piece.performer}" if piece.performer else ""
        out.append(f"{i}. {piece.title}{recording} ({mmss(piece.duration)})")
    out += ["", "## Played", ""]
    for h in piece_headings(record):
        extra = " (repeat)" if h.repeat else ""
        extra += f", from {mmss(h.offset)}" if h.offset >= 1 else ""
        out.append(f"- {mmss(h.time)} {h.title}{extra}")
    changes = program_changes(program, record.playback)
    out += ["", "## Changes", ""] + ([f"- {c}" for c in changes] or ["Played as planned."])
    return "\n".join(out) + "\n"


def marked_moments(record: SessionRecord) -> list[float]:
    """Session seconds of every MARKER annotation."""
    return [a.time for a in record.annotations if a.kind is AnnotationKind.MARKER]


def cut_excerpt(audio: Path, centre: float, around: float = EXCERPT_SECONDS) -> bytes:
    """WAV bytes of ``audio`` from ``centre - around`` to ``centre + around`` seconds."""
    import soundfile as sf

    with sf.SoundFile(str(audio)) as source:
        rate = source.samplerate
        start = max(0, int((centre - around) * rate))
        source.seek(min(start, source.frames))
        frames = source.read(max(0, int(2 * around * rate)), dtype="int16", always_2d=True)
    buffer = io.BytesIO()
    sf.write(buffer, frames, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def supervision_packet(
    record: SessionRecord,
    *,
    deidentified: bool = True,
    names: tuple[str, ...] = (),
    audio: Path | None = None,
    around: float = EXCERPT_SECONDS,
    mandala: bytes | None = None,
    mandala_name: str = "mandala.png",
) -> bytes:
    """One zip for a trainee's supervisor.

    Args:
        record: The session.
        deidentified: Replace the client code and ``names`` with neutral labels.
        names: Names to replace besides the client code.
        audio: The session's microphone recording; when given, excerpts of ``around``
            seconds either side of each marker go into ``excerpts/``.
        around: Seconds kept either side of a marker.
        mandala: The mandala picture, if any.
        mandala_name: Its file name in the packet.
    """
    shown = deidentify(record, names) if deidentified else record
    options = ExportOptions(private=True, mandala=mandala, title="GIM session: supervision")
    note = f"# Session note\n\n{session_note(shown)}\n"
    if shown.session.postlude_notes:
        note += f"\n## Postlude\n\n{shown.session.postlude_notes}\n"
    files: dict[str, bytes] = {
        "transcript.md": markdown(shown, options).encode(),
        "transcript.html": html_document(shown, options).encode(),
        "program.md": program_as_played(shown).encode(),
        "session-note.md": note.encode(),
    }
    if mandala:
        files[mandala_name] = mandala
    excerpts = []
    if audio is not None:
        for n, moment in enumerate(marked_moments(record), 1):
            name = f"excerpts/marker-{n:02d}-at-{mmss(moment).replace(':', '-')}.wav"
            files[name] = cut_excerpt(audio, moment, around)
            excerpts.append(name)
    readme = [
        "Supervision packet from gim.",
        "De-identified: the client code and listed names are replaced with neutral labels."
        if deidentified
        else "NOT de-identified: it names the client. Share it only with consent.",
        _excerpts_line(len(excerpts), around) if audio is not None else "Audio: left out.",
    ]
    files["README.txt"] = ("\n".join(readme) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _excerpts_line(count: int, around: float) -> str:
    """What the packet's README says about audio excerpts, including when there are none."""
    if count == 0:
        return NO_MARKERS
    return f"Audio excerpts: {count} (±{around:g} s around each marked moment)."


NO_MARKERS = (
    "No audio excerpts: the session has no marked moments (mark moments in review to add them)."
)
"""Said in the packet and on the terminal when excerpts were asked for but nothing is marked."""


def client_copy(
    record: SessionRecord,
    *,
    mandala: bytes | None = None,
    mandala_type: str = "image/png",
    observations: bool = False,
    flags: bool = False,
) -> dict[str, bytes]:
    """The client's copy: ``{"transcript.html", "transcript.md"}`` without private notes.

    The guide's observations ("[sighs]") and the flags asking the guide to check a line
    are the guide's working notes: they stay out unless ``observations`` includes them;
    ``flags`` marks the unchecked lines the guide chose to include.
    """
    options = ExportOptions(
        private=False,
        mandala=mandala,
        mandala_type=mandala_type,
        title="Your GIM session",
        flags=observations or flags,
    )
    shared = _SHARED if observations else (AnnotationKind.INTERVENTION,)
    plain = replace(record, annotations=[a for a in record.annotations if a.kind in shared])
    return {
        "transcript.html": html_document(plain, options).encode(),
        "transcript.md": markdown(plain, options).encode(),
    }


_SHARED = (AnnotationKind.INTERVENTION, AnnotationKind.OBSERVATION)

"""REFI-QDA project (.qdpx): the session for MAXQDA, ATLAS.ti, NVivo, QDA Miner, QualCoder.

A .qdpx is a zip of ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``, the
REFI-QDA Project schema) and ``sources/`` (the files the project's sources point at as
``internal://<guid>.<suffix>``). What goes in:

- the transcript as a text source, each line coded with the piece that was playing
  ("What was playing"), the session phase, the guide's tags and, for lines gim flagged,
  "To check";
- the guide's markers, tag notes and (supervisor) comments as memos attached to the line
  they were made on, and the session note as a project memo (all left out without
  private notes);
- the mandala picture as a picture source;
- each recording given (the microphone's as MP3, and on request the voice mixed with the
  music played: `gim.export.media`) as an audio source whose transcript is synced to it:
  a sync point at the start and end of every line.

GUIDs are derived from the session id and what they name, so exporting a session again
gives the same GUIDs (a QDA program can match them); a de-identified record has a
neutral id, so its GUIDs say nothing of the client.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field

from gim import __version__
from gim.core.layout import Note, piece_headings, transcript_blocks
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind, Phase
from gim.export import ExportOptions, Recording
from gim.export.qdpx_text import Document, TextLine, document, time_label
from gim.export.transcript import note_text

NS = "urn:QDA-XML:project:1.0"
"""The REFI-QDA project namespace."""
PLAYING = "What was playing"
"""Parent code of the pieces."""
PHASES = "Session phase"
"""Parent code of the phases."""
TAGS = "Tags"
"""Parent code of the guide's tags."""
TO_CHECK = "To check"
"""Code of the lines gim flagged for the guide to check."""
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gim.invalid/refi-qda")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass
class _Project:
    """What the XML is built from: GUIDs, codes by key, memos by line."""

    record: SessionRecord
    doc: Document
    codes: dict[str, str] = field(default_factory=dict)
    """Code GUID by key ("piece/2", "tag/body", ...)."""
    memos: dict[int, list[str]] = field(default_factory=dict)
    """Note GUIDs attached to the line starting at a text position."""
    project_memos: list[str] = field(default_factory=list)
    """Note GUIDs attached to the project as a whole."""

    def guid(self, key: str) -> str:
        """A GUID for ``key`` that is the same each time this session is exported."""
        return str(uuid.uuid5(_NAMESPACE, f"{self.record.session.id}/{key}"))


def qdpx_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The session as a .qdpx (zip) file."""
    project = _Project(record, document(record))
    root = ET.Element(
        _q("Project"),
        {
            "name": f"GIM session {record.session.id}",
            "origin": f"gim {__version__}",
            "creationDateTime": _when(record),
        },
    )
    _codebook(ET.SubElement(root, _q("CodeBook")), project, options)
    sources = ET.SubElement(root, _q("Sources"))
    notes = _notes(project, options)
    files = {f"{project.guid('transcript')}.txt": project.doc.text.encode("utf-8")}
    _text_source(sources, project)
    for n, recording in enumerate(options.recordings):
        files.update(_audio_source(sources, project, recording, n))
    if options.mandala is not None:
        files.update(_picture_source(sources, project, options))
    if len(notes):
        root.append(notes)
    ET.SubElement(root, _q("Description")).text = _description(record)
    for memo in project.project_memos:
        ET.SubElement(root, _q("NoteRef"), {"targetGUID": memo})
    ET.register_namespace("", NS)
    ET.indent(root)
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    return _zip(record, xml, files)


def _when(record: SessionRecord) -> str:
    started = record.session.started_at
    return started[:19] if "T" in started else "1970-01-01T00:00:00"


def _description(record: SessionRecord) -> str:
    program = record.program.title if record.program else record.session.program
    return f"Guided Imagery and Music session of {record.session.started_at[:10]}: {program}."


def _code(parent: ET.Element, guid: str, name: str, description: str = "") -> ET.Element:
    code = ET.SubElement(parent, _q("Code"), {"guid": guid, "name": name, "isCodable": "true"})
    if description:
        ET.SubElement(code, _q("Description")).text = description
    return code


def _codebook(book: ET.Element, project: _Project, options: ExportOptions) -> None:
    """Codes: pieces heard, phases, the guide's tags and "To check", each where used."""
    codes = ET.SubElement(book, _q("Codes"))
    record = project.record
    playing = _code(codes, project.guid("code/playing"), PLAYING, "The piece heard at the line.")
    seen: set[int] = set()
    for heading in piece_headings(record):
        if heading.index not in seen:
            seen.add(heading.index)
            key = f"piece/{heading.index}"
            project.codes[key] = project.guid(f"code/{key}")
            detail = f"Piece {heading.index + 1} of the program"
            detail += f"; recording: {heading.recording}" if heading.recording else ""
            _code(playing, project.codes[key], heading.title, detail + ".")
    phases = _code(codes, project.guid("code/phases"), PHASES, "The phase of the session.")
    for phase in dict.fromkeys(c.phase for c in record.session.phases):
        project.codes[f"phase/{phase}"] = project.guid(f"code/phase/{phase}")
        _code(phases, project.codes[f"phase/{phase}"], str(phase).capitalize())
    tags = _tags(record) if options.private else []
    if tags:
        parent = _code(codes, project.guid("code/tags"), TAGS, "The guide's imagery tags.")
        for tag in tags:
            project.codes[f"tag/{tag}"] = project.guid(f"code/tag/{tag}")
            _code(parent, project.codes[f"tag/{tag}"], tag)
    if any(line.flagged for line in project.doc.lines):
        project.codes["check"] = project.guid("code/check")
        _code(codes, project.codes["check"], TO_CHECK, "Lines gim flagged: possibly not said.")


def _tags(record: SessionRecord) -> list[str]:
    found = [t.strip() for a in record.annotations if a.kind is AnnotationKind.TAG for t in a.tags]
    return list(dict.fromkeys(t for t in found if t))


def _line_codes(project: _Project, line: TextLine) -> list[str]:
    """The code GUIDs of one line: piece, phase, tags, to check."""
    record = project.record
    keys = []
    if line.piece is not None:
        keys.append(f"piece/{line.piece}")
    phases = [c.phase for c in record.session.phases if c.time <= line.time]
    keys.append(f"phase/{phases[-1] if phases else Phase.PRELUDE}")
    for note in record.annotations:
        if (
            note.kind is AnnotationKind.TAG
            and project.doc.line_at(note.time, note.segment_id) == line
        ):
            keys += [f"tag/{t.strip()}" for t in note.tags]
    if line.flagged:
        keys.append("check")
    return list(dict.fromkeys(project.codes[k] for k in keys if k in project.codes))


def _notes(project: _Project, options: ExportOptions) -> ET.Element:
    """Memos: markers, tag notes and comments on their lines; the session note."""
    notes = ET.Element(_q("Notes"))
    if not options.private:
        return notes
    blocks = [b for b in transcript_blocks(project.record, private=True) if isinstance(b, Note)]
    for n, note in enumerate(blocks):
        if note.kind is AnnotationKind.TAG and not note.text:
            continue  # the tags are codes on the line already
        guid = project.guid(f"note/{n}")
        name = f"{_kind(note)} {time_label(note.time)}"
        _note(notes, guid, name, f"{note_text(note)} (at {time_label(note.time)})")
        line = project.doc.line_at(note.time, note.segment_id)
        if line is None:
            project.project_memos.append(guid)
        else:
            project.memos.setdefault(line.start, []).append(guid)
    if project.record.session.notes.strip():
        guid = project.guid("note/session")
        _note(notes, guid, "Session note", project.record.session.notes.strip())
        project.project_memos.append(guid)
    return notes


def _kind(note: Note) -> str:
    return {AnnotationKind.MARKER: "Marker", AnnotationKind.TAG: "Tag note"}.get(
        note.kind, "Comment"
    )


def _note(parent: ET.Element, guid: str, name: str, text: str) -> None:
    note = ET.SubElement(parent, _q("Note"), {"guid": guid, "name": name})
    ET.SubElement(note, _q("PlainTextContent")).text = text


def _text_source(sources: ET.Element, project: _Project) -> None:
    """The transcript as a text source with a coded selection per line."""
    guid = project.guid("transcript")
    source = ET.SubElement(
        sources,
        _q("TextSource"),
        {
            "guid": guid,
            "name": f"Transcript {project.record.session.id}",
            "plainTextPath": f"internal://{guid}.txt",
        },
    )
    for line in project.doc.lines:
        codes = _line_codes(project, line)
        memos = project.memos.get(line.start, [])
        if not codes and not memos:
            continue
        key = f"selection/{line.start}"
        selection = ET.SubElement(
            source,
            _q("PlainTextSelection"),
            {
                "guid": project.guid(key),
                "name": f"{time_label(line.time)} {line.style}",
                "startPosition": str(line.start),
                "endPosition": str(line.end),
            },
        )
        for n, code in enumerate(codes):
            coding = ET.SubElement(selection, _q("Coding"), {"guid": project.guid(f"{key}/{n}")})
            ET.SubElement(coding, _q("CodeRef"), {"targetGUID": code})
        for memo in memos:
            ET.SubElement(selection, _q("NoteRef"), {"targetGUID": memo})


def _audio_source(
    sources: ET.Element, project: _Project, recording: Recording, n: int
) -> dict[str, bytes]:
    """A recording as an audio source whose transcript is synced to it; its files."""
    guid = project.guid(f"audio/{n}")
    audio = ET.SubElement(
        sources,
        _q("AudioSource"),
        {"guid": guid, "name": recording.name, "path": f"internal://{guid}{recording.suffix}"},
    )
    tguid = project.guid(f"audio/{n}/transcript")
    transcript = ET.SubElement(
        audio,
        _q("Transcript"),
        {"guid": tguid, "name": "Transcript", "plainTextPath": f"internal://{tguid}.txt"},
    )
    spans = []
    for line in project.doc.lines:
        ends = []
        for which, time, position in (("a", line.time, line.start), ("b", line.until, line.end)):
            ends.append(project.guid(f"audio/{n}/sync/{line.start}/{which}"))
            attrs = {"guid": ends[-1], "timeStamp": str(_ms(time)), "position": str(position)}
            ET.SubElement(transcript, _q("SyncPoint"), attrs)
        spans.append((line, ends))
    for line, (first, last) in spans:
        attrs = {
            "guid": project.guid(f"audio/{n}/selection/{line.start}"),
            "name": time_label(line.time),
            "fromSyncPoint": first,
            "toSyncPoint": last,
        }
        ET.SubElement(transcript, _q("TranscriptSelection"), attrs)
    return {
        f"{guid}{recording.suffix}": recording.data,
        f"{tguid}.txt": project.doc.text.encode("utf-8"),
    }


_PICTURE_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


def _picture_source(
    sources: ET.Element, project: _Project, options: ExportOptions
) -> dict[str, bytes]:
    """The mandala as a picture source (its title and description as its description)."""
    assert options.mandala is not None
    suffix = _PICTURE_SUFFIX.get(options.mandala_type, ".png")
    guid = project.guid("mandala")
    session = project.record.session
    title = session.mandala_title or "Mandala"
    picture = ET.SubElement(
        sources,
        _q("PictureSource"),
        {"guid": guid, "name": f"Mandala: {title}", "path": f"internal://{guid}{suffix}"},
    )
    if session.mandala_description:
        ET.SubElement(picture, _q("Description")).text = session.mandala_description
    return {f"{guid}{suffix}": options.mandala}


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _zip(record: SessionRecord, xml: str, files: dict[str, bytes]) -> bytes:
    """project.qde and sources/ in a zip dated at the session (not at the export)."""
    stamp = _when(record)
    date_time = (
        int(stamp[:4]),
        int(stamp[5:7]),
        int(stamp[8:10]),
        int(stamp[11:13]),
        int(stamp[14:16]),
        int(stamp[17:19]),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        members = [("project.qde", xml.encode("utf-8"))]
        members += [(f"sources/{name}", data) for name, data in files.items()]
        for name, data in members:
            info = zipfile.ZipInfo(name, max(date_time, (1980, 1, 1, 0, 0, 0)))
            info.external_attr = 0o600 << 16
            packed = name.endswith(".txt") or name.endswith(".qde")
            info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
            archive.writestr(info, data)
    return buffer.getvalue()

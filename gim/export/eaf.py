"""ELAN (.eaf, EAF 3.0): tiers for speech, interventions, observations, pieces (and music
pauses), phases, the guide's markers, tags and comments, and the lines flagged for checking.

Linked to the session's microphone recording by a relative path, so ELAN opens the audio
beside the transcript when the export sits next to it (or the path is adjusted).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable

from gim.core.checking import unchecked
from gim.core.layout import (
    Intervention,
    Note,
    Observation,
    PhaseHeading,
    PieceHeading,
    music_pauses,
    transcript_blocks,
)
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind, Speaker
from gim.export import ExportOptions

TIERS = (
    "client speech",
    "guide speech",
    "interventions",
    "observations",
    "pieces",
    "phases",
    "markers",
    "tags",
    "comments",
    "flagged lines",
)
"""Tier ids, in the order ELAN shows them."""

POINT_MS = 1000
"""Length given to a moment (an intervention or observation) so ELAN can show it."""

Item = tuple[int, int, str, int | None]
"""(start ms, end ms, text, the transcript line's id on the speech tiers, else None)."""

SESSION_PROPERTY = "gim:session"
"""Header property naming the session the file was exported from (`gim import` checks it)."""
SPEECH_TIERS = ("client speech", "guide speech")
"""Tiers whose annotations are transcript lines."""


PRIVATE_TIERS = ("markers", "tags", "comments")
"""Tiers of the guide's private notes, left empty when they are not exported."""


def tier_items(record: SessionRecord, private: bool = True) -> dict[str, list[Item]]:
    """(start ms, end ms, text) per tier, sorted and without overlaps inside a tier.

    Args:
        record: The session.
        private: Fill the markers, tags and comments tiers.
    """
    tiers: dict[str, list[Item]] = {t: [] for t in TIERS}
    add = _adder(tiers)
    end_s = max(
        [record.session.audio_seconds, *(s.end for s in record.segments)]
        + [a.time for a in record.annotations]
    )
    for s in record.segments:
        tier = "guide speech" if s.speaker is Speaker.GUIDE else "client speech"
        tiers[tier].append((_ms(s.start), _ms(s.end), " ".join(s.text.split()), s.id))
        if unchecked(s):
            add("flagged lines", _ms(s.start), _ms(s.end), s.flag_reason or "check this line")
    blocks = transcript_blocks(record, private=False)
    phases = [b for b in blocks if isinstance(b, PhaseHeading)]
    for i, p in enumerate(phases):
        stop = phases[i + 1].time if i + 1 < len(phases) else end_s
        add("phases", _ms(p.time), _ms(stop), str(p.phase))
    for b in blocks:
        if isinstance(b, Intervention) and b.segment is None:
            add("interventions", _ms(b.time), _ms(b.time) + POINT_MS, b.text)
        elif isinstance(b, Observation):
            add("observations", _ms(b.time), _ms(b.time) + POINT_MS, b.text)
    if private:
        for note in transcript_blocks(record, private=True):
            if isinstance(note, Note):
                tier = _NOTE_TIERS[note.kind]
                text = _note_value(note)
                add(tier, _ms(note.time), _ms(note.time) + POINT_MS, text)
    titles = {h.index: h.title for h in blocks if isinstance(h, PieceHeading)}
    clock = record.clock
    for span in record.playback.spans():
        start = clock.heard_at(span.start)
        stop = end_s if span.end is None else clock.heard_at(span.end)
        title = titles.get(span.piece, f"Piece {span.piece + 1}")
        add("pieces", _ms(start), _ms(stop), title)
    for pause in music_pauses(record):
        add("pieces", _ms(pause.time), _ms(pause.end), "[music paused]")
    return {name: _tidy(items) for name, items in tiers.items()}


def _adder(tiers: dict[str, list[Item]]) -> Callable[[str, int, int, str], None]:
    def add(tier: str, start: int, end: int, text: str) -> None:
        tiers[tier].append((start, end, text, None))

    return add


def line_id(segment_id: int, start: int, end: int, text: str) -> str:
    """The annotation id of a transcript line: its id, then a check of its text and times.

    ``s12_abcdefghijkl``: line 12, six letters for the text as exported, six for its
    times. ELAN keeps annotation ids, so `gim import` knows which line an annotation was
    and whether its text or its boundaries were changed since the export.
    """
    return f"s{segment_id}_{fingerprint(text)}{fingerprint(f'{start}-{end}')}"


def fingerprint(text: str) -> str:
    """24 bits of a checksum as six letters (no digits: ELAN numbers new ids from digits)."""
    value = zlib.crc32(" ".join(text.split()).encode("utf-8")) & 0xFFFFFF
    return "".join(chr(ord("a") + (value >> shift & 15)) for shift in range(20, -1, -4))


_NOTE_TIERS = {
    AnnotationKind.MARKER: "markers",
    AnnotationKind.TAG: "tags",
    AnnotationKind.COMMENT: "comments",
}


def _note_value(note: Note) -> str:
    """A marker, tag or comment as an annotation value: author first, tags listed."""
    text = note.text
    if note.kind is AnnotationKind.TAG:
        text = ", ".join(note.tags) + (f" — {note.text}" if note.text else "")
    if note.author:
        text = f"{note.author}: {text}" if text else note.author
    return text or "marked"


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _tidy(items: list[Item]) -> list[Item]:
    """Sort, cut each annotation at the next one's start, drop what becomes empty."""
    items = sorted(items, key=lambda item: item[:3])
    out: list[Item] = []
    for i, (start, end, text, ref) in enumerate(items):
        if out:
            start = max(start, out[-1][1])
        if i + 1 < len(items):
            end = min(end, max(items[i + 1][0], start + 1))
        if end > start:
            out.append((start, end, text, ref))
    return out


def eaf(record: SessionRecord, options: ExportOptions) -> str:
    """The record as EAF 3.0 XML."""
    root = ET.Element(
        "ANNOTATION_DOCUMENT",
        {
            "AUTHOR": "",
            "DATE": _date(record.session.started_at),
            "FORMAT": "3.0",
            "VERSION": "3.0",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
        },
    )
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    if options.media:
        attrs = {"MEDIA_URL": options.media_url or options.media, "MIME_TYPE": _mime(options.media)}
        attrs["RELATIVE_MEDIA_URL"] = (
            options.media if options.media.startswith((".", "/")) else "./" + options.media
        )
        ET.SubElement(header, "MEDIA_DESCRIPTOR", attrs)
    tiers = tier_items(record, private=options.private)
    count = sum(len(v) for v in tiers.values())
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(count)
    ET.SubElement(header, "PROPERTY", {"NAME": SESSION_PROPERTY}).text = record.session.id
    order = ET.SubElement(root, "TIME_ORDER")
    # Each annotation has time slots of its own, as ELAN writes independent tiers: a
    # boundary dragged in ELAN moves that annotation only, never another tier's.
    slots: list[tuple[int, int]] = []
    n = 0
    for name in TIERS:
        tier = ET.SubElement(root, "TIER", {"LINGUISTIC_TYPE_REF": "default-lt", "TIER_ID": name})
        for start, end, text, ref in tiers[name]:
            n += 1
            ann = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION")
            ann.set("ANNOTATION_ID", f"g{n}" if ref is None else line_id(ref, start, end, text))
            slots += [(start, len(slots) + 1), (end, len(slots) + 2)]
            ann.set("TIME_SLOT_REF1", f"ts{slots[-2][1]}")
            ann.set("TIME_SLOT_REF2", f"ts{slots[-1][1]}")
            ET.SubElement(ann, "ANNOTATION_VALUE").text = text
    for value, number in sorted(slots):
        ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{number}", "TIME_VALUE": str(value)})
    ET.SubElement(
        root,
        "LINGUISTIC_TYPE",
        {
            "GRAPHIC_REFERENCES": "false",
            "LINGUISTIC_TYPE_ID": "default-lt",
            "TIME_ALIGNABLE": "true",
        },
    )
    for stereotype, description in _CONSTRAINTS:
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_CONSTRAINTS = (
    (
        "Time_Subdivision",
        "Time subdivision of parent annotation's time interval, "
        "no time gaps allowed within this interval",
    ),
    (
        "Symbolic_Subdivision",
        "Symbolic subdivision of a parent annotation. "
        "Annotations refering to the same parent are ordered",
    ),
    ("Symbolic_Association", "1-1 association with a parent annotation"),
    (
        "Included_In",
        "Time alignable annotations within the parent annotation's time interval, gaps are allowed",
    ),
)


def _date(started_at: str) -> str:
    """EAF wants an xsd:dateTime; sessions store ISO local time."""
    return started_at if "T" in started_at else "1970-01-01T00:00:00"


def _mime(path: str) -> str:
    return {"flac": "audio/flac", "ogg": "audio/ogg", "mp3": "audio/mpeg"}.get(
        path.rsplit(".", 1)[-1].lower(), "audio/x-wav"
    )


def eaf_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The EAF file as UTF-8."""
    return eaf(record, options).encode("utf-8")

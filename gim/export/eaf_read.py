"""Reading back an ELAN file gim exported: what a researcher changed, as gim edits.

gim's EAF export names its session (a header property) and gives every transcript line an
annotation id that carries the line's id and a check of its text and times as exported
(`gim.export.eaf.line_id`); ELAN keeps annotation ids when it saves. So a line's text
corrected or its boundaries moved in ELAN is told apart from what changed in gim since
the export, and a line gim changed meanwhile is never undone by an old copy. New
annotations on gim's tiers become lines or notes; annotations on tiers the researcher
made become comments named after their tier. Nothing is deleted: a line taken out in
ELAN stays in gim (the summary says how many). Pure: bytes and a record in, changes out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlparse

from gim.core.checking import unchecked
from gim.core.deidentify import neutral_id
from gim.core.record import SessionRecord
from gim.core.session import Annotation, AnnotationKind, Segment, Source, Speaker
from gim.errors import InputError
from gim.export.eaf import SESSION_PROPERTY, SPEECH_TIERS, fingerprint, tier_items

NOTE_TIERS = {
    "interventions": AnnotationKind.INTERVENTION,
    "observations": AnnotationKind.OBSERVATION,
    "markers": AnnotationKind.MARKER,
    "tags": AnnotationKind.TAG,
    "comments": AnnotationKind.COMMENT,
}
"""gim's tiers whose new annotations become notes of that kind."""
_LINE_ID = re.compile(r"s(\d+)_([a-p]{6})([a-p]{6})")
_GIM_ID = re.compile(r"g\d+")


@dataclass(frozen=True)
class EafAnnotation:
    """One time-aligned annotation of the file (milliseconds)."""

    tier: str
    id: str
    start: int
    end: int
    value: str
    author: str = ""
    """The tier's annotator or participant, when the researcher named one."""


@dataclass(frozen=True)
class EafFile:
    """What `gim import` needs from an EAF file."""

    session: str | None
    """The session gim exported it from (None when the property is missing)."""
    media: tuple[str, ...]
    """Each linked media file's URL (the relative one when given)."""
    annotations: tuple[EafAnnotation, ...]


def read_eaf(data: bytes, name: str) -> EafFile:
    """The session, media and annotations of an EAF file.

    Raises:
        InputError: when ``data`` is not an ELAN annotation document.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{name} is not an ELAN file gim can read ({exc}).") from exc
    if root.tag != "ANNOTATION_DOCUMENT":
        raise InputError(f"{name} is not an ELAN annotation file (.eaf).")
    props = {p.get("NAME"): (p.text or "").strip() for p in root.iterfind("HEADER/PROPERTY")}
    media = tuple(
        m.get("RELATIVE_MEDIA_URL") or m.get("MEDIA_URL") or ""
        for m in root.iterfind("HEADER/MEDIA_DESCRIPTOR")
    )
    slots = {
        s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", ""))
        for s in root.iterfind("TIME_ORDER/TIME_SLOT")
        if (s.get("TIME_VALUE") or "").isdigit()
    }
    return EafFile(props.get(SESSION_PROPERTY) or None, media, tuple(_annotations(root, slots)))


def _annotations(root: ET.Element, slots: dict[str | None, int]) -> list[EafAnnotation]:
    """Aligned annotations with their times; a reference annotation takes its parent's."""
    found: dict[str, EafAnnotation] = {}
    refs: list[tuple[str, str, str, str, str]] = []
    for tier in root.iterfind("TIER"):
        name = tier.get("TIER_ID", "")
        author = tier.get("ANNOTATOR") or tier.get("PARTICIPANT") or ""
        for ann in tier.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"):
            start, end = slots.get(ann.get("TIME_SLOT_REF1")), slots.get(ann.get("TIME_SLOT_REF2"))
            aid = ann.get("ANNOTATION_ID", "")
            if start is not None and end is not None:
                value = ann.findtext("ANNOTATION_VALUE") or ""
                found[aid] = EafAnnotation(name, aid, start, end, value, author)
        for ann in tier.iterfind("ANNOTATION/REF_ANNOTATION"):
            value = ann.findtext("ANNOTATION_VALUE") or ""
            refs.append(
                (name, ann.get("ANNOTATION_ID", ""), ann.get("ANNOTATION_REF", ""), value, author)
            )
    for _ in range(8):  # dependent tiers nest a few levels at most
        for name, aid, parent, value, author in refs:
            if aid not in found and parent in found:
                p = found[parent]
                found[aid] = EafAnnotation(name, aid, p.start, p.end, value, author)
    return sorted(found.values(), key=lambda a: (a.start, a.end, a.tier))


def check_identity(eaf: EafFile, session_id: str, name: str) -> None:
    """Refuse (one sentence) a file of another session, de-identified, or linked elsewhere.

    Raises:
        InputError: when the file cannot be this session's.
    """
    folders = [_session_folder(m) for m in eaf.media]
    named = eaf.session or next((f for f in folders if f), None)
    if named is None:
        raise InputError(
            f"{name} names no gim session: import an EAF made by gim export {session_id} -f eaf."
        )
    if named != session_id:
        if named == neutral_id(session_id):
            raise InputError(
                f"{name} is a de-identified export, whose pseudonyms would replace the client's "
                f"words: import an EAF made by gim export {session_id} -f eaf."
            )
        raise InputError(f"{name} is from session {named}, not {session_id}: import it there.")
    for media, folder in zip(eaf.media, folders, strict=True):
        stem = _path(media).rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if (folder and folder != session_id) or stem != "mic":
            raise InputError(
                f"{name} is linked to {media}, not to this session's recording (mic.flac): "
                "link the session's recording in ELAN and save again."
            )


def media_paths(eaf: EafFile) -> list[str]:
    """The linked media as file paths (relative ones as written), for checks on disk."""
    return [_path(m) for m in eaf.media if m]


def _path(url: str) -> str:
    return unquote(urlparse(url).path) if url.startswith("file:") else url


def _session_folder(url: str) -> str | None:
    parts = _path(url).split("/")
    for i, part in enumerate(parts[:-2]):
        if part == "sessions":
            return parts[i + 1]
    return None


@dataclass
class Changes:
    """What a researcher changed in ELAN, as gim will store it."""

    revised: list[Segment] = field(default_factory=list)
    """Lines as they become (text, boundaries, speaker), each to be stored as an edit."""
    corrected: int = 0
    moved: int = 0
    speakers: int = 0
    lines: list[Segment] = field(default_factory=list)
    """New transcript lines (source edited)."""
    notes: list[Annotation] = field(default_factory=list)
    """New notes: on gim's tiers by kind, on the researcher's tiers as comments."""
    kept: int = 0
    """Lines of the session that are not in the file (taken out in ELAN): kept."""
    stale: int = 0
    """Lines changed in ELAN that a newer pass has replaced in gim: not imported."""

    def summary(self) -> str:
        """One sentence: ``3 lines corrected, 1 boundary moved, 2 annotations added.``"""
        parts = [
            _count(self.corrected, "line corrected", "lines corrected"),
            _count(self.moved, "boundary moved", "boundaries moved"),
            _count(self.speakers, "speaker changed", "speakers changed"),
            _count(len(self.lines), "line added", "lines added"),
            _count(len(self.notes), "annotation added", "annotations added"),
        ]
        said = ", ".join(p for p in parts if p) or "Nothing changed"
        if self.kept:
            said += "; " + _count(self.kept, "line", "lines") + " not in the file kept"
        if self.stale:
            said += "; " + _count(self.stale, "change", "changes")
            said += " to lines a newer transcription replaced left out"
        return said[0].upper() + said[1:] + "."


def _count(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else many}"


def changes(record: SessionRecord, eaf: EafFile) -> Changes:
    """What ``eaf`` changes in ``record`` (see the module's description)."""
    found = Changes()
    segments = {s.id: s for s in record.segments if s.id is not None}
    seen: set[int] = set()
    existing = {_key(a) for a in record.annotations}
    exported = {  # what gim's export holds now: an older file may lack gim's ids
        (tier, start, end, text)
        for tier, items in tier_items(record).items()
        for start, end, text, _ in items
    }
    for ann in eaf.annotations:
        text = " ".join(ann.value.split())
        if ann.tier in SPEECH_TIERS:
            _speech(record, ann, segments, seen, found)
        elif text and not _GIM_ID.fullmatch(ann.id):
            note = _note(ann)
            if (ann.tier, ann.start, ann.end, text) not in exported and _key(note) not in existing:
                existing.add(_key(note))
                found.notes.append(note)
    if seen:
        # Unchecked lines are left out of an export unless asked for: missing, they were
        # not taken out in ELAN.
        to_check = {i for i, s in segments.items() if unchecked(s)}
        in_file = set(segments) if seen & to_check else set(segments) - to_check
        found.kept = len(in_file - seen)
    return found


def _speech(
    record: SessionRecord,
    ann: EafAnnotation,
    segments: dict[int, Segment],
    seen: set[int],
    found: Changes,
) -> None:
    """One annotation of a speech tier: a line changed, unchanged, or new."""
    speaker = Speaker.GUIDE if ann.tier == "guide speech" else Speaker.CLIENT
    text = " ".join(ann.value.split())
    mark = _LINE_ID.fullmatch(ann.id)
    if mark is None:
        same = [
            s
            for s in record.segments
            if (s.speaker, _ms(s.start), _ms(s.end), " ".join(s.text.split()))
            == (speaker, ann.start, ann.end, text)
        ]
        if not same and text:
            found.lines.append(_placed(record, Segment(0, 0, text, speaker, Source.EDITED), ann))
        return
    seen.add(int(mark.group(1)))
    wrote = fingerprint(text) != mark.group(2)
    shifted = fingerprint(f"{ann.start}-{ann.end}") != mark.group(3)
    line = segments.get(int(mark.group(1)))
    if line is None:
        found.stale += int(wrote or shifted)
        return
    corrected = wrote and bool(text) and text != " ".join(line.text.split())
    moved = shifted and (ann.start, ann.end) != (_ms(line.start), _ms(line.end))
    revised = replace(line, speaker=speaker, source=Source.EDITED, words=list(line.words))
    if corrected:
        revised = replace(revised, text=text, flagged=False)
    if moved:
        revised = _placed(record, revised, ann)
    if corrected or moved or speaker != line.speaker:
        found.revised.append(revised)
        found.corrected += int(corrected)
        found.moved += int(moved)
        found.speakers += int(speaker != line.speaker)


def _placed(record: SessionRecord, line: Segment, ann: EafAnnotation) -> Segment:
    """``line`` at the annotation's times, linked to the music heard where it starts."""
    start, end = ann.start / 1000, ann.end / 1000
    if line.id is not None and ann.start == _ms(line.start):
        return replace(line, end=end)  # only its end moved: its link stands
    moved = replace(line, start=start, end=end)
    record.clock.link([moved])
    return moved


def _note(ann: EafAnnotation) -> Annotation:
    """A new annotation: a note of its tier's kind, or a comment named after its tier."""
    kind = NOTE_TIERS.get(ann.tier)
    text = " ".join(ann.value.split())
    if kind is AnnotationKind.TAG:
        return Annotation(
            ann.start / 1000, kind, "", [t.strip() for t in text.split(",") if t.strip()]
        )
    if kind is None:
        return Annotation(
            ann.start / 1000, AnnotationKind.COMMENT, f"{ann.tier}: {text}", author=ann.author
        )
    return Annotation(ann.start / 1000, kind, text, author=ann.author)


def _key(note: Annotation) -> tuple[AnnotationKind, int, str]:
    """What makes two notes the same: kind, moment and words (tags for a tag)."""
    text = ", ".join(note.tags) if note.kind is AnnotationKind.TAG else note.text
    return note.kind, _ms(note.time), " ".join(text.split())


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))

"""Conversions between database rows and the core models (no SQL here)."""

from __future__ import annotations

import json
from typing import Any

from gim.core.record import Attachment
from gim.core.session import (
    Annotation,
    AnnotationKind,
    Consent,
    Phase,
    PhaseChange,
    Segment,
    Session,
    Source,
    Speaker,
    Status,
    Word,
)

SESSION_COLUMNS = (
    "id",
    "client",
    "number",
    "program",
    "program_snapshot",
    "focus",
    "consent",
    "status",
    "started_at",
    "ended_at",
    "samplerate",
    "audio_seconds",
    "phases",
    "gaps",
    "induction",
    "postlude_notes",
    "mandala_title",
    "mandala_description",
    "notes",
    "guide",
    "language",
    "speaker_labels",
)
"""Session fields stored as columns of the same name."""


def session_value(name: str, value: Any) -> Any:
    """One Session field as the database stores it (enums as text, lists as JSON)."""
    if name == "program_snapshot":
        return json.dumps(value, ensure_ascii=False)
    if name == "phases":
        return json.dumps([{"time": p.time, "phase": str(p.phase)} for p in value])
    if name == "gaps":
        return json.dumps([[float(a), float(b)] for a, b in value])
    if name == "delay_points":
        return json.dumps([[int(frame), float(lag)] for frame, lag in value])
    if name in ("consent", "status"):
        return str(value)
    return value


def session_row(session: Session) -> dict[str, Any]:
    """A sessions row for ``session``."""
    return {name: session_value(name, getattr(session, name)) for name in SESSION_COLUMNS}


def session_from_row(row: dict[str, Any]) -> Session:
    """The Session a sessions row holds."""
    return Session(
        id=row["id"],
        client=row["client"],
        program=row["program"],
        started_at=row["started_at"],
        status=Status(row["status"]),
        focus=row["focus"],
        consent=Consent(row["consent"]),
        guide=row["guide"],
        number=row["number"],
        samplerate=row["samplerate"],
        audio_seconds=row["audio_seconds"],
        ended_at=row["ended_at"],
        program_snapshot=json.loads(row["program_snapshot"] or "{}"),
        phases=[
            PhaseChange(time=p["time"], phase=Phase(p["phase"]))
            for p in json.loads(row["phases"] or "[]")
        ],
        induction=row["induction"],
        postlude_notes=row["postlude_notes"],
        mandala_title=row["mandala_title"],
        mandala_description=row["mandala_description"],
        notes=row["notes"],
        gaps=[(float(a), float(b)) for a, b in json.loads(row["gaps"] or "[]")],
        language=row.get("language") or "en",
        speaker_labels=row.get("speaker_labels") or "",
    )


def segment_row(session_id: str, segment: Segment) -> dict[str, Any]:
    """A segments row (without its words) for ``segment``."""
    return {
        "session_id": session_id,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "speaker": str(segment.speaker),
        "speaker_confidence": segment.speaker_confidence,
        "source": str(segment.source),
        "confidence": segment.confidence,
        "flagged": int(segment.flagged),
        "flag_reason": segment.flag_reason,
        "piece": segment.piece,
        "piece_offset": segment.piece_offset,
        "model": segment.model,
    }


def segment_from_row(row: dict[str, Any], words: list[Word]) -> Segment:
    """The Segment a segments row holds, with its words."""
    return Segment(
        start=row["start"],
        end=row["end"],
        text=row["text"],
        speaker=Speaker(row["speaker"]),
        speaker_confidence=row.get("speaker_confidence"),
        source=Source(row["source"]),
        confidence=row["confidence"],
        flagged=bool(row["flagged"]),
        flag_reason=row["flag_reason"],
        piece=row["piece"],
        piece_offset=row["piece_offset"],
        words=words,
        id=row["id"],
        session_id=row["session_id"],
        model=row.get("model") or "",
    )


def word_row(segment_id: int | None, word: Word) -> dict[str, Any]:
    """A words row for ``word`` of line ``segment_id``."""
    return {
        "segment_id": segment_id,
        "start": word.start,
        "end": word.end,
        "text": word.text,
        "probability": word.probability,
    }


def word_from_row(row: dict[str, Any]) -> Word:
    """The Word a words row holds."""
    return Word(row["start"], row["end"], row["text"], row["probability"])


def annotation_row(session_id: str, annotation: Annotation) -> dict[str, Any]:
    """An annotations row for ``annotation``."""
    return {
        "session_id": session_id,
        "time": annotation.time,
        "kind": str(annotation.kind),
        "text": annotation.text,
        "tags": json.dumps(list(annotation.tags), ensure_ascii=False),
        "author": annotation.author,
        "segment_id": annotation.segment_id,
    }


def annotation_value(name: str, value: Any) -> Any:
    """One Annotation field as the database stores it."""
    if name == "kind":
        return str(AnnotationKind(value))
    if name == "tags":
        return json.dumps([str(t) for t in value], ensure_ascii=False)
    return value


def annotation_from_row(row: dict[str, Any]) -> Annotation:
    """The Annotation an annotations row holds."""
    return Annotation(
        time=row["time"],
        kind=AnnotationKind(row["kind"]),
        text=row["text"],
        tags=list(json.loads(row["tags"] or "[]")),
        author=row["author"],
        segment_id=row["segment_id"],
        id=row["id"],
        session_id=row["session_id"],
    )


def attachment_from_row(row: dict[str, Any]) -> Attachment:
    """The Attachment an attachments row holds."""
    return Attachment(
        kind=row["kind"],
        path=row["path"],
        title=row["title"],
        description=row["description"],
        id=row["id"],
    )

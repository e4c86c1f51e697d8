"""The transcript side of the store: segments with their words, annotations, attachments.

`TranscriptTables` is the base of `gim.store.db.Store`; it holds the connection and the
small helpers every table uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from gim.core.record import Attachment
from gim.core.session import Annotation, Segment, Source, Speaker, Word
from gim.core.transcript import merge_pass
from gim.errors import NotFoundError
from gim.store import rows
from gim.store.failures import guarded

ANNOTATION_FIELDS = ("time", "kind", "text", "tags", "author", "segment_id")
"""Annotation fields `TranscriptTables.update_annotation` may change."""


def no_session(session_id: str) -> NotFoundError:
    """The error for a session id that is not stored."""
    return NotFoundError(f"No session {session_id}: see gim sessions list.")


class TranscriptTables:
    """Segments, words, annotations and attachments of stored sessions."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        """The sqlite-utils database (owned by the thread that opened it)."""
        self.path = path
        """The database file, None in memory."""

    # -- segments ------------------------------------------------------------------

    @guarded
    def add_segment(self, session_id: str, segment: Segment) -> int:
        """Store a transcript line with its words; returns its id (also set on ``segment``)."""
        with self.db.atomic():
            self._require_session(session_id)
            self._insert_segment(session_id, segment)
        assert segment.id is not None
        return segment.id

    def _insert_segment(self, session_id: str, segment: Segment) -> None:
        segment.id = self._insert("segments", rows.segment_row(session_id, segment))
        segment.session_id = session_id
        for word in segment.words:
            self._insert("words", rows.word_row(segment.id, word))

    @guarded
    def segments(self, session_id: str) -> list[Segment]:
        """The session's transcript lines ordered by start, each with its words."""
        words: dict[int, list[Word]] = {}
        for row in self.db.query(
            "SELECT w.* FROM words w JOIN segments s ON s.id = w.segment_id "
            "WHERE s.session_id = ? ORDER BY w.segment_id, w.start, w.id",
            [session_id],
        ):
            words.setdefault(row["segment_id"], []).append(rows.word_from_row(row))
        found = self.db.query(
            'SELECT * FROM segments WHERE session_id = ? ORDER BY start, "end", id', [session_id]
        )
        return [rows.segment_from_row(r, words.get(r["id"], [])) for r in found]

    @guarded
    def edit_segment(
        self,
        segment_id: int,
        text: str,
        *,
        speaker: Speaker | None = None,
        flagged: bool | None = None,
    ) -> None:
        """The guide corrected a line: new text, marked EDITED so no pass overwrites it.

        The line's words keep their timing; ``speaker`` and ``flagged`` change when given.
        """
        values: dict[str, Any] = {"text": text, "source": str(Source.EDITED)}
        if speaker is not None:
            values["speaker"] = str(speaker)
        if flagged is not None:
            values["flagged"] = int(flagged)
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        cursor = self.db.execute(
            f"UPDATE segments SET {assignments} WHERE id = :_id",
            {**values, "_id": segment_id},
        )
        if cursor.rowcount == 0:
            raise NotFoundError(
                f"No transcript line {segment_id}: a newer pass may have replaced it; reload."
            )

    @guarded
    def split_segment(self, first: Segment, second: Segment) -> int:
        """The guide cut a stored line in two (`gim.core.transcript.split_line`): ``first``
        takes the line's place and id, ``second`` is new; both are edits, kept by later
        passes. The line's notes from the second's start on go with it. Returns its id."""
        with self.db.atomic():
            found = self.db.execute(
                "SELECT session_id FROM segments WHERE id = ?", [first.id]
            ).fetchone()
            if found is None:
                raise NotFoundError(
                    f"No transcript line {first.id}: a newer pass may have replaced it; reload."
                )
            values = rows.segment_row(found[0], replace(first, source=Source.EDITED))
            assignments = ", ".join(f'"{k}" = :{k}' for k in values)
            self.db.execute(
                f"UPDATE segments SET {assignments} WHERE id = :_id", {**values, "_id": first.id}
            )
            self.db.execute("DELETE FROM words WHERE segment_id = ?", [first.id])
            for word in first.words:
                self._insert("words", rows.word_row(first.id, word))
            new = replace(second, source=Source.EDITED, id=None)
            self._insert_segment(found[0], new)
            self.db.execute(
                "UPDATE annotations SET segment_id = ? WHERE segment_id = ? AND time >= ?",
                [new.id, first.id, new.start],
            )
        assert new.id is not None
        return new.id

    @guarded
    def apply_edits(
        self,
        session_id: str,
        revised: Iterable[Segment],
        added: Iterable[Segment] = (),
        notes: Iterable[Annotation] = (),
    ) -> None:
        """Store a batch of edits made elsewhere (ELAN) at once, or none of them.

        Each revised line keeps its id and words and takes the given text, speaker, times,
        piece link and flag, marked EDITED so no pass overwrites it; added lines and notes
        are stored as new.
        """
        with self.db.atomic():
            self._require_session(session_id)
            for line in revised:
                values = {
                    "text": line.text,
                    "speaker": str(line.speaker),
                    "start": line.start,
                    "end": line.end,
                    "piece": line.piece,
                    "piece_offset": line.piece_offset,
                    "flagged": int(line.flagged),
                    "source": str(Source.EDITED),
                }
                assignments = ", ".join(f'"{k}" = :{k}' for k in values)
                cursor = self.db.execute(
                    f"UPDATE segments SET {assignments} WHERE id = :_id AND session_id = :_sid",
                    {**values, "_id": line.id, "_sid": session_id},
                )
                if cursor.rowcount == 0:
                    raise NotFoundError(f"No transcript line {line.id} in session {session_id}.")
            for line in added:
                self._insert_segment(session_id, replace(line, source=Source.EDITED, id=None))
            for note in notes:
                self._insert("annotations", rows.annotation_row(session_id, note))

    @guarded
    def replace_transcript(
        self, session_id: str, segments: Iterable[Segment], source: Source = Source.FINAL
    ) -> list[Segment]:
        """Put a new pass in place of the live and earlier final lines, keeping every edit.

        New lines that overlap an edited line are dropped (see `gim.core.transcript`).
        Annotations that pointed at a replaced line move to the new line covering their
        time, or keep their time with no line. Returns the transcript as now stored.
        """
        with self.db.atomic():
            self._require_session(session_id)
            merged = merge_pass(self.segments(session_id), segments, source)
            orphaned = [
                r[0]
                for r in self.db.execute(
                    "SELECT a.id FROM annotations a JOIN segments s ON s.id = a.segment_id "
                    "WHERE a.session_id = ? AND s.source != ?",
                    [session_id, str(Source.EDITED)],
                )
            ]
            self.db.execute(
                "DELETE FROM segments WHERE session_id = ? AND source != ?",
                [session_id, str(Source.EDITED)],
            )
            for segment in merged:
                if segment.id is None:
                    self._insert_segment(session_id, segment)
            for annotation_id in orphaned:
                self.db.execute(
                    "UPDATE annotations SET segment_id = (SELECT s.id FROM segments s "
                    "WHERE s.session_id = annotations.session_id AND s.start <= annotations.time "
                    'AND annotations.time < s."end" ORDER BY s.start LIMIT 1) WHERE id = ?',
                    [annotation_id],
                )
        return merged

    # -- annotations ---------------------------------------------------------------

    @guarded
    def add_annotation(self, session_id: str, annotation: Annotation) -> int:
        """Store a marker, intervention, observation, tag or comment; returns its id."""
        with self.db.atomic():
            self._require_session(session_id)
            annotation.id = self._insert("annotations", rows.annotation_row(session_id, annotation))
            annotation.session_id = session_id
        return annotation.id

    @guarded
    def annotations(self, session_id: str) -> list[Annotation]:
        """The session's annotations ordered by time."""
        found = self.db.query(
            "SELECT * FROM annotations WHERE session_id = ? ORDER BY time, id", [session_id]
        )
        return [rows.annotation_from_row(r) for r in found]

    @guarded
    def update_annotation(self, annotation_id: int, **fields: Any) -> None:
        """Change some fields of an annotation (see `ANNOTATION_FIELDS`)."""
        unknown = set(fields) - set(ANNOTATION_FIELDS)
        if unknown:
            raise ValueError(f"not annotation fields: {', '.join(sorted(unknown))}")
        if not fields:
            return
        values = {key: rows.annotation_value(key, value) for key, value in fields.items()}
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        cursor = self.db.execute(
            f"UPDATE annotations SET {assignments} WHERE id = :_id",
            {**values, "_id": annotation_id},
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"No annotation {annotation_id}: reload the session.")

    @guarded
    def delete_annotation(self, annotation_id: int) -> None:
        """Remove an annotation (and its search entry)."""
        cursor = self.db.execute("DELETE FROM annotations WHERE id = ?", [annotation_id])
        if cursor.rowcount == 0:
            raise NotFoundError(f"No annotation {annotation_id}: reload the session.")

    # -- attachments ---------------------------------------------------------------

    @guarded
    def add_attachment(self, session_id: str, attachment: Attachment) -> int:
        """Attach a file (such as the mandala picture); returns its id."""
        with self.db.atomic():
            self._require_session(session_id)
            attachment.id = self._insert(
                "attachments",
                {
                    "session_id": session_id,
                    "kind": attachment.kind,
                    "path": attachment.path,
                    "title": attachment.title,
                    "description": attachment.description,
                },
            )
        return attachment.id

    @guarded
    def attachments(self, session_id: str) -> list[Attachment]:
        """The session's attachments in the order they were added."""
        found = self.db.query(
            "SELECT * FROM attachments WHERE session_id = ? ORDER BY id", [session_id]
        )
        return [rows.attachment_from_row(r) for r in found]

    # -- shared --------------------------------------------------------------------

    def _has_session(self, session_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone()
        return row is not None

    def _require_session(self, session_id: str) -> None:
        if not self._has_session(session_id):
            raise no_session(session_id)

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(f'"{k}"' for k in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            list(row.values()),
        )
        return int(cursor.lastrowid or 0)

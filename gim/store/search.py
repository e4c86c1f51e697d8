"""Full-text search across sessions: the query language and the ranked hits.

A guide types words and ``"quoted phrases"``; every word and phrase must appear (in any
order), a word ending in ``*`` matches as a prefix, and English endings are folded
(``walking`` finds ``walked``), and so are diacritics (``Gefuhl`` finds ``Gefühl``) and
letters such as ø, æ and ß (``Soren`` finds ``Søren``: the index's folded column).
Chinese, Japanese, Korean and Thai are written without spaces between words, so the index
holds a whole clause as one token: a query in those scripts is found as a substring of
the text instead (every part must occur; the hit has no bm25 rank). Anything else in the
query (quotes left open, ``AND``, ``-``, brackets) is taken literally, never as FTS5
syntax, so no query raises an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gim.core.checking import SPEAKER_ONLY

_PART = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w")
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
"""Scripts written without spaces between words (Thai, Lao, Hangul, kana, Han)."""

HIT_OPEN = "["
"""Marks the start of a matched word in a snippet."""
HIT_CLOSE = "]"
"""Marks the end of a matched word in a snippet."""


@dataclass(frozen=True)
class SearchHit:
    """One transcript line or annotation that matches a query."""

    session_id: str
    client: str
    started_at: str
    """When the session started (ISO 8601)."""
    time: float
    """Session seconds of the line or annotation."""
    piece: int | None
    """Index of the piece sounding then, None outside the music."""
    piece_offset: float | None
    """Seconds into that piece."""
    kind: str
    """"segment" or "annotation"."""
    snippet: str
    """The words around the hit, matched words in ``[brackets]``."""
    rank: float
    """bm25 score: lower is a better match."""
    ref: int
    """The id of the segment or annotation."""
    unchecked: bool = False
    """A line flagged for checking that the guide has not checked (found only when asked)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "session_id": self.session_id,
            "client": self.client,
            "started_at": self.started_at,
            "time": self.time,
            "piece": self.piece,
            "piece_offset": self.piece_offset,
            "kind": self.kind,
            "snippet": self.snippet,
            "rank": self.rank,
            "id": self.ref,
            "unchecked": self.unchecked,
        }


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for a guide's query; None when it has no words at all."""
    # SQLite ends a string at NUL; control characters carry no words anyway.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    parts: list[str] = []
    for match in _PART.finditer(text):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            if _WORD.search(phrase):
                parts.append(_quote(phrase))
            continue
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if _WORD.search(word):
            parts.append(_quote(word) + ("*" if prefix else ""))
    return " ".join(parts) if parts else None


def substring_terms(text: str) -> list[str] | None:
    """The parts of a query in a script written without spaces, to find as substrings;
    None when the query has no such script (FTS5 answers it)."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    if not _UNSPACED.search(text):
        return None
    terms = [(m.group(1) or m.group(2) or "").rstrip("*").strip() for m in _PART.finditer(text)]
    return [t for t in terms if _WORD.search(t)]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _marked(text: str, terms: list[str], width: int = 40) -> str:
    """A snippet around the first term with every term in brackets."""
    first = min((text.find(t) for t in terms if t in text), default=0)
    start = max(0, first - width // 2)
    part = text[start : start + width * 2]
    for t in terms:
        part = part.replace(t, f"{HIT_OPEN}{t}{HIT_CLOSE}")
    return ("…" if start else "") + part + ("…" if start + width * 2 < len(text) else "")


def _conditions(
    query: str, terms: list[str] | None
) -> tuple[list[str], dict[str, Any], str, str] | None:
    """WHERE conditions, their parameters, the rank and the snippet for ``query``; None
    when it has nothing to look for."""
    match = fts_query(query)
    if match is None or terms == []:
        return None
    if terms:
        where = [f"f.text LIKE :t{n} ESCAPE '\\'" for n in range(len(terms))]
        return where, {f"t{n}": _like(t) for n, t in enumerate(terms)}, "0.0", "f.text"
    snippet = f"snippet(search_index, 0, '{HIT_OPEN}', '{HIT_CLOSE}', '…', 12)"
    return ["search_index MATCH :match"], {"match": match}, "bm25(search_index)", snippet


_UNCHECKED = (
    "(f.rowid % 2 = 0 AND COALESCE(seg.flagged, 0) = 1 AND COALESCE(seg.source, '') != 'edited'"
    f" AND TRIM(COALESCE(seg.flag_reason, '')) != '{SPEAKER_ONLY}')"
)
"""SQL: the hit is a line flagged for checking that the guide has not checked
(`gim.core.checking.unchecked`: a flag about the speaker alone does not count)."""

Locate = Callable[[str, float], tuple[int | None, float | None]]
"""Maps (session id, session seconds) to (piece, seconds into the piece)."""


def run_search(
    db: Database,
    query: str,
    locate: Locate,
    client: str | None = None,
    session_id: str | None = None,
    limit: int = 50,
    *,
    unchecked: bool = False,
    speaker: str | None = None,
) -> list[SearchHit]:
    """The best ``limit`` hits for ``query``, best first (bm25).

    Args:
        db: The open database.
        query: What the guide typed.
        locate: Places an annotation's time in the music (segments carry their own link).
        client: Only sessions with this client code.
        session_id: Only this session.
        limit: At most this many hits.
        unchecked: Also lines flagged for checking that the guide has not checked
            (neither edited nor confirmed); left out by default.
        speaker: Only lines of ``client`` or ``guide`` (the guide's also takes the
            interventions noted as annotations).
    """
    terms = substring_terms(query)
    found = _conditions(query, terms)
    if found is None or limit <= 0:
        return []
    where, params, rank, snippet = found
    params["limit"] = limit
    if client is not None:
        where.append("s.client = :client")
        params["client"] = client.strip().upper()  # codes are stored in upper case
    if session_id is not None:
        where.append("f.session_id = :session_id")
        params["session_id"] = session_id
    if not unchecked:
        where.append(f"NOT ({_UNCHECKED})")
    if speaker is not None:
        notes = " OR (f.rowid % 2 = 1 AND a.kind = 'intervention')" if speaker == "guide" else ""
        where.append(f"((f.rowid % 2 = 0 AND seg.speaker = :speaker){notes})")
        params["speaker"] = speaker
    sql = f"""
        SELECT f.rowid AS rowid, f.session_id AS session_id, s.client AS client,
               s.started_at AS started_at, {rank} AS rank, {snippet} AS snippet,
               seg.start AS seg_start, seg.piece AS piece, seg.piece_offset AS piece_offset,
               a.time AS note_time, {_UNCHECKED} AS unchecked
        FROM search_index f
        JOIN sessions s ON s.id = f.session_id
        LEFT JOIN segments seg ON f.rowid % 2 = 0 AND seg.id = f.rowid / 2
        LEFT JOIN annotations a ON f.rowid % 2 = 1 AND a.id = f.rowid / 2
        WHERE {" AND ".join(where)}
        ORDER BY rank, s.started_at DESC, f.rowid
        LIMIT :limit
    """
    return [_hit(row, terms, locate) for row in db.query(sql, params)]


def _hit(row: dict[str, Any], terms: list[str] | None, locate: Locate) -> SearchHit:
    """The hit one result row holds (an annotation placed in the music by ``locate``)."""
    is_segment = row["rowid"] % 2 == 0
    if is_segment:
        time, piece, offset = row["seg_start"], row["piece"], row["piece_offset"]
    else:
        time = row["note_time"]
        piece, offset = locate(row["session_id"], time)
    return SearchHit(
        session_id=row["session_id"],
        client=row["client"],
        started_at=row["started_at"],
        time=float(time),
        piece=piece,
        piece_offset=offset,
        kind="segment" if is_segment else "annotation",
        snippet=_marked(row["snippet"], terms) if terms else row["snippet"],
        rank=float(row["rank"]),
        ref=row["rowid"] // 2,
        unchecked=bool(row["unchecked"]),
    )

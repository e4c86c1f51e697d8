"""A client's series: every session with date, program, focus, length, a short note, and
the images or themes that recur across sessions. Shown by the TUI and exported as md/html.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from gim.core.checking import checked_only, lines_phrase
from gim.core.clock import mmss
from gim.core.layout import program_changes
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind, Speaker

_STOPWORD_TEXT = """a about above after again all am an and any are as at be because been
    before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i i'm i've
    if in into is it it's its itself just like me more most my myself no nor not now of
    off on once only or other our ours out over own really same she should so some such
    than that that's the their theirs them then there these they this those through to
    too under until up very was we were what when where which while who whom why will
    with would you your yours yes oh um uh hmm okay ok there's feel feels see seeing
    something thing things kind sort little bit lot going get got know think still
    way one now just right well also maybe can't don't it's i'd i'll let's"""

STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words too common to be an image or theme."""

_WORD = re.compile(r"[a-zA-ZÀ-ÿ'’]+")


@dataclass
class SeriesEntry:
    """One session of the series."""

    session_id: str
    date: str
    number: int | None
    program: str
    focus: str
    length: float
    """Recorded seconds."""
    note: str
    """A short session note for the guide's records."""


@dataclass
class Theme:
    """A word or phrase the client used in more than one session."""

    text: str
    sessions: list[str]
    """Ids of the sessions where it appears, in series order."""
    count: int
    """Times it was said across the series."""


@dataclass
class Series:
    """All sessions of one client, oldest first, with the recurring themes."""

    client: str
    entries: list[SeriesEntry] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    left_out: int = 0
    """Lines flagged for checking and not yet checked, left out of the themes."""
    unchecked: int = 0
    """Such lines counted in the themes because the guide asked for them."""

    def lane_note(self) -> str:
        """One sentence on the lines not yet checked ("" when there are none)."""
        if self.unchecked:
            return f"Includes {lines_phrase(self.unchecked)} not yet checked."
        if self.left_out:
            return (
                f"{lines_phrase(self.left_out)} flagged for checking and not yet checked "
                "left out (gim series --with-unchecked counts them)."
            )
        return ""


def session_note(record: SessionRecord) -> str:
    """A few plain sentences on a session: focus, music, what was marked, the mandala."""
    s = record.session
    parts = []
    if s.focus:
        parts.append(f"Focus: {s.focus}.")
    program = record.program.title if record.program else s.program
    changes = program_changes(record.program, record.playback) if record.program else []
    parts.append(f"Program: {program}" + (f" ({'; '.join(changes)})." if changes else "."))
    lines = sum(1 for g in record.segments if g.speaker is Speaker.CLIENT)
    markers = sum(1 for a in record.annotations if a.kind is AnnotationKind.MARKER)
    parts.append(f"{mmss(s.audio_seconds)} recorded, {lines} client lines, {markers} marked.")
    if s.mandala_title or s.mandala_description:
        mandala = " — ".join(x for x in (s.mandala_title, s.mandala_description) if x)
        parts.append(f"Mandala: {mandala}.")
    if s.notes:
        parts.append(s.notes.strip())
    return " ".join(parts)


_NOTE = re.compile(r"\[[^\]]*\]")
"""A bracketed note ("[laughs]", "[sigh]"): an observation, not the client's words."""
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"“”…]+|\s[-–—]+\s|[–—]")
"""Where a phrase cannot run on: sentence and clause punctuation, dashes between words."""


def phrases(text: str) -> set[str]:
    """Content words and two-word phrases of ``text`` (lower case, no stopwords).

    Two-word phrases never run across punctuation: "the door is open. Bob..." pairs
    nothing, nor does "the sea, birds". Bracketed notes ("[laughs]") are left out.
    """
    found: set[str] = set()
    for clause in _CLAUSE.split(_NOTE.sub(" ", text)):
        keys = [w.lower().replace("’", "'").strip("'") for w in _WORD.findall(clause)]
        for i, key in enumerate(keys):
            if key in STOPWORDS or len(key) < 3:
                continue
            found.add(key)
            if i + 1 < len(keys) and keys[i + 1] not in STOPWORDS and len(keys[i + 1]) >= 3:
                found.add(f"{key} {keys[i + 1]}")
    return found


def names_in(text: str) -> set[str]:
    """Words (lower case) written with a capital away from the start of a sentence: names.

    "I saw Bob. Anna waved" gives {"bob"}: "Anna" starts a sentence, so its capital
    says nothing, unless the name is capitalised mid-sentence somewhere else.
    """
    found: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group().replace("’", "'").strip("'")
        before = text[: match.start()].rstrip(" \t\n\"“”'‘(")
        if word[:1].isupper() and word != "I" and before and before[-1] not in ".!?…":
            found.add(word.lower())
    return found


def shown_theme(key: str, names: set[str]) -> str:
    """A theme as written: names with their capital ("Bob's garden"), the rest lower case."""
    return " ".join(w[:1].upper() + w[1:] if w in names else w for w in key.split())


def client_series(
    records: list[SessionRecord], limit: int = 20, *, unchecked: bool = False
) -> Series:
    """The series of ``records`` (one client's sessions, any order).

    Args:
        records: The client's sessions.
        limit: How many recurring themes to keep (most sessions first, then most said).
        unchecked: Count lines flagged for checking that the guide has not checked
            (left out by default: an invented phrase must not become a recurring image).
    """
    ordered = sorted(records, key=lambda r: r.session.started_at)
    series = Series(client=ordered[0].session.client if ordered else "")
    lane = [checked_only(r) for r in ordered]
    if unchecked:
        series.unchecked = sum(n for _, n in lane)
    else:
        ordered = [r for r, _ in lane]
        series.left_out = sum(n for _, n in lane)
    where: dict[str, list[str]] = {}
    counts: Counter[str] = Counter()
    names: set[str] = set()
    for record in ordered:
        s = record.session
        series.entries.append(
            SeriesEntry(
                s.id,
                s.started_at[:10],
                s.number,
                record.program.title if record.program else s.program,
                s.focus,
                s.audio_seconds,
                session_note(record),
            )
        )
        texts = [g.text for g in record.segments if g.speaker is Speaker.CLIENT]
        texts += [s.mandala_title, s.mandala_description]
        seen: set[str] = set()
        for text in texts:
            found = phrases(text)
            counts.update(found)
            seen |= found
        # The guide's notes name people too: a capital there tells a name from a word.
        for text in [*texts, s.focus, s.postlude_notes, s.notes]:
            names |= names_in(text)
        for phrase in seen:
            where.setdefault(phrase, []).append(s.id)
    recurring = [p for p, ids in where.items() if len(ids) >= 2]
    # A word inside a recurring phrase that recurs in no more sessions adds nothing.
    recurring = [
        p
        for p in recurring
        if " " in p
        or not any(q != p and p in q.split() and len(where[q]) >= len(where[p]) for q in recurring)
    ]
    recurring.sort(key=lambda p: (-len(where[p]), -counts[p], p))
    series.themes = [Theme(shown_theme(p, names), where[p], counts[p]) for p in recurring[:limit]]
    return series


def series_markdown(series: Series) -> str:
    """The series as Markdown."""
    out = [f"# Series: {series.client}", "", "| # | Date | Program | Focus | Length |"]
    out.append("|---|---|---|---|---|")
    for e in series.entries:
        number = "" if e.number is None else str(e.number)
        out.append(f"| {number} | {e.date} | {e.program} | {e.focus} | {mmss(e.length)} |")
    out += ["", "## Recurring images and themes", ""]
    if series.lane_note():
        out += [f"*{series.lane_note()}*", ""]
    if not series.themes:
        out.append("None yet: nothing recurs in two or more sessions.")
    for t in series.themes:
        out.append(f"- **{t.text}**: {len(t.sessions)} sessions, said {t.count} times")
    out += ["", "## Session notes", ""]
    for e in series.entries:
        out += [f"### {e.date}" + (f" (session {e.number})" if e.number else ""), "", e.note, ""]
    return "\n".join(out).replace("|  |", "| |")


def series_html(series: Series) -> str:
    """The series as a self-contained HTML page."""
    e = html.escape
    from gim.export.transcript import CSS

    rows = "".join(
        f"<tr><td>{'' if x.number is None else x.number}</td><td>{e(x.date)}</td>"
        f"<td>{e(x.program)}</td><td>{e(x.focus)}</td><td>{mmss(x.length)}</td></tr>"
        for x in series.entries
    )
    themes = "".join(
        f"<li><strong>{e(t.text)}</strong>: {len(t.sessions)} sessions, said {t.count} times</li>"
        for t in series.themes
    )
    notes = "".join(f"<h3>{e(x.date)}</h3><p>{e(x.note)}</p>" for x in series.entries)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Series {e(series.client)}</title><style>{CSS}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
        "padding:.2em .5em;text-align:left}</style></head><body>"
        f"<h1>Series: {e(series.client)}</h1><table><tr><th>#</th><th>Date</th>"
        f"<th>Program</th><th>Focus</th><th>Length</th></tr>{rows}</table>"
        f"<h2>Recurring images and themes</h2>"
        + (f"<p><em>{e(series.lane_note())}</em></p>" if series.lane_note() else "")
        + f"<ul>{themes or '<li>None yet.</li>'}</ul>"
        f"<h2>Session notes</h2>{notes}</body></html>"
    )

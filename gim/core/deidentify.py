"""De-identification: neutral labels for the client code and any names the guide lists.

Replacement is whole-word and case-insensitive, so possessives ("Anna's", "Anna’s") and
any capitalisation are covered. It ignores diacritics too: "Søren" is found as "Soren"
and "José" as "Jose" (Whisper and guides drop accents), whichever of the two the guide
listed, and in either Unicode form (composed or with combining marks). Every text field
of a `SessionRecord` is rewritten; the original record is left untouched.
"""

from __future__ import annotations

import copy
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from gim.core.program import Program
from gim.core.record import SessionRecord

CLIENT_LABEL = "Client"
"""What the client code becomes."""


@dataclass(frozen=True)
class Pseudonyms:
    """The replacements for one export: client code to "Client", names to "Person A", ...

    Attributes are in the order given; the same name always gets the same label.
    """

    client: str
    """The client code to replace."""
    names: tuple[str, ...] = ()
    """Other names (family, friends, places) the guide wants replaced."""

    def labels(self) -> dict[str, str]:
        """Each name (folded: lower case, no diacritics) and its neutral label."""
        labels: dict[str, str] = {}
        if self.client.strip():
            labels[fold(self.client.strip())] = CLIENT_LABEL
        count = 0
        for name in self.names:
            key = fold(name.strip())
            if key and key not in labels:
                labels[key] = f"Person {_letters(count)}"
                count += 1
        return labels

    def replacer(self) -> Callable[[str], str]:
        """A function that rewrites one text."""
        labels = self.labels()
        if not labels:
            return lambda text: text
        alternatives = "|".join(re.escape(n) for n in sorted(labels, key=len, reverse=True))
        # \b fails next to non-word characters at the name's ends; look-arounds do not.
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

        def rewrite(text: str) -> str:
            # The folded text has one character per character of the text (composed
            # first), so a match in it is the same span of the text.
            text = unicodedata.normalize("NFC", text)
            parts, at = [], 0
            for m in pattern.finditer(fold(text)):
                parts += [text[at : m.start()], labels[m.group(0)]]
                at = m.end()
            return "".join(parts) + text[at:] if parts else text

        return rewrite


_LETTERS = {"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i"}
"""Letters with a stroke, which Unicode does not decompose into a letter and a mark."""


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch
    base = unicodedata.normalize("NFD", low)[0]
    return _LETTERS.get(base, base)


def fold(text: str) -> str:
    """``text`` composed (NFC), lower case, without diacritics, one character for each of
    its own: "Søren" → "soren", "JOSÉ" → "jose"."""
    return "".join(_fold_char(ch) for ch in unicodedata.normalize("NFC", text))


def neutral_id(session_id: str) -> str:
    """The session id with the client left out: ``20261124-1530-c07`` → ``20261124-1530-client``.

    Ids carry a slug of the client code after the start time; an id of another shape
    (made by hand) becomes ``session`` rather than risk keeping part of a name.
    """
    stamp = re.match(r"^(\d{8}-\d{4})-", session_id)
    return f"{stamp.group(1)}-client" if stamp else "session"


def parse_names(text: str) -> tuple[str, ...]:
    """Names from a comma-separated list as typed on the command line."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


def deidentify(record: SessionRecord, names: Iterable[str] = ()) -> SessionRecord:
    """A copy of ``record`` with the client code and ``names`` replaced everywhere.

    Args:
        record: The session to copy.
        names: Extra names to replace, as the guide lists them.
    """
    clean = copy.deepcopy(record)
    sub = Pseudonyms(record.session.client, tuple(names)).replacer()
    s = clean.session
    s.client = CLIENT_LABEL
    s.id = neutral_id(s.id)
    for attr in (
        "focus",
        "induction",
        "postlude_notes",
        "mandala_title",
        "mandala_description",
        "notes",
    ):
        setattr(s, attr, sub(getattr(s, attr)))
    s.program_snapshot = _rewrite_program(s.program_snapshot, sub)
    if clean.program is not None:
        clean.program = _program(clean.program, s.id, sub)
    for segment in clean.segments:
        segment.text = sub(segment.text)
        segment.flag_reason = sub(segment.flag_reason)
        segment.session_id = s.id if segment.session_id is not None else None
        for word in segment.words:
            word.text = sub(word.text)
    for note in clean.annotations:
        note.text = sub(note.text)
        note.tags = [sub(t) for t in note.tags]
        note.session_id = s.id if note.session_id is not None else None
    for attachment in clean.attachments:
        attachment.title = sub(attachment.title)
        attachment.description = sub(attachment.description)
        attachment.path = sub(attachment.path)
    return clean


STRUCTURED_PROGRAM_KEYS = frozenset({"slug"})
"""Fields of a program table that name things for the program, not for people: kept."""


def _rewrite_program(table: dict[str, Any], sub: Callable[[str], str]) -> dict[str, Any]:
    """A program table with its texts rewritten and its structured fields (the slug) kept."""
    return {k: v if k in STRUCTURED_PROGRAM_KEYS else _rewrite(v, sub) for k, v in table.items()}


def _program(program: Program, session_id: str, sub: Callable[[str], str]) -> Program:
    """``program`` with its texts rewritten; its origin names the de-identified session."""
    return replace(_rewrite_fields(program, sub), origin=f"session {session_id}")


def _rewrite_fields(item: Any, sub: Callable[[str], str]) -> Any:
    """A copy of the dataclass ``item`` with every text in it rewritten (the slug kept)."""
    changes: dict[str, Any] = {}
    for f in fields(item):
        value = getattr(item, f.name)
        if f.name in STRUCTURED_PROGRAM_KEYS:
            continue
        if isinstance(value, str):
            changes[f.name] = sub(value)
        elif is_dataclass(value):
            changes[f.name] = _rewrite_fields(value, sub)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(
                _rewrite_fields(v, sub) if is_dataclass(v) else v for v in value
            )
    return replace(item, **changes)


def _rewrite(value: object, sub: Callable[[str], str]) -> object:
    """Rewrite every string inside nested dicts and lists."""
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, dict):
        return {k: _rewrite(v, sub) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, sub) for v in value]
    return value


def _letters(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA: spreadsheet-style labels."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out

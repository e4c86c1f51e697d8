"""Turn a program definition (a dict read from TOML) into a `Program`, strictly.

Pure: the caller reads the file. Every problem becomes one `ProgramError` sentence naming
the file, the piece number (from 1, as a guide counts) and the field, so a guide can fix
a hand-written file without reading code. `program_to_dict` is the inverse, used for the
session's program snapshot.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from gim.core.program import Piece, Program, Provenance
from gim.errors import ProgramError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""Slugs: lower-case letters and digits in words joined by single hyphens."""
SLUG_MAX = 64

PROGRAM_KEYS = ("slug", "title", "author", "description", "mood", "gap", "provenance", "pieces")
PROVENANCE_KEYS = ("source", "verified", "notes")
PIECE_KEYS = ("composer", "work", "movement", "performer", "duration", "notes", "verified")
REQUIRED_PROGRAM = ("slug", "title", "author", "provenance", "pieces")
REQUIRED_PIECE = ("composer", "work", "duration")
MAX_PIECES = 200
"""More pieces than any program has; a bound so a bad file cannot make a huge value."""

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)\s*$")


class _Where:
    """Where a problem is, to name it in the one sentence."""

    def __init__(self, source: str, piece: int | None = None, table: str = "") -> None:
        self.source = source
        self.piece = piece
        self.table = table

    def fail(self, key: str, problem: str) -> ProgramError:
        if not key.isprintable() or len(key) > 40:
            key = _show(key)[1:-1]
        if self.piece is not None:
            place = f"piece {self.piece}, field '{key}'"
        elif self.table:
            place = f"field '{self.table}.{key}'"
        else:
            place = f"field '{key}'"
        return ProgramError(f"Program file {self.source}: {place} {problem}.")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text"}
    for typ, name in names.items():
        if type(value) is typ:
            return name
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def _check_keys(table: Mapping[Any, Any], known: tuple[str, ...], where: _Where) -> None:
    for key in table:
        if not isinstance(key, str) or key not in known:
            name = str(key)
            near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'?" if near else f"use one of {', '.join(known)}"
            raise where.fail(name, f"is not a known field ({hint})")


def _text(table: Mapping[str, Any], key: str, where: _Where, required: bool = False) -> str:
    if key not in table:
        if required:
            raise where.fail(key, "is missing")
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise where.fail(key, f"must be text in quotes, not {_kind(value)} ({_show(value)})")
    if required and not value.strip():
        raise where.fail(key, "must not be empty")
    return value.strip()


def _flag(table: Mapping[str, Any], key: str, where: _Where, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise where.fail(key, f"must be true or false, not {_kind(value)} ({_show(value)})")
    return value


def parse_duration(value: object) -> float:
    """Seconds from a number of seconds or a clock text such as "2:50" or "1:02:03.5".

    Raises:
        ValueError: the value is not a length, or is zero, negative or not finite.
    """
    if isinstance(value, bool):
        raise ValueError("true/false is not a length")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _CLOCK.match(value)
        if match is None:
            seconds = float(value.strip())  # "170" or "170.5"; raises ValueError otherwise
        else:
            hours, minutes, secs = match.groups()
            if (hours is not None and int(minutes) >= 60) or float(secs) >= 60:
                raise ValueError("minutes and seconds must be below 60")
            seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    else:
        raise ValueError(f"{_kind(value)} is not a length")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError("a length must be above zero")
    if seconds > 24 * 3600:
        raise ValueError("a piece longer than a day is not a piece")
    return seconds


def _duration(table: Mapping[str, Any], where: _Where) -> float:
    if "duration" not in table:
        raise where.fail("duration", "is missing")
    value = table["duration"]
    try:
        return parse_duration(value)
    except (ValueError, OverflowError):
        raise where.fail(
            "duration", f'must be a length above zero such as "2:50" or 170 (got {_show(value)})'
        ) from None


def _gap(table: Mapping[str, Any], where: _Where) -> float:
    value = table.get("gap", 0)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0 <= value <= 600 or not math.isfinite(value):
        raise where.fail("gap", f"must be seconds of silence from 0 to 600 (got {_show(value)})")
    return float(value)


def _piece(table: object, number: int, source: str) -> Piece:
    where = _Where(source, piece=number)
    if not isinstance(table, Mapping):
        raise ProgramError(
            f"Program file {source}: piece {number} must be a [[pieces]] table, not {_kind(table)}."
        )
    _check_keys(table, PIECE_KEYS, where)
    return Piece(
        composer=_text(table, "composer", where, required=True),
        work=_text(table, "work", where, required=True),
        duration=_duration(table, where),
        movement=_text(table, "movement", where),
        performer=_text(table, "performer", where),
        notes=_text(table, "notes", where),
        verified=_flag(table, "verified", where, default=True),
    )


def parse_program(data: object, source: str = "<program>", origin: str = "") -> Program:
    """Validate a program definition and build the `Program`.

    Args:
        data: The table read from the program's TOML file.
        source: How to name the file in error messages (its path or name).
        origin: Stored on the program: "shipped", "own" or a file path.

    Raises:
        ProgramError: one sentence naming the file, piece number and field at fault.
    """
    where = _Where(source)
    if not isinstance(data, Mapping):
        raise ProgramError(f"Program file {source}: the file must be a TOML table of fields.")
    _check_keys(data, PROGRAM_KEYS, where)
    for key in REQUIRED_PROGRAM:
        if key not in data:
            raise where.fail(key, "is missing")
    slug = _text(data, "slug", where, required=True)
    if len(slug) > SLUG_MAX or not SLUG.match(slug):
        raise where.fail(
            "slug", f'must be lower-case words joined by hyphens, like "my-program" (got {slug!r})'
        )
    prov_table = data["provenance"]
    if not isinstance(prov_table, Mapping):
        raise where.fail("provenance", f"must be a [provenance] table, not {_kind(prov_table)}")
    prov_where = _Where(source, table="provenance")
    _check_keys(prov_table, PROVENANCE_KEYS, prov_where)
    provenance = Provenance(
        source=_text(prov_table, "source", prov_where, required=True),
        verified=_flag(prov_table, "verified", prov_where, default=False),
        notes=_text(prov_table, "notes", prov_where),
    )
    pieces = data["pieces"]
    if not isinstance(pieces, list):
        raise where.fail("pieces", f"must be a list of [[pieces]] tables, not {_kind(pieces)}")
    if not pieces:
        raise where.fail("pieces", "is empty: a program needs at least one [[pieces]] table")
    if len(pieces) > MAX_PIECES:
        raise where.fail("pieces", f"has {len(pieces)} entries, more than {MAX_PIECES}")
    return Program(
        slug=slug,
        title=_text(data, "title", where, required=True),
        author=_text(data, "author", where, required=True),
        provenance=provenance,
        pieces=tuple(_piece(p, i, source) for i, p in enumerate(pieces, start=1)),
        description=_text(data, "description", where),
        mood=_text(data, "mood", where),
        gap=_gap(data, where),
        origin=origin,
    )


def program_to_dict(program: Program) -> dict[str, Any]:
    """The program as a plain table (durations in seconds): `parse_program` reads it back."""
    data: dict[str, Any] = {
        "slug": program.slug,
        "title": program.title,
        "author": program.author,
        "description": program.description,
        "mood": program.mood,
        "gap": program.gap,
        "provenance": {
            "source": program.provenance.source,
            "verified": program.provenance.verified,
            "notes": program.provenance.notes,
        },
        "pieces": [
            {
                "composer": p.composer,
                "work": p.work,
                "movement": p.movement,
                "performer": p.performer,
                "duration": p.duration,
                "notes": p.notes,
                "verified": p.verified,
            }
            for p in program.pieces
        ],
    }
    return data


__all__ = ["parse_duration", "parse_program", "program_to_dict"]

"""Program files are validated strictly, with one sentence naming file, piece and field."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gim.core.clock import mmss
from gim.core.program_parse import (
    PIECE_KEYS,
    PROGRAM_KEYS,
    PROVENANCE_KEYS,
    parse_duration,
    parse_program,
    program_to_dict,
)
from gim.errors import ProgramError

GOOD = """
slug = "evening"
title = "An evening"
author = "A. Guide"
mood = "supportive"
gap = 2

[provenance]
source = "my own design"
verified = true

[[pieces]]
composer = "Bartók"
work = "An Evening in the Village"
performer = "Chicago SO / Boulez"
duration = "2:50"

[[pieces]]
composer = "Pärt"
work = "Da Pacem Domine"
duration = 330
verified = false
"""


def good() -> dict[str, Any]:
    return tomllib.loads(GOOD)


def test_a_good_file_gives_a_program() -> None:
    program = parse_program(good(), "evening.toml", origin="own")
    assert program.slug == "evening"
    assert program.origin == "own"
    assert [p.duration for p in program.pieces] == [170.0, 330.0]
    assert program.pieces[0].performer == "Chicago SO / Boulez"
    assert program.pieces[1].verified is False
    assert program.pieces[0].verified is True
    assert program.provenance.verified is True
    assert program.gap == 2.0
    assert program.duration == 170 + 330 + 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2:50", 170), ("0:05", 5), ("1:02:03", 3723), ("10:30.5", 630.5), ("170", 170), (90, 90)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["2:75", "-1", "0:00", 0, -3, "abc", True, "nan", "inf", [1]])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_format_duration() -> None:
    assert mmss(170) == "2:50"
    assert mmss(3723) == "1:02:03"
    assert mmss(59.6) == "0:59"  # floored, as a clock shows it


def fails(data: dict[str, Any]) -> str:
    with pytest.raises(ProgramError) as info:
        parse_program(data, "evening.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Program file evening.toml: ")
    assert message.endswith(".")
    return message


def test_negative_duration_names_file_piece_and_field() -> None:
    data = good()
    data["pieces"][1]["duration"] = -5
    message = fails(data)
    assert "piece 2" in message and "'duration'" in message and "-5" in message


def test_unknown_key_suggests_the_nearest() -> None:
    data = good()
    data["pieces"][0]["perfomer"] = "x"
    message = fails(data)
    assert (
        "piece 1" in message and "'perfomer'" in message and "did you mean 'performer'" in message
    )
    data = good()
    data["titel"] = "x"
    assert "did you mean 'title'" in fails(data)
    data = good()
    data["provenance"]["verifed"] = True
    assert "'provenance.verifed'" in fails(data)


def test_wrong_types() -> None:
    data = good()
    data["pieces"][0]["verified"] = "yes"
    assert "true or false" in fails(data)
    data = good()
    data["pieces"][0]["composer"] = 12
    message = fails(data)
    assert "piece 1, field 'composer'" in message and "text" in message
    data = good()
    data["pieces"] = {"composer": "x"}
    assert "'pieces'" in fails(data)
    data = good()
    data["pieces"][0] = "Bach"
    assert "piece 1" in fails(data)
    data = good()
    data["gap"] = -1
    assert "'gap'" in fails(data)


def test_missing_and_empty() -> None:
    for key in ("slug", "title", "author", "provenance", "pieces"):
        data = good()
        del data[key]
        assert f"'{key}' is missing" in fails(data)
    data = good()
    del data["pieces"][1]["work"]
    assert "piece 2, field 'work' is missing" in fails(data)
    data = good()
    data["pieces"] = []
    assert "at least one" in fails(data)
    data = good()
    data["title"] = "   "
    assert "must not be empty" in fails(data)


@pytest.mark.parametrize("slug", ["Evening", "my program", "-x", "x--y", "é", "a" * 65, ""])
def test_bad_slugs(slug: str) -> None:
    data = good()
    data["slug"] = slug
    assert "'slug'" in fails(data)


def test_round_trip_through_a_dict() -> None:
    program = parse_program(good(), "evening.toml")
    assert parse_program(program_to_dict(program)) == program


# -- fuzzing -------------------------------------------------------------------------------

scalars = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["2:50", "0:00", "99:99", "1:02:03", "-1", "1e400", "nan", ""]),
)
keys = st.one_of(st.sampled_from(PROGRAM_KEYS + PIECE_KEYS + PROVENANCE_KEYS), st.text(max_size=8))
tomlish = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, tomlish, max_size=9))
def test_fuzz_any_table_gives_a_program_or_a_program_error(data: dict[str, Any]) -> None:
    try:
        parse_program(data, "fuzz.toml")
    except ProgramError as exc:
        assert "\n" not in str(exc)


mutations = st.lists(
    st.tuples(
        st.sampled_from(["top", "provenance", "piece"]),
        st.sampled_from(PROGRAM_KEYS + PIECE_KEYS + PROVENANCE_KEYS + ("junk",)),
        st.one_of(st.none(), tomlish),
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(mutations)
def test_fuzz_mutated_good_files(changes: list[tuple[str, str, Any]]) -> None:
    data = good()
    for where, key, value in changes:
        pieces = data.get("pieces")
        first = pieces[0] if isinstance(pieces, list) and pieces else None
        table = {"top": data, "provenance": data.get("provenance"), "piece": first}[where]
        if not isinstance(table, dict):
            continue
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    try:
        program = parse_program(copy.deepcopy(data), "fuzz.toml")
    except ProgramError as exc:
        assert str(exc).startswith("Program file fuzz.toml: ")
        return
    assert program.pieces and all(p.duration > 0 for p in program.pieces)
    assert parse_program(program_to_dict(program)) == program

"""Search across sessions: ranking, snippets, filters, and queries that must never fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Annotation, AnnotationKind, Segment, Session
from gim.store.db import Store
from gim.store.search import fts_query


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.memory() as opened:
        yield opened


def session(store: Store, client: str, when: str) -> str:
    return store.create_session(Session(id="", client=client, program="demo", started_at=when)).id


def test_query_language() -> None:
    assert fts_query("river light") == '"river" "light"'
    assert fts_query('"golden light" door') == '"golden light" "door"'
    assert fts_query("walk*") == '"walk"*'
    assert fts_query('say "hello') == '"say" "hello"'
    assert fts_query('ab"cd') == '"ab""cd"'
    assert fts_query("AND OR NOT") == '"AND" "OR" "NOT"'
    assert fts_query("0\x00river\n") == '"0" "river"'
    for nothing in ("", "   ", '"', '""', "*", "-", "()", "- * ^"):
        assert fts_query(nothing) is None


def test_best_match_first_with_the_words_around_it(store: Store) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    long = "There is a long road through the hills and a river somewhere far away behind the trees"
    store.add_segment(sid, Segment(5, 8, long + " and the houses"))
    best = store.add_segment(sid, Segment(20, 22, "the river, the river is golden"))
    hits = store.search("river")
    assert hits[0].ref == best
    assert hits[0].rank < hits[1].rank
    assert hits[0].snippet == "the [river], the [river] is golden"
    assert "[river]" in hits[1].snippet and len(hits[1].snippet.split()) <= 13
    assert hits[1].snippet.startswith("…") or hits[1].snippet.endswith("…")


def test_phrases_prefixes_and_stemming(store: Store) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    store.add_segment(sid, Segment(0, 1, "golden light on the water"))
    store.add_segment(sid, Segment(2, 3, "the light is golden"))
    assert len(store.search('"golden light"')) == 1
    assert len(store.search("golden light")) == 2
    assert len(store.search("gold*")) == 2
    assert len(store.search("lights")) == 2  # porter stemming
    assert store.search("golden elephant") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND",
        "OR",
        "NOT",
        "*",
        "-",
        "-river",
        "river AND",
        "NEAR(river light)",
        "col:river",
        "'",
        "river'",
        "(",
        ")",
        "^",
        "{x}",
        'a"b"c',
        "\\",
        "%",
        "_",
        "river -light",
        "é",
        "; DROP TABLE segments; --",
        "\x00",
    ],
)
def test_odd_queries_never_raise(store: Store, query: str) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    store.add_segment(sid, Segment(0, 1, "river and light, not dark"))
    hits = store.search(query)
    assert isinstance(hits, list)
    assert store.segments(sid)  # nothing was dropped


def test_odd_queries_still_find_their_words(store: Store) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    store.add_segment(sid, Segment(0, 1, "river and light, not dark"))
    assert len(store.search("river AND")) == 1
    assert len(store.search("-river")) == 1
    assert len(store.search('river"')) == 1


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=30))
def test_any_text_is_a_safe_query(store: Store, query: str) -> None:
    store.search(query)


def test_filters_by_client_and_session(store: Store) -> None:
    a = session(store, "C07", "2026-11-24T15:30:00")
    b = session(store, "C08", "2026-11-25T15:30:00")
    c = session(store, "C07", "2026-11-26T15:30:00")
    for sid in (a, b, c):
        store.add_segment(sid, Segment(0, 1, "a quiet garden"))
    assert {h.session_id for h in store.search("garden")} == {a, b, c}
    assert {h.session_id for h in store.search("garden", client="C07")} == {a, c}
    assert [h.session_id for h in store.search("garden", session_id=b)] == [b]
    assert len(store.search("garden", limit=2)) == 2
    hit = store.search("garden", client="C08")[0]
    assert (hit.client, hit.started_at, hit.kind) == ("C08", "2026-11-25T15:30:00", "segment")


def test_hits_carry_time_and_piece(store: Store) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    rate = 48000
    store.add_playback_events(
        sid, [PlaybackEvent(0, Action.PLAY, 0, 0), PlaybackEvent(60 * rate, Action.PLAY, 1, 0)]
    )
    store.update_session(sid, delay_frames=0.5 * rate)
    store.add_segment(sid, Segment(70, 72, "a mountain", piece=1, piece_offset=9.5))
    store.add_annotation(sid, Annotation(30.5, AnnotationKind.OBSERVATION, "mountain gesture"))
    hits = {h.kind: h for h in store.search("mountain")}
    assert (hits["segment"].time, hits["segment"].piece, hits["segment"].piece_offset) == (
        70.0,
        1,
        9.5,
    )
    note = hits["annotation"]
    assert (note.time, note.piece, note.piece_offset) == (30.5, 0, 30.0)
    assert note.to_dict()["kind"] == "annotation"


def test_lines_not_yet_checked_are_found_only_when_asked(store: Store) -> None:
    sid = session(store, "C07", "2026-11-24T15:30:00")
    store.add_segment(sid, Segment(1, 2, "a river of light", flagged=True, flag_reason="stock"))
    store.add_segment(
        sid, Segment(3, 4, "the river bends", flagged=True, flag_reason="speaker unsure")
    )
    edited = store.add_segment(sid, Segment(5, 6, "river stones", flagged=True))
    store.edit_segment(edited, "river stones, smooth")
    assert sorted(h.snippet for h in store.search("river")) == [
        "[river] stones, smooth",
        "the [river] bends",
    ]
    every = store.search("river", unchecked=True)
    assert [h.snippet for h in every if h.unchecked] == ["a [river] of light"] and len(every) == 3


def test_search_by_speaker(store: Store) -> None:
    from gim.core.session import Speaker

    sid = session(store, "C07", "2026-11-24T15:30:00")
    client = store.add_segment(sid, Segment(1, 2, "the river is wide"))
    guide = store.add_segment(sid, Segment(3, 4, "stay with the river", speaker=Speaker.GUIDE))
    store.add_annotation(sid, Annotation(5, AnnotationKind.INTERVENTION, "where does the river go"))
    store.add_annotation(sid, Annotation(6, AnnotationKind.OBSERVATION, "river gesture"))
    assert [h.ref for h in store.search("river", speaker="client")] == [client]
    found = store.search("river", speaker="guide")
    assert {(h.kind, h.ref) for h in found if h.kind == "segment"} == {("segment", guide)}
    assert [h.snippet for h in found if h.kind == "annotation"] == ["where does the [river] go"]
    assert len(store.search("river")) == 4

"""Text in any script in the store: search with diacritics folded, CJK found, languages kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gim.core.session import Annotation, AnnotationKind, Segment, Session
from gim.store.db import Store


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.memory() as opened:
        yield opened


def new_session(store: Store, language: str = "en", client: str = "C07") -> str:
    session = Session(
        id="", client=client, program="demo", started_at="2026-11-24T15:30:00", language=language
    )
    return store.create_session(session).id


def test_diacritics_are_folded_both_ways(store: Store) -> None:
    sid = new_session(store, "de")
    seg = store.add_segment(sid, Segment(0, 2, "Ich habe ein warmes Gefühl im Bauch"))
    other = store.add_segment(sid, Segment(3, 5, "Søren står ved søen, José también"))
    assert [h.ref for h in store.search("Gefuhl")] == [seg]
    assert [h.ref for h in store.search("gefühl")] == [seg]
    assert [h.ref for h in store.search("søren")] == [other]
    assert [h.ref for h in store.search("Soren")] == [other]  # as typed without an ø key
    assert "[Søren]" in store.search("søren")[0].snippet
    assert [h.ref for h in store.search("jose tambien")] == [other]
    assert "[Gefühl]" in store.search("Gefuhl")[0].snippet


def test_cjk_text_is_found_by_any_part_of_it(store: Store) -> None:
    sid = new_session(store, "zh")
    seg = store.add_segment(sid, Segment(0, 2, "我看见一片森林，阳光很温暖。"))
    note = store.add_annotation(sid, Annotation(1.0, AnnotationKind.OBSERVATION, "她在微笑"))
    store.add_segment(sid, Segment(3, 4, "森"))
    hits = store.search("森林")
    assert [(h.kind, h.ref) for h in hits] == [("segment", seg)]
    assert "[森林]" in hits[0].snippet
    assert [h.ref for h in store.search("阳光 森林")] == [seg]
    assert [(h.kind, h.ref) for h in store.search("微笑")] == [("annotation", note)]
    assert store.search("大海") == []
    assert store.search("%") == []
    ko = store.add_segment(sid, Segment(5, 6, "따뜻한 빛이 보여요"))
    assert [h.ref for h in store.search("빛이")] == [ko]


def test_a_session_keeps_its_language_and_a_client_theirs(store: Store) -> None:
    sid = new_session(store, "da")
    assert store.get_session(sid).language == "da"
    assert store.client_language("C07") == ""
    store.set_client_language("C07", "da")
    store.set_client_language("NEW", "fr")
    assert (store.client_language("C07"), store.client_language("NEW")) == ("da", "fr")


def test_an_older_database_gets_the_language_columns(tmp_path: Path) -> None:
    path = tmp_path / "gim.db"
    with Store.open(path) as store:
        sid = new_session(store)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_languages_and_models'")
    for table, column in (("clients", "language"), ("sessions", "language"), ("segments", "model")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.commit()
    db.close()
    with Store.open(path) as store:
        assert store.get_session(sid).language == "en"
        assert store.client_language("C07") == ""


def test_the_folded_index_is_rebuilt_for_an_existing_database(tmp_path: Path) -> None:
    from gim.store.migrations import _SEARCH

    path = tmp_path / "gim.db"
    with Store.open(path) as store:
        sid = new_session(store, "da")
        seg = store.add_segment(sid, Segment(0, 2, "Søren og Æsa går ved søen"))
    db = sqlite3.connect(path)  # the index as it was before 0006
    triggers = [f"{t}_{w}" for t in ("segments", "annotations") for w in ("ai", "au", "ad")]
    db.executescript("".join(f"DROP TRIGGER {t};" for t in triggers))
    db.executescript("DROP TABLE search_index;" + _SEARCH)
    db.execute(
        "INSERT INTO search_index(rowid, text, session_id) SELECT 2 * id, text, session_id "
        "FROM segments"
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_search_folded'")
    db.commit()
    db.close()
    with Store.open(path) as store:
        assert [h.ref for h in store.search("soren")] == [seg]
        assert [h.ref for h in store.search("aesa")] == [seg]
        assert [h.ref for h in store.search("Søren")] == [seg]
        store.edit_segment(seg, "Kirsten og Søren")
        assert [h.ref for h in store.search("soren kirsten")] == [seg]

"""Client codes are codes (issue 22): a name is refused unless the guide insists, codes
are case-insensitive in one stored form, and a database holding t01 and T01 as two
clients is migrated to one client with both series."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from gim.core.ids import client_code
from gim.core.session import Session
from gim.errors import InputError
from gim.store.db import Store
from gim.store.migrations import MIGRATIONS, migrate


@pytest.mark.parametrize("name", ["Anna Smith", "anna smith", "Anna-Smith", "Jean.Dupont", " A B "])
def test_a_name_is_refused_with_a_sentence_about_codes(name: str) -> None:
    with pytest.raises(InputError) as refused:
        client_code(name)
    assert "looks like a name: give the client a code" in refused.value.message
    assert "--allow-name" in refused.value.message
    assert refused.value.exit_code == 2


@pytest.mark.parametrize(
    ("typed", "code"),
    [("t01", "T01"), (" T01 ", "T01"), ("ab12", "AB12"), ("c", "C"), ("k-2", "K-2")],
)
def test_codes_have_one_upper_case_form(typed: str, code: str) -> None:
    assert client_code(typed) == code


def test_a_name_the_guide_insists_on_is_kept_as_a_code() -> None:
    assert client_code("Anna Smith", allow_name=True) == "ANNA SMITH"
    with pytest.raises(InputError):
        client_code("   ")


def test_the_store_keeps_t01_and_T01_as_one_client() -> None:
    with Store.memory() as store:
        for client, when in (("t01", "2026-11-01T10:00:00"), ("T01", "2026-11-08T10:00:00")):
            store.create_session(Session(id="", client=client, program="demo", started_at=when))
        [summary] = store.clients()
        assert summary.code == "T01" and summary.sessions == 2
        assert [s.number for s in store.list_sessions("t01")] == [2, 1]
        assert store.search("nothing", client="t01") == []


def test_an_older_database_with_two_cases_becomes_one_client() -> None:
    db = Database(memory=True)
    MIGRATIONS.apply(db, stop_before="0007_client_codes")
    for code, notes in (("t01", "first notes"), ("T01", "second notes"), ("ab12", "")):
        db.execute(
            "INSERT INTO clients (code, created_at, notes) VALUES (?, '2026-01-01', ?)",
            [code, notes],
        )
    for sid, client, when in (
        ("20261101-1000-t01", "t01", "2026-11-01T10:00:00"),
        ("20261108-1000-t01", "T01", "2026-11-08T10:00:00"),
        ("20261115-1000-t01", "t01", "2026-11-15T10:00:00"),
        ("20261101-1100-ab12", "ab12", "2026-11-01T11:00:00"),
    ):
        db.execute(
            "INSERT INTO sessions (id, client, number, program, consent, status, started_at, "
            "samplerate) VALUES (?, ?, 1, 'demo', 'session', 'complete', ?, 48000)",
            [sid, client, when],
        )
    migrate(db)
    clients = {r["code"]: r["notes"] for r in db.query("SELECT code, notes FROM clients")}
    assert set(clients) == {"T01", "AB12"}
    assert "first notes" in clients["T01"] and "second notes" in clients["T01"]
    rows = list(db.query("SELECT id, client, number FROM sessions ORDER BY started_at, id"))
    assert [(r["client"], r["number"]) for r in rows if r["client"] == "T01"] == [
        ("T01", 1),
        ("T01", 2),
        ("T01", 3),
    ]
    assert rows[0]["id"] == "20261101-1000-t01"  # ids and folders unchanged

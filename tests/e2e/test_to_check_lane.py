"""The "to check" lane with a stored session: lines gim flagged (a stock phrase, a
"possible speech" marker, an unsure line) stay out of the client copy, the series, search
and exports until the guide checks them; asked for, they come in and the output says so;
a flagged line the guide edited is an ordinary line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gim.core.session import Segment
from gim.store.db import Store
from tests.e2e.test_cli_export import gim, save
from tests.support.sample import sample_record

INVENTED = "Thank you for watching and see you in the next video"
MARKER = "[possible speech, not transcribed]"


@pytest.fixture
def stored(home: Path) -> str:
    """The sample session plus a stock phrase and a marker, and the guide's edit of the
    flagged "warm" line (still flagged in the store: the edit makes it ordinary)."""
    home.mkdir(parents=True, mode=0o700)
    session_id = save(home, sample_record("AB12"))
    with Store.open(home / "gim.db") as store:
        store.add_segment(session_id, Segment(100.0, 104.0, INVENTED, flagged=True))
        store.add_segment(session_id, Segment(105.0, 107.0, MARKER, flagged=True))
        warm = store.add_segment(
            session_id, Segment(108.0, 110.0, "Warmth in my hands", flagged=True)
        )
        store.edit_segment(warm, "Warmth in my hands and feet")
    return session_id


def test_the_client_copy_leaves_unchecked_lines_out(
    home: Path, stored: str, tmp_path: Path
) -> None:
    result = gim(home, "client-copy", stored, "-o", str(tmp_path / "copy"))
    assert result.returncode == 0, result.stderr
    assert "3 lines flagged for checking and not yet checked left out" in result.stderr
    text = (tmp_path / "copy" / "transcript.md").read_text()
    page = (tmp_path / "copy" / "transcript.html").read_text()
    for left_out in ("Thank you for watching", "possible speech", "The sun rises"):
        assert left_out not in text and left_out not in page
    assert "Warmth in my hands and feet" in text and "⚑" not in text
    every = gim(home, "client-copy", stored, "-o", str(tmp_path / "all"), "--with-unchecked")
    assert "3 lines not yet checked included, marked for checking" in every.stderr
    text = (tmp_path / "all" / "transcript.md").read_text()
    assert f"{INVENTED} ⚑" in text and "The sun rises over the sea ⚑" in text
    assert "Warmth in my hands and feet ⚑" not in text


def test_search_leaves_unchecked_lines_out_and_says_so(home: Path, stored: str) -> None:
    result = gim(home, "search", "watching")
    assert result.returncode == 0, result.stderr
    assert "Nothing found for watching." in result.stdout
    assert "1 line not yet checked also match" in result.stderr
    every = gim(home, "search", "watching", "--with-unchecked")
    assert "[watching]" in every.stdout and "⚑ (not checked)" in every.stdout
    hits = json.loads(gim(home, "search", "warmth", "--json").stdout)
    assert [h["unchecked"] for h in hits] == [False]  # edited by the guide: ordinary
    hits = json.loads(gim(home, "search", "sun", "--json", "--with-unchecked").stdout)
    assert [h["unchecked"] for h in hits] == [True]


def test_exports_leave_them_out_by_default(home: Path, stored: str, tmp_path: Path) -> None:
    for fmt in ("json", "srt", "eaf"):
        out = tmp_path / f"s.{fmt}"
        result = gim(home, "export", stored, "-f", fmt, "-o", str(out))
        assert result.returncode == 0, result.stderr
        assert INVENTED not in out.read_text() and MARKER not in out.read_text()
        assert "Warmth in my hands and feet" in out.read_text()
    out = tmp_path / "all.json"
    gim(home, "export", stored, "-f", "json", "-o", str(out), "--with-unchecked")
    texts = [s["text"] for s in json.loads(out.read_text())["segments"]]
    assert INVENTED in texts and MARKER in texts


def test_the_series_counts_no_invented_phrase(home: Path, stored: str) -> None:
    second = sample_record("AB12")
    second.session.started_at = "2026-03-19T10:00:00"
    second.segments = [Segment(5.0, 7.0, INVENTED, flagged=True)]
    save(home, second)
    result = gim(home, "series", "AB12")
    assert result.returncode == 0, result.stderr
    assert "watching" not in result.stdout and "next video" not in result.stdout
    assert "4 lines flagged for checking and not yet checked left out" in result.stdout
    every = gim(home, "series", "AB12", "--with-unchecked")
    assert "**next video**: 2 sessions" in every.stdout
    assert "Includes 4 lines not yet checked." in every.stdout

"""`gim sessions delete` leaves nothing of the session findable: rows, search, files, bytes."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_export import gim, save  # same folder: pytest puts it on sys.path

from tests.support.sample import sample_record

SECRETS = (
    "I see a garden",
    "Anna's gate is open",
    "The sun rises over the sea",
    "Stay with that feeling",
    "Good non-directive pacing",
)


def test_delete_leaves_nothing_findable(home: Path) -> None:
    home.mkdir(parents=True, mode=0o700)
    doomed = save(home, sample_record("AB12"))
    kept_record = sample_record("CD34")
    kept_record.session.started_at = "2026-03-06T10:00:00"
    for segment in kept_record.segments:
        segment.text = "A quiet forest path"
    for annotation in kept_record.annotations:
        annotation.text = "forest"
    kept = save(home, kept_record)
    assert doomed in gim(home, "search", "garden", "--json").stdout  # findable before
    assert all(s.encode() in _raw(home) for s in SECRETS)

    result = gim(home, "sessions", "delete", doomed, "--yes")
    assert result.returncode == 0, result.stderr

    assert not (home / "sessions" / doomed).exists()
    assert gim(home, "sessions", "show", doomed).returncode == 2
    listed = json.loads(gim(home, "sessions", "list", "--json").stdout)
    assert [s["id"] for s in listed] == [kept]
    for word in ("garden", "gate", "sea", "feeling", "pacing", "AB12"):
        found = gim(home, "search", word, "--json")
        assert found.returncode == 0, found.stderr
        assert doomed not in found.stdout and json.loads(found.stdout) == []
    # Nor in the database files themselves (free pages, the write-ahead log, FTS shadow
    # tables): deleting a health record must not leave its words readable on disk.
    leftovers = [s for s in SECRETS if s.encode() in _raw(home)]
    assert leftovers == []
    files = [p for p in home.rglob("*") if p.is_file() and doomed in str(p)]
    assert files == []


def _raw(home: Path) -> bytes:
    """The bytes of the database and its write-ahead log."""
    return b"".join(p.read_bytes() for p in sorted(home.glob("gim.db*")) if p.is_file())

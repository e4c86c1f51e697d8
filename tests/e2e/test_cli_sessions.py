"""`gim sessions` and `gim search` as a guide runs them: a real process, a real database file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Annotation, AnnotationKind, Segment, Session, Speaker, Status
from gim.store.db import Store

GIM = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "gim"


def gim(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [str(GIM), *args], capture_output=True, text=True, input=stdin, env=env, timeout=60
    )


def seed(home: Path) -> str:
    home.mkdir(parents=True, exist_ok=True)
    with Store.open(home / "gim.db") as store:
        session = Session(
            id="",
            client="C07",
            program="demo",
            started_at="2026-11-24T15:30:00",
            audio_seconds=95.0,
            status=Status.COMPLETE,
        )
        sid = store.create_session(session).id
        store.add_playback_events(sid, [PlaybackEvent(0, Action.PLAY, 0, 0)])
        store.add_segment(
            sid, Segment(61.0, 64.0, "a heron stands in the reeds", piece=0, piece_offset=61.0)
        )
        store.add_segment(sid, Segment(65.0, 66.0, "What do you notice?", speaker=Speaker.GUIDE))
        store.add_annotation(sid, Annotation(70.0, AnnotationKind.OBSERVATION, "long sigh"))
    audio = home / "sessions" / sid
    audio.mkdir(parents=True)
    (audio / "mic.flac").write_bytes(b"not really audio")
    return sid


def one_line_error(result: subprocess.CompletedProcess[str], status: int = 1) -> str:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_empty_data_home_lists_nothing(home: Path) -> None:
    result = gim("sessions", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert result.stdout.strip() == "[]"
    assert (home / "gim.db").stat().st_mode & 0o777 == 0o600
    assert home.stat().st_mode & 0o777 == 0o700
    assert "No sessions yet" in gim("sessions", "list").stdout


def test_list_show_and_search_a_stored_session(home: Path) -> None:
    sid = seed(home)
    listed = json.loads(gim("sessions", "list", "--json").stdout)
    assert listed == [
        {
            "id": sid,
            "client": "C07",
            "program": "demo",
            "status": "complete",
            "started_at": "2026-11-24T15:30:00",
            "audio_seconds": 95.0,
            "segments": 2,
            "final_pass": None,  # no pass interrupted ("not finished" or "running" otherwise)
        }
    ]
    table = gim("sessions", "list").stdout
    assert sid in table and "1:35" in table and "C07" in table

    shown = json.loads(gim("sessions", "show", sid, "--json").stdout)
    assert shown["id"] == sid and shown["segments"][0]["text"] == "a heron stands in the reeds"
    assert shown["playback"] == [
        {"frame": 0, "action": "play", "piece": 0, "offset": 0, "value": None}
    ]
    assert shown["annotations"][0]["text"] == "long sigh"
    text = gim("sessions", "show", sid).stdout
    assert "1:01  a heron stands in the reeds" in text and "G: What do you notice?" in text

    found = gim("search", "heron")
    assert found.returncode == 0, found.stderr
    assert sid in found.stdout and "1:01" in found.stdout and "[heron]" in found.stdout
    hits = json.loads(gim("search", "heron", "--json").stdout)
    assert [(h["session_id"], h["time"], h["piece"]) for h in hits] == [(sid, 61.0, 0)]
    assert json.loads(gim("search", "heron", "--client", "C99", "--json").stdout) == []
    assert gim("search", '"').returncode == 0


def test_unknown_session_is_bad_input(home: Path) -> None:
    line = one_line_error(gim("sessions", "show", "20990101-0000-x"), status=2)
    assert line == "gim: No session 20990101-0000-x: see gim sessions list."


def test_delete_asks_then_removes_audio_rows_and_search_hits(home: Path) -> None:
    sid = seed(home)
    refused = gim("sessions", "delete", sid, stdin="n\n")
    assert refused.returncode == 1 and (home / "sessions" / sid / "mic.flac").exists()
    assert len(json.loads(gim("sessions", "list", "--json").stdout)) == 1

    agreed = gim("sessions", "delete", sid, stdin="y\n")
    assert agreed.returncode == 0, agreed.stderr
    assert not (home / "sessions" / sid).exists()
    assert json.loads(gim("sessions", "list", "--json").stdout) == []
    assert json.loads(gim("search", "heron", "--json").stdout) == []

    again = seed(home)
    assert gim("sessions", "delete", again, "--yes").returncode == 0
    assert not (home / "sessions" / again).exists()


def test_corrupt_database_is_one_clear_line(home: Path) -> None:
    home.mkdir(parents=True)
    garbage = os.urandom(4096)
    (home / "gim.db").write_bytes(garbage)
    for args in (("sessions", "list", "--json"), ("search", "river")):
        line = one_line_error(gim(*args))
        assert "is damaged: run `gim sessions rebuild`" in line
    assert (home / "gim.db").read_bytes() == garbage


def test_locked_database_is_one_clear_line(home: Path) -> None:
    home.mkdir(parents=True)
    holder = sqlite3.connect(home / "gim.db", isolation_level=None)
    holder.execute("CREATE TABLE other (a)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        line = one_line_error(gim("sessions", "list"))
        assert "in use by another program" in line and "try again" in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_unwritable_data_home_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = gim("--home", str(blocker / "home"), "sessions", "list")
    assert "--home" in one_line_error(result)

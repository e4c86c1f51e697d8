"""Unit tests of the fault paths: a journal or chunk that cannot be written, the disk watch,
program-file bounds, finite numbers, the schema lock and the damaged-database check."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest

from gim.audio import journal as journal_module
from gim.audio import writer
from gim.audio.journal import Journal, replay
from gim.cli.params import seconds
from gim.errors import ProgramError
from gim.library.programs import MAX_NESTING, load_program_file, nesting_depth
from gim.runner import status
from gim.runner.rebuild import damaged, set_aside
from gim.runner.status import DiskWatch
from gim.store.db import Store, _schema_lock
from tests.support.full_disk import FullAfter


def _full(*args: Any, **kwargs: Any) -> int:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_journal_write_on_a_full_disk_goes_to_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s", rate=48000)
    failures: list[OSError] = []
    journal.on_error = failures.append
    real_write = os.write
    monkeypatch.setattr(journal_module.os, "write", _full)
    journal.write("segment", start=1.0, text="lost to the disk")  # no exception here
    assert [f.errno for f in failures] == [errno.ENOSPC]
    monkeypatch.setattr(journal_module.os, "write", real_write)
    journal.write("segment", start=2.0, text="kept")
    journal.close()
    assert [s["text"] for s in replay(tmp_path).segments] == ["kept"]


def test_a_torn_journal_line_does_not_swallow_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    journal.on_error = lambda exc: None
    real_write = os.write

    def half(fd: int, data: bytes) -> int:
        return real_write(fd, data[: len(data) // 2])  # a full disk takes part of a line

    monkeypatch.setattr(journal_module.os, "write", half)
    journal.write("segment", start=1.0, text="torn")
    monkeypatch.setattr(journal_module.os, "write", real_write)
    journal.write("segment", start=2.0, text="whole")
    journal.close()
    assert [s["text"] for s in replay(tmp_path).segments] == ["whole"]


def test_a_journal_without_an_owner_still_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    monkeypatch.setattr(journal_module.os, "write", _full)
    with pytest.raises(OSError):
        journal.write("segment", start=1.0, text="x")


def test_a_chunk_on_a_full_disk_is_an_oserror_and_leaves_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    real_sink = writer._Sink
    monkeypatch.setattr(writer, "_Sink", lambda raw: real_sink(FullAfter(raw, 2000)))
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, (48000, 1)).astype(np.float32)
    with pytest.raises(OSError) as caught:
        writer.write_durably(tmp_path / "000000.flac", noise, 48000)
    assert caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
    assert "Exception ignored" not in capfd.readouterr().err  # nothing from the C callback


def test_joining_on_a_full_disk_is_an_oserror_and_keeps_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s", rate=48000, mic_channels=1, out_channels=2)
    mic = writer.ChunkWriter(tmp_path, "mic", 48000, 1, journal)
    rng = np.random.default_rng(2)
    for n in range(3):
        mic.write(n * 48000, rng.uniform(-0.5, 0.5, (48000, 1)).astype(np.float32))
    journal.close()
    chunks = sorted((tmp_path / "mic").iterdir())
    real_sink = writer._Sink
    monkeypatch.setattr(writer, "_Sink", lambda raw: real_sink(FullAfter(raw, 50_000)))
    with pytest.raises(OSError):
        writer.finish_audio(tmp_path)
    assert sorted((tmp_path / "mic").iterdir()) == chunks
    assert not (tmp_path / "mic.flac.part").exists() and not (tmp_path / "mic.flac").exists()
    monkeypatch.setattr(writer, "_Sink", real_sink)
    assert writer.finish_audio(tmp_path) == pytest.approx(3.0)


def test_the_disk_watch_warns_once_per_threshold_from_the_measured_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    free = {"bytes": 100 * 60 * 1000}  # 100 minutes at 1000 bytes a second

    class Usage:
        def __init__(self) -> None:
            self.free = free["bytes"]

    monkeypatch.setattr(status.shutil, "disk_usage", lambda path: Usage())
    watch = DiskWatch(tmp_path, bytes_per_second=10_000)  # the worst case: 10 minutes
    assert watch.check(0.0) is None  # not measured yet, and more than a minute left
    said = []
    for second in range(1, 6000, 10):
        free["bytes"] = max(0, 100 * 60 * 1000 - second * 1000)
        text = watch.check(float(second))
        if text:
            said.append((second, text))
    assert [s for s, _ in said] == [5401, 5881]  # 10 and 2 minutes before the disk is full
    assert "about 10 minutes" in said[0][1] or "about 9 minutes" in said[0][1]
    assert "minutes more of recording" in said[1][1] or "a minute" in said[1][1]


def test_nesting_depth_reads_structure_not_strings() -> None:
    assert nesting_depth('a = "[[[[[[[[[["\n[[pieces]]\nb = [1, [2]]\n') == 2
    assert nesting_depth("# [[[[[[[[[[[\n") == 0
    assert nesting_depth("a = " + "{x = " * 50 + "1" + "}" * 50) == 50


def test_program_bombs_are_one_sentence(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))
    with pytest.raises(ProgramError, match="levels deep"):
        load_program_file(deep)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (300 * 1024))
    with pytest.raises(ProgramError, match="more than a program ever needs"):
        load_program_file(big)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "-1", "86401"])
def test_seconds_refuse_what_is_not_a_length(text: str) -> None:
    with pytest.raises(click.BadParameter):
        seconds(0).convert(text, None, None)


def test_seconds_take_a_length() -> None:
    assert seconds(1).convert("90.5", None, None) == 90.5


def test_the_schema_lock_serialises_first_opens(tmp_path: Path) -> None:
    order: list[str] = []
    with _schema_lock(tmp_path):
        other = threading.Thread(
            target=lambda: (Store.open(tmp_path / "gim.db").close(), order.append("other"))
        )
        other.start()
        time.sleep(0.3)
        order.append("first")
    other.join(10)
    assert order == ["first", "other"]


def test_damaged_tells_damage_from_an_empty_or_sound_file(tmp_path: Path) -> None:
    path = tmp_path / "gim.db"
    assert not damaged(path)  # missing
    path.write_bytes(b"")
    assert not damaged(path)  # empty: nothing to set aside
    path.unlink()
    Store.open(path).close()
    assert not damaged(path)
    path.write_bytes(os.urandom(4096))
    assert damaged(path)
    aside = set_aside(path)
    assert not path.exists() and aside.name.startswith("gim.db.damaged-")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(aside).execute("SELECT 1 FROM sqlite_master").fetchall()


def test_the_store_refuses_to_delete_a_session_being_recorded(tmp_path: Path) -> None:
    import fcntl

    from gim.core.session import Session
    from gim.errors import SessionInUseError

    sessions = tmp_path / "sessions"
    with Store.open(tmp_path / "gim.db") as store:
        sid = store.create_session(Session("", "c1", "demo", "2026-11-30T04:00:00")).id
        folder = sessions / sid
        folder.mkdir(parents=True)
        fd = os.open(folder / "session.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as the recorder holds it
        try:
            with pytest.raises(SessionInUseError, match="is being recorded right now"):
                store.delete_session(sid, sessions)
            assert folder.is_dir() and store.get_session(sid).id == sid
        finally:
            os.close(fd)
        store.delete_session(sid, sessions)
        assert not folder.exists()

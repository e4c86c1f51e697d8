"""A final pass killed part way, or never begun (a kill between the end of the recording
and its final pass), says so in `sessions list` / `show` (text and --json) until
`gim sessions transcribe ID` finishes it; gaps are listed by `show`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gim.core.session import Session, Status
from gim.runner.final_mark import FINAL_MARK
from gim.store.db import Store
from tests.support.headless import (
    first_mic_chunk,
    gim_env,
    kill_9,
    make_sure_ended,
    run_gim,
    start_session,
)

HOLD = """
import sys, time
from pathlib import Path
from gim.runner.final_mark import final_pass_running
with final_pass_running(Path(sys.argv[1])):
    print("running", flush=True)
    time.sleep(60)
"""


def gim(*args: str) -> subprocess.CompletedProcess[str]:
    """``gim ARGS`` on the data home the ``home`` fixture exported."""
    return run_gim(*args, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=60)


def test_a_killed_final_pass_is_not_finished_and_gaps_are_shown(home: Path) -> None:
    home.mkdir(parents=True)
    with Store.open(home / "gim.db") as store:
        sid = store.create_session(
            Session(
                id="",
                client="C09",
                program="demo",
                started_at="2026-11-24T15:30:00",
                audio_seconds=900.0,
                status=Status.COMPLETE,
                gaps=[(723.4, 733.9)],
            )
        ).id
    folder = home / "sessions" / sid
    folder.mkdir(parents=True)
    held = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert held.stdout is not None and held.stdout.readline().strip() == "running"
    shown = gim("sessions", "show", sid, "--json")
    assert json.loads(shown.stdout)["final_pass"] == "running"
    second = gim("sessions", "transcribe", sid)  # refused at once, not queued behind it
    assert second.returncode == 1, second.stderr
    assert second.stderr.strip() == (
        f"gim: The final pass of session {sid} is already running: wait for it to end."
    )
    kill_9(held)  # killed during its final pass
    time.sleep(0.1)

    listed = gim("sessions", "list")
    assert "complete, final pass: not finished" in listed.stdout, listed.stdout
    shown = gim("sessions", "show", sid)
    assert "final pass: not finished" in shown.stdout
    assert f"gim sessions transcribe {sid}" in shown.stdout
    assert "12:03  to 12:13  (10.5 s)" in shown.stdout
    data = json.loads(gim("sessions", "show", sid, "--json").stdout)
    assert data["final_pass"] == "not finished"
    assert data["gaps"] == [{"start": 723.4, "end": 733.9}]
    exported = gim("export", sid, "-o", "-")
    assert "recording gap 12:03–12:13" in exported.stdout, exported.stderr


def ended(db: Path) -> bool:
    """Whether the session's end is in the database (read-only, beside the writer)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT ended_at FROM sessions").fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


@pytest.mark.audio
@pytest.mark.slow
@pytest.mark.whisper
def test_a_kill_between_the_end_and_the_final_pass_leaves_it_not_finished(
    sink_env: dict[str, str], home: Path
) -> None:
    env = gim_env(home, sink_env)
    proc = start_session(env, "k10", duration=12)  # transcribed: a final pass follows
    try:
        folder = first_mic_chunk(home, proc)
        while proc.poll() is None and not ended(home / "gim.db"):
            time.sleep(0.003)
        kill_9(proc)  # the recording has ended; its final pass not begun
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        make_sure_ended(proc)
    assert proc.returncode == -signal.SIGKILL, err
    assert "final transcription" not in err  # killed before the pass did any work
    sid = folder.name

    listed = run_gim("sessions", "list", env=env)
    assert "complete, final pass: not finished" in listed.stdout, listed.stdout + listed.stderr
    shown = run_gim("sessions", "show", sid, env=env)
    assert f"final pass: not finished (`gim sessions transcribe {sid}`" in shown.stdout
    assert (
        json.loads(run_gim("sessions", "show", sid, "--json", env=env).stdout)["final_pass"]
        == "not finished"
    )

    done = run_gim("sessions", "transcribe", sid, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "finishing the final pass that was interrupted" in done.stderr
    assert (
        json.loads(run_gim("sessions", "show", sid, "--json", env=env).stdout)["final_pass"] is None
    )
    assert "final pass" not in run_gim("sessions", "list", env=env).stdout
    assert not (folder / FINAL_MARK).exists()

"""A final pass killed part way says so in `sessions list` / `show` (text and --json)
until `gim sessions transcribe ID` finishes it; gaps are listed by `show`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gim.core.session import Session, Status
from gim.store.db import Store

GIM = [sys.executable, "-m", "gim"]
HOLD = """
import sys, time
from pathlib import Path
from gim.runner.recovery import final_pass_running
with final_pass_running(Path(sys.argv[1])):
    print("running", flush=True)
    time.sleep(60)
"""


def gim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GIM, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


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
    held.send_signal(signal.SIGKILL)  # killed during its final pass
    held.wait(10)
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

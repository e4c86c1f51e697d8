"""Closing the terminal during a session (issue 22): in each phase of the arc, the tmux
window running `gim session run` is killed (SIGHUP to gim and its children); within
seconds no gim process is left (the Whisper child, the rolling pass, the resource
tracker included) and the session is saved and complete."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.headless import gim_env, run_gim
from tests.support.terminal import GIM_BIN, Terminal, require_tmux

MUSIC = "music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"
pytestmark = [pytest.mark.tui, pytest.mark.audio, pytest.mark.slow]

KEYS = {
    "prelude": [],
    "induction": ["."],
    "music": ["s"],
    "return": ["s", "."],
    "postlude": ["s", ".", "."],
}
"""The guide's keys that bring the session into each phase."""


def family(pid: int) -> set[int]:
    """``pid`` and every process below it."""
    found = {pid}
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    for line in children.stdout.split():
        found |= family(int(line))
    return found


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie waiting to be reaped has ended)."""
    alive = set()
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if "\nState:\tZ" not in status:
            alive.add(pid)
    return alive


@pytest.mark.parametrize("phase", list(KEYS))
def test_closing_the_terminal_saves_ends_and_leaves_no_process(
    phase: str, sink_env: dict[str, str], home: Path, shared_data: Path, tmp_path: Path
) -> None:
    require_tmux()
    env = {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color", **sink_env}
    piece = tmp_path / "piece.wav"
    trim = ["sox", str(shared_data / MUSIC), "-r", "48000", str(piece), "trim", "0", "60"]
    subprocess.run(trim, check=True, timeout=60)
    made = run_gim(
        *("programs", "new", "Hangup", str(piece), "--slug", "hangup"),
        env=gim_env(home, sink_env),
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    name = f"gim-hup-{phase}-{os.getpid()}"
    term = Terminal(name, [GIM_BIN, "session", "run", "--program", "hangup", "--client", "H1"], env)
    try:
        term.wait_for("● recording", 120)
        for key in KEYS[phase]:
            term.press(key)
            time.sleep(0.5)
        term.wait_for(f"● {phase}", 30)
        time.sleep(2)
        shown = subprocess.run(
            ["tmux", "display-message", "-p", "-t", name, "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        )
        pids = family(int(shown.stdout))
        closed = time.monotonic()
        term.close()  # the window closes: SIGHUP
        while running(pids) and time.monotonic() - closed < 60:
            time.sleep(0.2)
        took = time.monotonic() - closed
    finally:
        term.close()
    assert not running(pids), f"still running after the window closed: {running(pids)}"
    print(f"{phase}: every gim process gone {took:.1f} s after the window closed")
    listed = run_gim("sessions", "list", "--json", env=gim_env(home, sink_env))
    [session] = json.loads(listed.stdout)
    assert session["status"] == "complete", session
    assert session["audio_seconds"] > 1

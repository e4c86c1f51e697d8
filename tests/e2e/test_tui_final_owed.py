"""The app's path to "final pass: not finished" in a real terminal (tmux, 80x24) on a real
PulseAudio null sink: the guide ends a session and quits on the end screen before its
final pass is done; `gim sessions list` says so, `gim review` offers R, and R finishes it."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_tui_arc import MUSIC, POSTLUDE_SPEECH, RETURN_SPEECH, wav
from tests.support.headless import gim_env, run_gim
from tests.support.terminal import GIM_BIN, Terminal, require_tmux

pytestmark = [pytest.mark.tui, pytest.mark.audio, pytest.mark.whisper, pytest.mark.slow]


def test_quitting_on_the_end_screen_leaves_the_final_pass_for_review(
    sink_env: dict[str, str], home: Path, shared_data: Path, tmp_path: Path
) -> None:
    require_tmux()
    env = {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color", **sink_env}
    run_env = gim_env(home, sink_env)
    piece = wav(shared_data / MUSIC, tmp_path / "piece.wav", "trim", "0", "30")
    made = run_gim("programs", "new", "Owed", str(piece), "--slug", "owed", env=run_env)
    assert made.returncode == 0, made.stderr
    # The shell stays a moment after gim exits, so what it printed can be read.
    session = f"{GIM_BIN} session run --program owed --client OW1"
    term = Terminal(
        f"gim-owed-{os.getpid()}", ["sh", "-c", f"'{session}; sleep 30'"], env, size=(80, 24)
    )
    try:
        term.wait_for("s start music", 120)
        term.wait_for("● recording")
        term.press("s")
        term.wait_for("left · playing", 30)
        # Speech over the music: stretches the final pass must decode one by one, so it is
        # still at work when the guide leaves (music alone leaves it nothing to do).
        for speech in (RETURN_SPEECH, POSTLUDE_SPEECH):
            said = wav(shared_data / speech, tmp_path / Path(speech).name)
            subprocess.run(
                ["paplay", f"--device={sink_env['PULSE_SINK']}", str(said)], check=True, timeout=60
            )
            time.sleep(1.0)
        term.end_session()
        term.press("C-q")  # the guide leaves at once, before the final pass is done
        shown = term.wait_for("gim closed.", 60)
        assert "Final pass done" not in shown
    finally:
        term.close()
    (listed,) = json.loads(run_gim("sessions", "list", "--json", env=run_env).stdout)
    assert listed["final_pass"] == "not finished", listed
    sid = listed["id"]
    assert "complete, final pass: not finished" in run_gim("sessions", "list", env=run_env).stdout

    review = Terminal(f"gim-owed-review-{os.getpid()}", [GIM_BIN, "review", sid], env)
    try:
        review.wait_for("final pass: not finished", 60)  # offered: R finishes it
        review.press("R")
        review.wait_for("Transcribe this session again?")
        review.press("y")
        review.wait_for("Transcribed again", 600)
        review.press("C-q")
    finally:
        review.close()
    (listed,) = json.loads(run_gim("sessions", "list", "--json", env=run_env).stdout)
    assert listed["final_pass"] is None, listed

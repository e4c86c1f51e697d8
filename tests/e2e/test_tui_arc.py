"""A guide's whole session in a real terminal (tmux, 80x24) on a real PulseAudio null sink:
prelude, induction, music on the guide's key, return when the piece ends, postlude, end
with a confirmation; with whole-session consent the return and the postlude are recorded
and transcribed. Speech is played into the test's own sink, as a client would speak."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.headless import gim_env, run_gim
from tests.support.terminal import GIM_BIN, Terminal, require_tmux

RATE = 48000
MUSIC = "music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"
RETURN_SPEECH = "speech/ljspeech/LJ001-0001.wav"  # "Printing, in the only sense ..."
POSTLUDE_SPEECH = "speech/ljspeech/LJ001-0003.wav"  # "For although the Chinese took ..."
pytestmark = [pytest.mark.tui, pytest.mark.audio, pytest.mark.whisper, pytest.mark.slow]


def wav(source: Path, target: Path, *effects: str) -> Path:
    subprocess.run(
        ["sox", str(source), "-r", str(RATE), str(target), *effects], check=True, timeout=60
    )
    return target


def test_a_guide_walks_the_arc_and_the_return_and_postlude_are_kept(
    sink_env: dict[str, str], home: Path, shared_data: Path, tmp_path: Path
) -> None:
    require_tmux()
    own_sink = sink_env["PULSE_SINK"]
    env = {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color", **sink_env}
    piece = wav(shared_data / MUSIC, tmp_path / "sugar_plum.wav", "trim", "0", "8")
    speech = [
        wav(shared_data / RETURN_SPEECH, tmp_path / "return.wav"),
        wav(shared_data / POSTLUDE_SPEECH, tmp_path / "postlude.wav"),
    ]
    run_env = gim_env(home, sink_env)
    made = run_gim("programs", "new", "Arc", str(piece), "--slug", "arc", env=run_env, timeout=60)
    assert made.returncode == 0, made.stderr

    def say(path: Path) -> None:
        subprocess.run(["paplay", f"--device={own_sink}", str(path)], check=True, timeout=60)

    term = Terminal(
        f"gim-arc-{os.getpid()}",
        [GIM_BIN, "session", "run", "--program", "arc", "--client", "AR3", "--consent", "session"],
        env,
        size=(80, 24),
    )
    try:
        term.wait_for("s start music", 120)  # tmux may capture half a frame: wait for each
        term.wait_for("● prelude")
        term.wait_for("No music yet")
        term.wait_for("● recording")
        time.sleep(3.0)  # the prelude: talk, no music
        term.press(".")
        term.wait_for("● induction")
        time.sleep(2.0)
        term.press("s")
        shown = term.wait_for("left · playing", 30)  # the piece plays; its time left shows
        assert "● music" in shown
        term.wait_for("● return", 60)  # the piece ended: return, the session goes on
        assert "● recording" in term.screen()
        time.sleep(1.5)  # speech well inside each phase: a line's start may lead its sound
        say(speech[0])
        time.sleep(2.0)
        term.press(".")
        term.wait_for("● postlude")
        time.sleep(1.5)
        say(speech[1])
        time.sleep(2.0)
        term.end_session()
        term.wait_for("Final pass done", 600)
        term.press("C-q")
    finally:
        term.close()
    listed = run_gim("sessions", "list", "--json", env=run_env, timeout=60)
    (session,) = json.loads(listed.stdout)
    data = json.loads(run_gim("sessions", "show", session["id"], "--json", env=run_env).stdout)
    starts = {p["phase"]: p["start"] for p in data["phases"]}
    assert list(starts) == ["prelude", "induction", "music", "return", "postlude"]
    assert starts["induction"] >= 1.5 and starts["music"] >= starts["induction"] + 1.0
    back = " ".join(
        s["text"].lower()
        for s in data["segments"]
        if starts["return"] <= s["start"] < starts["postlude"]
    )
    after = " ".join(
        s["text"].lower() for s in data["segments"] if s["start"] >= starts["postlude"]
    )
    said = [(s["start"], s["end"], s["text"][:30]) for s in data["segments"]]
    assert "printing" in back or "arts and crafts" in back, (starts, said)
    assert "chinese" in after or "wood" in after, (starts, said)
    assert all(s["piece"] is None for s in data["segments"] if s["start"] >= starts["return"])

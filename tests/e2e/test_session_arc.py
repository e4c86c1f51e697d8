"""The headless contract of a session's arc on a real PulseAudio null sink: recording from
0, music from --music-at, the session to --duration, speech after the music kept."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.headless import gim_env, make_sure_ended, run_gim, start_session

RATE = 48000
SPEECH = "speech/ljspeech/LJ001-0001.wav"  # "Printing, in the only sense with which we ..."
MUSIC = "music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"


@pytest.mark.audio
@pytest.mark.whisper
@pytest.mark.slow
def test_music_at_5_for_45_s_keeps_the_return_and_its_speech(
    sink_env: dict[str, str], home: Path, shared_data: Path, tmp_path: Path
) -> None:
    env = gim_env(home, sink_env)
    music = tmp_path / "music"
    music.mkdir()
    piece = music / "sugar_plum.wav"
    subprocess.run(
        ["sox", str(shared_data / MUSIC), "-r", str(RATE), str(piece), "trim", "0", "10"],
        check=True,
        timeout=60,
    )
    speech = tmp_path / "speech.wav"  # paplay plays WAV: convert the recording with sox
    subprocess.run(
        ["sox", str(shared_data / SPEECH), "-r", str(RATE), "-c", "1", str(speech)],
        check=True,
        timeout=60,
    )
    made = run_gim("programs", "new", "Arc test", str(piece), "--slug", "arc-test", env=env)
    assert made.returncode == 0, made.stderr
    other = tmp_path / "other.wav"
    subprocess.run(
        ["sox", "-n", "-r", str(RATE), str(other), "synth", "10", "sine", "440"],
        check=True,
        timeout=30,
    )
    linked = run_gim("programs", "link", "arc-test", "--piece", "1", str(piece), env=env)
    assert linked.returncode == 0 and "now plays" in linked.stdout, linked.stderr

    # the contract's defaults: recording from 0 (whole-session consent)
    proc = start_session(env, "arc1", "--music-at", "5", program="arc-test", duration=45)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # "gim: session ... started"
        assert "started" in line, line + proc.stderr.read()
        time.sleep(20.0)  # the music played 5-15 s: speak in the return
        subprocess.run(
            ["paplay", f"--device={sink_env['PULSE_SINK']}", str(speech)],
            check=True,
            timeout=60,
            env=env,
        )
        out, err = proc.communicate(timeout=600)
    finally:
        make_sure_ended(proc)
    assert proc.returncode == 0, err
    session_id = out.strip().splitlines()[-1]
    shown = run_gim("sessions", "show", session_id, "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert abs(data["audio_seconds"] - 45) <= 0.5  # the session ran to --duration, no longer
    phases = {p["phase"]: p["start"] for p in data["phases"]}
    assert list(phases) == ["prelude", "music", "return"]
    assert phases["prelude"] < 0.5 and 4.9 <= phases["music"] < 5.6
    play = next(e for e in data["playback"] if e["action"] == "play")
    assert 5.0 <= play["frame"] / RATE < 6.0  # the music logged from 5 s
    assert 14.9 <= phases["return"] < 17.0  # the 10 s piece ended: return, still recording
    late = [s for s in data["segments"] if s["start"] > phases["return"]]
    words = " ".join(s["text"].lower() for s in late)
    assert "printing" in words or "arts and crafts" in words, data["segments"]
    assert all(s["piece"] is None for s in late)


def test_unlinked_pieces_refuse_to_start_in_one_sentence(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "GIM_HOME": str(home)}
    piece = tmp_path / "a.wav"
    subprocess.run(
        ["sox", "-n", "-r", "16000", str(piece), "synth", "3", "sine", "440"],
        check=True,
        timeout=30,
    )
    made = run_gim("programs", "new", "Two", str(piece), str(piece), "--slug", "two", env=env)
    assert made.returncode == 0, made.stderr
    links = home / "links" / "two.toml"
    text = links.read_text()
    links.write_text(text[: text.rindex("[[pieces]]")])  # piece 2 loses its file
    run = run_gim(
        "session",
        "run",
        "--program",
        "two",
        "--client",
        "c",
        "--headless",
        "--duration",
        "5",
        env=env,
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "Piece(s) 2 of two" in run.stderr
    assert "--skip-missing" in run.stderr
    in_app = run_gim("session", "run", "--program", "two", "--client", "c", env=env)
    assert in_app.returncode == 2 and "Piece(s) 2 of two" in in_app.stderr  # before the app

"""A second `gim session run` while one records is refused in one sentence naming the
running session (issue 22: it used to record the same room twice, silently)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from gim.audio.synth import ensure_demo_audio
from gim.config import Settings
from tests.support.headless import first_mic_chunk, gim_env, run_gim, start_session

pytestmark = [pytest.mark.audio, pytest.mark.slow]


def test_a_second_session_is_refused_while_one_records(
    home: Path, sink_env: dict[str, str]
) -> None:
    ensure_demo_audio(Settings(home=home))
    env = gim_env(home, sink_env)
    first = start_session(env, "R1", "--no-transcribe")
    try:
        running = first_mic_chunk(home, first).name
        second = run_gim(
            *("session", "run", "--program", "demo", "--client", "R2", "--headless"),
            *("--duration", "5", "--no-transcribe"),
            env=env,
        )
        assert second.returncode == 1, second.stderr
        [line] = second.stderr.strip().splitlines()
        assert line == (
            f"gim: Session {running} is recording right now in another gim: end it first "
            "(two sessions would record the same room twice)."
        )
        assert first.poll() is None  # the first one goes on
        assert [p.name for p in (home / "sessions").iterdir() if p.is_dir()] == [running]
    finally:
        first.send_signal(2)
        first.communicate(timeout=120)
    assert first.returncode == 0


def test_two_sessions_started_at_the_same_instant_one_records_one_is_refused(
    home: Path, sink_env: dict[str, str]
) -> None:
    ensure_demo_audio(Settings(home=home))
    env = gim_env(home, sink_env)
    earlier: set[str] = set()
    for round_ in range(4):  # (the race, if any, is won differently each time)
        both = [start_session(env, f"S{round_}{n}", "--no-transcribe") for n in "ab"]
        try:
            refused = wait_for_one_to_end(both)
            recording = next(p for p in both if p is not refused)
            assert refused.returncode == 1, refused.stderr
            assert refused.stderr is not None
            [line] = refused.stderr.read().strip().splitlines()
            running = new_recording(home, earlier)
            earlier.add(running)
            assert line == (
                f"gim: Session {running} is recording right now in another gim: end it "
                "first (two sessions would record the same room twice)."
            )
            assert recording.poll() is None  # the other one goes on
            folders = {p.name for p in (home / "sessions").iterdir() if p.is_dir()}
            assert folders == earlier  # the refused one left nothing behind
        finally:
            for proc in both:
                if proc.poll() is None:
                    proc.send_signal(2)
                    proc.communicate(timeout=120)
        assert recording.returncode == 0


def wait_for_one_to_end(procs: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """The first of ``procs`` to end (within two minutes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                return proc
        time.sleep(0.05)
    raise AssertionError("neither session ended: both are recording")


def new_recording(home: Path, earlier: set[str]) -> str:
    """The session folder, not in ``earlier``, whose journal lists microphone audio."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for journal in home.glob("sessions/*/journal.jsonl"):
            if journal.parent.name not in earlier and '"track":"mic"' in journal.read_text():
                return journal.parent.name
        time.sleep(0.05)
    raise AssertionError("no new session recorded microphone audio")

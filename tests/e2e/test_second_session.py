"""A second `gim session run` while one records is refused in one sentence naming the
running session (issue 22: it used to record the same room twice, silently)."""

from __future__ import annotations

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

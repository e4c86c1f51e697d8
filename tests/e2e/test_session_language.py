"""A session's language: asked with --language, kept as the client's for their next
session, recorded with the session, and refused before anything records when the model is
English-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.headless import gim_env, run_gim


def test_an_english_only_model_refuses_danish_before_recording(home: Path) -> None:
    env = gim_env(home)
    done = run_gim(
        "session", "run", "--program", "demo", "--client", "D1", "--language", "da",
        "--headless", "--duration", "5", env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "gim: The model tiny.en transcribes English only: for Danish choose a multilingual "
        "model (gim models list shows them; gim models get fetches one)."
    ]
    assert not (home / "sessions").exists() or not any((home / "sessions").iterdir())
    bad = run_gim("session", "run", "--program", "demo", "--client", "D1", "--language",
                  "dk", "--headless", env=env)  # fmt: skip
    assert bad.returncode == 2 and "Unknown language 'dk'" in bad.stderr


@pytest.mark.audio
@pytest.mark.slow
def test_the_language_is_the_sessions_and_then_the_clients(
    sink_env: dict[str, str], home: Path
) -> None:
    home.mkdir(mode=0o700)
    (home / "settings.toml").write_text('model = "base"\n')
    env = gim_env(home, sink_env)
    args = ("session", "run", "--program", "demo", "--client", "D2", "--headless",
            "--duration", "3", "--no-transcribe")  # fmt: skip
    first = run_gim(*args, "--language", "da", env=env)
    assert first.returncode == 0, first.stderr
    second = run_gim(*args, env=env)  # no --language: the client's last
    assert second.returncode == 0, second.stderr
    listed = json.loads(run_gim("sessions", "list", "--json", env=env).stdout)
    for session in listed:
        shown = json.loads(run_gim("sessions", "show", session["id"], "--json", env=env).stdout)
        assert shown["language"] == "da"
    text = run_gim("sessions", "show", listed[0]["id"], env=env).stdout
    assert "language  Danish (da)" in text
    # The journal keeps the language: a rebuilt database knows it too.
    (home / "gim.db").write_bytes(b"")
    for side in home.glob("gim.db-*"):
        side.unlink()
    rebuilt = run_gim("sessions", "rebuild", "--no-transcribe", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    for session in json.loads(run_gim("sessions", "list", "--json", env=env).stdout):
        shown = json.loads(run_gim("sessions", "show", session["id"], "--json", env=env).stdout)
        assert shown["language"] == "da"

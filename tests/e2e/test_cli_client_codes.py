"""`gim session run --client` refuses a name in one sentence (exit 2) before anything
starts, and names nothing on disk; `--allow-name` lets a guide insist."""

from __future__ import annotations

from pathlib import Path

from tests.support.headless import gim_env, run_gim


def test_a_name_as_client_is_refused_in_one_sentence(home: Path) -> None:
    args = ("session", "run", "--program", "demo", "--client", "Anna Smith", "--headless")
    result = run_gim(*args, "--duration", "2", env=gim_env(home))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith('gim: "Anna Smith" looks like a name: give the client a code')
    assert not list(home.glob("sessions/*anna*"))


def test_the_help_names_allow_name(home: Path) -> None:
    result = run_gim("session", "run", "--help", env=gim_env(home))
    assert "--allow-name" in result.stdout

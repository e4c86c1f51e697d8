"""The demo keeps its session in a data home of its own unless one is asked for (issue 22:
demo sessions appeared among the guide's real sessions, clients and search)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import gim.cli.demo as demo_module
import gim.config
from gim.cli import cli


@pytest.fixture
def no_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default data home is ``tmp_path/default``; the demo opens its store (making its
    data home) and runs no session."""
    monkeypatch.delenv("GIM_HOME", raising=False)
    monkeypatch.setattr(gim.config, "default_home", lambda: tmp_path / "default")
    monkeypatch.setattr(demo_module, "run_demo", lambda *args, **kwargs: "none")


def test_the_demo_lives_apart_unless_asked(no_session: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--headless", "--no-transcribe"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "default" / "demo" / "gim.db").is_file()
    assert not (tmp_path / "default" / "gim.db").exists()  # the guide's home: untouched
    assert "keeps its session apart from yours" in result.output
    asked = tmp_path / "asked"
    result = CliRunner().invoke(cli, ["--home", str(asked), "demo", "--headless"])
    assert result.exit_code == 0, result.output
    assert (asked / "gim.db").is_file() and not (asked / "demo").exists()

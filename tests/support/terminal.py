"""A real terminal for end-to-end tests of the app: a detached tmux session running one
command at a fixed size, read back with ``tmux capture-pane -p`` as a guide reads it."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GIM_BIN = str(ROOT / ".venv" / "bin" / "gim")
"""The worktree's own `gim` launcher, as a guide starts it."""


def require_tmux() -> None:
    """Fail the test in one sentence when tmux is not installed."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/system-deps.sh test")


class Terminal:
    """A detached tmux session of ``size`` (columns, rows) running ``command`` with only
    ``env`` exported to it."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        size: tuple[int, int] = (100, 30),
    ) -> None:
        self.name = name
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        line = f"env {exports} {' '.join(command)}"
        columns, rows = size
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", str(columns), "-y", str(rows), line],
            check=True,
            timeout=10,
        )

    def screen(self) -> str:
        """The pane's text now."""
        result = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return result.stdout

    def wait_for(self, text: str, seconds: float = 60.0) -> str:
        """Poll the pane until ``text`` shows (a bound on waiting, not a timing assertion)."""
        deadline = time.monotonic() + seconds
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")

    def wait_gone(self, text: str, seconds: float = 30.0) -> str:
        """Poll the pane until ``text`` no longer shows; the screen then."""
        deadline = time.monotonic() + seconds
        shown = self.screen()
        while text in shown and time.monotonic() < deadline:
            time.sleep(0.2)
            shown = self.screen()
        assert text not in shown, f"{text!r} never went; the screen was:\n{shown}"
        return shown

    def press(self, *keys: str) -> None:
        """Send keys as tmux names them ("C-q", "Enter", "y")."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True, timeout=10)

    def end_session(self) -> None:
        """End the live session as a guide does (ctrl+e, then y to confirm) and wait until
        the end screen shows the final transcription pass under way."""
        self.press("C-e")
        self.wait_for("End the session now?")
        self.press("y")
        self.wait_for("Final transcription pass", 60)

    def close(self) -> None:
        """End the tmux session (and what runs in it)."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)

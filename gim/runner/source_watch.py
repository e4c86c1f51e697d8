"""Noticing when PulseAudio moves the microphone's stream to another source.

PortAudio (through sounddevice) cannot see which PulseAudio source its capture stream is
attached to, so a stream that PulseAudio moves (the default source changed, a device was
plugged in, someone used pavucontrol) would record another microphone silently. A thread
asks ``pactl`` at a low rate which source this process's capture stream reads from, and
which source is the default, and reports a change in one sentence. Without ``pactl`` (not
PulseAudio, or not installed) it does nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable


def _pactl(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["pactl", *args],
            capture_output=True,
            text=True,
            timeout=3,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def capture_sources(pid: int) -> list[str]:
    """Names of the sources this process's capture streams read from ([] if unknown)."""
    listing, short = _pactl("list", "source-outputs"), _pactl("list", "short", "sources")
    if listing is None or short is None:
        return []
    names = {}
    for line in short.splitlines():
        parts = line.split("\t")
        if len(parts) > 1:
            names[parts[0]] = parts[1]
    found = []
    for block in listing.split("Source Output #")[1:]:
        source, owner = None, None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("Source:"):
                source = line.split(":", 1)[1].strip()
            elif line.startswith("application.process.id ="):
                owner = line.split("=", 1)[1].strip().strip('"')
        if owner == str(pid) and source is not None:
            found.append(names.get(source, source))
    return found


def default_source() -> str | None:
    """The server's default source, or None when it cannot be asked."""
    info = _pactl("info")
    if info is None:
        return None
    for line in info.splitlines():
        if line.startswith("Default Source:"):
            return line.split(":", 1)[1].strip()
    return None


class SourceWatch:
    """Reports (``warn``) when the capture stream moves or the default source changes.

    Args:
        warn: receives one sentence for the guide.
        every: seconds between two looks.
        pid: the process whose capture stream is watched (default: this one).
    """

    def __init__(
        self, warn: Callable[[str], None], every: float = 2.0, pid: int | None = None
    ) -> None:
        self._warn = warn
        self._every = every
        self._pid = pid or os.getpid()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def available() -> bool:
        """Whether ``pactl`` is installed and answers."""
        return shutil.which("pactl") is not None and default_source() is not None

    def start(self) -> None:
        """Begin watching in a background thread."""
        self._thread = threading.Thread(target=self._run, name="source-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        source: str | None = None
        default = default_source()
        while not self._stop.wait(self._every):
            now = capture_sources(self._pid)
            if len(now) == 1:
                if source is not None and now[0] != source:
                    self._warn(
                        f"The microphone input moved from {source} to {now[0]} "
                        "(the sound system changed it): check that the right "
                        "microphone is recording."
                    )
                source = now[0]
            new_default = default_source()
            if new_default is not None and default is not None and new_default != default:
                if source != new_default:
                    self._warn(
                        f"The system's default input changed from {default} to "
                        f"{new_default}; gim keeps recording from "
                        f"{source or default}."
                    )
                default = new_default
            elif new_default is not None:
                default = new_default

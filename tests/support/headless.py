"""Setting up end-to-end runs of gim as a guide runs it: a private null sink, the
environment that makes it a process's devices, `gim session run --headless` in the
background, and waiting for its first microphone audio on disk."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GIM = [sys.executable, "-m", "gim"]
"""How tests run the gim command (the worktree's own interpreter)."""
RATE = 48000
_sinks = itertools.count()


@contextmanager
def null_sink(prefix: str = "gim_test") -> Iterator[dict[str, str]]:
    """A PulseAudio null sink of this test alone (the server must be running); yields the
    environment that makes it, and its monitor, a process's speakers and microphone."""
    name = f"{prefix}_{os.getpid()}_{next(_sinks)}"
    module = subprocess.run(
        ["pactl", "load-module", "module-null-sink", f"sink_name={name}", f"rate={RATE}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.strip()
    try:
        yield {"PULSE_SINK": name, "PULSE_SOURCE": f"{name}.monitor"}
    finally:
        subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=10)


def gim_env(home: Path, devices: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with ``home`` as the data home, offline, on ``devices``."""
    return {**os.environ, **(devices or {}), "GIM_HOME": str(home), "HF_HUB_OFFLINE": "1"}


def run_gim(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``gim ARGS`` to the end; its output as text."""
    return subprocess.run([*GIM, *args], capture_output=True, text=True, env=env, timeout=timeout)


def start_session(
    env: dict[str, str],
    client: str,
    *extra: str,
    program: str = "demo",
    duration: float | None = 300,
) -> subprocess.Popen[str]:
    """`gim session run --headless` for ``client`` in the background (stdout and stderr
    piped); ``extra`` options are added, e.g. ``--no-transcribe``."""
    args = [*GIM, "session", "run", "--program", program, "--client", client, "--headless"]
    if duration is not None:
        args += ["--duration", f"{duration:g}"]
    return subprocess.Popen(
        [*args, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_mic_chunk(home: Path, proc: subprocess.Popen[str], timeout: float = 90) -> Path:
    """Wait until the session's journal lists a microphone chunk (audio safely on disk);
    its folder. Fails with the process's stderr when it ended first or nothing came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for journal in home.glob("sessions/*/journal.jsonl"):
            if '"track":"mic"' in journal.read_text():
                return journal.parent
        time.sleep(0.02)
    err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
    raise AssertionError(f"no microphone audio on disk: {err}")


def kill_9(proc: subprocess.Popen[str]) -> float:
    """SIGKILL ``proc`` (as a crash would) and reap it; when the signal was sent."""
    proc.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    proc.wait(10)
    return killed


def make_sure_ended(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` if it still runs (a failed assertion must not leave a session going)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)

"""Shared fixtures: a private data home, the shared recordings, a real PulseAudio server."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.headless import null_sink

# Property tests assert behaviour, never wall-clock time: Hypothesis's default 200 ms
# deadline per example failed them on a busy machine (the suite runs beside Whisper).
settings.register_profile("gim", deadline=None)
settings.load_profile("gim")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SINK = "gim"
RATE = 48000


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data home, also exported as GIM_HOME for subprocesses."""
    path = tmp_path / "home"
    monkeypatch.setenv("GIM_HOME", str(path))
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real speech and music recordings beside the checkout (never copied in)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: tests read real recordings from ../shared/data")
    return SHARED_DATA


def _pactl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)


def _server_up() -> bool:
    try:
        return _pactl("info").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def pulse() -> Iterator[str]:
    """A running PulseAudio server with a null sink ``gim`` at 48 kHz, as default sink and
    its monitor as default source. Started for the test run and stopped after it, unless
    one was already running (then it is reused and left alone)."""
    if shutil.which("pulseaudio") is None:
        pytest.fail("PulseAudio is not installed: run scripts/system-deps.sh test")
    started = False
    if not _server_up():
        subprocess.run(
            [
                "pulseaudio",
                "-D",
                "--exit-idle-time=-1",
                "-n",
                "--load=module-native-protocol-unix",
                f"--load=module-null-sink sink_name={SINK} rate={RATE}",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        started = True
        for _ in range(50):
            if _server_up():
                break
            time.sleep(0.1)
    sinks = _pactl("list", "short", "sinks").stdout
    if f"\t{SINK}\t" not in sinks and not sinks.startswith(f"0\t{SINK}"):
        _pactl("load-module", "module-null-sink", f"sink_name={SINK}", f"rate={RATE}")
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", f"{SINK}.monitor")
    yield SINK
    if started and not os.environ.get("GIM_KEEP_PULSE"):
        subprocess.run(["pulseaudio", "--kill"], capture_output=True, timeout=30)


@pytest.fixture
def sink_env(pulse: str) -> Iterator[dict[str, str]]:
    """A null sink of this test alone; the environment that makes it a process's devices."""
    with null_sink() as devices:
        yield devices

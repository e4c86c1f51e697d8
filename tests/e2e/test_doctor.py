"""`gim doctor` and `gim devices` on this machine, with a real PulseAudio server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GIM = Path(sys.executable).parent / "gim"


def gim(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GIM_HOME": str(home)}
    return subprocess.run([str(GIM), *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.audio
def test_doctor_passes_here(pulse: str, home: Path) -> None:
    done = gim("doctor", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in (
        "PortAudio",
        "Sound devices",
        "PulseAudio",
        "Whisper model (offline)",
        "faster-whisper",
        "Multilingual model (optional)",
        "Language",
        "Data home",
        "Disk space",
    ):
        assert any(line.startswith(f"✓ {name}: ") for line in lines), name
    assert "✗ Demo audio: not generated yet (optional)" in lines
    assert lines[-1] == "Ready for sessions."
    assert "a 45-minute session needs up to 1.0 GB" in done.stdout
    assert done.stderr == ""
    assert home.is_dir() and not any(home.glob(".gim-doctor-*"))


@pytest.mark.audio
def test_devices(pulse: str, home: Path) -> None:
    found = json.loads(gim("devices", "--json", home=home).stdout)
    assert any(d["inputs"] > 0 for d in found) and any(d["outputs"] > 0 for d in found)
    assert sum(d["default_input"] for d in found) == 1
    assert sum(d["default_output"] for d in found) == 1
    text = gim("devices", home=home)
    assert text.returncode == 0
    assert len(text.stdout.splitlines()) == len(found) + 1


def test_doctor_fails_on_an_unusable_data_home(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = gim("doctor", home=blocker / "home")
    assert done.returncode == 1
    assert any(line.startswith("✗ Data home: not writable") for line in done.stdout.splitlines())
    assert "→ choose a writable folder with --home or GIM_HOME" in done.stdout
    assert "Data home" in done.stdout.splitlines()[-1]
    assert "Traceback" not in done.stderr

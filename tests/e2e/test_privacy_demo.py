"""Privacy of a whole demo session, run as a user runs it (`gim demo --headless`).

No network: the demo runs under ``strace -f``, which sees every process and thread at the
system call (onnxruntime's telemetry, in C++, opens its own sockets), and must connect to
nothing but local (AF_UNIX) sockets and send no DNS query; an audit hook injected through
``sitecustomize`` also records every Python socket connection and name lookup. Nothing
may be written outside the data home and the temporary folder, which must be left empty.
The data home must be private (0700 folders, 0600 files), and no transcript text may
appear in any log file or on stderr.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.strace import Call, network, outside, read_calls, run_traced, written_paths

pytestmark = [pytest.mark.audio, pytest.mark.whisper, pytest.mark.slow]

HOOK = """
import os, socket, sys

_LOG = os.environ["GIM_TEST_NET_LOG"]

def _record(event, args):
    if event == "socket.connect":
        sock, address = args[0], args[1]
        family = getattr(sock, "family", None)
        line = f"connect\\t{int(family) if family is not None else -1}\\t{address!r}\\n"
    elif event == "socket.getaddrinfo":
        line = f"getaddrinfo\\t-1\\t{args[0]!r}\\n"
    elif event == "socket.gethostbyname":
        line = f"gethostbyname\\t-1\\t{args[0]!r}\\n"
    else:
        return
    with open(_LOG, "a", encoding="utf-8") as handle:
        handle.write(line)

sys.addaudithook(_record)
"""


@dataclass
class DemoRun:
    """What one headless demo left behind."""

    home: Path
    result: subprocess.CompletedProcess[str]
    network: list[tuple[str, int, str]]
    texts: list[str]
    """Every transcript line and annotation text of the stored sessions."""
    calls: list[Call]
    """Every network and file-writing system call of the demo's processes."""
    allowed: list[Path]
    """Where the demo may write: the data home, its temporary folder, the hook's log."""
    cwd: Path
    """The folder it ran in (nothing may be written there)."""
    tmp: Path
    """Its temporary folder (TMPDIR)."""


def _gim(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gim", *args], capture_output=True, text=True, env=env, timeout=1800
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, pulse: str) -> Iterator[DemoRun]:
    base = tmp_path_factory.mktemp("privacy")
    hook_dir = base / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    log = base / "network.log"
    home = base / "home"
    tmp, cwd = base / "tmp", base / "cwd"
    tmp.mkdir(mode=0o700)
    cwd.mkdir()
    env = {
        **os.environ,
        "GIM_HOME": str(home),
        "TMPDIR": str(tmp),
        "GIM_TEST_NET_LOG": str(log),
        "PYTHONPATH": os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("HF_HUB_OFFLINE", None)  # gim itself must keep every library offline
    trace = base / "strace.log"
    result = run_traced(
        [sys.executable, "-m", "gim", "demo", "--headless"], trace, env=env, cwd=cwd, timeout=1800
    )
    network = []
    if log.exists():
        for line in log.read_text().splitlines():
            kind, family, address = line.split("\t", 2)
            network.append((kind, int(family), address))
    texts: list[str] = []
    listed = _gim(env, "sessions", "list", "--json")
    if listed.returncode == 0:
        for summary in json.loads(listed.stdout):
            shown = _gim(env, "sessions", "show", summary["id"], "--json")
            if shown.returncode == 0:
                data = json.loads(shown.stdout)
                texts += [s["text"] for s in data.get("segments", [])]
                texts += [a["text"] for a in data.get("annotations", [])]
    texts = [t.strip() for t in texts if len(t.strip()) >= 12]
    yield DemoRun(home, result, network, texts, read_calls(trace), [home, tmp, log], cwd, tmp)


def test_demo_session_runs_and_is_stored(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    assert demo.texts, "the demo stored no transcript lines to check privacy against"


def test_the_hook_sees_connections() -> None:
    """The audit hook itself works: a local socket connection is recorded."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "net.log"
        (Path(tmp) / "sitecustomize.py").write_text(HOOK)
        code = (
            "import socket; a, b = socket.socketpair(); "
            "s = socket.socket(socket.AF_INET); s.settimeout(0.2)\n"
            "try: s.connect(('127.0.0.1', 9))\nexcept OSError: pass"
        )
        env = {**os.environ, "GIM_TEST_NET_LOG": str(log), "PYTHONPATH": tmp}
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=30)
        assert f"connect\t{int(socket.AF_INET)}\t('127.0.0.1', 9)" in log.read_text()


def test_no_network_connection_but_the_local_audio_server(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    outside = [n for n in demo.network if n[0] != "connect" or n[1] != int(socket.AF_UNIX)]
    assert outside == []


def test_no_socket_but_local_ones_and_no_dns_at_the_system_call(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    assert any(c.name == "openat" for c in demo.calls), "strace recorded nothing"
    assert [str(c) for c in network(demo.calls)] == []


def test_nothing_written_outside_the_data_home_and_temp(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    written = written_paths(demo.calls, demo.cwd)
    assert any(demo.home in p.parents for p, _ in written), "strace saw no file written"
    assert [f"{p}: {c}" for p, c in outside(written, demo.allowed)] == []
    assert sorted(demo.tmp.iterdir()) == []  # the temporary folder is left clean


def test_data_home_is_private(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    assert stat.S_IMODE(demo.home.stat().st_mode) == 0o700
    loose = []
    for path in demo.home.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode & 0o077 or (path.is_dir() and mode != want):
            loose.append(f"{path.relative_to(demo.home)} {mode:o}")
    assert loose == []


def test_no_transcript_text_in_logs_or_stderr(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr[-2000:]
    assert demo.texts
    logs = [
        p
        for p in demo.home.rglob("*")
        if p.is_file()
        and (".log" in p.suffixes or p.name.endswith((".log", ".txt", ".jsonl")) or "log" in p.name)
    ]
    sources = {"stderr": demo.result.stderr}
    sources.update({str(p): p.read_text(errors="replace") for p in logs})
    leaks = [(where, t) for where, body in sources.items() for t in demo.texts if t in body]
    assert leaks == []

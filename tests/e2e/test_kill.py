"""SIGKILL a headless session at a few moments: at most a second of microphone audio is
lost, and no gim process outlives it (the Whisper child, the multiprocessing resource
tracker, any other helper)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
import soundfile

from tests.support.headless import gim_env, kill_9, make_sure_ended, run_gim, start_session

RATE = 48000


def children(pid: int) -> dict[int, str]:
    """Every descendant of ``pid`` now: {pid: command line}."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                try:
                    found[child] = (
                        (Path("/proc") / str(child) / "cmdline")
                        .read_bytes()
                        .decode(errors="replace")
                        .replace("\0", " ")
                    )
                except OSError:
                    continue
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie holds no memory and runs nothing


def heard_so_far(journal: Path, seen: dict[int, float], offset: int) -> int:
    """Note when each microphone chunk's end showed up in the journal; the new offset."""
    try:
        with journal.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return offset
    now = time.monotonic()
    complete = data[: data.rfind(b"\n") + 1]
    for raw in complete.splitlines():
        entry = json.loads(raw)
        if entry.get("kind") == "chunk" and entry.get("track") == "mic":
            seen.setdefault(entry["frame"] + entry["frames"], now)
    return offset + len(complete)


class Told:
    """When the session's stderr said "started" (read by a thread as lines come)."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.said = threading.Event()

    def wait(self) -> float:
        assert self.said.wait(120), "gim never said started"
        assert self.at is not None
        return self.at


def said_started(proc: subprocess.Popen[str]) -> Told:
    """Watch ``proc``'s stderr for its "started" line (the rest is kept for failures)."""
    told = Told()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if " started; " in line and told.at is None:
                told.at = time.monotonic()
                told.said.set()

    threading.Thread(target=read, daemon=True).start()
    return told


@pytest.mark.audio
@pytest.mark.slow
@pytest.mark.whisper
@pytest.mark.parametrize("after", [6.0, 9.37, 12.71])
def test_kill_9_loses_at_most_a_second_and_leaves_no_process(
    sink_env: dict[str, str], home: Path, after: float
) -> None:
    env = gim_env(home, sink_env)
    proc = start_session(env, "k9")
    told = said_started(proc)  # when gim said "started": the guide's moment
    seen: dict[int, float] = {}  # microphone frames safely on disk -> when that was seen
    helpers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        journal, offset, first = None, 0, None
        while time.monotonic() < deadline and proc.poll() is None:
            if journal is None:
                found = list(home.glob("sessions/*/journal.jsonl"))
                journal = found[0] if found else None
            if journal is not None:
                offset = heard_so_far(journal, seen, offset)
            if seen and first is None:
                first = time.monotonic()
            if first is not None and time.monotonic() - told.wait() >= after:
                break
            time.sleep(0.01)
        assert first is not None, "no microphone chunk reached the journal"
        for _ in range(300):  # the Whisper child is up (the session started a while ago)
            helpers = children(proc.pid)
            if any("multiprocessing" in cmd for cmd in helpers.values()):
                break
            time.sleep(0.05)
        killed = kill_9(proc)
    finally:
        make_sure_ended(proc)
    assert any("spawn_main" in cmd for cmd in helpers.values()), helpers  # the Whisper child
    assert any("resource_tracker" in cmd for cmd in helpers.values()), helpers
    # no helper outlives the runner (they notice within a second)
    for _ in range(50):
        if not any(alive(pid) for pid in helpers):
            break
        time.sleep(0.1)
    left = {pid: cmd for pid, cmd in helpers.items() if alive(pid)}
    assert not left, left

    # what the microphone had delivered when the process died: each chunk seen on disk
    # says at least its frames had arrived by then; the stream went on in real time
    recent = [(frames, at) for frames, at in seen.items() if killed - at < 5.0]
    heard = max(frames / RATE + (killed - at) for frames, at in recent)
    listed = run_gim("sessions", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    (session,) = json.loads(listed.stdout)
    assert session["status"] == "recovered"
    assert session["final_pass"] == "not finished"  # transcribed live: its final pass is owed
    lost = heard - session["audio_seconds"]
    reference = soundfile.info(str(home / "sessions" / session["id"] / "reference.flac"))
    print(
        f"killed {after} s after 'started': heard >= {heard:.3f} s, recovered "
        f"{session['audio_seconds']:.3f} s (reference {reference.duration:.3f} s), "
        f"lost {lost:.3f} s"
    )
    assert lost <= 1.0
    # everything since gim said "started" is there (within a chunk the writer still held)
    since_told = killed - told.wait()
    print(f"killed {since_told:.3f} s after 'started': {session['audio_seconds']:.3f} s kept")
    assert session["audio_seconds"] >= since_told - 1.0

"""A real session runs the rolling final pass beside it and ends it at End; the final pass
then does only the rest."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gim.audio.room import Acoustics, Utterance, VirtualRoom
from gim.config import Settings
from gim.core.session import Source
from gim.library.programs import ProgramLibrary
from gim.passes import rolling_file
from gim.priority import LIVE, granted, rolling
from gim.runner import SessionPlan, SessionRunner
from gim.runner.final_pass import final_pass
from gim.store.db import Store
from tests.support import roommix


@pytest.mark.whisper
@pytest.mark.slow
def test_session_runs_the_rolling_pass_below_the_live_pass_and_the_final_pass_finishes_it(
    tmp_path: Path, shared_data: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    library = ProgramLibrary(settings)
    program = library.get("demo")
    rate = settings.samplerate
    voice = [
        Utterance(10.0 + 12.0 * i, roommix.load_audio(shared_data / u.path, rate) * 0.3)
        for i, u in enumerate(roommix.speech_files(shared_data, 12, seed=3))
    ]
    room = VirtualRoom(rate, Acoustics(delay=0.05), speed=4.0, voice=voice)
    runner = SessionRunner(
        settings,
        program,
        SessionPlan("RL01", duration=400.0),
        room=room,
        files=library.linked_files(program),
    )
    sid = runner.start()
    folder = settings.sessions_dir / sid
    config = rolling_file.Config.of(settings, 1)
    child = runner._rolling  # the session's rolling pass
    try:
        assert child is not None and child.process is not None
        pid = child.process.pid
        deadline = time.monotonic() + 30
        while _nice(pid) != rolling() and time.monotonic() < deadline:
            time.sleep(0.1)  # the child sets its own priority as it starts
        assert _nice(pid) == rolling()
        # the live pass comes first where the system allows it (root here), never after
        audio = runner.controls.audio
        assert audio is not None and audio.transcriber is not None
        live = audio.transcriber._process.pid
        while _nice(live) != granted(LIVE) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _nice(live) == granted(LIVE) < _nice(pid)
        while rolling_file.load(folder, config) is None and not runner.done():
            runner.wait_for(0.5)
        finished = rolling_file.load(folder, config)
    finally:
        runner.stop(fade=0.5)
    assert finished is not None and finished.windows >= 1, "no window finished during the session"
    time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists() or _zombie(pid)  # ended with the session
    assert (folder / rolling_file.FILE).is_file()  # kept for the final pass

    with Store.open(settings.db_path) as store:
        lines = final_pass(store, sid, settings)
    finals = [s for s in lines if s.source is Source.FINAL]
    assert finals and all(s.words for s in finals)
    kept = {(round(s.start, 2), s.text) for s in finals}
    assert all((round(s.start, 2), s.text) in kept for s in finished.segments)
    assert any(s.start >= min(finished.done) for s in finals)  # the remainder was done too
    assert not (folder / rolling_file.FILE).exists()


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


PARENT = """
import sys, time
from pathlib import Path
from gim.config import Settings
from gim.passes.rolling_child import RollingPass
child = RollingPass(Settings(home=Path(sys.argv[1])), Path(sys.argv[2]), 1)
child.start()
print(child.process.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_the_rolling_child_ends_when_the_session_process_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from gim.audio.journal import Journal

    folder = tmp_path / "session"
    folder.mkdir()
    journal = Journal(folder)
    journal.write("session", id="s", rate=48000, mic_channels=1, out_channels=2)
    journal.close()
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "home"), str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    assert Path(f"/proc/{pid}").exists()
    parent.send_signal(signal.SIGKILL)  # kill -9 of the session's process
    parent.wait()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and not _zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists() or _zombie(pid), "the child outlived its session"

"""The final-pass mark: owed from the end of the recording, "running" while a live process
holds it, "not finished" once none does, gone when a pass completes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gim.errors import SessionInUseError
from gim.runner.final_mark import final_pass_running, final_pass_state, let_go, owe_final_pass

HOLD = """
import sys, time
from pathlib import Path
from gim.runner.final_mark import owe_final_pass
owe_final_pass(Path(sys.argv[1]), hold=True)
print("held", flush=True)
time.sleep(60)
"""


def test_running_then_done_leaves_nothing(tmp_path: Path) -> None:
    assert final_pass_state(tmp_path) is None
    with final_pass_running(tmp_path):
        assert final_pass_state(tmp_path) == "running"
    assert final_pass_state(tmp_path) is None


def test_an_interrupted_pass_is_not_finished(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), final_pass_running(tmp_path):
        raise KeyboardInterrupt
    assert final_pass_state(tmp_path) == "not finished"
    with final_pass_running(tmp_path):  # the next pass finishes it
        pass
    assert final_pass_state(tmp_path) is None


def test_owed_from_the_end_held_until_the_pass_takes_it_over(tmp_path: Path) -> None:
    owe_final_pass(tmp_path, hold=True)  # the session ended; this process runs the pass next
    assert final_pass_state(tmp_path) == "running"  # not "not finished" to anyone looking
    with final_pass_running(tmp_path):  # takes the hold over (no wait on its own lock)
        assert final_pass_state(tmp_path) == "running"
    assert final_pass_state(tmp_path) is None


def test_owed_and_let_go_is_not_finished(tmp_path: Path) -> None:
    owe_final_pass(tmp_path, hold=True)
    let_go(tmp_path)  # the process will not run it (or died: the kernel lets go the same way)
    assert final_pass_state(tmp_path) == "not finished"
    owe_final_pass(tmp_path, hold=False)  # recovery notes it again: still one mark
    assert final_pass_state(tmp_path) == "not finished"


def test_a_pass_held_elsewhere_is_refused_not_waited_for(tmp_path: Path) -> None:
    held = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert held.stdout is not None and held.stdout.readline().strip() == "held"
        assert final_pass_state(tmp_path) == "running"
        with pytest.raises(SessionInUseError), final_pass_running(tmp_path):
            pass
    finally:
        held.kill()
        held.wait(10)
    assert final_pass_state(tmp_path) == "not finished"

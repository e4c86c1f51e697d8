"""A final pass that does not return normally leaves "final pass: not finished"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gim.runner.recovery import final_pass_running, final_pass_state


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

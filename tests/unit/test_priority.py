"""Thread priorities: asked for, granted as far as the system allows, never an error."""

from __future__ import annotations

import os
import threading

import pytest

from gim import priority


def _in_thread(work):  # type: ignore[no-untyped-def]
    """Run ``work`` in a fresh thread (a nice value belongs to a thread); its result and
    the thread's nice value after it."""
    out: list[object] = []

    def run() -> None:
        result = work()
        out.extend([result, os.getpriority(os.PRIO_PROCESS, 0)])

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out[0], out[1]


def test_a_higher_nice_value_is_always_granted_to_the_calling_thread_only() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    result, after = _in_thread(lambda: priority.prioritise(before + 3, "test"))
    assert result == after == before + 3
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # this thread is untouched


def test_a_lower_nice_value_goes_only_as_far_as_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(priority, "lowest_allowed", lambda: 20)  # an ordinary user

    def work() -> int | None:
        os.setpriority(os.PRIO_PROCESS, 0, 4)
        return priority.prioritise(priority.LIVE, "test")

    assert _in_thread(work) == (4, 4)  # kept, never made lower than it was

    monkeypatch.setattr(priority, "lowest_allowed", lambda: 2)  # limits.conf: nice 18
    assert _in_thread(work) == (2, 2)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may lower a nice value freely")
def test_root_gets_what_it_asks_and_the_rolling_pass_sits_below_the_live_pass() -> None:
    assert _in_thread(lambda: priority.prioritise(priority.AUDIO, "test")) == (
        priority.AUDIO,
        priority.AUDIO,
    )
    assert priority.rolling() == priority.LIVE + priority.BELOW_LIVE


def test_an_ordinary_user_keeps_nice_zero_and_the_rolling_pass_goes_below_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(priority, "lowest_allowed", lambda: 20)
    assert priority.granted(priority.LIVE) == 0
    assert priority.rolling() == priority.BELOW_LIVE


def test_raised_gives_the_thread_its_own_value_back() -> None:
    def work() -> tuple[int | None, int]:
        with priority.raised(9, "test") as got:
            inside = os.getpriority(os.PRIO_PROCESS, 0)
        return got, inside

    before = os.getpriority(os.PRIO_PROCESS, 0)
    (got, inside), after = _in_thread(work)
    assert got == inside == 9 and after == before


def test_a_refusal_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: int) -> None:
        raise PermissionError

    monkeypatch.setattr(os, "setpriority", refuse)
    monkeypatch.setattr(priority, "lowest_allowed", lambda: -20)  # so it is tried
    assert _in_thread(lambda: priority.prioritise(priority.AUDIO, "test"))[0] is None

"""Closing the recorder hands on every block it captured, however far behind its drain is
(a busy machine): the session is never saved short."""

from __future__ import annotations

import threading
import time

from gim.audio.recorder import MicEvents, Recorder
from tests.unit.test_recorder_stall import BLOCK, RATE, FakeInput


def test_close_waits_for_a_drain_that_is_behind_but_moving() -> None:
    handed: list[int] = []

    def slow_write(frame: int, block: object) -> None:
        time.sleep(0.01)  # each chunk write takes a while: the drain falls behind
        handed.append(frame)

    device = FakeInput()
    rec = Recorder(device, RATE, 1, slow_write, MicEvents())  # type: ignore[arg-type]
    rec.start()
    device.deliver(100)  # a second of blocks captured at once, ~1 s of writing queued
    rec.close(timeout=0.2)  # far less than the drain needs, but it keeps moving
    assert handed == [i * BLOCK for i in range(100)]


def test_close_gives_up_on_a_drain_that_hands_on_nothing() -> None:
    stuck = threading.Event()

    def never_returns(frame: int, block: object) -> None:
        stuck.wait(10)  # a write blocked for good (a hung disk)

    device = FakeInput()
    rec = Recorder(device, RATE, 1, never_returns, MicEvents())  # type: ignore[arg-type]
    rec.start()
    device.deliver(5)
    closing = threading.Thread(target=rec.close, kwargs={"timeout": 0.2})
    closing.start()
    closing.join(8)  # (the write stays blocked for 10 s)
    ended = not closing.is_alive()
    stuck.set()
    assert ended  # the session still ends (the blocks behind the stuck one are not awaited)

"""The live child's timing trace: timings only, written only when asked for."""

from __future__ import annotations

import json
import queue
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from gim.core.session import Segment, Source
from gim.passes.live_backlog import Backlog, follow
from gim.passes.live_trace import ENV


class OneLine:
    """Says one line at the end of the second block, after thinking a little."""

    def __init__(self) -> None:
        self.blocks = 0

    def feed(self, first_frame: int, mic: NDArray[np.float32], reference: object) -> list[Segment]:
        self.blocks += 1
        if self.blocks != 2:
            return []
        time.sleep(0.05)
        return [Segment(0.5, 1.5, "a private sentence", source=Source.LIVE)]

    def finish(self) -> list[Segment]:
        return []

    def skip(self) -> None:
        pass


def _run() -> list[object]:
    inbox: queue.Queue[object] = queue.Queue()
    stamp = time.monotonic() - 1.0  # delivered a second ago
    for k in range(3):
        inbox.put((k * 100, np.zeros((100, 1), np.float32), np.zeros(100, np.float32), stamp))
    inbox.put(None)
    outbox: queue.Queue[object] = queue.Queue()
    follow(inbox, [OneLine()], outbox, Backlog(limit=None))
    return [outbox.get_nowait() for _ in range(outbox.qsize())]


def test_the_trace_says_when_and_how_long_but_never_what(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv(ENV, str(path))
    got = _run()
    assert [kind for kind, _ in got] == ["segment"]  # type: ignore[misc]
    (row,) = [json.loads(r) for r in path.read_text().splitlines()]
    assert row["frame_end"] == 200 and row["ends"] == [1.5] and row["markers"] == 0
    assert row["waited"] >= 0.9 and row["took"] >= 0.05
    assert "private" not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600


def test_nothing_is_written_unless_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    _run()
    assert list(tmp_path.iterdir()) == []

"""The runner's analysis thread passes over blocks that waited too long for it (the
process too busy), so its queue stays bounded; fresh blocks are measured as before."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gim.audio.journal import Journal
from gim.audio.room import VirtualRoom
from gim.config import Settings
from gim.core.program import Piece, Program, Provenance
from gim.passes.live_backlog import MAX_BEHIND
from gim.runner.audio_path import AudioPath, AudioSetup

RATE = 48000
BLOCK = 1024


class Quiet:
    """The runner's side: nothing to keep here."""

    def warn(self, text: str) -> None: ...
    def segment(self, segment: object) -> None: ...
    def playback(self, event: object) -> None: ...
    def gap(self, lost: int, back: int) -> None: ...
    def disk_full(self, exc: OSError) -> None: ...


def test_blocks_that_waited_too_long_are_passed_over_then_it_catches_up(tmp_path: Path) -> None:
    prog = Program("t", "T", "tests", Provenance("tests"), (Piece("c", "w", 10.0),))
    room = VirtualRoom(RATE, speed=20)
    setup = AudioSetup(
        Settings(home=tmp_path),
        prog,
        [None],
        room,
        RATE,
        tmp_path,
        Journal(tmp_path),
        mic_channels=1,
        room=room,
    )
    path = AudioPath(setup, Quiet())  # type: ignore[arg-type]
    assert path.aligner is not None
    block = np.full((BLOCK, 1), 0.1, np.float32)
    now = time.monotonic()
    frame = 0
    for _ in range(200):  # blocks the thread reaches long after they were heard
        path._queue.put(("mic", frame, block, now - MAX_BEHIND - 5))
        frame += BLOCK
    for _ in range(50):  # then it has caught up: fresh blocks
        path._queue.put(("mic", frame, block, time.monotonic()))
        frame += BLOCK
    path._queue.put(("mic", 0, None, 0.0))
    assert path._analysis is not None
    path._analysis.join(10)
    room.close()
    assert path.shed == 200
    assert path.aligner.mic.end == frame  # the fresh ones were taken in
    assert not path.aligner.mic.read(0, 200 * BLOCK).any()  # the late ones were not

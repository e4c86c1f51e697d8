"""The live pass sheds load: it follows the newest audio, never minutes behind.

On a busy machine (or with a model too slow for it) Whisper decodes slower than the
client speaks, and the blocks waiting for the live pass pile up: its lines came minutes
late and the end of the session waited for them. A preview that late helps nobody. So
when more than `MAX_BEHIND` seconds of audio wait, the live pass skips ahead to the
newest `KEEP_AFTER_SKIP` seconds, leaves the skipped stretch untranscribed (the recording
keeps it and the final pass transcribes it) and tells the guide so, once.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment

MAX_BEHIND = 12.0
"""Seconds of audio waiting beyond which the live pass skips ahead."""
KEEP_AFTER_SKIP = 2.0
"""Seconds of the newest audio kept when it does."""
SHED = (
    "The live transcript skipped ahead because the machine is too busy to keep up; "
    "the final pass will transcribe what it skipped."
)
Block = tuple[int, NDArray[np.float32], NDArray[np.float32]]
"""(first frame, microphone frames×channels, reference) as `LiveTranscriber.feed` queues it."""


class Follower(Protocol):
    """One channel followed live (`gim.passes.live_stream.UtteranceStream`)."""

    def feed(
        self, first_frame: int, mic: NDArray[np.float32], reference: NDArray[np.float32]
    ) -> list[Segment]:
        """Add a block; the lines of utterances that ended."""
        ...

    def finish(self) -> list[Segment]:
        """The lines of whatever speech is pending."""
        ...

    def skip(self) -> None:
        """Forget the buffered audio without transcribing it."""
        ...


class Backlog:
    """The blocks waiting for the live pass, trimmed to the newest when too many wait."""

    def __init__(self, rate: int, limit: float = MAX_BEHIND, keep: float = KEEP_AFTER_SKIP):
        """``rate``: frames per second of the blocks; ``limit`` and ``keep`` in seconds."""
        self.limit = int(limit * rate)
        self.keep = int(keep * rate)
        self.blocks: deque[Block] = deque()
        self.frames = 0
        """Frames waiting in ``blocks``."""
        self.ended = False
        """The end of the session was queued (after the blocks waiting)."""
        self.skipped = 0
        """Frames skipped so far."""
        self.most = 0
        """The most frames that ever waited (after trimming)."""

    def take(self, inbox: Any) -> bool:
        """Move what ``inbox`` holds into the backlog (waiting for one item when it is
        empty); True when blocks had to be skipped."""
        if not self.blocks and not self.ended:
            self._add(inbox.get())
        while not self.ended:
            try:
                self._add(inbox.get_nowait())
            except queue.Empty:
                break
        shed = self.frames > self.limit
        while shed and self.frames > self.keep and len(self.blocks) > 1:
            dropped = self.blocks.popleft()
            self.frames -= len(dropped[1])
            self.skipped += len(dropped[1])
        self.most = max(self.most, self.frames)
        return shed

    def pop(self) -> Block | None:
        """The oldest block waiting, or None."""
        if not self.blocks:
            return None
        block = self.blocks.popleft()
        self.frames -= len(block[1])
        return block

    def _add(self, item: Block | None) -> None:
        if item is None:
            self.ended = True
            return
        self.blocks.append(item)
        self.frames += len(item[1])


def follow(inbox: Any, streams: Iterable[Follower], outbox: Any, rate: int) -> Backlog:
    """Feed the queued blocks to ``streams`` until the end is queued, shedding load.

    Lines go to ``outbox`` as ("segment", line); the first skip sends ("notice", `SHED`).
    Returns the backlog (how much was skipped, the most that waited).
    """
    streams = list(streams)
    backlog = Backlog(rate)
    told = False
    while True:
        if backlog.take(inbox):
            for stream in streams:
                stream.skip()  # the skipped audio stays in the recording for the final pass
            if not told:
                outbox.put(("notice", SHED))
                told = True
        block = backlog.pop()
        if block is None and backlog.ended:
            for stream in streams:
                for seg in stream.finish():
                    outbox.put(("segment", seg))
            return backlog
        if block is not None:
            for stream in streams:
                for seg in stream.feed(*block):
                    outbox.put(("segment", seg))

"""The live pass sheds load: it follows the newest audio, never minutes behind.

On a busy machine (or with a model too slow for it) Whisper decodes slower than the
client speaks, and the blocks waiting for the live pass pile up: its lines came minutes
late and the end of the session waited for them. A preview that late helps nobody. So
when the oldest block waiting has waited more than `MAX_BEHIND` seconds (in a real
session: that much audio waits), the live pass skips ahead to the blocks of the last
`KEEP_AFTER_SKIP` seconds, leaves the skipped stretch untranscribed (the recording
keeps it and the final pass transcribes it) and tells the guide so, once. Waiting is
measured by the clock, not in frames: a demo's virtual room records faster than real time,
and audio handed over all at once (a test, a benchmark) is not a recording left behind.

A block waits in two places before the child can skip it, and both are in the runner's
process (`Stale`, `Intake`): behind the runner's analysis thread, and in the pipe to the child (the
child must still take each block to skip it). Under sustained overload either grew
without bound: a soak at 1.8x real time gained 460 MB an hour and its live lines came
1,000 s late. So blocks are stamped when the microphone delivered them, and the runner
stops sending while the oldest block not yet taken has waited too long.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from gim.core.session import Segment

MAX_BEHIND = 12.0
"""Seconds the oldest waiting block may have waited before the live pass skips ahead
(blocks arrive as they are recorded: in a real session, the seconds of audio waiting)."""
KEEP_AFTER_SKIP = 2.0
"""Seconds of the newest blocks kept when it does (by when they arrived)."""
SHED = (
    "The live transcript skipped ahead because the machine is too busy to keep up; "
    "the final pass will transcribe what it skipped."
)
Block = tuple[int, NDArray[np.float32], NDArray[np.float32], float]
"""(first frame, microphone frames×channels, reference, monotonic seconds when it was
handed over) as `LiveTranscriber.feed` queues it."""


@dataclass(frozen=True)
class GuideAlone:
    """Sent to the live child between the blocks: from session second ``at`` only the guide
    speaks (``alone``: the induction began) or not any more (it ended)."""

    at: float
    alone: bool


class Intake:
    """The runner's side of the pipe to the live child: blocks it could only skip are not
    sent.

    When the oldest block sent and not yet taken has waited more than ``limit`` seconds,
    nothing more is sent until the child has taken everything sent before; a block itself
    older than ``limit`` is never sent. (Not "until blocks are fresh again": a block reaches
    the pipe up to seconds old by design, held back until the microphone's lag is known,
    so a wait measured from the microphone may never fall under a short threshold: once,
    the live transcript stopped for the rest of a real hour.) The child sees a gap in the
    frames, which ends what was being said, as any gap does, and the final pass
    transcribes the recording. Nothing is dropped before `ready` (a model loading is not
    a machine too busy to keep up). ``limit`` None: never.
    """

    def __init__(
        self, limit: float | None = MAX_BEHIND, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.ready = False
        """The child has loaded its model and takes blocks."""
        self.dropping = False
        self.dropped = 0
        """Blocks dropped so far."""
        self._sent: deque[float] = deque()

    def admit(self, stamp: float, unread: int | None) -> bool:
        """Whether to send a block the microphone delivered at ``stamp``; ``unread``:
        blocks sent that the child has not taken yet (None: not known here)."""
        if self.limit is None:
            return True
        while len(self._sent) > (unread or 0):
            self._sent.popleft()  # taken by the child
        if self.ready:
            now = self.clock()
            piped = now - self._sent[0] if self._sent else 0.0
            self.dropping = piped > self.limit or (self.dropping and bool(self._sent))
            if self.dropping or now - stamp > self.limit:
                self.dropped += 1
                return False
        self._sent.append(stamp)
        return True


class Stale:
    """The runner's analysis thread behind the microphone: blocks that waited more than
    ``limit`` seconds for it are passed over until the wait is back under ``keep`` (so it
    catches up for good instead of taking one block in two at the edge)."""

    def __init__(
        self,
        limit: float = MAX_BEHIND,
        keep: float = KEEP_AFTER_SKIP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.keep = keep
        self.clock = clock
        self.passing = False
        """Passing over blocks until the wait is under ``keep``."""
        self.passed = 0
        """Blocks passed over so far."""

    def admit(self, stamp: float) -> bool:
        """Whether to take a block the microphone delivered at ``stamp``."""
        waited = self.clock() - stamp
        self.passing = waited > (self.keep if self.passing else self.limit)
        self.passed += self.passing
        return not self.passing


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
    """The blocks waiting for the live pass, trimmed to the newest when the oldest has
    waited too long."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        limit: float | None = MAX_BEHIND,
        keep: float = KEEP_AFTER_SKIP,
        on_alone: Callable[[GuideAlone], None] | None = None,
    ) -> None:
        """``clock``: the monotonic clock blocks are stamped with; ``limit`` (None: never
        skip) and ``keep`` in seconds; ``on_alone`` is told each `GuideAlone` as it is
        taken (before the blocks queued after it are fed)."""
        self.clock = clock
        self.on_alone = on_alone
        self.since = clock()
        """When the live pass became ready: blocks queued while its model loaded count
        as waiting from here (a slow start is not a machine too busy to keep up)."""
        self.limit = limit
        self.keep = keep
        self.blocks: deque[Block] = deque()
        self.ended = False
        """The end of the session was queued (after the blocks waiting)."""
        self.skipped = 0
        """Frames skipped so far."""
        self.most = 0
        """The most frames that ever waited (after trimming)."""

    @property
    def frames(self) -> int:
        """Frames waiting."""
        return sum(len(b[1]) for b in self.blocks)

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
        now = self.clock()
        shed = self.limit is not None and bool(self.blocks) and self._waited(now) > self.limit
        while shed and len(self.blocks) > 1 and now - self.blocks[0][3] > self.keep:
            self.skipped += len(self.blocks.popleft()[1])
        self.most = max(self.most, self.frames)
        return shed

    def _waited(self, now: float) -> float:
        """Seconds the oldest block has waited since the live pass was ready."""
        return now - max(self.blocks[0][3], self.since)

    def pop(self) -> Block | None:
        """The oldest block waiting, or None."""
        return self.blocks.popleft() if self.blocks else None

    def _add(self, item: Block | GuideAlone | None) -> None:
        if item is None:
            self.ended = True
        elif isinstance(item, GuideAlone):
            if self.on_alone is not None:
                self.on_alone(item)
        else:
            self.blocks.append(item)


def follow(
    inbox: Any, streams: Iterable[Follower], outbox: Any, backlog: Backlog | None = None
) -> Backlog:
    """Feed the queued blocks to ``streams`` until the end is queued, shedding load.

    Lines go to ``outbox`` as ("segment", line); the first skip sends ("notice", `SHED`).
    Returns the backlog (how much was skipped, the most that waited).
    """
    from gim.passes.live_trace import from_env

    streams = list(streams)
    backlog = backlog or Backlog()
    told = False
    trace = from_env()
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
            begun = time.monotonic()
            lines: list[Segment] = []
            for stream in streams:
                for seg in stream.feed(*block[:3]):
                    outbox.put(("segment", seg))
                    lines.append(seg)
            if trace is not None:
                trace.block(block, begun, lines)

"""The recorder: the microphone, continuously, for the whole session.

The PortAudio callback copies the block, checks its count against the clocks (below) and
enqueues it with its frame number (counting overflows from the status flags); after a
stall it holds the blocks until the stall's length is known. A drain thread hands blocks
on in order and measures the level.

The input's frames are checked against the session clock (the player's output frame
count). A source that stops delivering (PulseAudio suspended it, the driver stalled)
while its stream stays open is a *stall*: when no callback has come for ``tolerance``
seconds the recorder says so (``on_stall``), and when frames flow again it numbers them
where the session clock has reached, so the microphone track keeps session time and the
stall is a gap of its true length. If the microphone disappears (the stream ends), the
recorder notes where, keeps trying to reopen it, and on its return continues the same way.
Either way ``on_gap`` receives the first lost frame and the frame of return.

How long a stall lasted is measured by `gim.audio.stall` (`Settling`).
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gim.audio.devices import Backend, Stream
from gim.audio.levels import Level
from gim.audio.stall import BASELINE, MIN_GAP, SETTLE, Settling
from gim.errors import GimError

_monotonic = time.monotonic


def wall_clock(rate: int) -> Callable[[], int]:
    """A frame clock from the monotonic clock (for gaps when no output clock runs)."""
    begun = _monotonic()
    return lambda: int((_monotonic() - begun) * rate)


@dataclass(frozen=True)
class MicEvents:
    """What a `Recorder` reports besides its blocks (each optional)."""

    gap: Callable[[int, int], None] | None = None
    """The microphone came back: (first lost frame, frame of return)."""
    lost: Callable[[], None] | None = None
    """The microphone disappeared (its stream ended)."""
    stall: Callable[[int], None] | None = None
    """The microphone stopped delivering while its stream stays open: the session frame
    where it stopped (from a watch thread, while the stall lasts)."""


@dataclass(frozen=True)
class MicTiming:
    """How a `Recorder` reads and watches the microphone."""

    blocksize: int = 1024
    """Frames per callback."""
    retry: float = 1.0
    """Seconds between attempts to reopen a lost microphone."""
    tolerance: float = 0.5
    """Seconds without frames before the microphone counts as stalled."""


class Recorder:
    """Records a backend's input stream (see module docstring).

    Args:
        backend: where the input stream comes from.
        rate: device rate (the session rate).
        channels: input channels.
        on_block: called from the drain thread with (session frame, frames×channels block).
        events: where gaps, a lost microphone and stalls are reported.
        clock: session frames now, to measure a gap (default: the monotonic clock). Until
            it runs (the music has not started) the microphone's own count is the
            session's time, and a stall is no gap.
        timing: the block size, the retry period and the stall tolerance.
    """

    def __init__(
        self,
        backend: Backend,
        rate: int,
        channels: int,
        on_block: Callable[[int, np.ndarray], None],
        events: MicEvents | None = None,
        clock: Callable[[], int] | None = None,
        timing: MicTiming | None = None,
    ) -> None:
        timing = timing or MicTiming()
        events = events or MicEvents()
        self.backend = backend
        self.rate = rate
        self.channels = channels
        self.blocksize = timing.blocksize
        self.retry = timing.retry
        self.level = Level()
        """Input level of the latest block."""
        self.overruns = 0
        """Callbacks PortAudio flagged as input overflow (frames were lost before us)."""
        self.frames = 0
        """Session frame of the next recorded frame."""
        self.lost = False
        """Whether the microphone is gone right now."""
        self.stalled = False
        """Whether the microphone stopped delivering while its stream stays open."""
        self.tolerance = timing.tolerance
        self._on_block = on_block
        self._on_gap = events.gap
        self._on_lost = events.lost
        self._on_stall = events.stall
        self._clock = clock or wall_clock(rate)
        self._wall = wall_clock(rate)
        self._queue: queue.SimpleQueue[tuple[int, np.ndarray | tuple[int, int] | None]] = (
            queue.SimpleQueue()
        )
        self._stream: Stream | None = None
        self._closing = threading.Event()
        self._drain = threading.Thread(target=self._drain_loop, name="recorder-drain", daemon=True)
        self._watch: threading.Thread | None = None
        self._stall_watch = threading.Thread(
            target=self._stall_loop, name="recorder-stall-watch", daemon=True
        )
        self._last: tuple[float, int, int] | None = None
        """(monotonic time, session clock, wall clock) at the latest callback."""
        self._recent: collections.deque[float] = collections.deque(
            maxlen=max(1, round(BASELINE * rate / self.blocksize))
        )
        """Frames handed over minus the rate times the monotonic time, at each callback
        lately (once the session clock runs)."""
        self._settle_blocks = max(1, round(SETTLE * rate / self.blocksize))
        self._settling: Settling | None = None
        """After a stall: the blocks held until its length is known."""
        self._announced = False  # the stall being settled was told (on_stall)

    def start(self) -> None:
        """Open the input stream and begin recording at frame 0."""
        self._drain.start()
        self._stream = self._open()
        self._stream.start()
        self._stall_watch.start()

    @property
    def silent_since(self) -> int | None:
        """The session frame where the microphone stopped sending (stalled or lost), while
        it sends nothing; None while it records."""
        return self.frames if self.stalled or self.lost else None

    @property
    def _baseline(self) -> float | None:
        """Where the microphone's count stands against the monotonic clock: the upper
        envelope lately (None until the session clock runs)."""
        return max(self._recent) if self._recent else None

    def now(self) -> int:
        """The session frame the microphone has reached, counting a stall as it lasts."""
        settling, baseline = self._settling, self._baseline
        if settling is not None and baseline is not None and settling.blocks:
            return settling.lost + settling.gap(baseline) + settling.held
        last = self._last
        if not (self.stalled or self.lost) or last is None:
            return self.frames
        return self.frames + max(0, self._advance(last, self._clock(), self._wall()))

    def _advance(self, last: tuple[float, int, int], clock: int, wall: int) -> int:
        """Session frames since ``last``: by the session clock when it moves, else the wall."""
        moved = clock - last[1]
        return moved if moved > 0 else wall - last[2]

    def _open(self) -> Stream:
        return self.backend.input_stream(
            self.rate, self.channels, self.blocksize, self._callback, self._finished
        )

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status and status.input_overflow:
            self.overruns += 1
        block = indata.copy()
        if self._check(frames, block):
            return  # held until the stall's length is known
        self._queue.put((self.frames, block))
        self.frames += frames

    def _check(self, frames: int, block: np.ndarray) -> bool:
        """Check the input's count against the clocks; a stall becomes a gap.

        Returns whether ``block`` is held: the blocks just after a stall are numbered only
        once the stall's length is measured over ``SETTLE`` callbacks.
        """
        now, clock, wall = _monotonic(), self._clock(), self._wall()
        last, self._last = self._last, (now, clock, wall)
        if last is not None and now - last[0] > self.tolerance:
            if self._settling is not None:
                self._settle()
            self._announced = self.stalled
            self.stalled = False
            if self._recent:  # (before the session clock runs, nothing is lost)
                paused = clock - last[1] < (now - last[0]) * self.rate / 2
                self._settling = Settling(self.frames, self.rate, paused)
        settling = self._settling
        if settling is not None:
            settling.add(now, block)
            if len(settling.blocks) >= self._settle_blocks:
                self._settle()
            return True
        if clock > 0:
            self._recent.append(self.frames + frames - self.rate * now)
        return False

    def _settle(self) -> None:
        """Number the blocks held after a stall, after a gap of the measured length."""
        settling, self._settling = self._settling, None
        announced, self._announced = self._announced, False
        baseline = self._baseline
        if settling is None or baseline is None:
            return
        lost = settling.lost
        gap = settling.gap(baseline)
        if gap < MIN_GAP * self.rate:
            gap = 0
        frame = lost + gap
        if gap > 0 or announced:  # (a zero-length gap tells the runner nothing was lost)
            self._queue.put((-1, (lost, frame)))
        for block in settling.blocks:
            self._queue.put((frame, block))
            frame += len(block)
        self.frames = frame
        if settling.most is not None:
            # the count now stands where the envelope after the stall says, numbered on
            # from the gap: the next stall is measured from here (not from before a lost
            # time that was not made a gap, as in a pause of the whole server)
            self._recent.clear()
            self._recent.append(settling.most + gap)

    def _stall_loop(self) -> None:
        while not self._closing.wait(0.1):
            last = self._last
            if last is None or self.stalled or self.lost:
                continue
            if _monotonic() - last[0] <= self.tolerance or self._closing.is_set():
                continue
            if self._recent and self._clock() - last[1] < self.tolerance * self.rate / 2:
                continue  # the music's clock stands still too: nothing is being missed
            self.stalled = True
            if self._on_stall is not None:
                self._on_stall(self.frames)

    def _finished(self) -> None:
        if self._closing.is_set() or self.lost:
            return
        self.lost = True
        if self._on_lost is not None:
            self._on_lost()
        self._watch = threading.Thread(
            target=self._reopen_loop, name="recorder-reopen", daemon=True
        )
        self._watch.start()

    def _reopen_loop(self) -> None:
        lost_at = self.frames
        at = (_monotonic(), self._clock(), self._wall())
        while not self._closing.wait(self.retry):
            try:
                stream = self._open()
                back = lost_at + max(0, self._advance(at, self._clock(), self._wall()))
                self.frames = back
                self._last = None  # the new stream starts its own count
                stream.start()
            except (GimError, OSError, RuntimeError, ValueError):
                continue
            old, self._stream = self._stream, stream
            self._close_quietly(old)
            self.lost = False
            if self._on_gap is not None:
                self._on_gap(lost_at, back)
            return

    def _drain_loop(self) -> None:
        while True:
            frame, block = self._queue.get()
            if block is None:
                return
            if isinstance(block, tuple):  # a stall ended: (first lost frame, frame of return)
                if self._on_gap is not None:
                    self._on_gap(*block)
                continue
            self.level.update(block)
            self._on_block(frame, block)

    def close(self, timeout: float = 5.0) -> None:
        """Stop recording and hand on every block already captured."""
        self._closing.set()
        self._close_quietly(self._stream)
        self._settle()
        self._queue.put((-1, None))
        self._drain.join(timeout)
        if self._watch is not None:
            self._watch.join(timeout)

    @staticmethod
    def _close_quietly(stream: Stream | None) -> None:
        if stream is None:
            return
        try:
            stream.stop()
            stream.close()
        except Exception:  # a vanished device may fail to close; nothing to save there
            pass

"""The recorder: the microphone, continuously, for the whole session.

The PortAudio callback only copies the block and enqueues it, stamped with the monotonic
time and the session clock of its arrival. A drain thread numbers the blocks (the checks
below), counts overflows, hands the blocks on in order and measures the level.

The input's frames are checked against the session clock (the player's output frame
count). A source that stops delivering (PulseAudio suspended it, the driver stalled)
while its stream stays open is a *stall*: when no callback has come for ``tolerance``
seconds the recorder says so (``stall``), and when frames flow again it numbers them
where the session clock has reached, so the microphone track keeps session time and the
stall is a gap of its true length. If the microphone disappears (the stream ends), the
recorder notes where (PortAudio's finished callback starts a reopening thread; the drain
numbers the loss and the return in order with the blocks) and on its return continues the
same way. Either way ``gap`` receives the first lost frame and the frame of return.

How long a stall lasted is measured by `gim.audio.stall` (`Settling`).
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gim.audio.devices import Backend, Stream
from gim.audio.levels import Level
from gim.audio.stall import BASELINE, MIN_GAP, SETTLE, Settling
from gim.errors import GimError
from gim.priority import AUDIO, prioritise

_monotonic = time.monotonic


def wall_clock(rate: int) -> Callable[[], int]:
    """A frame clock from the monotonic clock (for gaps when no output clock runs)."""
    begun = _monotonic()
    return lambda: int((_monotonic() - begun) * rate)


@dataclass(frozen=True)
class MicEvents:
    """What a `Recorder` reports besides its blocks (each optional).

    A gap after a stall comes from the drain thread, after a lost microphone from the
    reopening thread; a stall from the watch thread; a loss from PortAudio's finished
    callback.
    """

    gap: Callable[[int, int], None] | None = None
    """The microphone came back: (first lost frame, frame of return)."""
    lost: Callable[[], None] | None = None
    """The microphone disappeared (its stream ended)."""
    stall: Callable[[int], None] | None = None
    """The microphone stopped delivering while its stream stays open: the session frame
    where it stopped (while the stall lasts)."""


@dataclass(frozen=True)
class MicTiming:
    """How a `Recorder` reads and watches the microphone."""

    blocksize: int = 1024
    """Frames per callback."""
    retry: float = 1.0
    """Seconds between attempts to reopen a lost microphone."""
    tolerance: float = 0.5
    """Seconds without frames before the microphone counts as stalled."""


class _Heard(NamedTuple):
    """A block as the callback handed it over, stamped with its arrival (a tuple: the
    callback makes one per block)."""

    at: float
    """Monotonic seconds."""
    clock: int
    """The session clock (session frames)."""
    block: np.ndarray
    overflow: bool
    """PortAudio flagged an input overflow (frames were lost before us)."""


class _Gap(NamedTuple):
    """A stall ended: frames ``lost`` to ``back`` were not recorded."""

    lost: int
    back: int


@dataclass(frozen=True)
class _Lost:
    """The stream ended: the loss is at the frame the next block would have had."""


@dataclass(frozen=True)
class _Back:
    """A reopened stream's frames are numbered from the loss plus ``advance`` on; the
    drain answers with (first lost frame, frame of return)."""

    advance: int
    reply: queue.SimpleQueue[tuple[int, int]]


_Item = _Heard | _Lost | _Back | None
"""What the drain thread takes from its queue (None: the recorder is closing)."""


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
        self.backend = backend
        self.rate = rate
        self.channels = channels
        self.blocksize = timing.blocksize
        self.retry = timing.retry
        self.tolerance = timing.tolerance
        self.level = Level()
        """Input level of the latest block."""
        self.overruns = 0
        """Callbacks PortAudio flagged as input overflow (frames were lost before us)."""
        self.frames = 0
        """Session frame of the next recorded frame (as far as the drain has numbered)."""
        self.lost = False
        """Whether the microphone is gone right now."""
        self.stalled = False
        """Whether the microphone stopped delivering while its stream stays open."""
        self._on_block = on_block
        self._events = events or MicEvents()
        self._clock = clock or wall_clock(rate)
        self._begun = _monotonic()  # the wall clock's zero
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._stream: Stream | None = None
        self._closing = threading.Event()
        self._drain = threading.Thread(target=self._drain_loop, name="recorder-drain", daemon=True)
        self._watch: threading.Thread | None = None
        self._stall_watch = threading.Thread(
            target=self._stall_loop, name="recorder-stall-watch", daemon=True
        )
        self._raised = False
        """Whether the input callback's thread has asked for `AUDIO` priority."""
        self._arrived: tuple[float, int] | None = None
        """(monotonic time, session clock) of the latest callback (the stall watch's)."""
        self._last: tuple[float, int, int] | None = None
        """(monotonic time, session clock, wall clock) of the latest block numbered."""
        self._recent: collections.deque[float] = collections.deque(
            maxlen=max(1, round(BASELINE * rate / self.blocksize))
        )
        """Frames handed over minus the rate times the monotonic time, at each callback
        lately (once the session clock runs)."""
        self._settle_blocks = max(1, round(SETTLE * rate / self.blocksize))
        self._settling: Settling | None = None
        """After a stall: the blocks held until its length is known."""
        self._announced = False  # the stall being settled was told (its stall event)
        self._lost_at = 0  # (the drain's) where the microphone was lost last
        self._delivered = 0
        """Frames the callback has handed over (its one count: `now` adds those the drain
        has not numbered yet, so the session's time runs with the callbacks)."""
        self._taken = 0
        """Frames the drain has taken from its queue."""
        self._numbering = threading.Lock()
        """Held by the drain while it numbers one item, and by `now` while it reads the
        count (never by the audio callback; blocks are handed on outside it)."""
        self._out: list[tuple[int, np.ndarray] | _Gap] = []
        """What the drain numbered and hands on next: (session frame, block) or a gap."""

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
        """The session frame the microphone has reached, counting a stall as it lasts.

        The callbacks' count, not the drain's progress: the frames handed over and not yet
        numbered are counted on from where the drain stands.
        """
        with self._numbering:
            return self._now()

    def _now(self) -> int:
        waiting = max(0, self._delivered - self._taken)  # handed over, not yet numbered
        settling, baseline = self._settling, self._baseline
        if settling is not None and baseline is not None and settling.blocks:
            return settling.lost + settling.gap(baseline) + settling.held + waiting
        last = self._last
        if not (self.stalled or self.lost) or last is None:
            return self.frames + waiting
        return (
            self.frames
            + waiting
            + max(0, self._advance(last, self._clock(), self._wall_at(_monotonic())))
        )

    def _advance(self, last: tuple[float, int, int], clock: int, wall: int) -> int:
        """Session frames since ``last``: by the session clock when it moves, else the wall."""
        moved = clock - last[1]
        return moved if moved > 0 else wall - last[2]

    def _wall_at(self, at: float) -> int:
        """The wall clock's frames at monotonic ``at``."""
        return int((at - self._begun) * self.rate)

    def _open(self) -> Stream:
        return self.backend.input_stream(
            self.rate, self.channels, self.blocksize, self._callback, self._finished
        )

    # -- the audio callbacks: copy, stamp, enqueue ----------------------------------------

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if not self._raised:  # PortAudio's thread: once, at the first callback
            self._raised = True
            prioritise(AUDIO, "recorder input")
        at, clock = _monotonic(), self._clock()
        self._queue.put(_Heard(at, clock, indata.copy(), bool(status and status.input_overflow)))
        self._arrived = (at, clock)
        self._delivered += frames

    def _finished(self) -> None:
        """The stream ended (the microphone disappeared): say so, keep trying to reopen it.

        Not the block callback: PortAudio calls this once, when the stream is over.
        """
        if self._closing.is_set() or self.lost:
            return
        self.lost = True
        at = _monotonic()
        since = (at, self._clock(), self._wall_at(at))
        self._queue.put(_Lost())  # after the stream's last block
        if self._events.lost is not None:
            self._events.lost()
        self._watch = threading.Thread(
            target=self._reopen_loop, args=(since,), name="recorder-reopen", daemon=True
        )
        self._watch.start()

    # -- the drain thread -------------------------------------------------------------

    def _drain_loop(self) -> None:
        prioritise(AUDIO, "recorder drain")
        while True:
            item = self._queue.get()
            with self._numbering:
                self._number(item)
            self._hand_on()
            if item is None:
                return

    def _number(self, item: _Item) -> None:
        """Number one item from the queue (the drain holds the numbering lock)."""
        if item is None:
            self._settle()  # the blocks held after a stall are handed on too
        elif isinstance(item, _Heard):
            self._take(item)
        elif isinstance(item, _Lost):
            self._lost_at = self.frames  # every block before the loss is numbered
        else:  # a reopened stream counts on from where the session clock has reached
            self.frames = self._lost_at + item.advance
            self._last = None  # the new stream starts its own count
            item.reply.put((self._lost_at, self.frames))

    def _take(self, heard: _Heard) -> None:
        """Number one block (or hold it after a stall)."""
        self._taken += len(heard.block)
        if heard.overflow:
            self.overruns += 1
        if not self._check(heard):
            self._out.append((self.frames, heard.block))
            self.frames += len(heard.block)

    def _hand_on(self) -> None:
        """Hand on what was numbered, in order (outside the numbering lock)."""
        out, self._out = self._out, []
        for item in out:
            if isinstance(item, _Gap):
                if self._events.gap is not None:
                    self._events.gap(item.lost, item.back)
                continue
            frame, block = item
            self.level.update(block)
            self._on_block(frame, block)

    def _check(self, heard: _Heard) -> bool:
        """Check the input's count against the clocks; a stall becomes a gap.

        Returns whether the block is held: the blocks just after a stall are numbered only
        once the stall's length is measured over ``SETTLE`` callbacks.
        """
        now, clock, block = heard.at, heard.clock, heard.block
        last, self._last = self._last, (now, clock, self._wall_at(now))
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
            self._recent.append(self.frames + len(block) - self.rate * now)
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
        if gap > 0 or announced:  # (a zero-length gap: nothing was lost after all)
            self._out.append(_Gap(lost, frame))
        self.frames = frame + settling.held
        for block in settling.blocks:
            self._out.append((frame, block))
            frame += len(block)
        if settling.most is not None:
            # the count now stands where the envelope after the stall says, numbered on
            # from the gap: the next stall is measured from here (not from before a lost
            # time that was not made a gap, as in a pause of the whole server)
            self._recent.clear()
            self._recent.append(settling.most + gap)

    # -- the watch threads --------------------------------------------------------------

    def _stall_loop(self) -> None:
        while not self._closing.wait(0.1):
            arrived = self._arrived
            if arrived is None or self.stalled or self.lost:
                continue
            if _monotonic() - arrived[0] <= self.tolerance or self._closing.is_set():
                continue
            if self._recent and self._clock() - arrived[1] < self.tolerance * self.rate / 2:
                continue  # the music's clock stands still too: nothing is being missed
            self.stalled = True
            if self._events.stall is not None:
                self._events.stall(self.frames)

    def _reopen_loop(self, at: tuple[float, int, int]) -> None:
        while not self._closing.wait(self.retry):
            numbered: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
            try:
                stream = self._open()
                advance = max(0, self._advance(at, self._clock(), self._wall_at(_monotonic())))
                self._queue.put(_Back(advance, numbered))  # before its first block
                self._arrived = None
                stream.start()
            except (GimError, OSError, RuntimeError, ValueError):
                continue
            old, self._stream = self._stream, stream
            self._close_quietly(old)
            self.lost = False
            try:
                lost_at, back = numbered.get(timeout=10.0)  # (the drain reaches it first)
            except queue.Empty:
                return  # the drain has stopped: nothing is recorded to place a gap in
            if self._events.gap is not None:
                self._events.gap(lost_at, back)
            return

    def close(self, timeout: float = 5.0) -> None:
        """Stop recording and hand on every block already captured.

        Waits for the drain as long as it makes progress: on a busy machine it can be
        many seconds behind the microphone, and a session saved before it finished was
        saved short (1,179 of 1,200 s once). Gives up only after ``timeout`` seconds in
        which it handed on nothing (a write that never returns).
        """
        self._closing.set()
        self._close_quietly(self._stream)
        self._queue.put(None)
        waiting = -1
        while self._drain.is_alive() and self._queue.qsize() != waiting:
            waiting = self._queue.qsize()
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

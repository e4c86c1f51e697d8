"""The recorder: the microphone, continuously, for the whole session.

The PortAudio callback only copies the block and enqueues it with its frame number
(counting overflows from the status flags). A drain thread hands blocks on in order and
measures the level. If the microphone disappears, the recorder notes where, keeps trying to
reopen it, and on its return continues at the frame the session clock has reached, so the
gap shows as silence on the session timeline and nothing before it is touched.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gim.audio.devices import Backend, Stream
from gim.audio.levels import Level
from gim.errors import GimError


def wall_clock(rate: int) -> Callable[[], int]:
    """A frame clock from the monotonic clock (for gaps when no output clock runs)."""
    begun = time.monotonic()
    return lambda: int((time.monotonic() - begun) * rate)


class Recorder:
    """Records a backend's input stream (see module docstring).

    Args:
        backend: where the input stream comes from.
        rate: device rate (the session rate).
        channels: input channels.
        on_block: called from the drain thread with (session frame, frames×channels block).
        on_gap: called when the microphone came back, with (first lost frame, frame of return).
        on_lost: called when the microphone disappears.
        clock: session frames now, to measure a gap (default: the monotonic clock).
        blocksize: frames per callback.
        retry: seconds between attempts to reopen a lost microphone.
    """

    def __init__(
        self, backend: Backend, rate: int, channels: int,
        on_block: Callable[[int, np.ndarray], None],
        on_gap: Callable[[int, int], None] | None = None,
        on_lost: Callable[[], None] | None = None,
        clock: Callable[[], int] | None = None, blocksize: int = 1024, retry: float = 1.0,
    ) -> None:  # fmt: skip
        self.backend = backend
        self.rate = rate
        self.channels = channels
        self.blocksize = blocksize
        self.retry = retry
        self.level = Level()
        """Input level of the latest block."""
        self.overruns = 0
        """Callbacks PortAudio flagged as input overflow (frames were lost before us)."""
        self.frames = 0
        """Session frame of the next recorded frame."""
        self.lost = False
        """Whether the microphone is gone right now."""
        self._on_block = on_block
        self._on_gap = on_gap
        self._on_lost = on_lost
        self._clock = clock or wall_clock(rate)
        self._queue: queue.SimpleQueue[tuple[int, np.ndarray | None]] = queue.SimpleQueue()
        self._stream: Stream | None = None
        self._closing = threading.Event()
        self._drain = threading.Thread(target=self._drain_loop, name="recorder-drain", daemon=True)
        self._watch: threading.Thread | None = None

    def start(self) -> None:
        """Open the input stream and begin recording at frame 0."""
        self._drain.start()
        self._stream = self._open()
        self._stream.start()

    def _open(self) -> Stream:
        return self.backend.input_stream(
            self.rate, self.channels, self.blocksize, self._callback, self._finished
        )

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status and status.input_overflow:
            self.overruns += 1
        self._queue.put((self.frames, indata.copy()))
        self.frames += frames

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
        lost_at, clock_at = self.frames, self._clock()
        while not self._closing.wait(self.retry):
            try:
                stream = self._open()
                back = lost_at + max(0, self._clock() - clock_at)
                self.frames = back
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
            self.level.update(block)
            self._on_block(frame, block)

    def close(self, timeout: float = 5.0) -> None:
        """Stop recording and hand on every block already captured."""
        self._closing.set()
        self._close_quietly(self._stream)
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

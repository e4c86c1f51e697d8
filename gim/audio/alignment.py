"""Lining the microphone up with what was played.

`Tape` keeps the recent past of a mono signal by session frame. `Aligner` receives the
microphone and the played reference as they happen, measures the lag between them now and
then (GCC-PHAT, `estimate_delay`), and hands on each microphone block together with the
reference shifted by the lag, so the two line up sample for sample (the echo canceller
needs exactly that). The shift is the `SessionClock`'s of the points measured so far, the
same clock the session is linked through afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gim.audio.delay import DelayEstimate, estimate_delay
from gim.core.clock import SessionClock
from gim.priority import LIVE, prioritise

MIN_CONFIDENCE = 6.0
"""Peak-to-sidelobe ratio a measurement needs to be kept (below ~5 it is unreliable)."""

STEP_MATCH = 0.1
"""Least normalised correlation of the microphone with the reference at the new lag for a
second to count as after a lag step (voice and room noise keep it well below 1)."""


class Tape:
    """The last ``seconds`` of a mono signal, addressed by session frame.

    Frames never written (before the start, in gaps, too old, not yet played) read as zeros.
    """

    def __init__(self, rate: int, seconds: float = 60.0) -> None:
        self.size = int(rate * seconds)
        self._data = np.zeros(self.size, dtype=np.float32)
        self.end = 0
        """Session frame after the last one written."""

    def write(self, frame: int, block: np.ndarray) -> None:
        """Store ``block`` (mono) at session ``frame``; frames skipped since ``end`` are zero."""
        if frame > self.end:
            self._put(self.end, np.zeros(min(frame - self.end, self.size), np.float32))
        self._put(frame, np.asarray(block, dtype=np.float32)[-self.size :])
        self.end = max(self.end, frame + len(block))

    def _put(self, frame: int, block: np.ndarray) -> None:
        if not len(block):
            return
        i = frame % self.size
        first = min(len(block), self.size - i)
        self._data[i : i + first] = block[:first]
        self._data[: len(block) - first] = block[first:]

    def read(self, frame: int, frames: int) -> np.ndarray:
        """Frames ``[frame, frame + frames)`` (zeros where nothing is known)."""
        out = np.zeros(frames, dtype=np.float32)
        lo = max(frame, self.end - self.size, 0)
        hi = min(frame + frames, self.end)
        if hi <= lo:
            return out
        idx = np.arange(lo, hi) % self.size
        out[lo - frame : hi - frame] = self._data[idx]
        return out


Feed = Callable[[np.ndarray, np.ndarray, int], None]
"""Receives (mic frames×channels, aligned mono reference, first mic frame)."""


class Aligner:
    """Measures the microphone's lag and feeds aligned microphone + reference blocks.

    Call `played` and `heard` from any one thread each; `pump` (from the analysis thread)
    does the measuring and feeding.

    Args:
        rate: the session rate.
        feed: receives aligned blocks (the live transcriber); None to only measure.
        every: seconds of microphone between two measurements.
        window: seconds of signal per measurement.
        max_delay: the largest lag searched, in seconds.
        min_delay: the smallest lag searched: negative, because separate streams count
            from different moments and the microphone's count can lead (on PulseAudio the
            lag measured here was -0.38 s).
        hold: seconds of microphone held back while no lag is known yet.
        on_measure: called with (mic frame, estimate) for each reliable measurement.
    """

    def __init__(
        self,
        rate: int,
        feed: Feed | None = None,
        every: float = 5.0,
        window: float = 8.0,
        max_delay: float = 3.0,
        min_delay: float = -2.0,
        hold: float = 6.0,
        on_measure: Callable[[int, DelayEstimate], None] | None = None,
    ) -> None:
        self.rate = rate
        self.max_delay = max_delay
        self.min_delay = min_delay
        self._points: list[tuple[int, float]] = []
        self._lags: SessionClock | None = None
        self.reference = Tape(rate)
        self.mic = Tape(rate)
        self._feed = feed
        self._every = int(every * rate)
        self._window = int(window * rate)
        self._hold = int(hold * rate)
        self._next_measure = self._window
        self._pending: list[tuple[int, np.ndarray]] = []
        self._on_measure = on_measure
        self._candidate: tuple[int, DelayEstimate] | None = None
        self._raised = feed is None
        """Whether the thread that pumps has asked for `LIVE` priority (only when it feeds
        the live pass: a busy machine must not hold its blocks back)."""

    def played(self, frame: int, block: np.ndarray) -> None:
        """A block that went to the speakers at output ``frame``."""
        self.reference.write(frame, block.mean(axis=1) if block.ndim == 2 else block)

    def heard(self, frame: int, block: np.ndarray) -> None:
        """A microphone block at mic ``frame``; measured and fed on the next `pump`."""
        self.mic.write(frame, block.mean(axis=1) if block.ndim == 2 else block)
        self._pending.append((frame, block))

    def pump(self, final: bool = False) -> None:
        """Measure when due and feed what can be aligned; ``final`` feeds everything."""
        if not self._raised:
            self._raised = True
            prioritise(LIVE, "alignment and live feed")
        while self.mic.end >= self._next_measure:
            start = self._next_measure - self._window
            self._next_measure += self._every
            ref = self.reference.read(start, self._window)
            if not _sounding(ref):
                continue  # silence, a pause or a fade: nothing to line up
            est = estimate_delay(
                self.mic.read(start, self._window), ref, self.rate, self.max_delay, self.min_delay
            )
            if est.confidence >= MIN_CONFIDENCE:
                self._accept(start + self._window // 2, est)
        if self._feed is None:
            self._pending.clear()
            return
        while self._pending:
            frame, block = self._pending[0]
            if not self._points and not final and self.mic.end - frame < self._hold:
                return
            half = len(block) // 2  # the block's reference, lagged as its middle is
            start = round(self._clock().played_for(frame + half) - half)
            if start + len(block) > self.reference.end and not final:
                return  # the reference for it has not been played yet
            self._pending.pop(0)
            self._feed(block, self.reference.read(start, len(block)), frame)

    def _accept(self, frame: int, est: DelayEstimate) -> None:
        """Keep a measurement; one far from the last kept needs a second that agrees."""
        points = self._points
        jump = 0.05 * self.rate
        if points and abs(est.frames - points[-1][1]) > jump:
            held, self._candidate = self._candidate, (frame, est)
            if held is None or abs(held[1].frames - est.frames) > 0.005 * self.rate:
                return
            self._locate_step(points[-1], held[0], held[1].frames)
            points.append((held[0], held[1].frames))
            if self._on_measure is not None:
                self._on_measure(*held)
        self._candidate = None
        points.append((frame, est.frames))
        if self._on_measure is not None:
            self._on_measure(frame, est)

    def _locate_step(self, before: tuple[int, float], frame: int, lag: float) -> None:
        """The lag jumped from ``before``'s to ``lag`` between ``before`` and ``frame``: find
        where, to half a second, and put the step there (instead of a slope between the two).

        Each one-second stretch of the microphone is compared with the reference shifted by
        the old lag and by the new one; the first that matches the new one clearly better is
        where the step happened. (A free search over a window this short finds nonsense: the
        lags searched are longer than the window.)
        """
        short, hop, old = self.rate, self.rate // 2, before[1]
        first = max(before[0] + 1, self.mic.end - self.mic.size)
        for start in range(first, frame - short // 2, hop):
            mic = self.mic.read(start, short)
            new_fit = _match(mic, self.reference.read(round(_played(start, lag, self.rate)), short))
            old_fit = _match(mic, self.reference.read(round(_played(start, old, self.rate)), short))
            if new_fit > STEP_MATCH and new_fit > 2 * old_fit:
                for frame_at, lag_at_frame in ((start - 1, old), (start + short // 2, lag)):
                    self._points.append((frame_at, lag_at_frame))
                    if self._on_measure is not None:  # kept (journalled) like the others
                        placed = DelayEstimate(lag_at_frame, MIN_CONFIDENCE, self.rate)
                        self._on_measure(frame_at, placed)
                return

    @property
    def points(self) -> list[tuple[int, float]]:
        """Measured (mic frame, lag) points so far."""
        return list(self._points)

    def _clock(self) -> SessionClock:
        """The session clock of the points so far (made again only when one is added)."""
        if self._lags is None or len(self._lags.points) != len(self._points):
            self._lags = SessionClock.lagging(self.rate, self._points)
        return self._lags


def _played(mic_frame: int, lag: float, rate: int) -> float:
    """The output frame heard at ``mic_frame`` were the lag ``lag`` throughout."""
    return SessionClock.lagging(rate, [(0, lag)]).played_for(mic_frame)


def _match(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two stretches are: normalised correlation, 0 when either is silent."""
    energy = float(np.dot(a, a)) * float(np.dot(b, b))
    return float(np.dot(a, b)) / energy**0.5 if energy > 0 else 0.0


def _sounding(ref: np.ndarray, floor: float = 1e-3) -> bool:
    """Whether every quarter of the window has sound in it (a measurement can be trusted)."""
    quarters = np.array_split(ref, 4)
    return all(float(np.sqrt(np.mean(np.square(q)))) > floor for q in quarters)

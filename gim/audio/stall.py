"""A microphone stall's true length, measured from the microphone's own frames.

How long a stall lasted is measured from the microphone's own frames against the
monotonic clock: a block is handed over only after it was captured, so the frames handed
over so far minus the rate times the time never exceed a constant (where the count started),
and come closest to it at the callbacks that were on time. That upper envelope over
``BASELINE`` seconds before the stall, minus the envelope over ``SETTLE`` seconds after it,
is the frames the microphone never delivered: late or bursty delivery moves neither. The
output's count is not used for the length: on a loaded machine its callbacks pause for
0.1-0.3 s and its count wanders by +-13 ms against real time, and a length measured
against it (mean or least distance) was off by up to 80 ms where this was within 0.1 ms of
the audio (nine stalls on a real PulseAudio server; design notes). The session clock still
tells a stall from a pause of the whole audio server (the music's count stood still too:
nothing is lost, the two streams paused alike).
"""

from __future__ import annotations

import numpy as np

BASELINE = 4.0
"""Seconds of callbacks before a stall over which the counts' distance is taken."""
SETTLE = 2.0
"""Seconds of callbacks after a stall over which its length is measured (the blocks are
held that long before they are numbered)."""
MIN_GAP = 0.1
"""Seconds: a measured stall shorter than this lost nothing (the blocks came late, in a
burst, as on a loaded machine)."""


class Settling:
    """The blocks after a stall, held until its length is measured.

    Args:
        lost: the first session frame the stall lost.
        rate: frames per second.
        paused: the music's count stood still through the stall too (the whole audio
            server paused): nothing is lost.
    """

    def __init__(self, lost: int, rate: int, paused: bool) -> None:
        self.lost = lost
        self.rate = rate
        self.paused = paused
        self.blocks: list[np.ndarray] = []
        self.held = 0
        """Frames held so far."""
        self.most: float | None = None
        """The upper envelope since the stall of frames handed over (counted on from
        ``lost`` as if nothing were missing) minus the rate times the monotonic time."""

    def add(self, now: float, block: np.ndarray) -> None:
        """Hold ``block``, handed over at monotonic ``now``."""
        self.blocks.append(block)
        self.held += len(block)
        ahead = self.lost + self.held - self.rate * now
        self.most = ahead if self.most is None else max(self.most, ahead)

    def gap(self, baseline: float) -> int:
        """Frames the microphone never delivered, given the envelope before the stall."""
        if self.paused or self.most is None:
            return 0
        return max(0, round(baseline - self.most))

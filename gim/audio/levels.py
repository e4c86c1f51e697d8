"""Signal levels for the meters: updated outside the audio callback, read by the UI."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Level:
    """The latest RMS and peak of a signal, in dBFS (-inf for silence).

    Written by one thread (a consumer of audio blocks), read by any: each value is one
    float assignment, so a reader sees a recent value, never a torn one.
    """

    rms_db: float = -math.inf
    """Root-mean-square level of the latest block."""
    peak_db: float = -math.inf
    """Peak level of the latest block."""

    def update(self, block: np.ndarray) -> None:
        """Measure one block."""
        if block.size == 0:
            return
        peak = float(np.max(np.abs(block)))
        rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
        self.rms_db = to_db(rms)
        self.peak_db = to_db(peak)


def to_db(value: float) -> float:
    """Amplitude to dBFS."""
    return 20 * math.log10(value) if value > 0 else -math.inf

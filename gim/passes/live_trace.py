"""Where a live line's seconds go, for the benchmark: timings only, never text.

With ``GIM_LIVE_TRACE`` naming a file, the live child appends one JSON line (0600) for each
block that gave lines: how long the block waited between the microphone and the child,
how long the child took over it (the utterance's decoding is part of it), the session
frame it ends at, and where its lines end (session seconds). Without the variable nothing
is written (a guide's session never sets it; ``python -m bench busy`` does).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from gim.core.checking import is_marker
from gim.core.session import Segment

ENV = "GIM_LIVE_TRACE"


class Trace:
    """The trace file (appended to, private)."""

    def __init__(self, path: str) -> None:
        """Append to ``path`` (created 0600)."""
        self.path = path

    def block(self, block: tuple[Any, ...], begun: float, lines: list[Segment]) -> None:
        """Record one block (first frame, microphone, reference, stamp) that gave ``lines``,
        taken up by the child at monotonic ``begun``."""
        if not lines:
            return
        row = {
            "waited": round(begun - float(block[3]), 3),
            "took": round(time.monotonic() - begun, 3),
            "frame_end": int(block[0]) + len(block[1]),
            "ends": [round(s.end, 2) for s in lines],
            "markers": sum(is_marker(s) for s in lines),
        }
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(row) + "\n").encode())
        finally:
            os.close(fd)


def from_env() -> Trace | None:
    """The trace ``GIM_LIVE_TRACE`` asks for, or None."""
    path = os.environ.get(ENV, "")
    return Trace(path) if path else None

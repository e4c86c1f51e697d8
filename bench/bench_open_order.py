"""How the session's two clocks start: the microphone's, then the output's.

Start opens the microphone, then the output (silent until the music). The session's time
is the microphone's count and the playback log is in output frames, so a phase set at a
session second and the PLAY it asks for are only in order (phase <= PLAY frame) while the
output opens within the player's queue-ahead of the microphone. This runs the arc of
``tests/unit/test_arc.py`` (a 4 s piece from 3 s of a 14 s session, virtual room at 10x,
256-frame blocks) many times and reports, per run, the room seconds the microphone ran
before the output joined, the wall milliseconds from opening the microphone to the
output's stream starting, and PLAY's frame minus the music phase's second (negative: out
of order), and how long after the piece's end (PLAY + 4 s, output time) the return phase
was set (session time). The worst run is reported beside the average. Run: ``python -m bench
open_order`` (``--quick``: 6 runs; ``GIM_BENCH_RUNS`` sets the number).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000


class _Watched:
    """Wraps a `VirtualRoom` to note when each stream joins it (room frame, wall time)."""

    def __init__(self, room: Any) -> None:
        self.joined: dict[str, tuple[int, float]] = {}
        attach = room._attach

        def noted(stream: Any) -> None:
            self.joined.setdefault(stream.kind, (room.frame, time.monotonic()))
            attach(stream)

        room._attach = noted


def one_run(tmp: Path) -> dict[str, float]:
    """One arc; the open order's figures."""
    from gim.core.playback import Action
    from gim.core.session import Consent, Phase
    from gim.store.db import Store
    from tests.unit.test_arc import arc_room, run

    room = arc_room()
    watched = _Watched(room)
    settings, session_id, _ = run(tmp, Consent.SESSION, room)
    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
        log = store.playback_log(session_id)
    music = next(c.time for c in session.phases if c.phase is Phase.MUSIC)
    back = next(c.time for c in session.phases if c.phase is Phase.RETURN)
    play = next(e for e in log if e.action is Action.PLAY).frame / RATE
    mic, out = watched.joined["input"], watched.joined["output"]
    return {
        "open_room_s": (out[0] - mic[0]) / RATE,
        "open_wall_ms": (out[1] - mic[1]) * 1000,
        "margin_s": play - music,
        "return_after_end_s": back - (play + 4.0),
    }


def measure(runs: int) -> list[dict[str, float]]:
    """``runs`` arcs, each in its own data home."""
    found = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            found.append(one_run(Path(tmp)))
    return found


def summary(found: list[dict[str, float]]) -> list[tuple[str, Any]]:
    """The figures: out-of-order runs, and each measure's average beside its worst."""
    out = [c["margin_s"] for c in found]
    figures: list[tuple[str, Any]] = [
        ("runs", len(found)),
        ("phase after PLAY (out of order)", sum(m < 0 for m in out)),
    ]
    measures = (
        ("open_room_s", max),
        ("open_wall_ms", max),
        ("margin_s", min),
        ("return_after_end_s", max),
    )
    for key, worst in measures:
        values = [c[key] for c in found]
        figures.append((key, f"avg {np.mean(values):.3f}  worst {worst(values):.3f}"))
    return figures


def run(quick: bool = False) -> list[tuple[str, Any]]:
    """The benchmark's figures (see the module docstring)."""
    runs = int(os.environ.get("GIM_BENCH_RUNS", "6" if quick else "18"))
    return summary(measure(runs))

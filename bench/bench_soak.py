"""The soak (issue 22): a long session must not grow, slow down or surprise.

Two parts, with the same figures (memory growth per hour after a 5-minute warm-up and the
largest RSS, of gim and each child; live-line latency per 10 minutes, median and worst;
the final tail; the database, its WAL and the session journal; utterances found; the load):

- one real hour of `gim session run --headless` on a PulseAudio null sink, a long program
  of the shared music, real speech (two read voices and spontaneous ones) played into
  the sink with paplay every 60-90 s (bench/soak_real.py);
- two hours in the virtual room at the demo's fast speed (bench/soak_room.py).

``--quick``: 3 minutes real, 10 minutes virtual. Each part also runs alone:
``python -m bench.soak_real SECONDS``, ``python -m bench.soak_room SECONDS``.
"""

from __future__ import annotations

from bench.soak_real import real_run
from bench.soak_room import room_run


def run(quick: bool) -> list[tuple[str, str]]:
    """Both parts; their figures, the real hour's first."""
    real = real_run(180.0 if quick else 3600.0)
    room = room_run(600.0 if quick else 7200.0)
    return [(f"real: {k}", v) for k, v in real] + [(f"room: {k}", v) for k, v in room]

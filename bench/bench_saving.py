""" "Saving the recording...": how long the end of a session takes against its length.

Sessions in the virtual room (no transcription, so the end is the audio's: close the
devices, finish each track's file, store the log) of a few lengths, each run twice by
turns: with each track joined as it records (as gim does), and with the join left to the
end (as before issue 22's fix: every quarter-second chunk decoded and encoded again once
the session is over; forced here by a margin no disk has, `gim.audio.joining.JOIN_MARGIN`).
Reports per length and way the wall seconds and CPU seconds of `SessionRunner.stop`, worst
beside mean, and checks both ways give the same microphone file length.
Run: ``python -m bench saving`` (``--quick``: 5 minutes only, once each way;
``GIM_SAVING_MINUTES=5,20`` and ``GIM_BENCH_RUNS=2`` set the lengths and the rounds).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RATE = 48000
SPEED = 20.0


def one(seconds: float, joined_live: bool) -> tuple[float, float, float]:
    """One session of ``seconds``: (saving wall s, saving CPU s, microphone seconds)."""
    from bench.soak_room import program
    from gim.audio.room import Acoustics, VirtualRoom
    from gim.config import Settings
    from gim.core.session import Consent
    from gim.runner import SessionPlan, SessionRunner
    from gim.store.db import Store

    joining = _joining()
    margin = joining.JOIN_MARGIN if joining is not None else 0
    if joining is not None:
        joining.JOIN_MARGIN = margin if joined_live else 2**62
    home = Path(tempfile.mkdtemp(prefix="gim-bench-saving-"))
    try:
        prog, files = program(seconds)
        room = VirtualRoom(RATE, Acoustics(delay=0.12, level=0.3, reverb=0.25), speed=SPEED)
        plan = SessionPlan(
            "s01",
            consent=Consent.SESSION,
            transcribe=False,
            duration=seconds,
            end_with_music=False,
        )
        runner = SessionRunner(Settings(home=home), prog, plan, room=room, files=files)
        session_id = runner.start()
        while not runner.done():
            runner.wait_for(0.25)
        wall, cpu = time.monotonic(), time.process_time()
        runner.stop(fade=0.0)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        room.close()
        with Store.open(home / "gim.db") as store:
            recorded = store.get_session(session_id).audio_seconds
        return wall, cpu, recorded
    finally:
        if joining is not None:
            joining.JOIN_MARGIN = margin
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def _joining() -> Any:
    """`gim.audio.joining`, or None in code from before it (run against an older checkout
    with PYTHONPATH: then only "as that code does" is measured)."""
    try:
        from gim.audio import joining
    except ImportError:
        return None
    return joining


def run(quick: bool = False) -> list[tuple[str, Any]]:
    """The figures: per length, saving wall and CPU seconds each way (mean / worst)."""
    minutes = [float(m) for m in os.environ.get("GIM_SAVING_MINUTES", "5,20").split(",")]
    rounds = int(os.environ.get("GIM_BENCH_RUNS", "1" if quick else "2"))
    if quick:
        minutes = minutes[:1]
    figures: list[tuple[str, Any]] = [
        ("load (1 min) at start", f"{os.getloadavg()[0]:.1f}"),
    ]
    for length in minutes:
        got: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
        ways = (False, True) if _joining() is not None else (False,)
        for _ in range(rounds):
            for live in ways:
                got[live].append(one(length * 60.0, live))
        names = {False: "joined at the end", True: "joined as recorded"}
        if _joining() is None:
            names[False] = "joined at the end (code without gim.audio.joining)"
        for live in ways:
            name = names[live]
            walls = [w for w, _, _ in got[live]]
            cpus = [c for _, c, _ in got[live]]
            audio = {round(r, 2) for _, _, r in got[live]}
            figures.append(
                (
                    f"{length:g} min, {name}",
                    f"saving {statistics.mean(walls):.2f} / {max(walls):.2f} s wall "
                    f"(mean / worst), CPU {statistics.mean(cpus):.2f} / {max(cpus):.2f} s; "
                    f"recorded {sorted(audio)} s",
                )
            )
    figures.append(("load (1 min) at end", f"{os.getloadavg()[0]:.1f}"))
    return figures

"""The soak's virtual part: a two-hour session in the virtual room, faster than real time,
the shared speech spoken into it every 60-90 session seconds, with live transcription,
then the final pass; the same figures as the real hour."""

from __future__ import annotations

import itertools
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

from bench.soak_watch import Utterance, Watch, file_figures, summary

RATE = 48000
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SPEED = 6.0  # as `gim demo --fast`
SAMPLE_EVERY = 30.0  # session seconds


def voices(seconds: float) -> tuple[list[Any], list[Utterance]]:
    """The room's utterances every 60-90 s up to ``seconds``, and their session times."""
    from bench.soak_real import CLIPS
    from gim.audio.room import Utterance as RoomUtterance

    rng = random.Random(22)
    clips = []
    for rel in CLIPS:
        data, rate = soundfile.read(str(DATA / rel), dtype="float32", always_2d=True)
        mono = soxr.resample(data.mean(axis=1), rate, RATE).astype(np.float32)
        clips.append((Path(rel).stem, mono * 0.8))
    room, spoken, at, i = [], [], 20.0, 0
    while at < seconds - 15:
        stem, audio = clips[i % len(clips)]
        room.append(RoomUtterance(at, audio))
        spoken.append(Utterance(stem, at, at + len(audio) / RATE))
        at += rng.uniform(60, 90)
        i += 1
    return room, spoken


def program(seconds: float) -> tuple[Any, list[Path | None]]:
    """The shared music repeated for about 85% of ``seconds`` (then the return)."""
    from gim.core.program import Piece, Program, Provenance

    music = DATA / "music"
    files = [
        ("sugar plum", music / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 119.9),
        ("goldberg", music / "goldberg_ishizaka_voiceover.ogg", 57.0),
    ]
    pieces, paths, total = [], [], 0.0
    while total < seconds * 0.85:
        name, path, length = files[len(pieces) % 2]
        pieces.append(Piece("soak", name, length))
        paths.append(path)
        total += length + 2.0
    return Program("soak", "Soak", "gim", Provenance("bench"), tuple(pieces), gap=2.0), paths


class Seen:
    """When (wall clock) each live line was stored, from the runner's events."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, float, float]] = []  # (wall, start, end)

    def __call__(self, event: Any) -> None:
        from gim.runner.events import SegmentAdded

        if isinstance(event, SegmentAdded):
            seg = event.segment
            self.lines.append((time.monotonic(), seg.start, seg.end))


def wall_at(clock: list[tuple[float, float]], session: float) -> float | None:
    """The wall time the room reached ``session`` seconds (interpolated in ``clock``)."""
    for (w0, s0), (w1, s1) in itertools.pairwise(clock):
        if s0 <= session <= s1 and s1 > s0:
            return w0 + (w1 - w0) * (session - s0) / (s1 - s0)
    return None


def latencies(spoken: list[Utterance], seen: Seen, clock: list[tuple[float, float]]) -> None:
    """Each utterance's first live line, as session time since its end, in wall seconds:
    ``seen`` is set so that ``latency()`` gives wall seconds from its end to the line."""
    for u in spoken:
        over = [w for w, s, e in seen.lines if s < u.end + 1.5 and e > u.start - 1.5]
        end_wall = wall_at(clock, u.end)
        if over and end_wall is not None:
            u.seen = u.end + (min(over) - end_wall)


def room_run(seconds: float, log: Any = sys.stdout) -> list[tuple[str, str]]:
    """A ``seconds`` session in the virtual room at SPEED; the soak's figures."""
    import os

    from gim.audio.room import Acoustics, VirtualRoom
    from gim.config import Settings
    from gim.core.session import Consent
    from gim.runner import SessionPlan, SessionRunner
    from gim.runner.final_pass import final_pass
    from gim.store.db import Store

    home = Path(tempfile.mkdtemp(prefix="gim-soak-room-"))
    settings = Settings(home=home)
    utterances, spoken = voices(seconds)
    prog, files = program(seconds)
    room = VirtualRoom(
        RATE, Acoustics(delay=0.12, level=0.3, reverb=0.25), speed=SPEED, voice=utterances
    )
    seen = Seen()
    plan = SessionPlan("s02", consent=Consent.SESSION, duration=seconds, end_with_music=False)
    runner = SessionRunner(settings, prog, plan, room=room, files=files, on_event=seen)
    watch = Watch(home / "gim.db")
    watch.utterances = spoken
    clock: list[tuple[float, float]] = []
    begun = time.monotonic()
    session_id = runner.start()
    next_sample = 0.0
    while not runner.done():
        runner.wait_for(0.25)
        now = runner.elapsed
        clock.append((time.monotonic(), now))
        if now >= next_sample:
            next_sample += SAMPLE_EVERY
            row = watch.sample(now, os.getpid(), home / "sessions" / session_id)
            print(json.dumps({k: round(v, 2) for k, v in row.items()}), file=log, flush=True)
    ended = time.monotonic()
    runner.stop(fade=0.0)
    room.close()
    saved = time.monotonic()
    lines: list[Any] = []
    with Store.open(home / "gim.db") as store:
        try:
            lines = final_pass(store, session_id, settings)
        except KeyboardInterrupt:  # (a run cut short: the other figures still count)
            print("  the final pass was interrupted", file=log, flush=True)
    done = time.monotonic()
    latencies(spoken, seen, clock)
    figures = [
        (
            "session",
            f"{session_id}: {seconds:g} s in the virtual room at {SPEED:g}x, "
            f"{seconds / (ended - begun):.1f}x real time reached",
        ),
    ]
    figures += summary(watch.samples, spoken, seconds)
    figures.append(("  (latency above: wall seconds)", "from the utterance's end in the room"))
    figures.append(
        (
            "final tail (end to final done)",
            f"{done - ended:.0f} s: saving {saved - ended:.0f} s, "
            f"final pass {done - saved:.0f} s ({len(lines)} lines)",
        )
    )
    figures += final_found(spoken, lines)
    watch.sample(seconds, os.getpid(), home / "sessions" / session_id)
    figures += file_figures(watch.samples)
    print(f"  (data kept in {home})", file=log, flush=True)
    return figures


def final_found(spoken: list[Utterance], lines: list[Any]) -> list[tuple[str, str]]:
    """Utterances the final transcript has a line over."""
    found = sum(any(s.start < u.end + 1.5 and s.end > u.start - 1.5 for s in lines) for u in spoken)
    return [("utterances in the final transcript", f"{found} of {len(spoken)}")]


if __name__ == "__main__":
    for key, value in room_run(float(sys.argv[1])):
        print(f"  {key:<40}  {value}", flush=True)

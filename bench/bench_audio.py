"""Audio engine figures: mapping error and drift over a long run in the virtual room (faster
than real time, with simulated clock drift), and on PulseAudio: under/overruns and the
audio path's CPU while two other processes keep both cores busy."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from gim.audio.delay import estimate_delay
from gim.audio.room import Acoustics, VirtualRoom
from gim.config import Settings
from gim.core.clock import SessionClock, lag_at
from gim.core.playback import PlaybackLog
from gim.core.program import Piece, Program, Provenance
from gim.runner import SessionPlan, SessionRunner

RATE = 48000
MUSIC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "music"
FILES = [
    ("goldberg", MUSIC / "goldberg_ishizaka_voiceover.ogg", 57.0),
    ("vivaldi", MUSIC / "vivaldi-summer-presto-1.mp3", 6.3),
    ("sugar plum", MUSIC / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 119.9),
]


def program(minutes: float) -> tuple[Program, list[Path | None]]:
    """The shared recordings repeated to about ``minutes``, 1 s apart."""
    pieces, files, total = [], [], 0.0
    while total < minutes * 60:
        for name, path, seconds in FILES:
            pieces.append(Piece("bench", name, seconds))
            files.append(path)
            total += seconds + 1.0
    prog = Program("bench", "Bench", "gim", Provenance("bench"), tuple(pieces), gap=1.0)
    return prog, files


def cpu() -> float:
    """CPU seconds of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def room_run(minutes: float, drift: float) -> list[tuple[str, str]]:
    """A long session in the virtual room; the mapping against the room's true delay."""
    prog, files = program(minutes)
    with tempfile.TemporaryDirectory() as tmp:
        room = VirtualRoom(
            RATE, Acoustics(delay=0.08, level=0.4, reverb=0.3, drift=drift), speed=8.0
        )
        runner = SessionRunner(
            Settings(home=Path(tmp)),
            prog,
            SessionPlan("bench", duration=minutes * 60, transcribe=False),
            room=room,
            files=files,
        )
        begun, c0 = time.monotonic(), cpu()
        runner.start()
        runner.wait()
        runner.stop(fade=0.0)
        wall, used = time.monotonic() - begun, cpu() - c0
        status = runner.status()
        points = list(runner.delay_points)
        streams = {s.kind: s.started for s in room._streams}
        room.close()
    errors = []
    clock = SessionClock(PlaybackLog(RATE), points)  # the lag alone: no music log needed
    for m in range(10 * RATE, int(status.elapsed * RATE) - RATE, 10 * RATE):
        room_frame = streams["input"] + m
        truth = room_frame - room.delay_frames(room_frame) - streams["output"]
        errors.append((clock.output_frame(m / RATE) - truth) / RATE * 1000)
    err = np.abs(np.array(errors))
    span = points[-1][0] - points[0][0] if len(points) > 1 else 1
    measured_drift = (lag_at(points[-1][0], points) - lag_at(points[0][0], points)) / span
    return [
        ("room: session length", f"{status.elapsed / 60:.1f} min at 8x real time ({wall:.0f} s)"),
        ("room: simulated drift", f"{drift * 1e6:.0f} ppm"),
        ("room: measured drift", f"{measured_drift * 1e6:.1f} ppm over {len(points)} points"),
        (
            "room: mapping error",
            f"max {err.max():.2f} ms, mean {err.mean():.2f} ms ({len(err)} checks, every 10 s)",
        ),
        ("room: under/overruns", str(status.xruns)),
        ("room: CPU", f"{used / status.elapsed * 100:.1f}% of one core per second of session"),
    ]


def burners(count: int) -> list[subprocess.Popen[bytes]]:
    """Processes that keep ``count`` cores busy (as live transcription will)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def pulse_run(seconds: float) -> list[tuple[str, str]]:
    """A session on a private PulseAudio null sink under full CPU load."""
    try:
        name = f"gim_bench_{os.getpid()}"
        module = subprocess.run(
            ["pactl", "load-module", "module-null-sink", f"sink_name={name}", f"rate={RATE}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return [("pulse", "skipped: no PulseAudio server (start one as DESIGN.md says)")]
    os.environ["PULSE_SINK"], os.environ["PULSE_SOURCE"] = name, f"{name}.monitor"
    load = burners(2)
    try:
        prog, files = program(seconds / 60 + 1)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp))
            runner = SessionRunner(
                settings,
                prog,
                SessionPlan("bench", duration=seconds, transcribe=False),
                files=files,
            )
            c0 = cpu()
            session_id = runner.start()
            runner.wait()
            runner.stop(fade=1.0)
            used = cpu() - c0
            status = runner.status()
            folder = settings.sessions_dir / session_id
            mic = soundfile.read(str(folder / "mic.flac"), dtype="float32", always_2d=True)[0]
            ref = soundfile.read(str(folder / "reference.flac"), dtype="float32", always_2d=True)[0]
            points = list(runner.delay_points)
    finally:
        for p in load:
            p.kill()
        subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=10)
    mic, ref = mic.mean(axis=1), ref.mean(axis=1)
    errors = []
    for m in range(5 * RATE, len(mic) - 5 * RATE, 10 * RATE):
        out = round(SessionClock(PlaybackLog(RATE), points).output_frame(m / RATE))
        if out - 4800 < 0 or out + RATE > len(ref):
            continue
        est = estimate_delay(
            mic[m : m + RATE],
            ref[out - 4800 : out - 4800 + RATE],
            RATE,
            max_delay=0.2,
            min_delay=-0.2,
        )
        if est.confidence >= 8:
            errors.append(abs(est.frames + 4800) / RATE * 1000)
    lags = [lag for _, lag in points]
    return [
        ("pulse: session length", f"{status.elapsed:.0f} s, 2 other processes at 100% CPU"),
        ("pulse: under/overruns", str(status.xruns)),
        ("pulse: audio path CPU", f"{used / status.elapsed * 100:.1f}% of one core"),
        (
            "pulse: measured lag",
            f"{np.median(lags) / RATE * 1000:.1f} ms, spread "
            f"{(max(lags) - min(lags)) / RATE * 1000:.2f} ms",
        ),
        (
            "pulse: mapping error",
            f"max {max(errors, default=float('nan')):.2f} ms over {len(errors)} checks",
        ),
    ]


def run(quick: bool = False) -> list[tuple[str, str]]:
    """The audio engine's figures (see the module docstring)."""
    figures = room_run(3.0 if quick else 12.0, drift=1e-4)
    figures += pulse_run(30.0 if quick else 180.0)
    return figures

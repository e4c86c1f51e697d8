"""The soak's real part: `gim session run --headless` for an hour on a PulseAudio null sink,
a long program of the shared music, real speech played into the room every 60-90 s."""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.soak_watch import Utterance, Watch, file_figures, summary
from tests.support.headless import null_sink

RATE = 48000
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MUSIC = [  # (file, times repeated): pieces of 6-9 minutes, as a GIM program has
    ("music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg", 4),
    ("music/goldberg_ishizaka_voiceover.ogg", 8),
]
CLIPS = [  # two voices of read speech and several of spontaneous speech
    *(f"speech/ljspeech/LJ001-{n:04d}.wav" for n in (1, 3, 7, 10, 15, 21, 27)),
    *(
        f"speech/mfa_disfluent/mfa_{n}.flac"
        for n in ("long", "crossword", "laughter", "surround", "uhum", "words", "youknow")
    ),
]
SAMPLE_EVERY = 30.0


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True, timeout=600)


def make_program(tmp: Path, env: dict[str, str], minutes: float) -> str:
    """A program of the shared music repeated to about ``minutes``; its slug."""
    files, total, i = [], 0.0, 0
    while total < minutes * 60:
        source, times = MUSIC[i % len(MUSIC)]
        piece = tmp / f"piece{i + 1}.flac"
        sox(str(DATA / source), "-r", str(RATE), str(piece), "repeat", str(times - 1))
        total += float(
            subprocess.run(
                ["soxi", "-D", str(piece)], capture_output=True, text=True, check=True
            ).stdout
        )
        files.append(str(piece))
        i += 1
    made = subprocess.run(
        [sys.executable, "-m", "gim", "programs", "new", "Soak", *files, "--slug", "soak"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if made.returncode != 0:
        raise RuntimeError(made.stderr)
    return "soak"


def make_clips(tmp: Path) -> list[tuple[str, Path, str]]:
    """The speech clips as WAV at the sink's rate (paplay cuts FLAC): name, file, text."""
    clips = []
    for rel in CLIPS:
        src = DATA / rel
        wav = tmp / f"{src.stem}.wav"
        sox(str(src), "-r", str(RATE), "-c", "1", str(wav))
        clips.append((src.stem, wav, src.with_suffix(".txt").read_text()))
    return clips


class Lines:
    """gim's stderr, read on a thread: each line with the monotonic time it came."""

    def __init__(self, stream: object) -> None:
        self.lines: list[tuple[float, str]] = []
        self._stream = stream
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:  # type: ignore[attr-defined]
            self.lines.append((time.monotonic(), line.rstrip()))

    def first(self, text: str) -> float | None:
        return next((t for t, line in self.lines if text in line), None)


def speak(sink: str, clip: Path, t0: float, utterance: Utterance) -> None:
    """Play ``clip`` into ``sink``; the utterance's times are set from when it sounded."""
    utterance.start = time.monotonic() - t0
    subprocess.run(["paplay", f"--device={sink}", str(clip)], check=True, timeout=120)
    utterance.end = time.monotonic() - t0


def drive(
    proc: subprocess.Popen[str],
    watch: Watch,
    sink: str,
    clips: list,
    t0: float,
    seconds: float,
    home: Path,
    log: object,
) -> None:
    """Until the session ends: speak every 60-90 s, sample every 30 s, poll lines every 1 s."""
    rng = random.Random(22)
    order = list(clips)
    next_speech, next_sample = 20.0, 0.0
    while proc.poll() is None:
        now = time.monotonic() - t0
        watch.poll_lines(now)
        if now >= next_sample:
            next_sample += SAMPLE_EVERY
            folder = next(iter(home.glob("sessions/*/")), None)
            row = watch.sample(now, proc.pid, folder)
            print(json.dumps({k: round(v, 2) for k, v in row.items()}), file=log, flush=True)
        if now >= next_speech and now < seconds - 15:
            if not order:
                order = list(clips)
                rng.shuffle(order)
            stem, wav, _ = order.pop(0)
            u = Utterance(stem, now, now + 30)
            watch.utterances.append(u)
            threading.Thread(target=speak, args=(sink, wav, t0, u), daemon=True).start()
            next_speech = now + rng.uniform(60, 90)
        time.sleep(1.0)


def final_figures(db: Path, clips: list, watch: Watch) -> list[tuple[str, str]]:
    """How many utterances the final transcript holds (a line over them, a word of them)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute('SELECT start, "end", text, source FROM segments').fetchall()
    con.close()
    texts = {stem: text for stem, _, text in clips}
    found = worded = 0
    for u in watch.utterances:
        over = [t for s, e, t, _ in rows if s < u.end + 1.5 and e > u.start - 1.5]
        found += bool(over)
        words = {w for w in re.findall(r"[a-z]{5,}", texts[u.clip].lower())}
        heard = set(re.findall(r"[a-z]{5,}", " ".join(over).lower()))
        worded += bool(words & heard) or (not words and bool(over))
    sources = sorted({r[3] for r in rows})
    return [
        (
            "utterances in the final transcript",
            f"{found} of {len(watch.utterances)} "
            f"({worded} with a word of theirs); {len(rows)} lines, sources {', '.join(sources)}",
        ),
    ]


def real_run(seconds: float, log: Any = sys.stdout) -> list[tuple[str, str]]:
    """`gim session run --headless` for ``seconds`` on a null sink; the soak's figures."""
    tmp = Path(tempfile.mkdtemp(prefix="gim-soak-"))
    home = tmp / "home"
    with null_sink("gim_soak") as devices:
        env = {**os.environ, **devices, "GIM_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        slug = make_program(tmp, env, min(seconds / 60 * 0.85, 50))
        clips = make_clips(tmp)
        watch = Watch(home / "gim.db")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gim",
                "session",
                "run",
                "--headless",
                "--program",
                slug,
                "--client",
                "s01",
                "--duration",
                f"{seconds:g}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = Lines(proc.stderr)
        while lines.first("started") is None and proc.poll() is None:
            time.sleep(0.05)
        t0 = lines.first("started") or time.monotonic()
        drive(proc, watch, devices["PULSE_SINK"], clips, t0, seconds, home, log)
        ended = time.monotonic()
        out = proc.stdout.read() if proc.stdout else ""
    for _, line in lines.lines:
        print(f"  | {line}", file=log, flush=True)
    saving = lines.first("ending the session") or ended
    final = lines.first("final transcription 0%") or saving
    figures = [("session", f"{out.strip()} exit {proc.returncode}, {seconds:g} s on PulseAudio")]
    figures += summary(watch.samples, watch.utterances, seconds)
    tail = (
        f"{ended - saving:.0f} s: saving {final - saving:.0f} s, final pass {ended - final:.0f} s"
    )
    figures.append(("final tail (end to exit)", tail))
    figures += final_figures(home / "gim.db", clips, watch)
    figures += file_figures(watch.samples)
    print(f"  (data kept in {tmp})", file=log, flush=True)
    return figures


if __name__ == "__main__":
    for key, value in real_run(float(sys.argv[1])):
        print(f"  {key:<40}  {value}", flush=True)

"""End of session to final transcript, with and without the rolling final pass.

A simulated 45-minute session: a room mix (tests/support/roommix.py: real speech from
../shared/data under real music, through a room) written as the session writes it (chunk
files and a journal). The rolling pass (`gim.passes.rolling_child.follow`, one thread, nice 19,
in its own process) works through it window by window; each window's CPU time is
measured, and the windows are scheduled as they would have run during the session: a
window starts once its audio has arrived and the previous window is done, and takes its
CPU time divided by the CPU share the pass gets (default half a core of two, beside the
live pass: ``GIM_BENCH_ROLLING_SHARE``). Ending the session at several moments across one
window period then gives the rolling state at End, and the final pass
(`gim.runner.final_pass`, the one every caller uses) is timed from there: only the
remainder. Beside it: the whole-recording final pass (no rolling pass), the live pass's
latency and the audio under/overruns with the rolling pass running and without it, and
the WER of the rolling result against the whole pass's. The live pass is measured while
the rolling pass catches up on the whole session as fast as its priority lets it (harder
than during a session, where it works one window every ~80 s), then without it.

Run: ``python -m bench rolling`` (``--quick``: an 8-minute session).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RATE = 16000
"""The simulated session's rate (the whole pass then skips resampling: in its favour)."""
PHASES = 5
"""End moments spread over one window period."""


def _support() -> tuple[Any, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.support import passes, roommix

    return roommix, passes


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(minutes: float) -> Any:
    """A room mix of about ``minutes`` with every utterance the shared data has, at 0 dB."""
    roommix, _ = _support()
    utterances = roommix.speech_files(SHARED, 400, seed=45)
    gap = max(4.0, minutes * 60 / len(utterances) - 6.0)
    return roommix.build_room_mix(
        SHARED, utterances, 0.0, rate=RATE, seed=45, gaps=(0.7 * gap, 1.3 * gap)
    )


def new_session(store: Any, settings: Any, mix: Any) -> tuple[str, Path]:
    """A stored session for ``mix`` (one piece playing from the start)."""
    from gim.config import ensure_private_dir
    from gim.core.playback import Action, PlaybackEvent
    from gim.core.session import Session

    session = store.create_session(
        Session(id="", client="BE01", program="bench", started_at="2026-01-05T10:00:00")
    )
    store.add_playback_events(session.id, [PlaybackEvent(0, Action.PLAY, piece=0, offset=0)])
    store.update_session(session.id, delay_frames=mix.delay * RATE)
    return session.id, ensure_private_dir(settings.sessions_dir / session.id)


def write_joined(folder: Path, mix: Any, seconds: float | None = None) -> None:
    """The joined recording, up to ``seconds``."""
    import soundfile as sf

    n = len(mix.mic) if seconds is None else int(seconds * RATE)
    sf.write(str(folder / "mic.flac"), mix.mic[:n], RATE)
    sf.write(str(folder / "reference.flac"), mix.reference[:n], RATE)


def write_chunks(folder: Path, mix: Any) -> None:
    """The recording as a session writes it: chunk files listed in a journal."""
    from gim.audio.journal import Journal
    from gim.audio.writer import ChunkWriter

    journal = Journal(folder)
    journal.write("session", id=folder.name, rate=RATE, mic_channels=1, out_channels=1)
    mic = ChunkWriter(folder, "mic", RATE, 1, journal)
    ref = ChunkWriter(folder, "reference", RATE, 1, journal)
    for i in range(0, len(mix.mic), RATE):
        mic.write(i, mix.mic[i : i + RATE, None])
        ref.write(i, mix.reference[i : i + RATE, None])
    mic.flush()
    ref.flush()
    journal.close()


def simulate(folder: str, home: str) -> list[tuple[float, float, float]]:
    """The rolling pass over a recorded session (in a worker at nice 19, one thread):
    (start, end, CPU seconds) of each window."""
    from gim.config import Settings
    from gim.passes import rolling_child, rolling_file

    os.nice(19)
    config = rolling_file.Config.of(Settings(home=Path(home)), 1)
    windows: list[tuple[float, float, float]] = []
    rolling_child.follow(
        Path(folder),
        config,
        lambda: rolling_child.load_quiet_engine(config),
        caught_up=True,
        on_window=lambda a, b, c: windows.append((a, b, c)),
    )
    return windows


def schedule(windows: list[tuple[float, float, float]], share: float) -> list[float]:
    """When each window would have finished during the session (seconds)."""
    done, finished = 0.0, []
    for _, end, cpu in windows:
        done = max(end, done) + cpu / share
        finished.append(done)
    return finished


def timed_final(store: Any, sid: str, settings: Any) -> tuple[float, float, list[Any]]:
    """The final pass: wall seconds, CPU seconds, lines."""
    from gim.core.session import Source
    from gim.runner.final_pass import final_pass

    wall, cpu = time.monotonic(), _cpu()
    lines = final_pass(store, sid, settings)
    finals = [s for s in lines if s.source is Source.FINAL]
    return time.monotonic() - wall, _cpu() - cpu, finals


def live() -> tuple[list[float], int, int, bool]:
    """One live run (bench_transcription's measure): latencies, underruns, overruns, and
    whether the xruns were measured."""
    from bench.bench_transcription import Xruns, live_latency

    roommix, _ = _support()
    rate = 48000
    mix = roommix.build_room_mix(
        SHARED, roommix.speech_files(SHARED, 6, seed=2024), 0.0, rate=rate, seed=6
    )
    with Xruns(rate) as xruns:
        latencies, _, _ = live_latency(mix, rate)
    return latencies, xruns.underruns, xruns.overruns, bool(xruns.streams)


def live_runs(count: int, while_running: Any = None) -> tuple[str, str]:
    """``count`` live runs pooled: latency p50/p95 and xruns (load on a shared machine
    varies; pooling evens it out a little)."""
    latencies: list[float] = []
    under = over = 0
    measured = True
    for _ in range(count):
        lat, u, o, measured = live()
        latencies += lat
        under, over = under + u, over + o
        print(
            f"  live run: {len(lat)} lines, latency max {max(lat, default=float('nan')):.2f} s, "
            f"{u} underruns",
            flush=True,
        )
    note = ""
    if while_running is not None:
        note = (
            " (the rolling pass ended before the last run)"
            if while_running.ready()
            else " (rolling pass catching up throughout)"
        )
    if latencies:
        p50, p95 = np.percentile(latencies, [50, 95])
        lat = f"{p50:.2f} s / {p95:.2f} s (n={len(latencies)}){note}"
    else:
        lat = "no lines arrived"
    runs = (
        f"{under} underruns, {over} overruns" if measured else "not measured (no PulseAudio server)"
    )
    return lat, runs


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Simulate the session, time End→final both ways; the figures."""
    from gim.config import Settings, ensure_private_dir
    from gim.passes import rolling, rolling_child, rolling_file
    from gim.store.db import Store

    _, passes = _support()
    minutes = 8.0 if quick else float(os.environ.get("GIM_BENCH_ROLLING_MINUTES", "45"))
    share = float(os.environ.get("GIM_BENCH_ROLLING_SHARE", "0.5"))
    tmp = Path(tempfile.mkdtemp(prefix="gim-bench-rolling-"))
    settings = Settings(home=tmp / "home")
    ensure_private_dir(settings.home)
    store = Store.open(settings.db_path)
    figures: list[tuple[str, str]] = []
    try:
        mix = build(minutes)
        length = len(mix.mic) / RATE
        print(
            f"session: {length / 60:.1f} min room mix at 0 dB, {len(mix.utterances)} utterances, "
            f"{RATE} Hz; rolling pass CPU share {share:g} core",
            flush=True,
        )
        _, folder = new_session(store, settings, mix)
        write_chunks(folder, mix)

        # the rolling pass during the session; the live pass measured beside it
        saved = {k: os.environ.get(k) for k in rolling_child.QUIET_ENV}
        os.environ.update(rolling_child.QUIET_ENV)  # the worker starts with one thread per library
        pool = mp.get_context("spawn").Pool(1)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        job = pool.apply_async(simulate, (str(folder), str(settings.home)))
        lat_with, runs_with = live_runs(1 if quick else 2, job)
        windows = job.get()
        pool.close()
        pool.join()
        lat_without, runs_without = live_runs(1 if quick else 2)
        shutil.copy(folder / rolling_file.FILE, tmp / "rolling.all")
        from gim.audio.writer import finish_audio

        joining = time.monotonic()
        finish_audio(folder)  # what stop() does at End, with or without the rolling pass
        joining = time.monotonic() - joining
        entries = (tmp / "rolling.all").read_text().splitlines()
        finished = schedule(windows, share)
        cpu_total = sum(c for _, _, c in windows)
        worst = max(c for _, _, c in windows)
        print(
            f"rolling pass: {len(windows)} windows, {cpu_total:.0f} CPU s for {length:.0f} s "
            f"of session ({cpu_total / length:.3f} of a core; worst window {worst:.1f} CPU s "
            f"for {rolling.WINDOW:.0f} s)",
            flush=True,
        )
        lag = max(f - b for (_, b, _), f in zip(windows, finished, strict=True))
        print(f"at {share:g} core the window finishes at most {lag:.1f} s after its audio ended")

        # without: the whole recording after End
        wsid, wfolder = new_session(store, settings, mix)
        write_joined(wfolder, mix)
        whole_wall, whole_cpu, whole = timed_final(store, wsid, settings)
        print(
            f"without rolling: End→final {whole_wall:.1f} s wall, {whole_cpu:.1f} CPU s", flush=True
        )

        # with: End at several moments across one window period
        step = np.median(np.diff([a for a, _, _ in windows])) if len(windows) > 1 else 60.0
        walls, cpus, rolled, remainders = [], [], None, []
        for j in range(PHASES):
            end = length - j * step / PHASES
            k = sum(1 for f in finished if f <= end)
            esid, efolder = new_session(store, settings, mix)
            write_joined(efolder, mix, end)
            (efolder / rolling_file.FILE).write_text("\n".join(entries[: 1 + k]) + "\n")
            state = rolling_file.load(efolder, rolling_file.Config.of(settings, 1))
            done = min(state.done) if state is not None else 0.0
            wall, cpu, lines = timed_final(store, esid, settings)
            walls.append(wall)
            cpus.append(cpu)
            remainders.append(end - done)
            if j == 0:
                rolled = lines
            print(
                f"with rolling, End at {end:.0f} s: {k} windows done, remainder {end - done:.0f}"
                f" s: End→final {wall:.1f} s wall, {cpu:.1f} CPU s",
                flush=True,
            )
        c = passes.compare(mix, rolled, whole)
        load = os.getloadavg()[0]
        figures += [
            (
                "End→final without rolling (45 min)" if not quick else "End→final without rolling",
                f"{whole_wall:.1f} s wall ({whole_cpu:.1f} CPU s)",
            ),
            (
                "End→final with rolling, worst / average",
                f"{max(walls):.1f} s / {np.mean(walls):.1f} s wall "
                f"({max(cpus):.1f} / {np.mean(cpus):.1f} CPU s; remainder "
                f"{min(remainders):.0f}-{max(remainders):.0f} s of audio)",
            ),
            (
                "joining the chunks at End (both ways)",
                f"{joining:.1f} s wall ({RATE} Hz mono tracks; a 48 kHz session has 4.5x the data)",
            ),
            ("rolling pass CPU", f"{cpu_total / length:.3f} of a core (share given {share:g})"),
            ("live latency p50/p95 with rolling", lat_with),
            ("live latency p50/p95 without", lat_without),
            ("audio xruns with rolling / without", f"{runs_with} / {runs_without}"),
            ("WER rolling / whole", f"{c.wer:.3f} / {c.whole_wer:.3f}"),
            ("words in music rolling / whole", f"{c.music_words} / {c.whole_music_words}"),
            (
                "word timestamps",
                f"{c.words_matched:.1%} of the whole pass's words within 0.3 s; shift median "
                f"{c.word_shift * 1000:.0f} ms, p95 {c.word_shift_p95 * 1000:.0f} ms",
            ),
            ("lines found both ways", f"{c.lines_found:.1%}"),
            ("machine load (1 min)", f"{load:.1f} on {os.cpu_count()} cores"),
        ]
        (tmp / "figures.json").write_text(json.dumps(figures))
    finally:
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def main() -> None:
    """Run the benchmark in full and print its figures."""
    for key, value in run():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()

"""The end's tail: End to final transcript when the rolling pass kept up, under a CPU hog.

A 6-minute room mix (tests/support/roommix.py: real utterances under real music through a
room, 48 kHz as a session records) is stored as a session; its rolling file says the
rolling pass kept up: every utterance ending before ``S - lag`` is final (its words, and
its voice windows as the rolling child embeds them as it goes when this code does), for a
lag just after a window finished (20 s) and just before the next would have (60 s).
Then the final pass (`gim.runner.final_pass`, what every caller runs at End) is timed,
whole and by phase: the model's load, the remainder (`rolling.finish`), the labels by voice
(`by_voice`). ``stress-ng --cpu 4`` runs meanwhile (``GIM_BENCH_HOG=0``: without it;
``GIM_BENCH_VOICES=0``: a rolling file without its lines' voices, as before they were kept).

Run: ``python -m bench tail`` (``--quick``: one lag).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RATE = 48000
LAGS = (20.0, 60.0)


def _mix() -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.support import roommix

    said = roommix.speech_files(SHARED, 9, seed=21)
    return roommix.build_room_mix(SHARED, said, 0.0, rate=RATE, seed=21, gaps=(26.0, 34.0))


def _session(home: Path, mix: Any) -> tuple[Any, Any, str, Path]:
    import soundfile as sf

    from bench.bench_rolling import new_session
    from gim.config import Settings, ensure_private_dir
    from gim.store.db import Store

    settings = Settings(home=home)
    ensure_private_dir(home)
    store = Store.open(settings.db_path)
    sid, folder = new_session(store, settings, mix)
    sf.write(str(folder / "mic.flac"), mix.mic, RATE)
    sf.write(str(folder / "reference.flac"), np.stack([mix.reference] * 2, axis=1), RATE)
    return settings, store, sid, folder


def _kept_up(
    folder: Path, settings: Any, mix: Any, lag: float, clean: np.ndarray, voices: bool
) -> int:
    """A rolling file as a pass that kept up leaves it at End (with its lines' voices, as
    the rolling child keeps them, or without: a file from before); the lines it holds."""
    from gim.core.session import Segment, Source, Word
    from gim.passes import rolling_file

    done = mix.duration - lag
    lines = [
        Segment(u.start, u.end, u.text, words=[Word(u.start, u.end, u.text)], source=Source.FINAL)
        for u in mix.utterances
        if u.end + 1.0 < done
    ]
    config = rolling_file.Config.of(settings, 1)
    entry: dict[str, Any] = {
        "kind": "window",
        "start": 0.0,
        "end": done + 10.0,
        "done": [done],
        "segments": [s.to_dict() for s in lines],
    }
    if voices:  # the rolling child embeds its lines' voices as it goes
        from gim.passes import rolling_voices
        from gim.passes.speakers import line_windows
        from gim.transcribe.voice import load_encoder

        entry["voices"] = rolling_voices.to_json(line_windows(lines, clean, load_encoder()))
    rows = [{"kind": "config", "config": config.key()}, entry]
    path = folder / rolling_file.FILE
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    path.chmod(0o600)
    return len(lines)


def _timing(phases: dict[str, float]) -> Callable[[Any, str, str], None]:
    """Wraps ``module.name`` so its wall seconds add up under ``phases[label]``."""

    def wrap(module: Any, name: str, label: str) -> None:
        real = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            begun = time.monotonic()
            try:
                return real(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.monotonic() - begun

        setattr(module, name, timed)

    return wrap


def _final(store: Any, sid: str, settings: Any) -> tuple[float, dict[str, float], int]:
    """The final pass: wall seconds, by phase, lines."""
    import gim.runner.final_pass as fp
    import gim.transcribe.engine as engine
    from gim.passes import rolling

    phases: dict[str, float] = {}
    wrap = _timing(phases)
    saved = (engine.load_engine, rolling.finish, fp.by_voice)
    wrap(engine, "load_engine", "model load")
    wrap(rolling, "finish", "remainder")
    wrap(fp, "by_voice", "labels by voice")
    try:
        begun = time.monotonic()
        lines = fp.final_pass(store, sid, settings)
        return time.monotonic() - begun, phases, len(lines)
    finally:
        engine.load_engine, rolling.finish, fp.by_voice = saved


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Time End -> final transcript for each lag; the figures."""
    from bench.bench_busy import _hog
    from gim.audio.files import resample
    from gim.passes.prepare import prepare

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    mix = _mix()
    home = Path(tempfile.mkdtemp(prefix="gim-bench-tail-")) / "home"
    settings, store, sid, folder = _session(home, mix)
    clean = prepare(resample(mix.mic, RATE), resample(mix.reference, RATE)).clean
    out: list[tuple[str, str]] = [("session", f"{mix.duration:.0f} s, {len(mix.utterances)} said")]
    voices = os.environ.get("GIM_BENCH_VOICES", "1") != "0"
    with _hog() as loads:
        for lag in LAGS[-1:] if quick else LAGS:
            kept = _kept_up(folder, settings, mix, lag, clean, voices)
            wall, phases, lines = _final(store, sid, settings)
            parts = ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
            out.append(
                (
                    f"rolling {lag:.0f} s behind",
                    f"{wall:.1f} s ({parts}); {kept} kept, {lines} lines",
                )
            )
    store.close()
    out.append(("load (1 min avg)", f"mean {np.mean(loads):.1f}" if loads else "-"))
    return out

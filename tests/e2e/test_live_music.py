"""The live pass on the demo's recording: every narrated sentence, nothing in the music.

The demo is recorded (virtual room, no Whisper), then its microphone and reference go
through the live pass's stream (Speex + streaming Whisper) block by block, the reference
aligned with the delays the session measured, as the runner feeds it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio.echo import EchoCanceller
from gim.config import Settings
from gim.core.clock import lag_at
from gim.core.session import Segment, Speaker
from gim.passes.live import LiveConfig
from gim.passes.live_stream import UtteranceStream
from gim.transcribe.engine import SAMPLE_RATE, load_engine
from tests.support.headless import gim_env, run_gim


def _live_lines(folder: Path, settings: Settings) -> list[Segment]:
    mic, rate = soundfile.read(str(folder / "mic.flac"), dtype="float32", always_2d=True)
    ref, _ = soundfile.read(str(folder / "reference.flac"), dtype="float32", always_2d=True)
    played = ref.mean(axis=1)
    journal = [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]
    points = [(j["frame"], j["lag"]) for j in journal if j.get("kind") == "delay"]
    assert points
    config = LiveConfig(
        rate=rate,
        engine=settings.engine,
        model=settings.model,
        language=settings.language,
        channels=((0, str(Speaker.CLIENT)),),
        cache_dir=str(settings.cache_dir / "models"),
    )
    engine = load_engine(config.engine, config.model, cache_dir=settings.cache_dir / "models")
    stream = UtteranceStream(config, 0, Speaker.CLIENT, engine, EchoCanceller(SAMPLE_RATE))
    lines: list[Segment] = []
    block = rate // 10
    for first in range(0, len(mic), block):
        heard = mic[first : first + block]
        start = round(first - lag_at(first + len(heard) // 2, points))
        reference = np.zeros(len(heard), np.float32)
        lo, hi = max(start, 0), min(start + len(heard), len(played))
        if hi > lo:
            reference[lo - start : hi - start] = played[lo:hi]
        lines += stream.feed(first, heard, reference)
    return lines + stream.finish()


@pytest.mark.whisper
@pytest.mark.slow
def test_live_lines_only_where_the_client_spoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**gim_env(home), "PULSE_SERVER": "unix:/nonexistent"}
    done = run_gim("demo", "--headless", "--no-transcribe", env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    (folder,) = [p for p in (home / "sessions").iterdir() if p.is_dir()]

    lines = _live_lines(folder, Settings(home=home))

    index = json.loads((Path(__file__).parents[2] / "gim/data/demo_voice.json").read_text())
    spoken = [(u["at"], u["at"] + u["end"] - u["start"]) for u in index["utterances"]]
    invented = [  # residual music, the canceller converging: no line, no marker
        (seg.start, seg.text)
        for seg in lines
        if not any(a - 1.0 < seg.end and seg.start < b + 1.0 for a, b in spoken)
    ]
    assert invented == []
    heard = [(a, b) for a, b in spoken if any(a - 1.0 < s.end and s.start < b for s in lines)]
    assert heard == spoken  # every narrated sentence still has a live line

"""The live pass may run a smaller model than the final one: it uses ``live_model`` and
every live line says which model made it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gim.audio.echo import LEAD, align_reference, streaming_canceller
from gim.config import Settings
from gim.core.session import Segment
from gim.passes.live import LiveTranscriber
from tests.support import roommix

RATE = 48000


@pytest.mark.whisper
@pytest.mark.slow
def test_the_live_pass_runs_the_live_model_and_names_it(shared_data: Path, tmp_path: Path) -> None:
    room = roommix.build_room_mix(
        shared_data, roommix.speech_files(shared_data, 2, seed=3), 0.0, rate=RATE, seed=3
    )
    reference = align_reference(room.reference, (room.delay - LEAD) * RATE, len(room.mic))
    lines: list[Segment] = []
    settings = Settings(home=tmp_path, model="base", live_model="bundled")
    live = LiveTranscriber(  # the mix is handed over at once: nothing skipped
        settings, RATE, lines.append, canceller=streaming_canceller, max_behind=None
    )
    assert live.config.model == "bundled"
    live.start()
    block = RATE // 10
    for i in range(0, len(room.mic), block):
        live.feed(room.mic[i : i + block, None], reference[i : i + block], i)
    live.stop(timeout=120)
    assert lines and not live.failed
    assert {s.model for s in lines} == {"tiny.en"}
    same = LiveTranscriber(Settings(home=tmp_path, model="base"), RATE, lines.append)
    assert same.config.model == "base"

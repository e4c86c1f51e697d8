"""The live pass in its own process: lines for each utterance, crash reported, never stalls."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gim.audio.echo import LEAD, align_reference, streaming_canceller
from gim.config import Settings
from gim.core.session import Segment, Source, Speaker
from gim.passes.live import LiveTranscriber
from tests.support import roommix

RATE = 48000


def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.whisper
@pytest.mark.slow
def test_live_lines_for_each_utterance(shared_data: Path, tmp_path: Path) -> None:
    room = roommix.build_room_mix(
        shared_data, roommix.speech_files(shared_data, 3, seed=11), 0.0, rate=RATE, seed=11
    )
    reference = align_reference(room.reference, (room.delay - LEAD) * RATE, len(room.mic))
    lines: list[Segment] = []
    warnings: list[str] = []
    live = LiveTranscriber(
        Settings(home=tmp_path),
        RATE,
        lines.append,
        warnings.append,
        canceller=streaming_canceller,
        max_behind=None,  # the mix is handed over at once, not recorded: nothing skipped
    )
    live.start()
    block = RATE // 10
    for i in range(0, len(room.mic), block):
        live.feed(room.mic[i : i + block, None], reference[i : i + block], i)
    live.stop(timeout=120)
    assert not warnings and not live.failed
    assert all(s.source is Source.LIVE and s.speaker is Speaker.CLIENT for s in lines)
    # one or more lines per utterance, starting near it, none in the music between
    for u in room.utterances:
        near = [s for s in lines if u.start - 0.6 <= s.start <= u.end]
        assert near, (u.start, [(s.start, s.text) for s in lines])
    for a, b in room.music_only():
        assert not [s for s in lines if a <= s.start and s.end <= b and not s.flagged]
    said = roommix.normalise(" ".join(s.text for s in lines))
    truth = roommix.normalise(" ".join(u.text for u in room.utterances))
    import jiwer

    assert jiwer.wer(truth, said) < 0.5


@pytest.mark.whisper
def test_a_crash_of_the_child_is_reported_and_feed_never_blocks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="gim.passes.live")
    warnings: list[str] = []
    live = LiveTranscriber(Settings(home=tmp_path), RATE, lambda s: None, warnings.append)
    live.start()
    assert live._process is not None
    os.kill(live._process.pid, 9)
    assert _wait(lambda: bool(warnings), 10.0)
    assert live.failed and "stopped unexpectedly" in warnings[0]
    assert "live child ended, exit code -9" in caplog.text  # how, for the private log
    done = threading.Event()

    def feed() -> None:
        for i in range(50):
            live.feed(np.zeros((4800, 1), np.float32), np.zeros(4800, np.float32), i * 4800)
        done.set()

    threading.Thread(target=feed, daemon=True).start()
    assert done.wait(5.0)
    live.stop(timeout=2)

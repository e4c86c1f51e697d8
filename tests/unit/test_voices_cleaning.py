"""The voices of a session's lines are measured on the recording cleaned around them only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from gim.core.clock import SessionClock
from gim.core.playback import Action, PlaybackEvent, PlaybackLog
from gim.core.session import Segment
from gim.passes.voices import JOIN, LEAST, PAD, cleaned_around, cleaned_recording, stretches

RATE = 48000
LAG = 0.12


def line(start: float, end: float) -> Segment:
    return Segment(start=start, end=end, text="words")


def test_stretches_pad_join_widen_and_stay_inside_the_recording() -> None:
    total = 600.0
    got = stretches([line(100, 104), line(104 + JOIN / 2, 110), line(300, 301), line(1, 2)], total)
    assert got[0] == (0.0, LEAST)  # widened, moved inside the recording
    assert got[1] == (105 - LEAST / 2, 105 + LEAST / 2)  # two lines joined, then widened
    assert got[2] == (300.5 - LEAST / 2, 300.5 + LEAST / 2)
    long = stretches([line(200, 250)], total)
    assert long == [(200 - PAD, 250 + PAD)]  # long enough: only padded
    assert stretches([line(590, 599)], total) == [(total - LEAST, total)]
    assert stretches([line(2, 3)], 10.0) == [(0.0, 10.0)]  # a short recording: all of it
    assert stretches([], total) == []
    # two lines whose widened stretches overlap are cleaned once
    assert len(stretches([line(100, 101), line(100 + LEAST - 5, 100 + LEAST - 4)], total)) == 1


def session(tmp_path: Path) -> tuple[Path, SessionClock, list[Segment], np.ndarray]:
    rng = np.random.default_rng(7)
    seconds = 70
    music = (rng.standard_normal(seconds * RATE) * 0.1).astype(np.float32)
    t = np.arange(seconds * RATE) / RATE
    voice = np.zeros_like(music)
    lines = [line(15, 18), line(55, 57.5)]
    for s in lines:
        i, j = int(s.start * RATE), int(s.end * RATE)
        voice[i:j] = 0.2 * np.sin(2 * np.pi * 220 * t[i:j]) * np.sin(np.pi * 3 * t[i:j]) ** 2
    lag = int(LAG * RATE)
    mic = np.concatenate([np.zeros(lag, np.float32), music[:-lag]]) * 0.5 + voice
    soundfile.write(tmp_path / "mic.flac", mic, RATE, subtype="PCM_24")
    soundfile.write(tmp_path / "reference.flac", music, RATE, subtype="PCM_24")
    clock = SessionClock(PlaybackLog(RATE, [PlaybackEvent(0, Action.PLAY, 0, 0)]), [(0, lag)])
    return tmp_path, clock, lines, voice


def test_the_lines_are_cleaned_as_the_whole_recording_would_be(tmp_path: Path) -> None:
    folder, clock, lines, voice = session(tmp_path)
    around = cleaned_around(folder, 0, clock, lines)
    whole = cleaned_recording(folder, 0, clock)
    assert len(around) == len(whole)
    for s in lines:
        i, j = int(s.start * 16000), int(s.end * 16000)
        music_left = np.sqrt(np.mean((around[i:j] - whole[i:j]) ** 2))
        assert music_left < 0.1 * np.sqrt(np.mean(whole[i:j] ** 2))
        # the music is gone there: what is left is mostly the voice
        assert np.sqrt(np.mean(around[i:j] ** 2)) < 1.5 * np.sqrt(np.mean(voice[::3][i:j] ** 2))
    # far from every line nothing was cleaned (and nothing is held)
    far = slice(33 * 16000, 38 * 16000)
    assert not np.any(around[far]) and np.any(whole[far])

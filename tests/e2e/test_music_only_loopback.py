"""A music-only session on a pure PulseAudio loopback gets no lines and no markers.

The microphone is the null sink's monitor: exactly the music played, no voice, no room.
A session like this once got two flagged lines in the music ("." and "You"): the
microphone's count led the reference's by 0.38 s, the final pass searched lags from 0
only, removed nothing, and the recall detectors heard the music as a voice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gim.audio.files import SAMPLE_RATE, read_audio, resample
from gim.passes.prepare import prepare_along
from gim.store.db import Store
from gim.transcribe.vad import Stretch, residual_db
from tests.support.headless import gim_env, run_gim

RATE = 48000


@pytest.mark.audio
@pytest.mark.whisper
@pytest.mark.slow
def test_a_music_only_loopback_session_has_no_lines(sink_env: dict[str, str], home: Path) -> None:
    env = gim_env(home, sink_env)
    args = ["session", "run", "--program", "demo", "--client", "Q1", "--headless"]
    ran = run_gim(*args, "--duration", "12", env=env, timeout=400)
    assert ran.returncode == 0, ran.stderr
    session = ran.stdout.strip().splitlines()[-1]
    shown = run_gim("sessions", "show", session, "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    got = json.loads(shown.stdout)
    assert got["segments"] == [], got["segments"]  # no line, no "possible speech" marker

    # The music was removed, whatever lag the streams' counts had (printed on failure).
    folder = home / "sessions" / session
    mic = resample(*read_audio(folder / "mic.flac"))
    reference = resample(*read_audio(folder / "reference.flac"))
    with Store.open(home / "gim.db") as store:  # the lag as the final pass takes it:
        lags = store.clock(session).lag_stretches(0.0, len(mic) / SAMPLE_RATE)  # cut at steps
    prepared = prepare_along(mic, reference, lags)
    assert prepared.delay is not None
    music = Stretch(SAMPLE_RATE, 12 * SAMPLE_RATE)
    assert residual_db(prepared.mic, prepared.clean, music) < -30.0, (lags, prepared.delay)

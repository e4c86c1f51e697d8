"""Guides' voices: a guide enrolled by reading aloud in the app, through a real null sink."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from gim.store.voices import VoiceProfiles
from gim.transcribe.voice import load_encoder
from gim.ui.screens.guides import GuidesScreen
from gim.ui.widgets.level_meter import LevelMeter
from tests.support.roommix import load_audio


async def _wait(pilot: Any, done: Any, seconds: float) -> None:
    for _ in range(int(seconds / 0.2)):
        if done():
            return
        await pilot.pause(0.2)
    assert done()


@pytest.mark.audio
@pytest.mark.slow
async def test_a_guide_enrols_by_reading_aloud(
    sink_env: dict[str, str],
    make_app: Any,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in sink_env.items():  # the app's microphone is this test's sink
        monkeypatch.setenv(key, value)
    lj = sorted((shared_data / "speech/ljspeech").glob("*.wav"))
    reading = tmp_path / "reading.wav"
    sf.write(reading, np.concatenate([load_audio(f) for f in lj[10:22]]), 16000)
    app = make_app(lambda app: GuidesScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await _wait(pilot, lambda: screen.mic is not None and screen.mic.heard, 10)
        await pilot.press("ctrl+r")  # no name yet: nothing records
        assert not screen.mic.keeping.is_set()
        await pilot.press(*"Ann", "ctrl+r")
        assert screen.mic.keeping.is_set()
        player = subprocess.Popen(["paplay", f"--device={sink_env['PULSE_SINK']}", str(reading)])
        try:
            levels: list[float] = []

            def read_for_32_s() -> bool:
                levels.append(screen.query_one(LevelMeter).level or -99.0)
                return bool(screen.mic.kept_seconds >= 32)

            await _wait(pilot, read_for_32_s, 90)
            assert "Recording 0:3" in str(screen.query_one("#guides-state").render())
            await pilot.press("ctrl+r")
            assert max(levels) > -30  # the meter showed the voice
            await _wait(pilot, lambda: not screen.enrolling, 60)
        finally:
            player.kill()
            player.wait(10)
        assert "Ann is enrolled" in str(screen.query_one("#guides-state").render())
        assert "Ann" in str(screen.query_one("#guides-list").get_option_at_index(0).prompt)
        screen.mic.stop()
    path = app.settings.home / "guides" / "ann.json"
    assert path.stat().st_mode & 0o777 == 0o600
    # what was enrolled is the voice that was read: nearer LJ Speech than another voice
    profile = VoiceProfiles(app.settings.home).load("Ann").embedding
    encoder = load_encoder()
    same = encoder.embed(load_audio(lj[-1]))
    mfa = sorted((shared_data / "speech/mfa_disfluent").glob("*.flac"))
    other = encoder.embed(load_audio(mfa[0]))
    assert float(profile @ same) > float(profile @ other) + 0.1

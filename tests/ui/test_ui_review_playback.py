"""Review playback: the moment's voice and music, aligned, through real PulseAudio."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import soundfile

from gim.audio.clips import moment_audio
from gim.config import Settings
from gim.core.clock import mmss
from gim.store.db import Store
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.review_player import ReviewPlayer

RATE = 48000


def write_tracks(settings: Settings, session_id: str) -> None:
    """mic.flac: a 440 Hz tone from 14 s; reference.flac: the frame number ramp as music."""
    folder = settings.sessions_dir / session_id
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(40 * RATE) / RATE
    voice = np.where(t >= 14.0, 0.25 * np.sin(2 * np.pi * 440 * t), 0.0)
    soundfile.write(folder / "mic.flac", voice.astype(np.float32), RATE)
    music = np.stack([t / 100.0, t / 100.0], axis=1)  # value = seconds / 100: easy to read back
    soundfile.write(folder / "reference.flac", music.astype(np.float32), RATE, subtype="PCM_24")


def test_music_is_shifted_by_the_measured_delay(settings: Settings, store: Store) -> None:
    record = store.load_record("s-sample")
    record.delay_frames = RATE // 2  # the microphone heard the music 0.5 s late
    write_tracks(settings, "s-sample")
    music, rate = moment_audio(settings, record, 20.0, "music")
    assert rate == RATE
    assert music[0, 0] == pytest.approx(19.5 / 100.0, abs=1e-4)
    voice, _ = moment_audio(settings, record, 14.0, "voice")
    assert np.max(np.abs(voice[: RATE // 10])) > 0.2  # the tone starts right at 14 s
    both, _ = moment_audio(settings, record, 20.0, "both")
    assert both.shape[1] == 2 and np.max(np.abs(both)) > 0.05


def test_missing_recording_says_what_to_do(settings: Settings, store: Store) -> None:
    from gim.errors import GimError

    with pytest.raises(GimError, match="press v"):
        moment_audio(settings, store.load_record("s-sample"), 10.0, "voice")


@pytest.mark.audio
async def test_enter_plays_and_space_stops(
    pulse: str, make_app: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tracks(settings, "s-sample")
    app = make_app(lambda app: ReviewScreen("s-sample"))
    notes: list[Any] = []
    async with app.run_test(size=(100, 30)) as pilot:
        monkeypatch.setattr(app, "notify", lambda *a, **k: notes.append(a))
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        player = app.screen.query_one(ReviewPlayer)
        assert player.playing
        start = player.play_from or 0.0
        assert f"Playing voice and music · {mmss(start)}" in str(player.render())
        await pilot.pause(2.2)  # the position shown moves with the sound
        assert player.position() >= start + 2
        shown = str(player.render())
        assert mmss(start) not in shown and "space pauses" in shown
        await pilot.press("space")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not player.playing
        assert (player.play_from or 0.0) >= start + 2  # space again goes on from there
        assert "Stopped at" in str(player.render())
    assert notes == []  # no error from the audio device

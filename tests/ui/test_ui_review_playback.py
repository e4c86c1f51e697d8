"""Review playback: the moment's voice and music, aligned, through real PulseAudio."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import soundfile
from textual.geometry import Region

from gim.audio.listen import SessionSound
from gim.config import Settings
from gim.core.clock import mmss
from gim.store.db import Store
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.review_player import ReviewPlayer
from gim.ui.widgets.transcript import TranscriptView

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
    sound = SessionSound(settings.sessions_dir / "s-sample", record)
    music = sound.read(20.0, 1.0, "music")
    assert sound.rate == RATE and len(music) == RATE
    assert music[0, 0] == pytest.approx(19.5 / 100.0, abs=1e-4)
    voice = sound.read(14.0, 1.0, "voice")
    assert np.max(np.abs(voice[: RATE // 10])) > 0.2  # the tone starts right at 14 s
    both = sound.read(20.0, 1.0, "both")
    assert both.shape[1] == 2 and np.max(np.abs(both)) > 0.05
    assert not np.any(sound.read(45.0, 1.0, "voice"))  # past the end: silence
    sound.close()


def test_missing_recording_says_what_to_do(settings: Settings, store: Store) -> None:
    from gim.errors import GimError
    from gim.runner.sounds import listen

    with pytest.raises(GimError, match="press v"):
        listen(settings, store.load_record("s-sample"), 10.0, "voice", 1.0)


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
        await until(pilot, lambda: player.position() >= start + 2)  # it moves with the sound
        await pilot.pause(0.3)  # the shown second turns
        shown = str(player.render())
        assert mmss(start) not in shown and "space pauses" in shown
        await pilot.press("space")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not player.playing
        assert (player.play_from or 0.0) >= start + 2  # space again goes on from there
        assert "Stopped at" in str(player.render())
    assert notes == []  # no error from the audio device


def sample_review(make_app: Any, settings: Settings) -> Any:
    """The app on review of the sample session, with its recording written."""
    write_tracks(settings, "s-sample")
    return make_app(lambda app: ReviewScreen("s-sample"))


def line_index(view: TranscriptView, text: str) -> int:
    return next(i for i, b in enumerate(view.blocks) if getattr(b, "text", "").startswith(text))


async def until(pilot: Any, done: Any, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("not reached")


@pytest.mark.audio
async def test_the_selection_follows_the_sound_line_by_line(
    pulse: str, make_app: Any, settings: Settings
) -> None:
    write_tracks(settings, "s-sample")
    app = make_app(lambda app: ReviewScreen("s-sample"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        player = app.screen.query_one(ReviewPlayer)
        view.highlighted = line_index(view, "I see a garden")
        await pilot.press("right_square_bracket", "right_square_bracket", "space")
        assert player.playing and player.speed == 1.5
        followed: list[str] = []
        marked: set[str] = set()

        def note() -> bool:
            current = view.current
            text = getattr(current, "text", "")
            if not followed or followed[-1] != text:
                followed.append(text)
            # the word picked out on screen: the cells drawn in reverse video
            strips = view.render_lines(Region(0, 0, view.size.width, view.size.height))
            shown = "".join(
                s.text for strip in strips for s in strip if s.style and s.style.reverse
            )
            marked.update(w for w in ("I", "see", "a garden") if shown.strip() == w)
            return player.position() >= 25.0

        await until(pilot, note)
        assert followed == [
            "I see a garden",
            "What do you notice?",
            "Anna's gate is open, Bob is there",
        ]
        assert marked == {"I", "see", "a garden"}  # word by word where word times exist
        await pilot.press("space")
        await pilot.pause()
        assert not player.playing and 25.0 <= (player.play_from or 0.0) < 27.0


@pytest.mark.audio
async def test_editing_while_playing_plays_on_and_enter_jumps(
    pulse: str, make_app: Any, settings: Settings, store: Store
) -> None:
    app = sample_review(make_app, settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        view = screen.query_one(TranscriptView)
        player = screen.query_one(ReviewPlayer)
        view.highlighted = line_index(view, "I see a garden")
        await pilot.press("space")
        await until(pilot, lambda: player.position() >= 14.5)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"I see a walled garden", "enter")
        await pilot.pause()
        assert app.screen is screen and player.playing  # the edit did not stop the sound
        assert "I see a walled garden" in [s.text for s in store.segments("s-sample")]
        at = player.position()
        await until(pilot, lambda: player.position() >= at + 1.0)
        view.highlighted = line_index(view, "Anna's gate")
        await pilot.press("enter")  # jump there, playing on
        await until(pilot, lambda: player.position() >= 24.0, 5.0)
        assert player.playing and player.position() < 26.0
        await pilot.press("left")  # back 3 s
        await until(pilot, lambda: player.position() < 23.0, 5.0)
        await pilot.press("escape")


@pytest.mark.audio
async def test_l_loops_the_line_and_a_click_jumps_to_another(
    pulse: str, make_app: Any, settings: Settings
) -> None:
    write_tracks(settings, "s-sample")
    app = make_app(lambda app: ReviewScreen("s-sample"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        player = app.screen.query_one(ReviewPlayer)
        view.highlighted = line_index(view, "I see a garden")  # 14-16 s
        await pilot.press("l", "space")
        assert player.loop == (14.0, 16.0)
        heard: list[float] = []

        def round_again() -> bool:
            heard.append(player.position())
            return len(heard) > 2 and heard[-1] < heard[-2] - 1.0

        await until(pilot, round_again)  # back to the line's start after its end
        assert min(heard[2:]) >= 13.9 and max(heard) <= 16.3
        await pilot.press("l")  # loop no more
        target = line_index(view, "Anna's gate")
        row = view._index_to_line[target] - round(view.scroll_offset.y)
        await pilot.click(TranscriptView, offset=(12, row))
        await until(pilot, lambda: player.position() >= 24.0, 5.0)
        assert player.playing and player.loop is None
        await pilot.press("space")

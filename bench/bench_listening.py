"""Review's listening editor on PulseAudio: the CPU of a listening pass (the review screen
playing with the selection following the sound) against playing the same stretch with
the audio service alone, and how far the followed line is behind the sound.

The session: LJ Speech read aloud as the voice, one line per utterance with evenly spread
word times, over the Sugar Plum Fairy as the music; a minute of it (20 s with --quick).
CPU is this process's (all threads) while it plays; the machine is shared, so the ratio
says more than the seconds. The lag is measured in a separate run that watches the
selection every 10 ms: session seconds heard past a line's start when the selection
reaches it, over the speed (so in seconds of listening).
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

from gim.config import Settings
from gim.core.layout import Block
from gim.core.playback import Action, PlaybackEvent
from gim.core.program import Piece, Program, Provenance
from gim.core.program_parse import program_to_dict
from gim.core.session import Consent, Segment, Session, Word
from gim.store.db import Store

RATE = 48000
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SPEECH = DATA / "speech" / "ljspeech"
MUSIC = DATA / "music" / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg"


def cpu() -> float:
    """CPU seconds of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read(path: Path) -> np.ndarray:
    """``path`` as mono float32 at 48 kHz."""
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    return soxr.resample(mono, rate, RATE).astype(np.float32) if rate != RATE else mono


def make_session(settings: Settings, store: Store, seconds: float) -> str:
    """A stored session of ``seconds``: voice, music, lines with word times."""
    voice = np.zeros(int(seconds * RATE), dtype=np.float32)
    lines: list[Segment] = []
    at = 1.0
    for wav in sorted(SPEECH.glob("*.wav")):
        clip = read(wav)
        if at + len(clip) / RATE + 0.5 > seconds:
            break
        start = int(at * RATE)
        voice[start : start + len(clip)] = clip
        text = wav.with_suffix(".txt").read_text().strip()
        end = at + len(clip) / RATE
        words = text.split()
        step = (end - at) / len(words)
        timed = [Word(at + i * step, at + (i + 1) * step, w) for i, w in enumerate(words)]
        lines.append(Segment(at, end, text, words=timed))
        at = end + 0.7
    music = read(MUSIC)[: len(voice)]
    program = Program("bench", "Bench", "gim", Provenance("bench"), (Piece("T", "Sugar", 119.9),))
    session = Session("s-listen", "LB01", "bench", "2026-03-05T10:00:00", consent=Consent.SESSION)
    session.audio_seconds = seconds
    session.program_snapshot = program_to_dict(program)
    store.create_session(session)
    store.add_playback_events(session.id, [PlaybackEvent(0, Action.PLAY, piece=0, offset=0)])
    for line in lines:
        store.add_segment(session.id, line)
    folder = settings.sessions_dir / session.id
    folder.mkdir(parents=True, exist_ok=True)
    soundfile.write(folder / "mic.flac", voice, RATE)
    soundfile.write(folder / "reference.flac", np.stack([music, music], axis=1), RATE)
    return session.id


def plain(settings: Settings, store: Store, session_id: str, seconds: float) -> float:
    """CPU seconds of the audio service alone playing ``seconds``."""
    from gim.runner.sounds import listen

    record = store.load_record(session_id)
    begun = cpu()
    listener = listen(settings, record, 0.0, "both", 1.0)
    time.sleep(seconds)
    listener.close()
    return cpu() - begun


def count_frames(screen: Any, frames: list[int]) -> None:
    """Count the frames ``screen`` draws in ``frames[0]`` (Textual's compositor refresh)."""
    draw = screen._compositor_refresh

    def counted() -> None:
        frames[0] += 1
        draw()

    screen._compositor_refresh = counted


async def listening(
    settings: Settings,
    store: Store,
    session_id: str,
    seconds: float,
    mode: str,
    steps: int = 0,
    frames: list[int] | None = None,
) -> tuple[float, list[float]]:
    """CPU seconds of the review screen over ``seconds``: "idle" (open, silent), "play"
    (a listening pass ``steps`` faster or slower) or "watch" (the same, with the lag of
    each line followed, watched every 10 ms). ``frames[0]`` counts the frames drawn."""
    from gim.ui.app import GimApp
    from gim.ui.screens.review import ReviewScreen
    from gim.ui.widgets.review_player import ReviewPlayer
    from gim.ui.widgets.transcript import TranscriptView

    app = GimApp(settings, start=lambda app: ReviewScreen(session_id), store=store)
    lags: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        player = app.screen.query_one(ReviewPlayer)
        view.highlighted = 0
        keys = ["right_square_bracket" if steps > 0 else "left_square_bracket"] * abs(steps)
        await pilot.press(*keys, *(["space"] if mode != "idle" else []))
        if frames is not None:
            count_frames(app.screen, frames)
        begun = cpu()
        if mode == "watch":
            lags = await watch(view.blocks, view, player, seconds)
        else:
            await pilot.pause(seconds)
        used = cpu() - begun
        if mode != "idle":
            await pilot.press("space")
    return used, lags


async def watch(blocks: list[Block], view: Any, player: Any, seconds: float) -> list[float]:
    """Lag (listening seconds) of each line the selection moved to, watched every 10 ms."""
    lags, shown = [], view.highlighted
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        await asyncio.sleep(0.01)
        if view.highlighted != shown and player.playing:
            shown = view.highlighted
            lags.append((player.position() - blocks[shown].time) / player.speed)
    return lags


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Figures: CPU of plain playing and of a listening pass, their ratio, the lag."""
    seconds = 20.0 if quick else 60.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", guide="GD")
        settings.home.mkdir(mode=0o700)
        store = Store.open(settings.db_path)
        session_id = make_session(settings, store, seconds + 2)
        alone = plain(settings, store, session_id, seconds)
        idle, _ = asyncio.run(listening(settings, store, session_id, seconds, "idle"))
        frames = [0]
        following, _ = asyncio.run(
            listening(settings, store, session_id, seconds, "play", frames=frames)
        )
        _, lags = asyncio.run(listening(settings, store, session_id, seconds, "watch"))
        _, fast = asyncio.run(listening(settings, store, session_id, seconds / 1.5, "watch", 2))
        store.close()
    every = lags + fast
    drawing = max(0.0, following - alone - idle)  # what the review adds to the sound
    return [
        ("played (s)", f"{seconds:.0f}"),
        ("CPU, audio service alone (s)", f"{alone:.2f}"),
        ("CPU, review open and silent (s)", f"{idle:.2f}"),
        ("CPU, listening pass in review (s)", f"{following:.2f}"),
        ("ratio listening / (alone + silent review)", f"{following / (alone + idle):.2f}"),
        ("ratio listening / alone", f"{following / alone:.2f}" if alone else "n/a"),
        ("frames drawn while listening (per s)", f"{frames[0]} ({frames[0] / seconds:.1f})"),
        ("review's CPU per frame (ms)", f"{drawing * 1000 / max(1, frames[0]):.2f}"),
        ("lines followed (1x, 1.5x)", f"{len(lags)}, {len(fast)}"),
        ("lag worst (s)", f"{max(every):.3f}" if every else "n/a"),
        ("lag mean (s)", f"{sum(every) / len(every):.3f}" if every else "n/a"),
    ]

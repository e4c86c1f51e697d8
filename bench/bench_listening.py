"""Review's listening editor on PulseAudio: the CPU of a listening pass (the review screen
playing with the selection following the sound) against playing the same stretch with
the audio service alone, and how far the followed line is behind the sound.

The session: 45 minutes (5 with --quick) stored in a temporary data home as a recorded one
is: LJ Speech read aloud as the voice (the clips over and over, one line per utterance
with evenly spread word times, a 20 s silence every 12 lines), over real music (the Sugar
Plum Fairy and a Goldberg variation in turn, one piece each, as a program). Windows of
60 s (20 s with --quick) at its start, middle and end: in each, the sound alone, then
a listening pass, then the lag. CPU is this process's (all threads); the machine is
shared, so the ratio says more than the seconds. The lag is measured in a separate pass
that watches the selection every 10 ms: session seconds heard past a line's start when
the selection reaches it, over the speed (so in seconds of listening).
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
from gim.core.clock import mmss
from gim.core.layout import Block
from gim.core.playback import Action, PlaybackEvent
from gim.core.program import Piece, Program, Provenance
from gim.core.program_parse import program_to_dict
from gim.core.session import Consent, Segment, Session, Word
from gim.store.db import Store

RATE = 48000
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SPEECH = DATA / "speech" / "ljspeech"
MUSIC = [
    DATA / "music" / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg",
    DATA / "music" / "goldberg_ishizaka_voiceover.ogg",
]
PAUSE_EVERY = 12
"""Lines between two 20 s silences (the music alone)."""


def cpu() -> float:
    """CPU seconds of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read(path: Path) -> np.ndarray:
    """``path`` as mono float32 at 48 kHz."""
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    return soxr.resample(mono, rate, RATE).astype(np.float32) if rate != RATE else mono


def voice_lines(seconds: float) -> tuple[list[Segment], list[tuple[float, Path]]]:
    """The lines of a ``seconds`` session and where each clip sounds: the LJ clips over
    and over, 0.7 s apart, 20 s of silence every `PAUSE_EVERY` lines."""
    clips = sorted(SPEECH.glob("*.wav"))
    lengths = {c: soundfile.info(str(c)).duration for c in clips}
    lines: list[Segment] = []
    placed: list[tuple[float, Path]] = []
    at = 1.0
    while True:
        clip = clips[len(lines) % len(clips)]
        end = at + lengths[clip]
        if end + 0.5 > seconds:
            return lines, placed
        words = clip.with_suffix(".txt").read_text().strip().split()
        step = (end - at) / len(words)
        timed = [Word(at + i * step, at + (i + 1) * step, w) for i, w in enumerate(words)]
        lines.append(Segment(at, end, " ".join(words), words=timed))
        placed.append((at, clip))
        at = end + (20.0 if len(lines) % PAUSE_EVERY == 0 else 0.7)


def write_voice(path: Path, placed: list[tuple[float, Path]], seconds: float) -> None:
    """mic.flac: the clips at their places, written a clip at a time (45 minutes of
    float samples would not fit in memory comfortably)."""
    cache: dict[Path, np.ndarray] = {}
    with soundfile.SoundFile(str(path), "w", RATE, 1, format="FLAC") as out:
        written = 0
        for at, clip in placed:
            start = int(at * RATE)
            out.write(np.zeros(start - written, dtype=np.float32))
            sound = cache.setdefault(clip, read(clip))
            out.write(sound)
            written = start + len(sound)
        out.write(np.zeros(max(0, int(seconds * RATE) - written), dtype=np.float32))


def write_music(path: Path, seconds: float) -> list[Piece]:
    """reference.flac: the pieces of `MUSIC` in turn until ``seconds``; the pieces played."""
    sounds = [read(m) for m in MUSIC]
    pieces: list[Piece] = []
    total = int(seconds * RATE)
    with soundfile.SoundFile(str(path), "w", RATE, 2, format="FLAC") as out:
        written = 0
        while written < total:
            sound = sounds[len(pieces) % len(sounds)][: total - written]
            out.write(np.stack([sound, sound], axis=1))
            written += len(sound)
            name = MUSIC[len(pieces) % len(MUSIC)].stem
            pieces.append(Piece(f"P{len(pieces) + 1}", name, len(sound) / RATE))
    return pieces


def make_session(settings: Settings, store: Store, seconds: float) -> str:
    """A stored session of ``seconds``: voice, music as a program, lines with word times."""
    lines, placed = voice_lines(seconds)
    folder = settings.sessions_dir / "s-listen"
    folder.mkdir(parents=True, exist_ok=True)
    write_voice(folder / "mic.flac", placed, seconds)
    pieces = write_music(folder / "reference.flac", seconds)
    program = Program("bench", "Bench", "gim", Provenance("bench"), tuple(pieces))
    session = Session("s-listen", "LB01", "bench", "2026-03-05T10:00:00", consent=Consent.SESSION)
    session.audio_seconds = seconds
    session.program_snapshot = program_to_dict(program)
    store.create_session(session)
    starts = program.piece_starts()
    store.add_playback_events(
        session.id,
        [
            PlaybackEvent(round(s * RATE), Action.PLAY, piece=i, offset=0)
            for i, s in enumerate(starts)
        ],
    )
    for line in lines:
        store.add_segment(session.id, line)
    return session.id


def plain(settings: Settings, store: Store, session_id: str, window: tuple[float, float]) -> float:
    """CPU seconds of the audio service alone playing ``window`` (from, seconds)."""
    from gim.runner.sounds import listen

    start, seconds = window
    record = store.load_record(session_id)
    begun = cpu()
    listener = listen(settings, record, start, "both", 1.0)
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
    window: tuple[float, float],
    mode: str,
    steps: int = 0,
    frames: list[int] | None = None,
) -> tuple[float, list[float]]:
    """CPU seconds of the review screen over ``window`` (from the line at its first
    second, for its seconds): "idle" (open, silent), "play" (a listening pass ``steps``
    faster or slower) or "watch" (the same, with the lag of each line followed, watched
    every 10 ms). ``frames[0]`` counts the frames drawn."""
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
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        screen.select_time(window[0])
        seconds = window[1]
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


def measure(
    settings: Settings, store: Store, session_id: str, window: tuple[float, float]
) -> dict[str, Any]:
    """One window: the sound alone, a listening pass, the lag at 1x and 1.5x."""
    alone = plain(settings, store, session_id, window)
    frames = [0]
    following, _ = asyncio.run(
        listening(settings, store, session_id, window, "play", frames=frames)
    )
    _, lags = asyncio.run(listening(settings, store, session_id, window, "watch"))
    fast_window = (window[0], window[1] / 1.5)
    _, fast = asyncio.run(listening(settings, store, session_id, fast_window, "watch", 2))
    return {
        "alone": alone,
        "following": following,
        "ratio": following / alone if alone else float("nan"),
        "frames": frames[0] / window[1],
        "per frame": max(0.0, following - alone) * 1000 / max(1, frames[0]),
        "lags": lags + fast,
    }


def run(quick: bool = False) -> list[tuple[str, str]]:
    """Figures per window (start, middle, end of the session) and over them: CPU of the
    sound alone and of a listening pass, their ratio, frames, the lag."""
    length = 300.0 if quick else 2700.0
    seconds = 20.0 if quick else 60.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", guide="GD")
        settings.home.mkdir(mode=0o700)
        store = Store.open(settings.db_path)
        session_id = make_session(settings, store, length)
        lines = len(store.segments(session_id))
        places = {"start": 1.0, "middle": length / 2, "end": length - seconds - 5.0}
        found = {
            name: measure(settings, store, session_id, (at, seconds)) for name, at in places.items()
        }
        store.close()
    figures = [
        ("session (min), lines", f"{length / 60:.0f}, {lines}"),
        ("window (s)", f"{seconds:.0f}"),
    ]
    for name, w in found.items():
        lag = f"{max(w['lags']):.3f}/{sum(w['lags']) / len(w['lags']):.3f}" if w["lags"] else "n/a"
        figures.append(
            (
                f"{name} ({mmss(places[name])}): alone, listening (s CPU)",
                f"{w['alone']:.2f}, {w['following']:.2f}",
            )
        )
        figures.append(
            (
                f"{name}: ratio, frames/s, ms per frame, lag worst/mean (s)",
                f"{w['ratio']:.2f}, {w['frames']:.1f}, {w['per frame']:.2f}, {lag}",
            )
        )
    ratios = [w["ratio"] for w in found.values()]
    per_frame = [w["per frame"] for w in found.values()]
    lags = [lag for w in found.values() for lag in w["lags"]]
    figures += [
        (
            "ratio listening / alone, worst / mean",
            f"{max(ratios):.2f} / {sum(ratios) / len(ratios):.2f}",
        ),
        (
            "review's CPU per frame (ms), worst / mean",
            f"{max(per_frame):.2f} / {sum(per_frame) / len(per_frame):.2f}",
        ),
        ("lines followed", f"{len(lags)}"),
        (
            "lag worst / mean (s)",
            f"{max(lags):.3f} / {sum(lags) / len(lags):.3f}" if lags else "n/a",
        ),
    ]
    return figures

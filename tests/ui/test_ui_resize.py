"""No terminal size ends a session: the screens survive any size down to 20x6 and come
back intact; the live screen keeps recording through 200 random resizes while its
transcript, meters and notices update from another thread.

The live runner here is a stand-in that reports from a thread as fast as the real one
can (the real runner and a real terminal are resized in tests/e2e/test_tui_resize.py).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from gim.core.session import Consent, Phase, Segment
from gim.runner.events import (
    Finished,
    GuideWarning,
    PhaseChanged,
    PieceChanged,
    RunnerEvent,
    RunnerStatus,
    SegmentAdded,
)
from gim.ui.screens.home import HomeScreen
from gim.ui.screens.live import LiveScreen
from gim.ui.screens.new_session import NewSessionScreen
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.transcript import TranscriptView
from tests.support.sample import sample_program

STEPS = [(60, 20), (50, 15), (45, 14), (40, 12), (36, 12), (32, 12), (30, 10), (20, 6), (80, 24)]
"""The guide's shrinking steps that crashed the live screen (issue 22), then back."""

WORDS = ["I", "walk", "down", "a", "long", "corridor", "of", "light", "to", "a", "door", "that"]
"""A client line is the first few of these."""


class StreamingRunner:
    """Reports lines, pieces and warnings from a thread until stopped; counts its calls."""

    room = None
    consent = Consent.SESSION
    music_started = True

    def __init__(self, on_event: Callable[[RunnerEvent], None]) -> None:
        self.on_event = on_event
        self.calls: list[str] = []
        self.sent = 0
        self.elapsed = 0.0
        self.pause_lines = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, daemon=True)

    def start(self) -> str:
        self.on_event(PhaseChanged(Phase.MUSIC, 0.0))
        self._thread.start()
        return "s-sample"

    def _report(self) -> None:
        words = WORDS
        while not self._stop.wait(0.1):
            if self.pause_lines:
                continue
            self.sent += 1
            n, self.elapsed = self.sent, self.sent * 1.5
            if n % 20 == 0:
                self.on_event(PieceChanged(n // 20 % 3))
            if n % 7 == 0:
                self.on_event(GuideWarning(f"Notice {n}: the microphone was quiet for a while."))
            text = " ".join(words[: 3 + n % 9]) + "."
            segment = Segment(self.elapsed, self.elapsed + 1, text, piece=0, piece_offset=n)
            self.on_event(SegmentAdded(segment))

    def status(self) -> RunnerStatus:
        level = -60.0 + (self.sent * 7) % 55
        return RunnerStatus(
            session_id="s-sample",
            elapsed=self.elapsed,
            recorded=self.elapsed,
            piece=self.sent // 20 % 3,
            piece_offset=self.elapsed % 90,
            program_elapsed=self.elapsed,
            program_remaining=300.0,
            playing=True,
            paused=False,
            input_level=level,
            input_peak=level + 6,
            output_level=-20.0,
            output_peak=-6.0,
            xruns=0,
            disk_free=50_000_000_000,
            lag=0.05,
        )

    def done(self) -> bool:
        return False

    def stop(self, fade: float = 0.0) -> None:
        self.calls.append("stop")
        self._stop.set()
        self.on_event(Finished("s-sample"))

    def __getattr__(self, name: str) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append(name)

        return call


def shows_too_small(pilot: Pilot[Any]) -> bool:
    """Whether the screen shows only the line asking for a larger window."""
    line = pilot.app.screen.query_one("#too-small")
    return bool(line.display and line.region.width > 0)


@pytest.mark.slow
async def test_live_screen_keeps_recording_through_200_random_resizes(make_app: Any) -> None:
    runners: list[StreamingRunner] = []

    def make_runner(on_event: Callable[[RunnerEvent], None]) -> StreamingRunner:
        runners.append(StreamingRunner(on_event))
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, sample_program()))
    sizes = random.Random(22)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        for _ in range(200):
            size = (sizes.randint(1, 140), sizes.randint(1, 45))
            await pilot.resize_terminal(*size)
            await pilot.pause(sizes.choice([0, 0, 0.02]))
        for size in STEPS:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.5)
        runner = runners[0]
        sent = runner.sent
        await pilot.pause(0.3)
        assert app.screen is screen and not screen.finished
        assert "stop" not in runner.calls  # the session was never ended
        assert runner.sent > sent > 20  # and kept reporting throughout
        transcript = screen.query_one(TranscriptView)
        assert len(transcript.blocks) > 20
        assert transcript.region.width > 40 and transcript.region.height > 5
        # it still follows the newest line
        assert transcript.highlighted == len(transcript.blocks) - 1
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert not shows_too_small(pilot)
        # grown until every line fits, then back, with no new line between: still the newest
        runner.pause_lines = True
        await pilot.resize_terminal(140, 600)
        await pilot.pause(0.3)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert transcript.scroll_y == transcript.max_scroll_y > 0


@pytest.mark.parametrize("size", [(50, 15), (40, 12)])
async def test_a_narrow_live_screen_keeps_the_recording_state_in_sight(
    make_app: Any, size: tuple[int, int]
) -> None:
    app = make_app(lambda app: LiveScreen(StreamingRunner, sample_program()))
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.4)
        glance = app.screen.query_one("#live-glance")
        assert glance.region.width > 0 and glance.region.y < size[1]
        assert "● recording" in str(glance.render())
        assert app.screen.query_one(TranscriptView).region.width >= size[0] - 2
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.3)
        assert app.screen.query_one("#live-side").region.width > 0
        assert not app.screen.query_one("#live-glance").region


SCREENS: dict[str, Callable[[Any], Any]] = {
    "home": lambda app: HomeScreen(),
    "new session": lambda app: NewSessionScreen(),
    "review": lambda app: ReviewScreen("s-sample"),
}


@pytest.mark.parametrize("name", list(SCREENS))
async def test_screens_survive_any_size_and_come_back_intact(make_app: Any, name: str) -> None:
    app = make_app(SCREENS[name])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        # widths: a device check finishing may change a height meanwhile
        before = {w.id: w.region.width for w in screen.query("*") if w.id and w.region}
        for size in STEPS[:-1]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        assert shows_too_small(pilot)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen is screen and not shows_too_small(pilot)
        after = {w.id: w.region.width for w in screen.query("*") if w.id and w.region}
        assert after == before

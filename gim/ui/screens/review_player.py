"""The review screen's player: the highlighted moment played in a thread (the voice, the
music or both), with its position moving on the status line while it plays."""

from __future__ import annotations

import threading
import time

from textual import on, work
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from gim.core.clock import mmss
from gim.core.record import SessionRecord
from gim.errors import GimError
from gim.ui.screens.review_notes import LineNotes
from gim.ui.widgets.transcript import TranscriptView

SOURCES = ("voice", "music", "both")
"""What selecting a line plays."""

HEARD = {"voice": "the voice only", "music": "the music only", "both": "voice and music"}
"""What each source plays, in the words of the status line."""


class PlaybackEnded(Message):
    """The clip played to its end (not stopped by the guide)."""


class ReviewPlayer(LineNotes):
    """Base of the review screen: Enter plays the line, space pauses or plays on, ←/→ move
    5 s, ``v`` chooses what plays. The attributes declared here are the screen's own."""

    source: reactive[str] = reactive("both")
    """What plays when a line is selected: voice, music or both."""
    playing: reactive[bool] = reactive(False)
    """Whether a moment is playing now."""

    play_from: float | None
    _started: float | None
    _stop_event: threading.Event
    _ticker: Timer

    def position(self) -> float:
        """Session seconds the player stands at: moving while it plays."""
        start = self.play_from or 0.0
        if self._started is not None:
            return start + time.monotonic() - self._started
        return start

    def _show_player(self) -> None:
        at = mmss(self.position())
        if self.playing:
            text = f"▶ Playing {HEARD[self.source]} · {at}\n[dim]space pauses · ←/→ 5 s[/]"
        else:
            after = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]
            text = (
                f"■ Stopped at {at}\n[dim]space plays {HEARD[self.source]} · v: {HEARD[after]}[/]"
            )
        self.query_one("#player", Static).update(text)

    def watch_source(self) -> None:
        if self.is_mounted:
            self._show_player()

    def watch_playing(self, playing: bool) -> None:
        if not playing and self._started is not None:
            # Stopping (or the end of the recording) leaves the player where it got to.
            self.play_from = self.position()
            self._started = None
        if self.is_mounted:
            if playing:
                self._ticker.resume()
            else:
                self._ticker.pause()
            self._show_player()

    # -- playback ----------------------------------------------------------------------
    @on(TranscriptView.LineChosen)
    def _chosen(self, event: TranscriptView.LineChosen) -> None:
        self.action_play_line()

    def action_play_line(self) -> None:
        """Play the moment of the highlighted line."""
        block = self.query_one(TranscriptView).current
        if block is not None:
            self.play_from = block.time
            self._start_playing()

    def action_toggle_play(self) -> None:
        """Pause, or play from where the player stands."""
        if self.playing:
            self._stop_playing()
        else:
            self._start_playing()

    def action_skip(self, seconds: float) -> None:
        """Move the player ±``seconds``."""
        self.play_from = max(0.0, self.position() + seconds)
        self._started = None
        if self.playing:
            self._start_playing()
        else:
            self._show_player()

    def action_cycle_source(self) -> None:
        """Voice → music → both."""
        self.source = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]

    def _start_playing(self) -> None:
        if self.record is None:
            return
        self._stop_event.set()
        self._stop_event = threading.Event()
        self._started = time.monotonic()
        self.playing = True
        self.play_moment(self.record, self.play_from or 0.0, self.source, self._stop_event)

    def _stop_playing(self) -> None:
        self._stop_event.set()
        self.playing = False

    @work(thread=True, exit_on_error=False, group="review-player", description="play")
    def play_moment(
        self, record: SessionRecord, start: float, source: str, stop: threading.Event
    ) -> None:
        """Play from ``start`` in a thread (the stream blocks) until ``stop`` is set."""
        from gim.audio.clips import play_moment

        try:
            play_moment(self.app.settings, record, start, source, stop)
        except GimError as exc:
            self.notify(exc.message, severity="warning", timeout=8)  # notify is thread-safe
        finally:
            if not stop.is_set():
                self.post_message(PlaybackEnded())

    @on(PlaybackEnded)
    def _played(self, message: PlaybackEnded) -> None:
        self.playing = False

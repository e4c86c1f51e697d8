"""Review's player: a stored session's moment played in a thread (the voice, the music or
both), its position moving on the status line while it plays.

The screen hands it the session (`record`) and the keys' wishes (`cue`, `play`, `toggle`,
`skip`, `cycle_source`, `stop`); the player owns everything about playing and says when a
clip ended by itself with `ReviewPlayer.Ended`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from gim.core.clock import mmss
from gim.core.record import SessionRecord
from gim.errors import GimError

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp

SOURCES = ("voice", "music", "both")
"""What selecting a line plays."""

HEARD = {"voice": "the voice only", "music": "the music only", "both": "voice and music"}
"""What each source plays, in the words of the status line."""


class ReviewPlayer(Static):
    """The status line of review's player, and the player behind it."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    class Ended(Message):
        """The clip played to its end (not stopped by the guide)."""

    source: reactive[str] = reactive("both")
    """What plays: voice, music or both."""
    playing: reactive[bool] = reactive(False)
    """Whether a moment is playing now."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.record: SessionRecord | None = None
        """The session played (set by the screen once loaded)."""
        self.play_from: float | None = None
        """Session seconds the player starts from (moves with the selection and ±5 s)."""
        self._started: float | None = None
        """Monotonic time playing began, so the shown position moves while it plays."""
        self._stop_event = threading.Event()

    def on_mount(self) -> None:
        self._ticker = self.set_interval(0.5, self.show, pause=True)

    def position(self) -> float:
        """Session seconds the player stands at: moving while it plays."""
        start = self.play_from or 0.0
        if self._started is not None:
            return start + time.monotonic() - self._started
        return start

    def show(self) -> None:
        """Say on the status line where the player stands and what the keys do."""
        at = mmss(self.position())
        if self.playing:
            text = f"▶ Playing {HEARD[self.source]} · {at}\n[dim]space pauses · ←/→ 5 s[/]"
        else:
            after = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]
            text = (
                f"■ Stopped at {at}\n[dim]space plays {HEARD[self.source]} · v: {HEARD[after]}[/]"
            )
        self.update(text)

    def watch_source(self) -> None:
        if self.is_mounted:
            self.show()

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
            self.show()

    # -- what the screen asks ----------------------------------------------------------
    def cue(self, seconds: float) -> None:
        """Stand at ``seconds`` (the selected line), unless a moment is playing."""
        if not self.playing:
            self.play_from = seconds
        self.show()

    def play(self, seconds: float) -> None:
        """Play from ``seconds``."""
        self.play_from = seconds
        self._start()

    def toggle(self) -> None:
        """Pause, or play from where the player stands."""
        if self.playing:
            self.stop()
        else:
            self._start()

    def skip(self, seconds: float) -> None:
        """Move the player ±``seconds``."""
        self.play_from = max(0.0, self.position() + seconds)
        self._started = None
        if self.playing:
            self._start()
        else:
            self.show()

    def cycle_source(self) -> None:
        """Voice → music → both."""
        self.source = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]

    def stop(self) -> None:
        """Stop playing (the player stays where it got to)."""
        self._stop_event.set()
        self.playing = False

    # -- playing ------------------------------------------------------------------------
    def _start(self) -> None:
        if self.record is None:
            return
        self._stop_event.set()
        self._stop_event = threading.Event()
        self._started = time.monotonic()
        self.playing = True
        self.play_moment(self.record, self.play_from or 0.0, self.source, self._stop_event)

    @work(thread=True, exit_on_error=False, group="review-player", description="play")
    def play_moment(
        self, record: SessionRecord, start: float, source: str, stop: threading.Event
    ) -> None:
        """Play from ``start`` in a thread (the stream blocks) until ``stop`` is set."""
        from gim.runner.sounds import play_moment

        try:
            play_moment(self.app.settings, record, start, source, stop)
        except GimError as exc:
            self.notify(exc.message, severity="warning", timeout=8)  # notify is thread-safe
        finally:
            if not stop.is_set():
                self.post_message(self.Ended())

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        self.playing = False

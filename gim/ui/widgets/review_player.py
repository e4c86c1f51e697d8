"""Review's player: listening through the session (the voice, the music or both) from
any line, slower or faster with the pitch kept, looping a line, with where it stands in
the session on a bar.

The screen hands it the session (`record`) and the keys' wishes (`cue`, `play`, `toggle`,
`skip`, `cycle_source`, `change_speed`, `toggle_loop`, `stop`); the player owns everything
about playing. The sound itself is the runner's (`gim.runner.sounds.listen`): a listener
opened in a thread worker, then steered from here. The screen also hands it the moments
worth following (`marks`: where lines and words begin) and what to do when one is heard
(`follow`); while it plays, the player sleeps until the next one is heard (or the shown
second turns) and then calls `follow` with the moment heard, so the selection follows the
sound within milliseconds without reading the position many times a second.
`ReviewPlayer.Ended` says when the recording ran out.

The wake-up is one asyncio timer (`loop.call_later`), and `follow` a plain call: a Textual
timer per wake-up (a task, a callback message) and a message bubbling through the four
containers between the player and the screen cost more than the frame they lead to
(issue 24's profile, docs/design-notes.md).
"""

from __future__ import annotations

import asyncio
import math
import threading
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.content import Content
from textual.geometry import Region
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Static

from gim.core.clock import mmss
from gim.core.record import SessionRecord
from gim.errors import GimError

if TYPE_CHECKING:
    from textual import getters

    from gim.runner.sounds import Listener
    from gim.ui.app import GimApp

SOURCES = ("voice", "music", "both")
"""What selecting a line plays."""
HEARD = {"voice": "the voice only", "music": "the music only", "both": "voice and music"}
"""What each source plays, in the words of the status line."""
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5)
"""Speeds offered by slower/faster."""
LATE_SECONDS = 0.005
"""How long after a line's or a word's start the player wakes to say it is heard."""
IDLE_SECONDS = 1.0
"""Longest sleep while playing (the end of the recording is seen within it)."""
CLOCK_LATE = 0.25
"""How long the shown second may wait for a word beginning soon after it turns."""


def position_bar(at: float, length: float, width: int) -> str:
    """``at`` seconds of ``length`` as a bar ``width`` characters wide: ━━━●────."""
    if width < 3 or length <= 0:
        return ""
    head = min(width - 1, max(0, int(at / length * width)))
    return "━" * head + "●" + "─" * (width - head - 1)


class ReviewPlayer(Static):
    """The status of review's player, and the player behind it."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    class Ended(Message):
        """The recording ran out (not stopped by the guide)."""

    class Failed(Message):
        """Following the sound failed (raised again in the message loop, as any error)."""

        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error
            """What was raised."""

    source: reactive[str] = reactive("both")
    """What plays: voice, music or both."""
    playing: reactive[bool] = reactive(False)
    """Whether the session is playing now."""
    speed: reactive[float] = reactive(1.0)
    """How fast it plays (the pitch is kept)."""
    loop: reactive[tuple[float, float] | None] = reactive(None)
    """The line (session seconds) played over and over, if asked."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.record: SessionRecord | None = None
        """The session played (set by the screen once loaded)."""
        self.play_from: float | None = None
        """Session seconds the player starts from (the selected line, or where it stopped)."""
        self.marks: list[float] = []
        """Session seconds worth following, sorted (set by the screen: lines, words)."""
        self.follow: Callable[[float], None] | None = None
        """Called with the session seconds heard whenever a mark is reached while playing
        (set by the screen: the selection and the word follow the sound)."""
        self._listener: Listener | None = None
        self._stop = threading.Event()
        self._shown: list[str] = []
        self._heights: list[int] = []
        self._rows: dict[str, list[Strip]] = {}  # each line shown, rendered at _rows_width
        self._rows_width = 0
        self._content = Content("")
        self._wake: asyncio.TimerHandle | None = None

    def on_unmount(self) -> None:
        self._stop.set()  # the worker lets go of the speakers
        self._sleep(None)

    def position(self) -> float:
        """Session seconds the player stands at: the moment heard while it plays."""
        if self._listener is not None and self.playing:
            return self._listener.position()
        return self.play_from or 0.0

    # -- what the screen asks ----------------------------------------------------------
    def cue(self, seconds: float) -> None:
        """Stand at ``seconds`` (the selected line), unless playing."""
        if not self.playing:
            self.play_from = seconds
        self.show()

    def play(self, seconds: float) -> None:
        """Play from ``seconds`` (jump there when playing already)."""
        self.play_from = seconds
        if self._listener is not None and self.playing:
            self._listener.seek(seconds)
            self._sleep(0.05)
        else:
            self._start()

    def toggle(self) -> None:
        """Pause, or play from where the player stands."""
        if self.playing:
            self.stop()
        else:
            self._start()

    def skip(self, seconds: float) -> None:
        """Move the player ±``seconds``."""
        target = max(0.0, self.position() + seconds)
        self.play_from = target
        if self._listener is not None and self.playing:
            self._listener.seek(target)
            self._sleep(0.05)
        self.show()

    def cycle_source(self) -> None:
        """Voice → music → both."""
        self.source = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]
        if self._listener is not None and self.playing:
            self._listener.set_source(self.source)
            self._sleep(0.05)

    def change_speed(self, step: int) -> None:
        """One step slower (-1) or faster (+1), between 0.5x and 1.5x."""
        at = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, at + step))]
        if self._listener is not None and self.playing:
            self._listener.set_speed(self.speed)
            self._sleep(0.05)

    def toggle_loop(self, span: tuple[float, float] | None) -> None:
        """Loop ``span`` (session seconds), or stop looping when one is looped already."""
        self.loop = None if self.loop is not None else span
        if self._listener is not None:
            self._listener.loop = self.loop
            if self.loop is not None and not self.loop[0] <= self.position() < self.loop[1]:
                self._listener.seek(self.loop[0])
                self._sleep(0.05)
        elif self.loop is not None:
            self.play_from = self.loop[0]

    def stop(self) -> None:
        """Stop playing (the player stays where it got to)."""
        if self.playing:
            self.play_from = self.position()
        self._stop.set()
        self._listener = None
        self.playing = False

    # -- the status ------------------------------------------------------------------------
    def show(self, at: float | None = None) -> None:
        """Say where the player stands (``at``, else asked of the sound) and what the keys
        do (drawn only when it changed)."""
        at = self.position() if at is None else at
        length = self.record.session.audio_seconds if self.record is not None else 0.0
        speed = f" · {self.speed:g}×" if self.speed != 1.0 else ""
        loop = " · ⟲ line" if self.loop is not None else ""
        if self.playing:
            head = f"▶ Playing {HEARD[self.source]} · {mmss(at)}{speed}{loop}"
            keys = escape("space pauses · ←/→ 3 s · [/] speed · l loop")
        else:
            after = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]
            head = f"■ Stopped at {mmss(at)}{speed}{loop}"
            keys = f"space plays {HEARD[self.source]} · v: {HEARD[after]}"
        width = max(0, self.content_region.width - 6)
        bar = position_bar(at, length, width)
        lines = [head, f"{bar} {mmss(length)}" if bar else "", f"[dim]{keys}[/]"]
        self._draw([line for line in lines if line])

    def render(self) -> Content:
        """The status as shown (`show` draws only the lines that changed)."""
        return self._content

    def _draw(self, lines: list[str]) -> None:
        """Show ``lines``, rendering and drawing again only the rows of those that
        changed: while playing that is the second (once a second) and the bar (once a
        cell), not the whole status (Textual would render all of it, wrapped, for a
        row); the screen is laid out again only when a line's height changes (the player
        is narrow beside the transcript, so lines wrap)."""
        if lines == self._shown:
            return
        width = self.size.width
        parts = [Content.from_markup(line) for line in lines]
        self._content = Content("\n").join(parts)
        shown, self._shown = self._shown, lines
        drawn = self._rows
        if width != self._rows_width:
            drawn, self._rows_width = {}, width
        style = self.visual_style
        self._rows = {
            line: drawn[line] if line in drawn else Visual.to_strips(self, part, width, None, style)
            for line, part in zip(lines, parts, strict=True)
        }
        heights = [len(self._rows[line]) for line in lines]
        before, self._heights = self._heights, heights
        if not width or heights != before:
            self.refresh(layout=True)
            return
        top = 0
        regions = []
        for i, (line, height) in enumerate(zip(lines, heights, strict=True)):
            if i >= len(shown) or line != shown[i]:
                regions.append(Region(0, top, width, height))
            top += height
        self.refresh(*regions)

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the status, from the rows rendered for its lines."""
        for line in self._shown:
            rows = self._rows.get(line, [])
            if y < len(rows):
                return rows[y]
            y -= len(rows)
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def watch_source(self) -> None:
        if self.is_mounted:
            self.show()

    def watch_speed(self) -> None:
        if self.is_mounted:
            self.show()

    def watch_loop(self) -> None:
        if self.is_mounted:
            self.show()

    def watch_playing(self, playing: bool) -> None:
        if self.is_mounted:
            self._sleep(0.05 if playing else None)
            self.show()

    def on_resize(self) -> None:
        self._shown = []  # every row rendered again at the new width
        self.show()

    def _sleep(self, seconds: float | None) -> None:
        """Wake in ``seconds`` (None: not at all)."""
        if self._wake is not None:
            self._wake.cancel()
        self._wake = None
        if seconds is not None:
            self._wake = asyncio.get_running_loop().call_later(seconds, self._woken)

    def _woken(self) -> None:
        """`_tick`, any error going back to Textual's message loop (not asyncio's)."""
        self._wake = None
        try:
            self._tick()
        except Exception as error:
            self.post_message(self.Failed(error))

    def _tick(self) -> None:
        listener = self._listener
        if listener is None:
            self._sleep(0.05)  # the speakers are being opened
            return
        if listener.ended.is_set():
            self.post_message(self.Ended())
            return
        at = listener.position()
        if self.follow is not None:
            self.follow(at)
        self.show(at)
        following = bisect_right(self.marks, at)
        turn = math.floor(at) + 1.0 - at  # the second shown turns
        mark = self.marks[following] - at if following < len(self.marks) else math.inf
        # a second turning just before a word begins is drawn with that word, in one
        # frame instead of two (the clock is then at most CLOCK_LATE behind)
        ahead = mark if mark <= turn + CLOCK_LATE else turn
        self._sleep(min(IDLE_SECONDS, ahead / listener.speed + LATE_SECONDS))

    # -- playing ------------------------------------------------------------------------
    def _start(self) -> None:
        if self.record is None:
            return
        self._stop.set()
        self._stop = threading.Event()
        self.playing = True
        self.listen(self.record, self.play_from or 0.0, self._stop)

    @work(thread=True, exit_on_error=False, group="review-player", description="listen")
    def listen(self, record: SessionRecord, start: float, stop: threading.Event) -> None:
        """Open the speakers on the session (blocks briefly) and hold them until ``stop``."""
        from gim.runner.sounds import listen

        try:
            listener = listen(self.app.settings, record, start, self.source, self.speed)
        except GimError as exc:
            self.notify(exc.message, severity="warning", timeout=8)  # notify is thread-safe
            if not stop.is_set():
                self.post_message(self.Ended())
            return
        listener.loop = self.loop
        self.app.call_from_thread(self._opened, listener, stop)
        stop.wait()
        listener.close()

    def _opened(self, listener: Listener, stop: threading.Event) -> None:
        if stop is self._stop and not stop.is_set():
            self._listener = listener

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        if self.playing:
            self.stop()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        raise message.error

"""What a started session keeps as its audio path reports: each live line, gap and player
action goes to the record and to the guide; a disk that fails stops the session cleanly.

`SessionKeeping` is the `AudioPath`'s events sink (`gim.runner.audio_path.AudioEvents`);
its methods run on the audio threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gim.core.clock import mmss
from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Phase, Segment, Source
from gim.errors import GimError
from gim.runner.controls import GuideControls
from gim.runner.events import PieceChanged, Reporter, SegmentAdded
from gim.runner.record import LiveRecord


class SessionKeeping:
    """Keeps what the audio path reports, and tells the guide.

    Args:
        controls: the session's controls (its phase; its audio path once attached).
        record: the session's record.
        reporter: tells the runner's user.
        stop_wanted: set when the session should end (read here, set on a full disk).
        ending: set when the music faded for the set duration (no return phase then).
        stop: ends the session with a fade of the seconds given (the runner's ``stop``).
    """

    def __init__(
        self,
        controls: GuideControls,
        record: LiveRecord,
        reporter: Reporter,
        stop_wanted: threading.Event,
        ending: threading.Event,
        stop: Callable[[float], None],
    ) -> None:
        self.segments = 0
        """Live transcript lines stored so far."""
        self.stopped_for_disk = False
        """Whether the session ended because the disk was full (or could not be written)."""
        self._controls = controls
        self._record = record
        self._reporter = reporter
        self._stop_wanted = stop_wanted
        self._ending = ending
        self._stop = stop
        self._piece: int | None = None
        self._disk_lock = threading.Lock()

    def warn(self, text: str) -> None:
        """Tell the guide ``text`` (a one-sentence warning)."""
        self._reporter.warn(text)

    def segment(self, segment: Segment) -> None:
        """A live line was heard: link it to its piece, keep it, show it."""
        audio = self._controls.audio
        if audio is not None and segment.piece is None:
            audio.link(segment)
        segment.source = Source.LIVE
        try:
            self._record.add_segment(segment)  # journal first: a line is kept even if this fails
        except GimError as exc:  # the database cannot take it (a full disk)
            if not self.stopped_for_disk:
                self.warn(f"A transcript line could not be stored: {exc.message}")
            return
        self.segments += 1
        self._reporter.emit(SegmentAdded(segment))

    def disk_full(self, exc: OSError) -> None:
        """A write failed (the disk is full): stop now, keeping everything written so far."""
        with self._disk_lock:
            if self.stopped_for_disk:
                return
            self.stopped_for_disk = True
        if self._controls.audio is not None:
            self._controls.audio.disk_full = True  # nothing more is written; no fade
        self._record.release_reserve()  # room for the end of the session
        self.warn(
            f"The disk cannot take more audio ({exc.strerror}): the session stops now, "
            "everything recorded so far is saved."
        )
        self._stop_wanted.set()
        threading.Thread(target=self._stop_now, name="runner-stop", daemon=True).start()

    def _stop_now(self) -> None:
        try:
            self._stop(0.0)
        except Exception as exc:  # a thread has nobody to raise to: one sentence instead
            text = exc.message if isinstance(exc, GimError) else f"{type(exc).__name__}"
            self.warn(
                f"The session could not be ended cleanly ({text}): the next gim "
                "command recovers it from its folder."
            )

    def gap(self, lost: int, back: int) -> None:
        """The microphone is back: ``lost`` to ``back`` (frames) were not recorded."""
        rate = self._controls.rate
        start, end = lost / rate, back / rate
        if back <= lost:  # the sound came late, all of it: nothing is missing
            self.warn("The microphone is sending sound again; nothing was lost.")
            return
        self._record.add_gap(start, end)
        self.warn(
            f"The microphone is back; {end - start:.1f} seconds were not recorded "
            f"({mmss(start)}–{mmss(end)}), noted as a gap."
        )

    def playback(self, event: PlaybackEvent) -> None:
        """The player did something: keep it, tell a new piece, return when the music ends."""
        self._record.add_playback(event)
        piece = self._piece
        if event.action in (Action.PLAY, Action.SEEK):
            piece = event.piece
        elif event.action in (Action.STOP, Action.END):
            piece = None
        if piece != self._piece or event.action is Action.PLAY:
            self._piece = piece
            if piece is not None or event.action is Action.STOP:
                self._reporter.emit(PieceChanged(piece))
        audio = self._controls.audio
        over = event.action is Action.STOP or (
            event.action is Action.END and audio is not None and audio.player.finished.is_set()
        )
        end_fade = event.action is Action.STOP and self._ending.is_set()  # the end is near
        music = self._controls.phase is Phase.MUSIC
        if over and music and not self._stop_wanted.is_set() and not end_fade:
            self._controls.music_over()

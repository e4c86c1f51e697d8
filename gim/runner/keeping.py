"""What a started session keeps as its audio path reports: each live line, gap and player
action goes to the record and to the guide; a disk that fails stops the session cleanly.

`SessionRunner` (gim.runner.control) is built on `SessionKeeping`; these run on the audio
threads. The attributes declared here are the runner's own.
"""

from __future__ import annotations

import threading

from gim.core.clock import mmss
from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Consent, Phase, Segment, Source
from gim.errors import GimError
from gim.runner.controls import GuideControls
from gim.runner.events import PieceChanged, SegmentAdded


class SessionKeeping(GuideControls):
    """The audio path's callbacks: keep what it reports, tell the guide."""

    segments: int
    stopped_for_disk: bool
    _piece: int | None
    _stop_wanted: threading.Event
    _ending: threading.Event
    _stop_lock_disk: threading.Lock

    def stop(self, fade: float = 5.0) -> None:
        """Save everything and end the session (the runner's)."""
        raise NotImplementedError

    def _on_segment(self, segment: Segment) -> None:
        audio, record = self._audio, self._record
        if audio is not None and segment.piece is None:
            linked = audio.music_at(segment.start)
            if linked is not None:
                segment.piece, segment.piece_offset = linked
        segment.source = Source.LIVE
        if record is not None:
            try:
                record.add_segment(segment)  # journal first: a line is kept even if this fails
            except GimError as exc:  # the database cannot take it (a full disk)
                if not self.stopped_for_disk:
                    self._warn(f"A transcript line could not be stored: {exc.message}")
                return
        self.segments += 1
        self._emit(SegmentAdded(segment))

    def _disk_trouble(self, exc: OSError) -> None:
        """A write failed (the disk is full): stop now, keeping everything written so far."""
        with self._stop_lock_disk:
            if self.stopped_for_disk:
                return
            self.stopped_for_disk = True
        if self._audio is not None:
            self._audio.disk_full = True  # nothing more is written; no fade
        if self._record is not None:
            self._record.release_reserve()  # room for the end of the session
        self._warn(
            f"The disk cannot take more audio ({exc.strerror}): the session stops now, "
            "everything recorded so far is saved."
        )
        self._stop_wanted.set()
        threading.Thread(target=self._stop_now, name="runner-stop", daemon=True).start()

    def _stop_now(self) -> None:
        try:
            self.stop(fade=0.0)
        except Exception as exc:  # a thread has nobody to raise to: one sentence instead
            text = exc.message if isinstance(exc, GimError) else f"{type(exc).__name__}"
            self._warn(
                f"The session could not be ended cleanly ({text}): the next gim "
                "command recovers it from its folder."
            )

    def _gap(self, lost: int, back: int) -> None:
        start, end = lost / self.rate, back / self.rate
        if back <= lost:  # the sound came late, all of it: nothing is missing
            self._warn("The microphone is sending sound again; nothing was lost.")
            return
        if self._record is not None:
            self._record.add_gap(start, end)
        self._warn(
            f"The microphone is back; {end - start:.1f} seconds were not recorded "
            f"({mmss(start)}–{mmss(end)}), noted as a gap."
        )

    def _playback_event(self, event: PlaybackEvent) -> None:
        if self._record is not None:
            self._record.add_playback(event)
        piece = self._piece
        if event.action in (Action.PLAY, Action.SEEK):
            piece = event.piece
        elif event.action in (Action.STOP, Action.END):
            piece = None
        if piece != self._piece or event.action is Action.PLAY:
            self._piece = piece
            if piece is not None or event.action is Action.STOP:
                self._emit(PieceChanged(piece))
        over = event.action is Action.STOP or (
            event.action is Action.END
            and self._audio is not None
            and self._audio.player.finished.is_set()
        )
        end_fade = event.action is Action.STOP and self._ending.is_set()  # the end is near
        if over and self.phase is Phase.MUSIC and not self._stop_wanted.is_set() and not end_fade:
            self._music_over()

    def _music_over(self) -> None:
        """The last piece ended or a fade stopped the music: return; the session goes on."""
        self.set_phase(Phase.RETURN)
        if self.consent is Consent.MUSIC and self._audio is not None:
            self._audio.capturing = False  # the client agreed to the music phase only

"""The controls a guide uses during a live session: the music, the phase, marks.

`SessionRunner` (gim.runner.control) is built on `GuideControls`; every control may be
called from any thread. The attributes declared here are the runner's own.
"""

from __future__ import annotations

from collections.abc import Callable

from gim.audio.player import Player
from gim.config import Settings
from gim.core.clock import DelayPoints
from gim.core.session import Annotation, AnnotationKind, Consent, Phase, PhaseChange, Segment
from gim.errors import GimError
from gim.runner.audio_path import AudioPath
from gim.runner.events import PhaseChanged, RunnerEvent, Warning
from gim.runner.record import SessionRecord


class GuideControls:
    """Music, phase and mark controls over a started session's audio path and record."""

    settings: Settings
    consent: Consent
    rate: int
    phase: Phase | None
    music_started: bool
    warnings: list[str]
    _audio: AudioPath | None
    _record: SessionRecord | None
    _on_event: Callable[[RunnerEvent], None] | None

    # -- controls (any thread) --------------------------------------------------------

    def start_music(self) -> None:
        """Start the music (the guide's key when the induction ends): the phase moves to
        music and, with music-only consent, the recording begins. Once the music has
        started this continues it: resumes a pause, or plays on from where a fade stopped.
        """
        player = self._require_player()
        if self.phase is not Phase.MUSIC:
            self.set_phase(Phase.MUSIC)
        if self._audio is not None and self.consent is not Consent.NONE:
            self._audio.capturing = True
        if not self.music_started:
            self.music_started = True
            player.play_piece(0)
        elif player.paused:
            player.resume()
        elif not player.playing:
            where = player.position()
            if where is None:
                player.play_piece(0)
            else:
                player.play_piece(where.piece, where.offset / self.rate)

    def pause(self) -> None:
        """Pause the music (the recording goes on)."""
        self._require_player().pause()

    def resume(self) -> None:
        """Resume the music."""
        self._require_player().resume()

    def next_piece(self) -> None:
        """Skip to the next piece."""
        self._require_player().next_piece()

    def previous_piece(self) -> None:
        """Go back to the previous piece."""
        self._require_player().previous_piece()

    def seek(self, seconds: float) -> None:
        """Move to ``seconds`` into the current piece."""
        self._require_player().seek(seconds)

    def set_volume(self, gain: float) -> None:
        """Set the music volume (0..1)."""
        self._require_player().set_volume(gain)

    def fade_out(self, seconds: float = 5.0) -> None:
        """Fade the music out and stop it; the session and the recording go on (the phase
        moves to return)."""
        self._require_player().fade_out(seconds)

    def _require_player(self) -> Player:
        if self._audio is None:
            raise GimError("The session has not started: start it first.")
        return self._audio.player

    @property
    def elapsed(self) -> float:
        """Session seconds so far (the microphone's clock, or the player's)."""
        return self._audio.elapsed if self._audio is not None else 0.0

    @property
    def delay_points(self) -> DelayPoints:
        """The microphone lag measured so far: (microphone frame, lag in frames)."""
        return self._audio.points if self._audio is not None else []

    def set_phase(self, phase: Phase) -> None:
        """Move the session into ``phase`` now (recording follows the consent)."""
        self.phase = phase
        if self._audio is not None and self.consent is Consent.MUSIC and self.music_started:
            self._audio.capturing = phase is Phase.MUSIC
        change = PhaseChange(self.elapsed, phase)
        if self._record is not None:
            self._record.add_phase(change)
        self._emit(PhaseChanged(phase, change.time))

    def mark(
        self,
        kind: AnnotationKind,
        text: str = "",
        tags: tuple[str, ...] = (),
        segment: Segment | None = None,
    ) -> Annotation:
        """Add a marker, intervention, observation or tag at the current session time, or
        on ``segment`` (a transcript line the guide chose) at its start."""
        at = self.elapsed if segment is None else segment.start
        note = Annotation(
            at,
            kind,
            text,
            list(tags),
            author=self.settings.guide,
            segment_id=None if segment is None else segment.id,
        )
        if self._record is None:
            raise GimError("The session has not started: start it first.")
        self._record.add_annotation(note)
        return note

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        self._emit(Warning(text))

    def _emit(self, event: RunnerEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

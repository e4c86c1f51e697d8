"""The controls a guide uses during a live session: the music, the phase, marks.

`SessionRunner` (gim.runner.control) holds one `GuideControls`; every control may be
called from any thread.
"""

from __future__ import annotations

import threading

from gim.audio.player import Player
from gim.core.clock import DelayPoints
from gim.core.session import Annotation, AnnotationKind, Consent, Phase, PhaseChange, Segment
from gim.errors import GimError
from gim.runner.audio_path import AudioPath
from gim.runner.events import PhaseChanged, Reporter
from gim.runner.record import LiveRecord


class GuideControls:
    """Music, phase and mark controls over a started session's audio path and record.

    Args:
        consent: what the client agreed may be recorded.
        rate: the session rate.
        guide: the guide's name (the author of marks).
        reporter: tells the runner's user of each phase change.
    """

    def __init__(self, consent: Consent, rate: int, guide: str, reporter: Reporter) -> None:
        self.consent = consent
        self.rate = rate
        self.guide = guide
        self.phase: Phase | None = None
        """The phase the session is in (None before it started)."""
        self.music_started = False
        """Whether the guide (or the planned start) has started the music."""
        self.audio: AudioPath | None = None
        """The session's audio path, once it started."""
        self.record: LiveRecord | None = None
        """The session's record, once it started."""
        self._reporter = reporter

    def attach(self, audio: AudioPath, record: LiveRecord) -> None:
        """Control the session now started on ``audio``, kept in ``record``."""
        self.audio = audio
        self.record = record

    # -- the music (any thread) ---------------------------------------------------------

    def start_music(self) -> None:
        """Start the music (the guide's key when the induction ends): the phase moves to
        music and, with music-only consent, the recording begins. Once the music has
        started this continues it: resumes a pause, or plays on from where a fade stopped.
        """
        player = self._require_player()
        if self.phase is not Phase.MUSIC:
            self.set_phase(Phase.MUSIC)
        if self.audio is not None and self.consent is not Consent.NONE:
            self.audio.capturing = True
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

    def start_music_at(self, due: float, stop: threading.Event) -> None:
        """Start the music at session second ``due`` unless the guide started it first or
        ``stop`` is set (a thread watches the clock)."""

        def when_due() -> None:
            while not stop.is_set() and not self.music_started:
                if self.elapsed >= due:
                    self.start_music()
                    return
                stop.wait(0.005)

        threading.Thread(target=when_due, name="runner-music-start", daemon=True).start()

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

    def music_over(self) -> None:
        """The last piece ended or a fade stopped the music: return; the session goes on."""
        self.set_phase(Phase.RETURN)
        if self.consent is Consent.MUSIC and self.audio is not None:
            self.audio.capturing = False  # the client agreed to the music phase only

    def _require_player(self) -> Player:
        if self.audio is None:
            raise GimError("The session has not started: start it first.")
        return self.audio.player

    # -- time, phases, marks ------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Session seconds so far (the microphone's clock, or the player's)."""
        return self.audio.elapsed if self.audio is not None else 0.0

    @property
    def delay_points(self) -> DelayPoints:
        """The microphone lag measured so far: (microphone frame, lag in frames)."""
        return self.audio.points if self.audio is not None else []

    def set_phase(self, phase: Phase) -> None:
        """Move the session into ``phase`` now (recording follows the consent)."""
        self.phase = phase
        if self.audio is not None and self.consent is Consent.MUSIC and self.music_started:
            self.audio.capturing = phase is Phase.MUSIC
        change = PhaseChange(self.elapsed, phase)
        if self.audio is not None and self.consent is Consent.SESSION:
            # in the induction only the guide speaks (recorded with whole-session consent)
            self.audio.guide_alone(change.time, phase is Phase.INDUCTION)
        if self.record is not None:
            self.record.add_phase(change)
        self._reporter.emit(PhaseChanged(phase, change.time))

    def mark(
        self,
        kind: AnnotationKind,
        text: str = "",
        tags: tuple[str, ...] = (),
        segment: Segment | None = None,
        *,
        at: float | None = None,
    ) -> Annotation:
        """Add a marker, intervention, observation or tag at the current session time, or
        on ``segment`` (a transcript line the guide chose) at its start, or ``at`` (the
        moment the guide pressed the key, for a note typed afterwards)."""
        if at is None:
            at = self.elapsed if segment is None else segment.start
        note = Annotation(
            at,
            kind,
            text,
            list(tags),
            author=self.guide,
            segment_id=None if segment is None else segment.id,
        )
        if self.record is None:
            raise GimError("The session has not started: start it first.")
        self.record.add_annotation(note)
        return note

"""The session runner: `SessionRunner` starts a session, watches it and ends it.

It holds a `GuideControls` (gim.runner.controls: the music, the phase, marks) and, once
started, a `SessionKeeping` (gim.runner.keeping: what the audio path reports is kept and
told); how it runs is a `SessionPlan` (gim.runner.session_start). The audio runs through an
`AudioPath` (gim.runner.audio_path); the database is reached only through the
`StoreThread` (gim.runner.store_thread). Controls may be called from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from gim.audio.room import VirtualRoom
from gim.config import Settings
from gim.core.clock import DelayPoints
from gim.core.program import Program
from gim.core.session import Annotation, AnnotationKind, Consent, Phase, Segment
from gim.passes.rolling_child import RollingPass
from gim.priority import FINAL, raised
from gim.runner import ending, session_start
from gim.runner.audio_path import AudioPath, AudioSetup
from gim.runner.controls import GuideControls
from gim.runner.events import Finished, Reporter, RunnerEvent, RunnerStatus
from gim.runner.keeping import SessionKeeping
from gim.runner.record import LiveRecord
from gim.runner.session_start import SessionPlan
from gim.runner.source_watch import SourceWatch
from gim.runner.status import DiskWatch, disk_needed, disk_warning, snapshot


class SessionRunner:
    """One live session: play the program, record the room, transcribe, store.

    Args:
        settings: devices, latency, rate, data home.
        program: the program to play.
        plan: the client, the consent, when the music starts and the session ends.
        room: the virtual room to use instead of the real devices (only when asked for).
        on_event: receives `RunnerEvent`s from background threads.
        files: the program's audio files, one per piece (default: the library's links).
    """

    def __init__(
        self,
        settings: Settings,
        program: Program,
        plan: SessionPlan,
        *,
        room: VirtualRoom | None = None,
        on_event: Callable[[RunnerEvent], None] | None = None,
        files: list[Path | None] | None = None,
    ) -> None:
        self.settings = settings
        self.program = program
        self.plan = plan
        self.room = room
        self.rate = room.rate if room is not None else settings.samplerate
        self.session_id = ""
        """The session's id once started."""
        self._files = files
        self._reporter = Reporter(on_event)
        self.controls = GuideControls(plan.consent, self.rate, settings.guide, self._reporter)
        """The music, the phase, marks."""
        self._keeping: SessionKeeping | None = None
        self._stop_wanted = threading.Event()
        self._reached = threading.Event()  # the duration, not a request, ended it
        self._ending = threading.Event()  # the music faded for the duration: no return
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._ended_at: float | None = None
        self._source_watch: SourceWatch | None = None
        self._rolling: RollingPass | None = None

    # -- what it is, so far -------------------------------------------------------------

    @property
    def consent(self) -> Consent:
        """What the client agreed may be recorded."""
        return self.plan.consent

    @property
    def duration(self) -> float | None:
        """The session's set length in seconds (None: see the plan's ``end_with_music``)."""
        return self.plan.duration

    @property
    def phase(self) -> Phase | None:
        """The phase the session is in (None before it started)."""
        return self.controls.phase

    @property
    def music_started(self) -> bool:
        """Whether the guide (or the plan's ``music_start``) has started the music."""
        return self.controls.music_started

    @property
    def warnings(self) -> list[str]:
        """Every warning so far, oldest first."""
        return self._reporter.warnings

    @property
    def segments(self) -> int:
        """Live transcript lines stored so far."""
        return self._keeping.segments if self._keeping is not None else 0

    @property
    def stopped_for_disk(self) -> bool:
        """Whether the session ended because the disk was full (or could not be written)."""
        return self._keeping is not None and self._keeping.stopped_for_disk

    @property
    def elapsed(self) -> float:
        """Session seconds so far (the microphone's clock, or the player's)."""
        return self.controls.elapsed

    @property
    def delay_points(self) -> DelayPoints:
        """The microphone lag measured so far: (microphone frame, lag in frames)."""
        return self.controls.delay_points

    # -- the guide's controls (any thread): see `GuideControls` -------------------------

    def start_music(self) -> None:
        """Start the music, or continue it after a pause or a fade."""
        self.controls.start_music()

    def pause(self) -> None:
        """Pause the music (the recording goes on)."""
        self.controls.pause()

    def resume(self) -> None:
        """Resume the music."""
        self.controls.resume()

    def next_piece(self) -> None:
        """Skip to the next piece."""
        self.controls.next_piece()

    def previous_piece(self) -> None:
        """Go back to the previous piece."""
        self.controls.previous_piece()

    def seek(self, seconds: float) -> None:
        """Move to ``seconds`` into the current piece."""
        self.controls.seek(seconds)

    def set_volume(self, gain: float) -> None:
        """Set the music volume (0..1)."""
        self.controls.set_volume(gain)

    def fade_out(self, seconds: float = 5.0) -> None:
        """Fade the music out and stop it; the session goes on in the return phase."""
        self.controls.fade_out(seconds)

    def set_phase(self, phase: Phase) -> None:
        """Move the session into ``phase`` now (recording follows the consent)."""
        self.controls.set_phase(phase)

    def mark(
        self,
        kind: AnnotationKind,
        text: str = "",
        tags: tuple[str, ...] = (),
        segment: Segment | None = None,
        *,
        at: float | None = None,
    ) -> Annotation:
        """Keep a guide's note now, on the line ``segment``, or ``at`` (session seconds)."""
        return self.controls.mark(kind, text, tags, segment, at=at)

    # -- starting ---------------------------------------------------------------------

    def start(self) -> str:
        """Create the session, open the devices, start recording and playing; the id."""
        plan = self.plan
        files = self._files
        if files is None:
            files = session_start.linked_files(self.settings, self.program)
        backend = session_start.backend(self.settings, self.room)
        record = self._create_record()
        mic_channels = session_start.mic_channels(self.settings, backend)
        seconds = plan.duration or (self.program.duration + 120.0)
        warning = disk_warning(record.folder, disk_needed(seconds, self.rate, mic_channels))
        if warning is not None:
            self._reporter.warn(warning)
        watch = DiskWatch(record.folder, disk_needed(1.0, self.rate, mic_channels))
        record.write_header(self.rate, mic_channels, final_pass=plan.final_pass_owed)
        setup = AudioSetup(
            self.settings,
            self.program,
            files,
            backend,
            self.rate,
            record.folder,
            record.journal,
            mic_channels=mic_channels if plan.recording else 0,
            transcribe=plan.transcribe,
            room=self.room,
        )
        assert self._keeping is not None
        audio = AudioPath(setup, self._keeping)
        self.controls.attach(audio, record)
        self._begin(audio)
        if plan.recording and plan.transcribe:  # the final pass, a window behind (issue 15)
            self._rolling = RollingPass(self.settings, record.folder, mic_channels, plan.duration)
            self._rolling.start()
        watch.start(self._now, self._stop_wanted, self._reporter.warn)
        return self.session_id

    def _create_record(self) -> LiveRecord:
        """The session in the store and its folder, and what keeps what happens to it."""
        record = LiveRecord.create(self.settings, self.program, self.plan, self.rate)
        events = (self._stop_wanted, self._ending)
        keeping = SessionKeeping(self.controls, record, self._reporter, *events, self.stop)
        record.journal.on_error = keeping.disk_full  # never a traceback in a writing thread
        self._keeping = keeping
        self.session_id = record.id
        return record

    def _begin(self, audio: AudioPath) -> None:
        """The first phase (at session second 0); the microphone, then at once the output
        (the session's time is the one's count, the playback log the other's); the music
        when due."""
        plan = self.plan
        audio.capturing = plan.consent is Consent.SESSION or (
            plan.consent is Consent.MUSIC and plan.music_start == 0
        )
        self.controls.set_phase(plan.first_phase)
        audio.start_recording()
        audio.start_output()
        if self.room is None and plan.recording:
            self._watch_source()
        if plan.music_start == 0:
            self.controls.start_music()
        elif plan.music_start is not None:
            self.controls.start_music_at(plan.music_start, self._stop_wanted)
        if plan.duration is not None:  # the music quiet by then, the recording ended then
            events = (self._stop_wanted, self._ending, self._reached)
            ending.watch_end(plan.duration, plan.end_fade, audio.player, self._now, *events)

    def _now(self) -> float:
        return self.elapsed

    def _watch_source(self) -> None:
        """Report a microphone stream PulseAudio moves (optional: needs pactl)."""
        if SourceWatch.available():
            self._source_watch = SourceWatch(self._reporter.warn)
            self._source_watch.start()

    def status(self) -> RunnerStatus:
        """A snapshot for meters and progress lines."""
        record, audio = self.controls.record, self.controls.audio
        where = record.folder if record is not None else self.settings.home
        return snapshot(self.session_id, self.program, self.rate, audio, where, self.warnings)

    # -- ending -----------------------------------------------------------------------

    def wait(self) -> None:
        """Until the duration is reached, the program ended, or a stop was asked for."""
        while not self.done():
            self._stop_wanted.wait(0.05)

    def pieces_played(self) -> list[int]:
        """Piece indices in the order they were first heard."""
        audio = self.controls.audio
        return [] if audio is None else audio.player.log_snapshot().pieces_played()

    def wait_for(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when a stop is asked for."""
        self._stop_wanted.wait(seconds)

    def done(self) -> bool:
        """Whether the session should end now: stop asked for, duration reached, or (with
        ``end_with_music``) the music ended and the room had two seconds to fall silent."""
        if self._stop_wanted.is_set():
            return True
        now = self.elapsed
        if self.duration is not None:
            if now >= self.duration:
                self._reached.set()  # (as the end thread would: whoever sees it first)
            return self._reached.is_set()
        if not self.plan.end_with_music:
            return False
        audio = self.controls.audio
        if audio is None or not audio.player.finished.is_set():
            return False
        if self._ended_at is None:
            self._ended_at = now
        return now >= self._ended_at + 2.0

    def request_stop(self) -> None:
        """Ask `wait` to return (safe from a signal handler)."""
        self._stop_wanted.set()

    def stop(self, fade: float = 5.0) -> None:
        """Fade out if playing, save everything, mark the session complete. Idempotent.

        At the set duration the music was faded before it: nothing is faded after it.
        """
        with self._stop_lock:
            if self._stopped.is_set() or not self.session_id:
                return
            self._stop_wanted.set()
            try:
                with raised(FINAL, "saving the session"):  # the guide waits for it
                    self._finish(0.0 if self._reached.is_set() else fade)
            finally:
                self._stopped.set()
        self._reporter.emit(Finished(self.session_id))

    def _finish(self, fade: float) -> None:
        audio, record = self.controls.audio, self.controls.record
        if self._reached.is_set() and audio is not None:
            audio.end_recording()  # the duration is the recording's end: not later
        if self._source_watch is not None:
            self._source_watch.stop()
        if self._rolling is not None:
            self._rolling.stop()  # before the chunks are joined; the rest is the final pass's
        if audio is not None:
            audio.close(fade)
            if record is not None:
                record.release_reserve()  # (a full disk: the files' ends need a little)
            for writer in (audio.mic, audio.reference):
                if writer is not None:
                    writer.finish()  # joined as it recorded: closed, not joined now
        if record is not None:
            events = list(audio.player.log) if audio is not None else []
            owed = self.plan.final_pass_owed  # as in the header
            record.save(events, self.delay_points, self._reporter.warn, final_pass=owed)

"""The session runner: `SessionRunner` starts a session, watches it and ends it.

It is built on `SessionKeeping` (gim.runner.keeping: what the audio path reports is kept
and told) and `GuideControls` (gim.runner.controls: the music, the phase, marks); what a
session starts with is gim.runner.session_start. The audio runs through an `AudioPath`
(gim.runner.audio_path); the database is reached only through the `StoreThread`
(gim.runner.store_thread). Controls may be called from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gim.audio.room import VirtualRoom
from gim.config import Settings, ensure_private_dir
from gim.core.program import Program
from gim.core.session import Consent, Phase, Session
from gim.passes.rolling_child import RollingPass
from gim.runner import ending, session_start
from gim.runner.audio_path import AudioPath
from gim.runner.events import Finished, RunnerEvent, RunnerStatus
from gim.runner.keeping import SessionKeeping
from gim.runner.record import SessionRecord
from gim.runner.source_watch import SourceWatch
from gim.runner.status import DISK_CHECK_SECONDS, DiskWatch, disk_needed, disk_warning, snapshot
from gim.runner.store_thread import StoreThread


class SessionRunner(SessionKeeping):
    """One live session: play the program, record the room, transcribe, store.

    Args:
        settings: devices, latency, rate, data home.
        program: the program to play.
        client: the client's code.
        focus: the focus the client named in the prelude.
        consent: what may be recorded (NONE: the music plays, nothing is recorded).
        room: the virtual room to use instead of the real devices (only when asked for).
        duration: end after this many session seconds, the music quiet by then (None:
            see ``end_with_music``).
        on_event: receives `RunnerEvent`s from background threads.
        files: the program's audio files, one per piece (default: the library's links).
        transcribe: run the live transcription when it is available.
        phase: the phase the session starts in (None: music when the music starts at 0,
            else prelude).
        music_at: the session second the music starts by itself (None: only when
            `start_music` is called, the guide's key).
        end_with_music: with no ``duration``, end two seconds after the music ended (the
            demo, benchmarks); False: a guide's session, which goes on in the return phase
            until the guide ends it.
        end_fade: with a ``duration``, seconds the music fades over so that it is quiet
            at the duration (less when less is left; 0: it stops there). The session's
            end is the duration either way: nothing is faded after it.

    The arc: Start opens the microphone and the output (silent) and begins the prelude;
    `start_music` plays the program and moves to the music phase; when the last piece
    ends (or a fade stops it) the phase moves to return and the recording goes on.
    Consent MUSIC records only the music phase (the microphone track keeps session time
    and holds silence outside it); SESSION records from Start to the end.
    """

    def __init__(
        self,
        settings: Settings,
        program: Program,
        client: str,
        focus: str = "",
        consent: Consent = Consent.MUSIC,
        room: VirtualRoom | None = None,
        duration: float | None = None,
        on_event: Callable[[RunnerEvent], None] | None = None,
        files: list[Path | None] | None = None,
        transcribe: bool = True,
        phase: Phase | None = None,
        music_at: float | None = 0.0,
        end_with_music: bool = True,
        end_fade: float = 0.0,
    ) -> None:
        self.settings = settings
        self.program = program
        self.client = client
        self.focus = focus
        self.consent = consent
        self.room = room
        self.duration = duration
        self.rate = room.rate if room is not None else settings.samplerate
        self.session_id = ""
        """The session's id once started."""
        self.warnings: list[str] = []
        """Every warning so far."""
        self.segments = 0
        """Live transcript lines stored so far."""
        self._on_event = on_event
        self._files = files
        self._transcribe = transcribe
        self.music_at = music_at
        self.end_with_music = end_with_music
        self._first_phase = phase
        self.phase: Phase | None = None
        """The phase the session is in."""
        self.music_started = False
        """Whether the guide (or ``music_at``) has started the music."""
        self._record: SessionRecord | None = None
        self._audio: AudioPath | None = None
        self._stop_wanted = threading.Event()
        self._reached = threading.Event()  # the duration, not a request, ended it
        self._ending = threading.Event()  # the music faded for the duration: no return
        self.end_fade = end_fade
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._piece: int | None = None
        self._ended_at: float | None = None
        self._source_watch: SourceWatch | None = None
        self._rolling: RollingPass | None = None
        self.stopped_for_disk = False
        """Whether the session ended because the disk was full (or could not be written)."""
        self._stop_lock_disk = threading.Lock()

    # -- starting ---------------------------------------------------------------------

    def start(self) -> str:
        """Create the session, open the devices, start recording and playing; the id."""
        files = self._files
        if files is None:
            files = session_start.linked_files(self.settings, self.program)
        backend = session_start.backend(self.settings, self.room)
        from gim.core.program_parse import program_to_dict
        from gim.store.db import Store  # imported here: importing in two threads races

        ensure_private_dir(self.settings.home)
        session = Session(
            id="",
            client=self.client,
            program=self.program.slug,
            started_at=datetime.now().isoformat(timespec="seconds"),
            focus=self.focus,
            consent=self.consent,
            guide=self.settings.guide,
            samplerate=self.rate,
            program_snapshot=program_to_dict(self.program),
        )
        store = StoreThread(Store, self.settings.db_path)
        store.start()
        record = self._record = SessionRecord(store, session, self.settings.sessions_dir)
        record.journal.on_error = self._disk_trouble  # never a traceback in a writing thread
        self.session_id = record.id
        mic_channels = session_start.mic_channels(self.settings, backend)
        seconds = self.duration or (self.program.duration + 120.0)
        warning = disk_warning(record.folder, disk_needed(seconds, self.rate, mic_channels))
        if warning is not None:
            self._warn(warning)
        watch = DiskWatch(record.folder, disk_needed(1.0, self.rate, mic_channels))
        owed = self._transcribe and self.consent is not Consent.NONE
        record.write_header(self.rate, mic_channels, final_pass=owed)
        recording = self.consent is not Consent.NONE
        self._audio = AudioPath(
            self.settings,
            self.program,
            files,
            backend,
            self.room,
            self.rate,
            record.folder,
            record.journal,
            mic_channels if recording else 0,
            self._transcribe,
            self._warn,
            self._on_segment,
            self._playback_event,
            self._gap,
            self._disk_trouble,
        )
        self._audio.capturing = self.consent is Consent.SESSION or (
            self.consent is Consent.MUSIC and self.music_at == 0
        )
        self._audio.start_recording()
        if self.room is None and recording:
            self._watch_source()
        first = self._first_phase
        if first is None:
            first = Phase.MUSIC if self.music_at == 0 else Phase.PRELUDE
        self.set_phase(first)
        self._audio.start_output()
        if self.music_at == 0:
            self.start_music()
        elif self.music_at is not None:
            threading.Thread(
                target=self._music_when_due, name="runner-music-at", daemon=True
            ).start()
        if self.duration is not None:  # the music quiet by then, the recording ended then
            events = (self._stop_wanted, self._ending, self._reached)
            ending.watch_end(self.duration, self.end_fade, self._audio.player, self._now, *events)
        if recording and self._transcribe:  # the final pass, a window behind (issue 15)
            self._rolling = RollingPass(self.settings, record.folder, mic_channels)
            self._rolling.start()
        threading.Thread(
            target=self._watch_disk, args=(watch,), name="runner-disk-watch", daemon=True
        ).start()
        return session.id

    def _music_when_due(self) -> None:
        assert self.music_at is not None
        while not self._stop_wanted.is_set() and not self.music_started:
            if self.elapsed >= self.music_at:
                self.start_music()
                return
            self._stop_wanted.wait(0.005)

    def _now(self) -> float:
        return self.elapsed

    def _watch_source(self) -> None:
        """Report a microphone stream PulseAudio moves (optional: needs pactl)."""
        if SourceWatch.available():
            self._source_watch = SourceWatch(self._warn)
            self._source_watch.start()

    def _watch_disk(self, watch: DiskWatch) -> None:
        """Warn the guide while there is still time to free space (minutes of recording)."""
        while not self._stop_wanted.wait(DISK_CHECK_SECONDS):
            warning = watch.check(self.elapsed)
            if warning is not None:
                self._warn(warning)

    def status(self) -> RunnerStatus:
        """A snapshot for meters and progress lines."""
        where = self._record.folder if self._record else self.settings.home
        return snapshot(self.session_id, self.program, self.rate, self._audio, where, self.warnings)

    # -- ending -----------------------------------------------------------------------

    def wait(self) -> None:
        """Until the duration is reached, the program ended, or a stop was asked for."""
        while not self.done():
            self._stop_wanted.wait(0.05)

    def pieces_played(self) -> list[int]:
        """Piece indices in the order they were first heard."""
        if self._audio is None:
            return []
        return self._audio.player.log_snapshot().pieces_played()

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
        if not self.end_with_music:
            return False
        if self._audio is None or not self._audio.player.finished.is_set():
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
                self._finish(0.0 if self._reached.is_set() else fade)
            finally:
                self._stopped.set()
        self._emit(Finished(self.session_id))

    def _finish(self, fade: float) -> None:
        if self._reached.is_set() and self._audio is not None:
            self._audio.end_recording()  # the duration is the recording's end: not later
        if self._source_watch is not None:
            self._source_watch.stop()
        if self._rolling is not None:
            self._rolling.stop()  # before the chunks are joined; the rest is the final pass's
        if self._audio is not None:
            self._audio.close(fade)
        if self._record is not None:
            events = list(self._audio.player.log) if self._audio else []
            owed = self._transcribe and self.consent is not Consent.NONE  # as in the header
            self._record.save(events, self.delay_points, self._warn, final_pass=owed)

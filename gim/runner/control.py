"""The session runner's control surface: `SessionRunner`, and what a session keeps.

The audio runs through an `AudioPath` (gim.runner.audio_path); the database is reached only
through the `StoreThread` (gim.runner.store_thread). Controls may be called from any thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from gim.audio.devices import Backend, SoundDevices
from gim.audio.journal import Journal, compact
from gim.audio.room import VirtualRoom
from gim.audio.writer import finish_audio
from gim.config import Settings, ensure_private_dir
from gim.core.playback import Action, PlaybackEvent
from gim.core.program import Program
from gim.core.session import (
    Annotation,
    AnnotationKind,
    Consent,
    Phase,
    PhaseChange,
    Segment,
    Session,
    Source,
    Status,
)
from gim.core.timeline import DelayPoints
from gim.errors import GimError
from gim.recovery import LOCK_FILE
from gim.runner.audio_path import AudioPath
from gim.runner.status import disk_needed, disk_warning, snapshot
from gim.runner.store_thread import StoreThread
from gim.runner_events import (
    Finished,
    PhaseChanged,
    PieceChanged,
    RunnerEvent,
    RunnerStatus,
    SegmentAdded,
    Warning,
)


class SessionRunner:
    """One live session: play the program, record the room, transcribe, store.

    Args:
        settings: devices, latency, rate, data home.
        program: the program to play.
        client: the client's code.
        focus: the focus the client named in the prelude.
        consent: what may be recorded (NONE: the music plays, nothing is recorded).
        room: the virtual room to use instead of the real devices (only when asked for).
        duration: stop after this many session seconds (None: when the program ends).
        on_event: receives `RunnerEvent`s from background threads.
        files: the program's audio files, one per piece (default: the library's links).
        transcribe: run the live transcription when it is available.
        phase: the phase the session starts in.
    """

    def __init__(
        self, settings: Settings, program: Program, client: str, focus: str = "",
        consent: Consent = Consent.MUSIC, room: VirtualRoom | None = None,
        duration: float | None = None, on_event: Callable[[RunnerEvent], None] | None = None,
        files: list[Path | None] | None = None, transcribe: bool = True,
        phase: Phase | None = Phase.MUSIC,
    ) -> None:  # fmt: skip
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
        self._first_phase = phase
        self._session: Session | None = None
        self._folder: Path | None = None
        self._lock_fd = -1
        self._journal: Journal | None = None
        self._player: Player | None = None
        self._recorder: Recorder | None = None
        self._mic: ChunkWriter | None = None
        self._ref: ChunkWriter | None = None
        self._aligner: Aligner | None = None
        self._transcriber: Any = None
        self._analysis_q: queue.SimpleQueue[tuple[str, int, np.ndarray | None]] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._store_q: queue.SimpleQueue[tuple[Callable[[Any], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._stop_wanted = threading.Event()
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._disk_full = False
        self._piece: int | None = None
        self._ended_at: float | None = None

    # -- starting ---------------------------------------------------------------------

    def start(self) -> str:
        """Create the session, open the devices, start recording and playing; the id."""
        files = self._files if self._files is not None else self._linked_files()
        backend: Backend = self.room if self.room is not None else self._devices()
        from gim.core.program_parse import program_to_dict
        from gim.store.db import Store  # imported here: importing in two threads races

        ensure_private_dir(self.settings.home)
        self._start_thread(lambda: self._store_loop(Store), "runner-store")

        session = Session(
            id="", client=self.client, program=self.program.slug,
            started_at=datetime.now().isoformat(timespec="seconds"), focus=self.focus,
            consent=self.consent, guide=self.settings.guide, samplerate=self.rate,
            program_snapshot=program_to_dict(self.program),
        )  # fmt: skip
        self._session = self._db(lambda s: s.create_session(session))
        self.session_id = session.id
        folder = ensure_private_dir(self.settings.sessions_dir / session.id)
        self._folder = folder
        self._hold_lock(folder)
        self._check_disk(folder)
        journal = self._journal = Journal(folder)
        mic_channels = self._mic_channels(backend)
        journal.write("session", id=session.id, rate=self.rate, mic_channels=mic_channels,
                      out_channels=2, pid=os.getpid())  # fmt: skip
        self._ref = ChunkWriter(folder, "reference", self.rate, 2, journal)
        recording = self.consent is not Consent.NONE
        if recording:
            self._mic = ChunkWriter(folder, "mic", self.rate, mic_channels, journal)
            self._aligner = Aligner(self.rate, self._feed if self._transcribe else None,
                                    on_measure=self._measured)  # fmt: skip
            if self._transcribe:
                self._start_transcriber()
            self._start_thread(self._analysis_loop, "runner-analysis")
        self._player = Player(
            backend, files, [p.duration for p in self.program.pieces], self.rate,
            gap=self.program.gap, blocksize=1024, ahead=self._ahead(),
            on_played=self._played, on_event=self._playback_event, on_failure=self._warn,
        )  # fmt: skip
        if recording:
            self._recorder = Recorder(
                backend, self.rate, mic_channels, self._heard, on_gap=self._gap,
                on_lost=lambda: self._warn(
                    "The microphone was lost: the music goes on, recording resumes when "
                    "it is back."
                ),
                clock=lambda: self._player.out_frame if self._player else 0,
                retry=1.0 / (self.room.speed if self.room is not None else 1.0),
            )  # fmt: skip
            self._recorder.start()
        if self._first_phase is not None:
            self.set_phase(self._first_phase)
        self._player.start()
        return session.id

    def _ahead(self) -> float:
        speed = self.room.speed if self.room is not None else 1.0
        return min(4.0, 0.5 * max(1.0, speed / 4))

    def _linked_files(self) -> list[Path | None]:
        try:
            from gim.programs import ProgramLibrary
        except ImportError:
            return [None] * len(self.program.pieces)
        library = ProgramLibrary(self.settings)
        return list(library.linked_files(self.program))

    def _devices(self) -> SoundDevices:
        return SoundDevices(self.settings.input_device, self.settings.output_device,
                            self.settings.latency)  # fmt: skip

    def _mic_channels(self, backend: Backend) -> int:
        wanted = max(self.settings.client_channel, self.settings.guide_channel or 0) + 1
        available = getattr(backend, "max_channels", lambda kind: wanted)("input")
        if wanted > available:
            raise GimError(
                f"The microphone has {available} channel(s) but the settings use channel "
                f"{wanted - 1}: change client_channel/guide_channel in settings.toml."
            )
        return wanted

    def _hold_lock(self, folder: Path) -> None:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _check_disk(self, folder: Path) -> None:
        seconds = self.duration or (self.program.duration + 120.0)
        channels = 2 + max(self.settings.client_channel, self.settings.guide_channel or 0) + 1
        need = int(seconds * self.rate * channels * BYTES_PER_SAMPLE)
        free = shutil.disk_usage(folder).free
        if free < need:
            self._warn(
                f"Only {free // 2**20} MB free on the disk, about {need // 2**20} MB are "
                "needed for this session: free some space or it will stop when the disk fills."
            )

    def _start_thread(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- the store thread -------------------------------------------------------------

    def _store_loop(self, opener: Any) -> None:
        try:
            store = opener.open(self.settings.db_path)
        except BaseException as exc:
            while (item := self._store_q.get()) is not None:
                item[1].set_exception(exc)
            return
        try:
            while True:
                item = self._store_q.get()
                if item is None:
                    return
                job, future = item
                try:
                    future.set_result(job(store))
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            store.close()

    def _db(self, job: Callable[[Any], Any], wait: bool = True) -> Any:
        """Run ``job(store)`` on the store thread; its result when ``wait``."""
        future: Future[Any] = Future()
        self._store_q.put((job, future))
        return future.result(timeout=60) if wait else None

    # -- transcription ----------------------------------------------------------------

    def _start_transcriber(self) -> None:
        try:
            from gim.transcribe.live import LiveTranscriber
        except ImportError:
            return  # the live pass is not installed yet: record and link only
        try:
            from gim.audio.echo import EchoCanceller

            self._transcriber = LiveTranscriber(
                self.settings, self.rate, self._on_segment, self._warn, canceller=EchoCanceller
            )
            self._transcriber.start()
        except GimError as exc:
            self._transcriber = None
            self._warn(f"Live transcription is off: {exc.message}")

    def _feed(self, mic: np.ndarray, reference: np.ndarray, first_frame: int) -> None:
        if self._transcriber is not None:
            self._transcriber.feed(mic, reference, first_frame)

    def _on_segment(self, segment: Segment) -> None:
        player = self._player
        if player is not None and segment.piece is None:
            with player._lock:
                log = player.log
                points = self._aligner.points if self._aligner else []
                linked = music_at_seconds(log, segment.start, points)
            if linked is not None:
                segment.piece, segment.piece_offset = linked
        segment.source = Source.LIVE
        if self._journal is not None:
            self._journal.write("segment", **segment.to_dict())
        segment.id = self._db(lambda s: s.add_segment(self.session_id, segment))
        segment.session_id = self.session_id
        self.segments += 1
        self._emit(SegmentAdded(segment))

    # -- audio threads ----------------------------------------------------------------

    def _heard(self, frame: int, block: np.ndarray) -> None:
        """Recorder drain thread: write the microphone block, pass it to the analysis."""
        if self._disk_full or self._mic is None:
            return
        try:
            self._mic.write(frame, block)
        except OSError as exc:
            self._disk_trouble(exc)
            return
        self._analysis_q.put(("mic", frame, block))

    def _played(self, frame: int, block: np.ndarray) -> None:
        """Player consumer thread: write the reference, pass it to the analysis."""
        if self._disk_full or self._ref is None:
            return
        try:
            self._ref.write(frame, block)
        except OSError as exc:
            self._disk_trouble(exc)
            return
        if self._aligner is not None:
            self._analysis_q.put(("ref", frame, block))

    def _disk_trouble(self, exc: OSError) -> None:
        self._disk_full = True
        self._warn(
            f"The disk cannot take more audio ({exc.strerror}): the session stops now, "
            "everything recorded so far is saved."
        )
        self._stop_wanted.set()
        threading.Thread(target=self.stop, name="runner-stop", daemon=True).start()

    def _analysis_loop(self) -> None:
        aligner = self._aligner
        assert aligner is not None
        while True:
            kind, frame, block = self._analysis_q.get()
            if block is None:
                aligner.pump(final=True)
                return
            if kind == "mic":
                aligner.heard(frame, block)
            else:
                aligner.played(frame, block)
            aligner.pump()

    def _measured(self, frame: int, estimate: DelayEstimate) -> None:
        if self._journal is not None:
            self._journal.write("delay", frame=frame, lag=estimate.frames)

    def _gap(self, lost: int, back: int) -> None:
        start, end = lost / self.rate, back / self.rate
        if self._journal is not None:
            self._journal.write("gap", start=start, end=end)
        if self._session is not None:
            self._session.gaps.append((start, end))
            gaps = list(self._session.gaps)
            self._db(lambda s: s.update_session(self.session_id, gaps=gaps), wait=False)
        self._warn(f"The microphone is back; {end - start:.1f} seconds were not recorded.")

    def _playback_event(self, event: PlaybackEvent) -> None:
        if self._journal is not None:
            self._journal.write("playback", **event.to_dict())
        piece = self._piece
        if event.action in (Action.PLAY, Action.SEEK):
            piece = event.piece
        elif event.action in (Action.STOP, Action.END):
            piece = None
        if piece != self._piece or event.action is Action.PLAY:
            self._piece = piece
            if piece is not None or event.action is Action.STOP:
                self._emit(PieceChanged(piece))

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        self._emit(Warning(text))

    def _emit(self, event: RunnerEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    # -- controls (any thread) --------------------------------------------------------

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
        """Fade the music out and stop it (the recording goes on)."""
        self._require_player().fade_out(seconds)

    def _require_player(self) -> Player:
        if self._player is None:
            raise GimError("The session has not started: start it first.")
        return self._player

    @property
    def elapsed(self) -> float:
        """Session seconds so far (the microphone's clock, or the player's)."""
        if self._recorder is not None:
            return self._recorder.frames / self.rate
        return self._player.out_frame / self.rate if self._player else 0.0

    def set_phase(self, phase: Phase) -> None:
        """Move the session into ``phase`` now."""
        change = PhaseChange(self.elapsed, phase)
        if self._session is not None:
            self._session.phases.append(change)
            phases = list(self._session.phases)
            self._db(lambda s: s.update_session(self.session_id, phases=phases), wait=False)
        if self._journal is not None:
            self._journal.write("phase", time=change.time, phase=str(phase))
        self._emit(PhaseChanged(phase, change.time))

    def mark(self, kind: AnnotationKind, text: str = "", tags: tuple[str, ...] = ()) -> Annotation:
        """Add a marker, intervention, observation or tag at the current session time."""
        note = Annotation(self.elapsed, kind, text, list(tags), author=self.settings.guide)
        if self._journal is not None:
            entry = note.to_dict()
            entry["annotation_kind"] = entry.pop("kind")  # "kind" names the journal entry
            self._journal.write("annotation", **entry)
        note.id = self._db(lambda s: s.add_annotation(self.session_id, note))
        note.session_id = self.session_id
        return note

    def status(self) -> RunnerStatus:
        """A snapshot for meters and progress lines."""
        player, recorder = self._player, self._recorder
        position = player.position() if player else None
        piece = position.piece if position else None
        offset = position.offset / self.rate if position else 0.0
        done = 0.0
        if player is not None and piece is not None:
            done = sum(player.lengths[:piece]) / self.rate + offset + self.program.gap * piece
        total = (sum(player.lengths) / self.rate if player else self.program.duration) + (
            self.program.gap * max(0, len(self.program.pieces) - 1)
        )
        points = self._aligner.points if self._aligner else []
        try:
            free = shutil.disk_usage(self._folder or self.settings.home).free
        except OSError:
            free = 0
        return RunnerStatus(
            session_id=self.session_id, elapsed=self.elapsed,
            recorded=(self._mic.frames_written / self.rate) if self._mic else 0.0,
            piece=piece, piece_offset=offset, program_elapsed=done,
            program_remaining=max(0.0, total - done),
            playing=bool(player and player.playing),
            paused=bool(player and player._state == "paused"),
            input_level=recorder.level.rms_db if recorder else float("-inf"),
            input_peak=recorder.level.peak_db if recorder else float("-inf"),
            output_level=player.level.rms_db if player else float("-inf"),
            output_peak=player.level.peak_db if player else float("-inf"),
            xruns=(recorder.overruns if recorder else 0) + (player.underruns if player else 0),
            disk_free=free, lag=(points[-1][1] / self.rate) if points else None,
            warnings=list(self.warnings),
        )  # fmt: skip

    # -- ending -----------------------------------------------------------------------

    def wait(self) -> None:
        """Until the duration is reached, the program ended, or a stop was asked for."""
        while not self.done():
            self._stop_wanted.wait(0.05)

    def pieces_played(self) -> list[int]:
        """Piece indices in the order they were first heard."""
        if self._player is None:
            return []
        with self._player._lock:
            return self._player.log.pieces_played()

    def wait_for(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when a stop is asked for."""
        self._stop_wanted.wait(seconds)

    def done(self) -> bool:
        """Whether the session should end now: stop asked for, duration reached, or the
        program ended (and the room had two seconds to fall silent)."""
        if self._stop_wanted.is_set():
            return True
        now = self.elapsed
        if self.duration is not None:
            return now >= self.duration
        player = self._player
        if player is None or not player.finished.is_set():
            return False
        if self._ended_at is None:
            self._ended_at = now
        return now >= self._ended_at + 2.0

    def request_stop(self) -> None:
        """Ask `wait` to return (safe from a signal handler)."""
        self._stop_wanted.set()

    def stop(self, fade: float = 5.0) -> None:
        """Fade out if playing, save everything, mark the session complete. Idempotent."""
        with self._stop_lock:
            if self._stopped.is_set() or not self.session_id:
                return
            self._stop_wanted.set()
            try:
                self._finish(fade)
            finally:
                self._stopped.set()
        self._emit(Finished(self.session_id))

    def _finish(self, fade: float) -> None:
        player, recorder = self._player, self._recorder
        if player is not None:
            if player.playing and fade > 0 and not player.failed and not self._disk_full:
                player.fade_out(fade)
                player.finished.wait(fade + 3.0)
            player.close()
        if recorder is not None:
            recorder.close()
        if self.room is not None:
            self.room.close()  # the room lives as long as its session
        for writer in (self._mic, self._ref):
            if writer is not None and not self._disk_full:
                try:
                    writer.flush()
                except OSError as exc:
                    self._disk_full = True
                    self._warn(f"The last second could not be saved ({exc.strerror}).")
        if self._aligner is not None:
            self._analysis_q.put(("mic", 0, None))
        for thread in self._threads[1:]:
            thread.join(30)
        if self._transcriber is not None:
            self._transcriber.stop(timeout=120.0)
        self._save()

    def _save(self) -> None:
        folder, session = self._folder, self._session
        assert folder is not None and session is not None
        events = list(self._player.log) if self._player else []
        points = self._aligner.points if self._aligner else []
        lag = float(np.median([p[1] for p in points])) if points else 0.0
        status = Status.COMPLETE
        try:
            seconds = finish_audio(folder)
        except OSError as exc:
            seconds = 0.0
            status = Status.RECORDING  # the chunks are safe; the next gim run joins them
            self._warn(f"The audio could not be joined yet ({exc.strerror}): the next gim "
                       "command will finish it once there is space.")  # fmt: skip
        fields = {
            "status": status,
            "ended_at": datetime.now().isoformat(timespec="seconds"),
            "audio_seconds": seconds,
            "gaps": list(session.gaps),
            "delay_frames": lag,
        }
        self._db(lambda s: (s.add_playback_events(self.session_id, events),
                            s.update_session(self.session_id, **fields)))  # fmt: skip
        if self._journal is not None:
            if status is Status.COMPLETE:
                self._journal.write("end", status=str(status))
            self._journal.close()
        self._store_q.put(None)
        self._threads[0].join(30)
        if status is Status.COMPLETE and not self._threads[0].is_alive():
            with contextlib.suppress(OSError):
                compact(folder)  # the database has every line now
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

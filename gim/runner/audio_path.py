"""The runner's audio wiring: recorder, player, chunk writers, delay tracking, live feed.

Threads: the audio callbacks (copy only), the recorder's and player's drain threads (write
chunks and the journal), and an analysis thread (delay tracking, feeding the live
transcriber). Nothing here touches the database: what the session must keep goes back to
the runner through its `AudioEvents` sink.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gim.audio.alignment import Aligner
from gim.audio.delay import DelayEstimate
from gim.audio.devices import Backend
from gim.audio.journal import Journal
from gim.audio.player import Player, PlayerEvents
from gim.audio.producer import Playlist
from gim.audio.recorder import MicEvents, MicTiming, Recorder
from gim.audio.room import VirtualRoom
from gim.audio.writer import ChunkWriter
from gim.config import Settings
from gim.core.clock import DelayPoints, SessionClock, mmss
from gim.core.playback import PlaybackEvent
from gim.core.program import Program
from gim.core.session import Segment
from gim.errors import GimError
from gim.passes.live_backlog import Stale


class AudioEvents(Protocol):
    """What an `AudioPath` reports, each from the thread named (the runner keeps them)."""

    def warn(self, text: str) -> None:
        """A one-sentence warning for the guide (any thread)."""

    def segment(self, segment: Segment) -> None:
        """A live transcript line (the transcriber's thread)."""

    def playback(self, event: PlaybackEvent) -> None:
        """What the player did (the player's consumer thread)."""

    def gap(self, lost: int, back: int) -> None:
        """The microphone came back: frames ``lost`` to ``back`` were not recorded."""

    def disk_full(self, exc: OSError) -> None:
        """A chunk could not be written (called once)."""


@dataclass(frozen=True)
class AudioSetup:
    """What an `AudioPath` is built from."""

    settings: Settings
    """Channels and transcription settings."""
    program: Program
    """The program to play."""
    files: list[Path | None]
    """One audio file per piece."""
    backend: Backend
    """The real devices or the virtual room."""
    rate: int
    """The session rate."""
    folder: Path
    """The session folder the chunks go to."""
    journal: Journal
    """The session's journal."""
    mic_channels: int = 0
    """Microphone channels to record (0: record nothing, play only)."""
    transcribe: bool = False
    """Run the live transcriber on what is heard."""
    room: VirtualRoom | None = None
    """The virtual room, when ``backend`` is one (closed with the session)."""


class AudioPath:
    """Everything between the sound card (or the virtual room) and the session folder.

    Args:
        setup: the devices, the program, where the audio goes.
        events: receives what the session must keep or tell.
    """

    def __init__(self, setup: AudioSetup, events: AudioEvents) -> None:
        settings, rate, room, journal = setup.settings, setup.rate, setup.room, setup.journal
        mic_channels, transcribe, folder = setup.mic_channels, setup.transcribe, setup.folder
        self.settings = settings
        self.rate = rate
        self.room = room
        self.disk_full = False
        """Whether a write failed for lack of space (nothing more is written)."""
        self.capturing = True
        """Whether the consent covers this moment: when not, the microphone track (which
        keeps session time) gets silence and nothing is transcribed."""
        self.transcriber: Any = None
        """The live transcriber, when it runs."""
        self._events = events
        self._journal = journal
        self._queue: queue.SimpleQueue[tuple[str, int, np.ndarray | None, float]] = (
            queue.SimpleQueue()
        )
        self._stale = Stale()
        self._stamps: deque[tuple[int, float]] = deque()
        """(frame, when the microphone delivered it) of the microphone blocks not yet fed
        to the live pass (the analysis thread's own)."""
        self._analysis: threading.Thread | None = None
        self._recording_ended = False
        # Short chunks: a killed process loses at most the chunk being filled (plus what
        # the drain queue holds), so the microphone's are a quarter second.
        self.reference = ChunkWriter(folder, "reference", rate, 2, journal, chunk_seconds=0.5)
        """Writes what was played (the echo reference)."""
        self.mic: ChunkWriter | None = None
        """Writes what the microphone heard (None: nothing is recorded)."""
        self.aligner: Aligner | None = None
        """Tracks the microphone's lag behind the music."""
        self.recorder: Recorder | None = None
        """The microphone (None: nothing is recorded)."""
        if mic_channels > 0:
            self.mic = ChunkWriter(folder, "mic", rate, mic_channels, journal, chunk_seconds=0.25)
            self.aligner = Aligner(
                rate, self._feed if transcribe else None, on_measure=self._measured
            )
            if transcribe:
                self._start_transcriber()
            self._analysis = threading.Thread(
                target=self._analysis_loop, name="runner-analysis", daemon=True
            )
            self._analysis.start()
        self.player = self._player(setup)
        """Plays the program."""
        if mic_channels > 0:
            self.recorder = self._recorder(setup)

    def _player(self, setup: AudioSetup) -> Player:
        speed = setup.room.speed if setup.room is not None else 1.0
        pieces = setup.program.pieces
        return Player(
            setup.backend,
            Playlist(tuple(setup.files), tuple(p.duration for p in pieces), setup.program.gap),
            setup.rate,
            blocksize=1024,
            ahead=min(4.0, 0.5 * max(1.0, speed / 4)),
            events=PlayerEvents(
                played=self._played, event=self._events.playback, failure=self._events.warn
            ),
        )

    def _recorder(self, setup: AudioSetup) -> Recorder:
        speed = setup.room.speed if setup.room is not None else 1.0
        warn = self._events.warn
        events = MicEvents(
            gap=self._events.gap,
            lost=lambda: warn(
                "The microphone was lost: the music goes on, recording resumes when it is back."
            ),
            stall=self._stalled,
        )
        timing = MicTiming(retry=1.0 / speed, tolerance=max(0.1, 0.5 / speed))
        return Recorder(
            setup.backend, setup.rate, setup.mic_channels, self._heard, events, self._out, timing
        )

    def _out(self) -> int:
        """The session clock: the output's frame count."""
        return self.player.out_frame

    # -- running ----------------------------------------------------------------------

    def start_recording(self) -> None:
        """Open the microphone (before the music, so its first frame is heard).

        The output's first blocks are queued before (`Player.prepare`): the session's time
        is the microphone's count and the playback log the output's, so the output must
        open right after the microphone (`start_output`), not after the producer's wait.
        """
        self.player.prepare()
        if self.recorder is not None:
            self.recorder.start()

    def start_music(self) -> None:
        """Start playing the program."""
        self.player.start()

    def start_output(self) -> None:
        """Open the output, silent until the music starts (so the reference, and the
        session clock with it, runs from Start)."""
        self.player.start(music=False)

    @property
    def elapsed(self) -> float:
        """Session seconds so far (the microphone's clock, or the player's)."""
        if self.recorder is not None:
            return self.recorder.now() / self.rate
        return self.player.out_frame / self.rate

    @property
    def shed(self) -> int:
        """Blocks the analysis thread passed over because it fell behind."""
        return self._stale.passed

    @property
    def points(self) -> DelayPoints:
        """The delay measurements so far: (microphone frame, lag in frames)."""
        return list(self.aligner.points) if self.aligner is not None else []

    def link(self, line: Segment) -> None:
        """Link a live line to the music heard where it starts (`SessionClock.link`: the
        one rule, here with the points measured so far)."""
        SessionClock(self.player.log_snapshot(), self.points).link([line])

    def end_recording(self) -> None:
        """Close the microphone now (the session's end is here); the output plays on until
        `close`. Idempotent."""
        if self.recorder is not None and not self._recording_ended:
            self._recording_ended = True
            self.recorder.close()

    def close(self, fade: float) -> None:
        """Fade out if playing, close the devices, save the last chunks, end the threads."""
        player = self.player
        if player.playing and fade > 0 and not player.failed and not self.disk_full:
            if player.plays_on:  # (a fade under way ends as it is, not again from full)
                player.fade_out(fade)
            player.finished.wait(fade + 3.0)
        player.close()  # (the queued blocks play out first: the fade's end is recorded)
        self.end_recording()
        if self.room is not None:
            self.room.close()  # the room lives as long as its session
        for writer in (self.mic, self.reference):
            if writer is not None and not self.disk_full:
                try:
                    writer.flush()
                except OSError as exc:
                    self.disk_full = True
                    self._events.warn(f"The last second could not be saved ({exc.strerror}).")
        if self._analysis is not None:
            self._queue.put(("mic", 0, None, 0.0))
            self._analysis.join(30)
        if self.transcriber is not None:
            self.transcriber.stop(timeout=120.0)

    # -- transcription ----------------------------------------------------------------

    def _start_transcriber(self) -> None:
        try:
            from gim.passes.live import LiveTranscriber
            from gim.runner.voices import live_guide_voice
        except ImportError:
            return  # the live pass is not installed: record and link only
        try:
            self.transcriber = LiveTranscriber(
                self.settings,
                self.rate,
                self._events.segment,
                self._events.warn,
                guide_voice=live_guide_voice(self.settings),
            )
            self.transcriber.start()
        except GimError as exc:
            self.transcriber = None
            self._events.warn(f"Live transcription is off: {exc.message}")

    def guide_alone(self, at: float, alone: bool) -> None:
        """From session second ``at`` only the guide speaks (the induction) or not any more:
        told to the live labels (`gim.passes.live.LiveTranscriber.guide_alone`)."""
        if self.transcriber is not None:
            self.transcriber.guide_alone(at, alone)

    def _feed(self, mic: np.ndarray, reference: np.ndarray, first_frame: int) -> None:
        """Analysis thread: a block lined up with its reference goes to the live pass with
        the time it arrived (so the live pass can skip it if it has waited too long here)."""
        stamp = time.monotonic()
        while self._stamps and self._stamps[0][0] <= first_frame:
            frame, at = self._stamps.popleft()
            if frame == first_frame:
                stamp = at
        if self.transcriber is not None:
            self.transcriber.feed(mic, reference, first_frame, stamp)

    # -- audio threads ----------------------------------------------------------------

    def _heard(self, frame: int, block: np.ndarray) -> None:
        """Recorder drain thread: write the microphone block, pass it to the analysis."""
        if self.disk_full or self.mic is None:
            return
        if not self.capturing:
            block = np.zeros_like(block)  # outside the consent: keep time, not the room
        try:
            self.mic.write(frame, block)
        except OSError as exc:
            self._disk_trouble(exc)
            return
        self._queue.put(("mic", frame, block, time.monotonic()))

    def _played(self, frame: int, block: np.ndarray) -> None:
        """Player consumer thread: write the reference, pass it to the analysis."""
        if self.disk_full:
            return
        try:
            self.reference.write(frame, block)
        except OSError as exc:
            self._disk_trouble(exc)
            return
        if self.aligner is not None:
            self._queue.put(("ref", frame, block, time.monotonic()))

    def _stalled(self, frame: int) -> None:
        """Recorder watch thread: the microphone stopped delivering (its stream is open)."""
        self._events.warn(
            f"The microphone stopped sending sound at {mmss(frame / self.rate)}: the music "
            "goes on; the gap is noted and recording resumes when it sends again."
        )

    def _disk_trouble(self, exc: OSError) -> None:
        if not self.disk_full:
            self.disk_full = True
            self._events.disk_full(exc)

    def _analysis_loop(self) -> None:
        """Measure the lag and feed the live pass, block by block; shed when behind.

        Blocks reach this thread after they are written. When the process is too busy
        for it (a virtual room far faster than real time, an overloaded machine), blocks
        that have waited more than `Stale`'s limit are passed over, neither measured nor
        transcribed live, until it has caught up: its queue, the one store of audio in
        the process that had no bound, stays bounded; the recording keeps the blocks and
        the final pass has them. (The lag tape reads what was passed over as silence, as it
        reads a gap in the microphone.)
        """
        aligner = self.aligner
        assert aligner is not None
        while True:
            kind, frame, block, stamp = self._queue.get()
            if block is None:
                aligner.pump(final=True)
                return
            if not self._stale.admit(stamp):
                continue
            if kind == "mic":
                if self.transcriber is not None:
                    self._stamps.append((frame, stamp))
                aligner.heard(frame, block)
            else:
                aligner.played(frame, block)
            aligner.pump()

    def _measured(self, frame: int, estimate: DelayEstimate) -> None:
        self._journal.write("delay", frame=frame, lag=estimate.frames)

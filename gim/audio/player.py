"""The player: a program's pieces in order, with every action logged at its output frame.

Three parts, so the PortAudio callback never waits and never decodes:

* a producer thread decodes and resamples the pieces, applies commands (pause, skip,
  seek, volume, fades) and queues fixed-size blocks a little ahead of the device, each
  carrying the player actions that take effect inside it (`gim.audio.producer`);
* the output callback copies queued blocks to the device and notes, by counting frames,
  the output frame at which each block started (silence if the queue ran dry);
* a consumer thread turns those notes into PlaybackLog events at their exact output frames,
  hands the played blocks (the reference, after volume) to `PlayerEvents.played` and measures the
  output level.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gim.audio.devices import Backend, Stream
from gim.audio.levels import Level
from gim.audio.producer import Block, BlockProducer, Command, Playlist
from gim.audio.source import piece_length
from gim.core.playback import Action, PlaybackEvent, PlaybackLog, Position
from gim.priority import AUDIO, prioritise

IDLE_BLOCKS = 4
"""Blocks of silence queued while no music has started (the start key waits behind them)."""
OUTPUT_WAIT = 1.0
"""Seconds a simulated device waits for the producer's next block before it plays silence."""


@dataclass(frozen=True)
class PlayerEvents:
    """Who hears from the player, each called from its consumer thread."""

    played: Callable[[int, np.ndarray], None] | None = None
    """Called with (output frame, block) for every block that went to the device,
    silence included."""
    event: Callable[[PlaybackEvent], None] | None = None
    """Called with each PlaybackEvent."""
    failure: Callable[[str], None] | None = None
    """Called once with a sentence if the output device fails."""


class Player:
    """Plays pieces from files through a backend's output stream (see module docstring).

    Args:
        backend: where the output stream comes from.
        playlist: the pieces (a piece without a file plays as silence of its duration)
            and the silence between them.
        rate: device rate (the session rate).
        channels: output channels.
        blocksize: frames per block.
        ahead: seconds of audio queued ahead of the device.
        events: who hears of played blocks, playback events and a failure.
    """

    def __init__(
        self,
        backend: Backend,
        playlist: Playlist,
        rate: int,
        channels: int = 2,
        blocksize: int = 1024,
        ahead: float = 0.5,
        events: PlayerEvents | None = None,
    ) -> None:
        self.backend = backend
        self.files = list(playlist.files)
        self.durations = list(playlist.durations)
        self.rate = rate
        self.channels = channels
        self.gap_frames = int(playlist.gap * rate)
        self.blocksize = blocksize
        self.lengths = [
            piece_length(f, rate, d) for f, d in zip(self.files, self.durations, strict=True)
        ]
        """Piece lengths in frames at the device rate."""
        self.log = PlaybackLog(rate)
        """What was played, at output frames (appended by the consumer thread)."""
        self.level = Level()
        """Output level, after volume."""
        self.underruns = 0
        """Callbacks that had nothing queued or that PortAudio flagged as underflow."""
        self.failed = False
        """Whether the output device failed."""
        self.finished = threading.Event()
        """Set when the program has played to its end (or was stopped)."""
        events = events or PlayerEvents()
        self._on_played = events.played
        self._on_event = events.event
        self._on_failure = events.failure
        self._blocks: queue.Queue[Block] = queue.Queue(
            maxsize=max(2, int(ahead * rate / blocksize))
        )
        self._notes: queue.SimpleQueue[tuple[int, Block | None, int]] = queue.SimpleQueue()
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._out_frame = 0
        self._current: Block | None = None
        self._pos = 0
        self._stream: Stream | None = None
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._music_on = False
        self._raised = False
        """Whether the output callback's thread has asked for `AUDIO` priority."""
        self._waits = False
        """Whether the device waits for the next block (`waits_for_output`), read at start."""
        self._lock = threading.Lock()
        self._producer = BlockProducer(
            playlist,
            self.lengths,
            rate,
            channels,
            blocksize,
            self._commands,
            self.finished,
        )

    # -- control (any thread) ------------------------------------------------------------

    def start(self, piece: int = 0, offset: float = 0.0, music: bool = True) -> None:
        """Open the output stream and start playing ``piece`` from ``offset`` seconds
        (``music`` False: silence until `play_piece`)."""
        if music:
            self._commands.put(("play", (piece, int(offset * self.rate))))
        self.prepare(music)
        self._stream = self.backend.output_stream(
            self.rate, self.channels, self.blocksize, self._callback, self._stream_finished
        )
        self._stream.start()

    def prepare(self, music: bool = False) -> None:
        """Start the producer and consumer and queue the first blocks (``music`` False:
        a few of silence), without opening the device: `start` then opens it at once.
        Once only (a second call does nothing)."""
        if self._threads:
            return
        self._waits = bool(getattr(self.backend, "waits_for_output", False))
        for target, name in (
            (self._produce, "player-producer"),
            (self._consume, "player-consumer"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        for _ in range(200):  # queue the first blocks before the device asks for them
            if (
                self._blocks.full()
                or self.finished.is_set()
                or (not music and self._blocks.qsize() >= IDLE_BLOCKS)
            ):
                break
            self._closing.wait(0.01)

    def pause(self) -> None:
        """Pause the music (silence until resumed)."""
        self._commands.put(("pause", None))

    def resume(self) -> None:
        """Continue from where the music was paused."""
        self._commands.put(("resume", None))

    def next_piece(self) -> None:
        """Skip to the start of the next piece (ends the program after the last)."""
        self._commands.put(("skip", 1))

    def previous_piece(self) -> None:
        """Go back to the start of the previous piece (or restart the first)."""
        self._commands.put(("skip", -1))

    def play_piece(self, piece: int, offset: float = 0.0) -> None:
        """Play ``piece`` from ``offset`` seconds."""
        self._commands.put(("play", (piece, int(offset * self.rate))))

    def seek(self, seconds: float) -> None:
        """Move within the current piece to ``seconds`` from its start."""
        self._commands.put(("seek", int(max(0.0, seconds) * self.rate)))

    def set_volume(self, gain: float) -> None:
        """Set the output gain (0..1)."""
        self._commands.put(("volume", min(1.0, max(0.0, float(gain)))))

    def fade_out(self, seconds: float = 5.0) -> None:
        """Fade the music out over ``seconds``, then stop it."""
        self._commands.put(("fade", max(0.0, float(seconds))))

    def stop_music(self) -> None:
        """Stop the music now (no fade)."""
        self._commands.put(("stop", None))

    @property
    def out_frame(self) -> int:
        """Frames the output stream has passed so far."""
        return self._out_frame

    def position(self) -> Position | None:
        """The piece and offset sounding now (or where the music stands when paused)."""
        with self._lock:
            return self.log.last_position_before(self._out_frame)

    @property
    def playing(self) -> bool:
        """Whether music is sounding (not paused, stopped or between pieces)."""
        return self._music_on

    @property
    def plays_on(self) -> bool:
        """Whether the music goes on by itself (playing or between pieces) and is not
        fading out: what must be faded for it to be quiet at a set time."""
        return self._producer.plays_on

    @property
    def horizon(self) -> int:
        """About the output frame where a command given now takes effect: the frames handed
        to the device plus those queued for it (within a block)."""
        current, queued = self._current, self._blocks.qsize()
        left = len(current.data) - self._pos if current is not None else 0
        held = 1 if self._blocks.full() else 0  # the producer waits with one more made
        return self._out_frame + left + (queued + held) * self.blocksize

    @property
    def paused(self) -> bool:
        """Whether the music is paused (a resume continues it)."""
        return self._producer.state == "paused"

    def log_snapshot(self) -> PlaybackLog:
        """A copy of the PlaybackLog so far, safe to read while the music plays."""
        with self._lock:
            return PlaybackLog(self.rate, self.log.events)

    def close(self, timeout: float = 5.0) -> None:
        """Let queued blocks play, close the stream and finish the log."""
        self._commands.put(("stop", None))
        self._closing.set()
        for t in self._threads[:1]:
            t.join(timeout)
        if self._stream is not None and not self.failed:
            deadline = threading.Event()
            for _ in range(int(timeout * 50)):
                if self._blocks.empty() and self._current is None:
                    break
                deadline.wait(0.02)
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # the device may already be gone
                pass
        self._notes.put((-1, None, 0))
        for t in self._threads[1:]:
            t.join(timeout)
        self.finished.set()

    # -- the callback (PortAudio thread: copy only) ---------------------------------------

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if not self._raised:  # PortAudio's thread: once, at the first callback
            self._raised = True
            prioritise(AUDIO, "player output")
        if status and status.output_underflow and self._music_on:
            self.underruns += 1  # a glitch in the silence before the music is not heard
        filled = 0
        while filled < frames:
            block = self._current
            if block is None:
                try:
                    block = self._next_block()
                except queue.Empty:
                    outdata[filled:] = 0
                    if not self._closing.is_set() and self._music_on:
                        self.underruns += 1
                    self._notes.put((self._out_frame + filled, None, frames - filled))
                    break
                self._current, self._pos = block, 0
                self._notes.put((self._out_frame + filled, block, 0))
            n = min(frames - filled, len(block.data) - self._pos)
            outdata[filled : filled + n] = block.data[self._pos : self._pos + n]
            filled += n
            self._pos += n
            if self._pos >= len(block.data):
                self._current = None
        self._out_frame += frames

    def _next_block(self) -> Block:
        """The next queued block. A simulated device (`waits_for_output`) keeps its own
        clock, so there it waits for the producer instead of playing silence it would then
        count as a dropout the room never had; a real device's callback never waits."""
        if not self._waits:
            return self._blocks.get_nowait()
        if self._closing.is_set():
            return self._blocks.get_nowait()
        return self._blocks.get(timeout=OUTPUT_WAIT)

    def _stream_finished(self) -> None:
        if not self._closing.is_set() and not self.failed:
            self.failed = True
            if self._on_failure is not None:
                self._on_failure("The speakers stopped working: the recording goes on.")

    # -- consumer thread --------------------------------------------------------------

    def _consume(self) -> None:
        prioritise(AUDIO, "player consumer")
        dry: list[int] = []  # [first frame, frames] of the output running dry mid-music
        while True:
            frame, block, silent = self._notes.get()
            if frame < 0:
                break
            if block is None:
                if self._music_on:
                    if dry and dry[0] + dry[1] != frame:
                        self._log_dropout(dry)
                    if dry:
                        dry[1] += silent  # one dropout, however many callbacks it lasts
                    else:
                        dry[:] = [frame, silent]
                data = np.zeros((silent, self.channels), dtype=np.float32)
            else:
                self._log_dropout(dry)
                for at, (action, piece, offset, value) in block.notes:
                    self._log(PlaybackEvent(frame + at, action, piece, offset, value))
                data = block.data
            self.level.update(data)
            if self._on_played is not None:
                self._on_played(frame, data)
        self._log_dropout(dry)
        if self._music_on:
            self._log(PlaybackEvent(self._out_frame, Action.STOP))

    def _log_dropout(self, dry: list[int]) -> None:
        """Log a finished dropout exactly: where the output ran dry and for how long. The
        guide did not pause, so it is no pause: the music's position holds over it."""
        if dry:
            self._log(PlaybackEvent(dry[0], Action.DROPOUT, value=float(dry[1])))
            dry.clear()

    def _log(self, event: PlaybackEvent) -> None:
        if event.action in (Action.PLAY, Action.RESUME):
            self._music_on = True
        elif event.action in (Action.PAUSE, Action.STOP, Action.END):
            self._music_on = False
        with self._lock:
            self.log.append(event)
        if self._on_event is not None:
            self._on_event(event)

    # -- producer thread --------------------------------------------------------------

    def _produce(self) -> None:
        prioritise(AUDIO, "player producer")  # a busy machine must not starve the music
        producer = self._producer
        try:
            while True:
                stopping = self._closing.is_set()
                if stopping and (producer.done or producer.state == "idle"):
                    break
                if producer.state == "idle" and self._blocks.qsize() >= IDLE_BLOCKS:
                    self._closing.wait(0.005)  # silence before the music: queue little,
                    continue  # so the guide's start key is heard at once
                block = producer.make_block()
                while True:
                    try:
                        self._blocks.put(block, timeout=0.05)
                        break
                    except queue.Full:
                        if self.failed:
                            return
                if producer.done and not block.notes and stopping:
                    break
        except Exception as exc:  # a file that fails mid-way: say so, keep recording
            producer.end()
            if self._on_failure is not None:
                self._on_failure(f"The music stopped: a file could not be played ({exc}).")
        finally:
            producer.close()

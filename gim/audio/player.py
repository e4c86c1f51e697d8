"""The player: a program's pieces in order, with every action logged at its output frame.

Three parts, so the PortAudio callback never waits and never decodes:

* a producer thread decodes and resamples the pieces, applies commands (pause, skip,
  seek, volume, fades) and queues fixed-size blocks a little ahead of the device, each
  carrying the player actions that take effect inside it;
* the output callback copies queued blocks to the device and notes, by counting frames,
  the output frame at which each block started (silence if the queue ran dry);
* a consumer thread turns those notes into PlaybackLog events at their exact output frames,
  hands the played blocks (the reference, after volume) to ``on_played`` and measures the
  output level.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gim.audio.devices import Backend, Stream
from gim.audio.levels import Level
from gim.audio.source import PieceReader, piece_length
from gim.core.playback import Action, PlaybackEvent, PlaybackLog, Position

Note = tuple[Action, int | None, int, float | None]
"""An action inside a block: (action, piece, offset in piece, value)."""


@dataclass
class _Block:
    data: np.ndarray
    notes: list[tuple[int, Note]]
    """(frame inside the block, action)."""


class Player:
    """Plays pieces from files through a backend's output stream (see module docstring).

    Args:
        backend: where the output stream comes from.
        files: one file per piece (None: the piece plays as silence of ``durations[i]``).
        durations: nominal piece lengths in seconds (used when a file is missing).
        rate: device rate (the session rate).
        channels: output channels.
        gap: seconds of silence between pieces.
        blocksize: frames per block.
        ahead: seconds of audio queued ahead of the device.
        on_played: called from the consumer thread with (output frame, block) for every
            block that went to the device, silence included.
        on_event: called from the consumer thread with each PlaybackEvent.
        on_failure: called once if the output device fails.
    """

    def __init__(
        self, backend: Backend, files: Sequence[Path | None], durations: Sequence[float],
        rate: int, channels: int = 2, gap: float = 0.0, blocksize: int = 1024,
        ahead: float = 0.5,
        on_played: Callable[[int, np.ndarray], None] | None = None,
        on_event: Callable[[PlaybackEvent], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self.backend = backend
        self.files = list(files)
        self.durations = list(durations)
        self.rate = rate
        self.channels = channels
        self.gap_frames = int(gap * rate)
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
        self._on_played = on_played
        self._on_event = on_event
        self._on_failure = on_failure
        self._blocks: queue.Queue[_Block] = queue.Queue(
            maxsize=max(2, int(ahead * rate / blocksize))
        )
        self._notes: queue.SimpleQueue[tuple[int, _Block | None, int]] = queue.SimpleQueue()
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._out_frame = 0
        self._current: _Block | None = None
        self._pos = 0
        self._stream: Stream | None = None
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._music_on = False
        self._lock = threading.Lock()
        # producer state
        self._piece = 0
        self._reader: PieceReader | None = None
        self._state = "idle"  # idle, playing, paused, gap, stopped, ended
        self._gap_left = 0
        self._gain = 1.0
        self._fade_left = 0
        self._fade_total = 0
        self._fade_start_gain = 1.0

    # -- control (any thread) ------------------------------------------------------------

    def start(self, piece: int = 0, offset: float = 0.0) -> None:
        """Open the output stream and start playing ``piece`` from ``offset`` seconds."""
        self._commands.put(("play", (piece, int(offset * self.rate))))
        for target, name in (
            (self._produce, "player-producer"),
            (self._consume, "player-consumer"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        for _ in range(200):  # queue the first blocks before the device asks for them
            if self._blocks.full() or self.finished.is_set():
                break
            self._closing.wait(0.01)
        self._stream = self.backend.output_stream(
            self.rate, self.channels, self.blocksize, self._callback, self._stream_finished
        )
        self._stream.start()

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
        if status and status.output_underflow:
            self.underruns += 1
        filled = 0
        while filled < frames:
            block = self._current
            if block is None:
                try:
                    block = self._blocks.get_nowait()
                except queue.Empty:
                    outdata[filled:] = 0
                    if not self._closing.is_set():
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

    def _stream_finished(self) -> None:
        if not self._closing.is_set() and not self.failed:
            self.failed = True
            if self._on_failure is not None:
                self._on_failure("The speakers stopped working: the recording goes on.")

    # -- consumer thread --------------------------------------------------------------

    def _consume(self) -> None:
        while True:
            frame, block, silent = self._notes.get()
            if frame < 0:
                break
            if block is None:
                if self._music_on:  # ran dry mid-music: the log says so exactly
                    self._log(PlaybackEvent(frame, Action.PAUSE))
                    self._log(PlaybackEvent(frame + silent, Action.RESUME))
                data = np.zeros((silent, self.channels), dtype=np.float32)
            else:
                for at, (action, piece, offset, value) in block.notes:
                    self._log(PlaybackEvent(frame + at, action, piece, offset, value))
                data = block.data
            self.level.update(data)
            if self._on_played is not None:
                self._on_played(frame, data)
        if self._music_on:
            self._log(PlaybackEvent(self._out_frame, Action.STOP))

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
        try:
            while True:
                stopping = self._closing.is_set()
                if stopping and self._state in ("stopped", "ended", "idle"):
                    break
                block = self._make_block()
                while True:
                    try:
                        self._blocks.put(block, timeout=0.05)
                        break
                    except queue.Full:
                        if self.failed:
                            return
                if self._state in ("stopped", "ended") and not block.notes and stopping:
                    break
        except Exception as exc:  # a file that fails mid-way: say so, keep recording
            self._state = "ended"
            self.finished.set()
            if self._on_failure is not None:
                self._on_failure(f"The music stopped: a file could not be played ({exc}).")
        finally:
            if self._reader is not None:
                self._reader.close()

    def _make_block(self) -> _Block:
        notes: list[tuple[int, Note]] = []
        while True:
            try:
                name, arg = self._commands.get_nowait()
            except queue.Empty:
                break
            self._command(name, arg, notes)
        n = self.blocksize
        data = np.zeros((n, self.channels), dtype=np.float32)
        filled = 0
        while filled < n and self._state in ("playing", "gap"):
            if self._state == "gap":
                k = min(n - filled, self._gap_left)
                filled += k
                self._gap_left -= k
                if self._gap_left == 0:
                    self._open(self._piece + 1, 0, notes, filled, Action.PLAY)
                continue
            assert self._reader is not None
            chunk = self._reader.read(n - filled)
            data[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
            if filled < n:  # the piece ended inside this block
                notes.append((filled, (Action.END, None, 0, None)))
                if self._piece + 1 >= len(self.files):
                    self._state = "ended"
                    self.finished.set()
                elif self.gap_frames > 0:
                    self._state, self._gap_left = "gap", self.gap_frames
                else:
                    self._open(self._piece + 1, 0, notes, filled, Action.PLAY)
        self._apply_gain(data, notes)
        return _Block(data, notes)

    def _apply_gain(self, data: np.ndarray, notes: list[tuple[int, Note]]) -> None:
        if self._fade_left > 0:
            n = min(len(data), self._fade_left)
            done = self._fade_total - self._fade_left
            ramp = 1.0 - (np.arange(done, done + n) + 1) / self._fade_total
            data[:n] *= (self._fade_start_gain * ramp)[:, None].astype(np.float32)
            data[n:] = 0
            self._fade_left -= n
            if self._fade_left == 0:
                self._gain = self._fade_start_gain
                if self._state in ("playing", "gap", "paused"):
                    notes.append((n, (Action.STOP, None, 0, None)))
                    self._state = "stopped"
                    self.finished.set()
        elif self._gain != 1.0:
            data *= np.float32(self._gain)

    def _open(self, piece: int, offset: int, notes: list[tuple[int, Note]], at: int,
              action: Action) -> None:  # fmt: skip
        if self._reader is not None:
            self._reader.close()
        self._piece = piece
        offset = min(offset, max(0, self.lengths[piece] - 1))
        self._reader = PieceReader(
            self.files[piece], self.rate, self.channels, offset, self.durations[piece]
        )
        notes.append((at, (action, piece, offset, None)))
        if action is Action.PLAY:
            self._state = "playing"

    def _command(self, name: str, arg: Any, notes: list[tuple[int, Note]]) -> None:
        state = self._state
        if name == "play":
            piece, offset = arg
            if 0 <= piece < len(self.files):
                self._fade_left = 0
                self._open(piece, offset, notes, 0, Action.PLAY)
        elif name == "skip":
            target = self._piece + arg if state != "idle" else 0
            if target >= len(self.files):
                if state in ("playing", "gap"):
                    notes.append((0, (Action.STOP, None, 0, None)))
                self._state = "ended"
                self.finished.set()
            else:
                self._fade_left = 0
                self._open(max(0, target), 0, notes, 0, Action.PLAY)
        elif name == "pause" and state in ("playing", "gap"):
            notes.append((0, (Action.PAUSE, None, 0, None)))
            self._paused_from = state
            self._state = "paused"
        elif name == "resume" and state == "paused":
            notes.append((0, (Action.RESUME, None, 0, None)))
            self._state = getattr(self, "_paused_from", "playing")
        elif name == "seek" and state in ("playing", "paused", "gap"):
            was = state
            self._open(self._piece, arg, notes, 0, Action.SEEK)
            self._state = "paused" if was == "paused" else "playing"
            if was == "paused":
                self._paused_from = "playing"
        elif name == "volume":
            self._gain = arg
            notes.append((0, (Action.VOLUME, None, 0, arg)))
        elif name == "fade" and state in ("playing", "gap", "paused"):
            if arg <= 0 or state == "paused":
                self._command("stop", None, notes)
                return
            self._fade_total = self._fade_left = max(1, int(arg * self.rate))
            self._fade_start_gain = self._gain
            notes.append((0, (Action.FADE, None, 0, arg)))
        elif name == "stop" and state in ("playing", "gap", "paused"):
            notes.append((0, (Action.STOP, None, 0, None)))
            self._state = "stopped"
            self._fade_left = 0
            self.finished.set()

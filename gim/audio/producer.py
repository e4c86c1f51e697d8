"""The player's block producer: decodes pieces, applies commands, mixes fixed-size blocks.

Runs on the player's producer thread only. Each block carries the player actions that take
effect inside it, at their frame in the block, so the output side can log them at exact
output frames.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gim.audio.source import PieceReader
from gim.core.playback import Action

Note = tuple[Action, int | None, int, float | None]
"""An action inside a block: (action, piece, offset in piece, value)."""

Command = tuple[str, Any]
"""A control asked for by the player's user: (name, argument)."""


@dataclass(frozen=True)
class Playlist:
    """What the player plays: the program's pieces, in order."""

    files: tuple[Path | None, ...]
    """One file per piece (None: silence of the nominal duration)."""
    durations: tuple[float, ...]
    """Nominal piece lengths in seconds (used when a file is missing)."""
    gap: float = 0.0
    """Seconds of silence between pieces."""


@dataclass
class Block:
    """Frames for the device and the actions that take effect inside them."""

    data: np.ndarray
    """frames×channels float32 audio, after volume and fades."""
    notes: list[tuple[int, Note]]
    """(frame inside the block, action)."""


class BlockProducer:
    """Turns the program's pieces and the queued commands into blocks.

    Args:
        playlist: the pieces and the silence between them.
        lengths: piece lengths in frames at ``rate``.
        rate: device rate.
        channels: output channels.
        blocksize: frames per block.
        commands: where the player's controls arrive.
        finished: set when the program has played to its end or was stopped.
    """

    def __init__(
        self,
        playlist: Playlist,
        lengths: Sequence[int],
        rate: int,
        channels: int,
        blocksize: int,
        commands: queue.SimpleQueue[Command],
        finished: threading.Event,
    ) -> None:
        self.files = list(playlist.files)
        self.durations = list(playlist.durations)
        self.lengths = list(lengths)
        self.rate = rate
        self.channels = channels
        self.gap_frames = int(playlist.gap * rate)
        self.blocksize = blocksize
        self.state = "idle"
        """One of idle, playing, paused, gap, stopped, ended."""
        self._commands = commands
        self._finished = finished
        self._piece = 0
        self._reader: PieceReader | None = None
        self._paused_from = "playing"
        self._gap_left = 0
        self._gain = 1.0
        self._fade_left = 0
        self._fade_total = 0
        self._fade_start_gain = 1.0

    @property
    def done(self) -> bool:
        """Whether the music has stopped or ended (nothing more will play)."""
        return self.state in ("stopped", "ended")

    @property
    def plays_on(self) -> bool:
        """Whether the music goes on by itself (playing or between pieces), not fading out."""
        return self.state in ("playing", "gap") and self._fade_left == 0

    def end(self) -> None:
        """Give up playing (a file failed): the program counts as ended."""
        self.state = "ended"
        self._finished.set()

    def close(self) -> None:
        """Close the open file."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def make_block(self) -> Block:
        """Apply the queued commands, then mix the next ``blocksize`` frames."""
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
        while filled < n and self.state in ("playing", "gap"):
            if self.state == "gap":
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
                    self.end()
                elif self.gap_frames > 0:
                    self.state, self._gap_left = "gap", self.gap_frames
                else:
                    self._open(self._piece + 1, 0, notes, filled, Action.PLAY)
        self._apply_gain(data, notes)
        return Block(data, notes)

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
                if self.state in ("playing", "gap", "paused"):
                    notes.append((n, (Action.STOP, None, 0, None)))
                    self.state = "stopped"
                    self._finished.set()
        elif self._gain != 1.0:
            data *= np.float32(self._gain)

    def _open(
        self, piece: int, offset: int, notes: list[tuple[int, Note]], at: int, action: Action
    ) -> None:
        if self._reader is not None:
            self._reader.close()
        self._piece = piece
        offset = min(offset, max(0, self.lengths[piece] - 1))
        self._reader = PieceReader(
            self.files[piece], self.rate, self.channels, offset, self.durations[piece]
        )
        notes.append((at, (action, piece, offset, None)))
        if action is Action.PLAY:
            self.state = "playing"

    def _command(self, name: str, arg: Any, notes: list[tuple[int, Note]]) -> None:
        state = self.state
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
                self.end()
            else:
                self._fade_left = 0
                self._open(max(0, target), 0, notes, 0, Action.PLAY)
        elif name == "pause" and state in ("playing", "gap"):
            notes.append((0, (Action.PAUSE, None, 0, None)))
            self._paused_from = state
            self.state = "paused"
        elif name == "resume" and state == "paused":
            notes.append((0, (Action.RESUME, None, 0, None)))
            self.state = self._paused_from
        elif name == "seek" and state in ("playing", "paused", "gap"):
            self._open(self._piece, arg, notes, 0, Action.SEEK)
            self.state = "paused" if state == "paused" else "playing"
            if state == "paused":
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
            self.state = "stopped"
            self._fade_left = 0
            self._finished.set()

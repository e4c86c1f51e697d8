"""The virtual room: sound devices with no sound card.

The program plays "into a room": what the player sends comes back to the microphone later
(``delay``), quieter (``level``) and with reverberation, mixed with a scheduled voice
recording and a little noise. A driver thread calls the same callbacks a sound card would,
block by block, in real time or faster. It is used only when asked for (``gim demo``,
tests, benchmarks), never silently in place of the real devices.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gim.audio.devices import Callback
from gim.errors import AudioError


class RoomStatus:
    """Callback status flags of the room: it never over- or underruns."""

    input_overflow = False
    output_underflow = False

    def __bool__(self) -> bool:
        return False


@dataclass
class Utterance:
    """A voice recording the room plays at ``at`` seconds of room time."""

    at: float
    """Room seconds at which it starts."""
    audio: np.ndarray
    """Mono float32 samples at the room rate."""


class RoomStream:
    """One stream of the room (input or output)."""

    def __init__(
        self,
        room: VirtualRoom,
        kind: str,
        channels: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> None:
        self.room = room
        self.kind = kind
        self.channels = channels
        self.callback = callback
        self.finished = finished
        self.active = False
        """Whether the room is calling this stream's callback."""
        self.frame = 0
        """Frames this stream has passed."""
        self.started = 0
        """Room frame at which the stream joined the room's clock."""

    def start(self) -> None:
        """Join the room's clock."""
        if self.kind == "input" and self.room.input_down():
            raise AudioError("The virtual microphone is unplugged.")
        self.active = True
        self.room._attach(self)

    def stop(self) -> None:
        """Leave the room's clock."""
        self.active = False

    def close(self) -> None:
        """Same as stop."""
        self.stop()


@dataclass(frozen=True)
class Acoustics:
    """How the virtual room sounds between its speakers and its microphone."""

    delay: float = 0.12
    """Seconds from the player to the microphone (speaker + air + converters)."""
    level: float = 0.5
    """Gain of the music at the microphone."""
    reverb: float = 0.25
    """Seconds of reverberation tail (0 for none)."""
    noise: float = 0.002
    """Level of the background noise (RMS)."""
    drift: float = 0.0
    """Seconds the delay grows per second (clock drift between two sound cards, e.g.
    1e-4 for 100 ppm)."""


class VirtualRoom:
    """Sound devices simulated in software (see the module docstring).

    Args:
        rate: the room's sample rate.
        acoustics: delay, level, reverberation, noise and drift (`Acoustics`).
        speed: how many times faster than real time the clock runs (1 = real time).
        blocksize: frames per callback.
        voice: utterances to mix into the microphone.
        input_channels: channels the microphone records.
        seed: of the noise and the reverberation.
    """

    name = "virtual room"
    waits_for_output = True
    """The room's clock is gim's own: a player waits for its next block instead of running
    dry, so a busy machine slows the room down and never makes dropouts it did not have."""

    def __init__(
        self,
        rate: int = 48000,
        acoustics: Acoustics | None = None,
        speed: float = 1.0,
        blocksize: int = 1024,
        voice: Sequence[Utterance] = (),
        input_channels: int = 1,
        seed: int = 0,
    ) -> None:
        acoustics = acoustics or Acoustics()
        delay, level, reverb = acoustics.delay, acoustics.level, acoustics.reverb
        noise, drift = acoustics.noise, acoustics.drift
        self.rate = rate
        self.delay = delay
        self.level = level
        self.speed = speed
        self.blocksize = blocksize
        self.voice = sorted(voice, key=lambda u: u.at)
        self.input_channels = input_channels
        self.frame = 0
        """Frames of room time elapsed."""
        self.outages: list[tuple[float, float]] = []
        """Room seconds during which the microphone is unplugged."""
        self._rng = np.random.default_rng(seed)
        self.noise = noise
        tail = int(reverb * rate)
        if tail > 0:
            decay = np.exp(-np.arange(tail) / (tail / 6.0))
            ir = self._rng.standard_normal(tail) * decay * 0.08
            ir[0] = 1.0
        else:
            ir = np.ones(1)
        self._ir = (ir * level).astype(np.float64)
        self.drift = drift
        self._hist = np.zeros(self.delay_frames(0) + 2 * blocksize, dtype=np.float64)
        self._wet_tail = np.zeros(len(self._ir) - 1)
        self._streams: list[RoomStream] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def output_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> RoomStream:
        """A simulated speaker."""
        self._check_rate(rate)
        return RoomStream(self, "output", channels, callback, finished)

    def input_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> RoomStream:
        """A simulated microphone."""
        self._check_rate(rate)
        return RoomStream(self, "input", channels, callback, finished)

    def max_channels(self, kind: str) -> int:
        """Channels the room offers for ``kind``."""
        return self.input_channels if kind == "input" else 2

    def unplug(self, start: float, end: float) -> None:
        """Unplug the microphone from ``start`` to ``end`` room seconds (a fault to survive)."""
        self.outages.append((start, end))

    def input_down(self) -> bool:
        """Whether the microphone is unplugged now."""
        now = self.frame / self.rate
        return any(a <= now < b for a, b in self.outages)

    def close(self) -> None:
        """Stop the clock."""
        self._closed = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _check_rate(self, rate: int) -> None:
        if rate != self.rate:
            raise AudioError(f"The virtual room runs at {self.rate} Hz, not {rate} Hz.")

    def _attach(self, stream: RoomStream) -> None:
        with self._lock:
            stream.started = self.frame
            if stream not in self._streams:
                self._streams.append(stream)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="virtual-room", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        status = RoomStatus()
        n = self.blocksize
        begun = time.monotonic()
        while not self._closed:
            with self._lock:
                streams = [s for s in self._streams if s.active]
            played = np.zeros(n)
            for s in streams:
                if s.kind == "output":
                    block = np.zeros((n, s.channels), dtype=np.float32)
                    s.callback(block, n, None, status)
                    s.frame += n
                    played += block.mean(axis=1)
            mic = self._microphone(played)
            for s in streams:
                if s.kind != "input":
                    continue
                if self.input_down():
                    s.active = False
                    s.finished()
                    continue
                block = np.repeat(mic[:, None], s.channels, axis=1).astype(np.float32)
                s.callback(block, n, None, status)
                s.frame += n
            self.frame += n
            due = begun + self.frame / self.rate / self.speed
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def delay_frames(self, frame: int) -> int:
        """Frames from speaker to microphone at room ``frame`` (grows with ``drift``)."""
        return round((self.delay + self.drift * frame / self.rate) * self.rate)

    def _microphone(self, played: np.ndarray) -> np.ndarray:
        """What the microphone hears for one block: delayed, reverberant music, voice, noise."""
        n = len(played)
        d = self.delay_frames(self.frame)
        hist = np.concatenate([self._hist, played])
        end = len(hist) - d
        delayed = hist[end - n : end]
        self._hist = hist[-(d + 2 * n) :]
        wet = np.convolve(delayed, self._ir) if len(self._ir) < 64 else _fftconv(delayed, self._ir)
        wet[: len(self._wet_tail)] += self._wet_tail
        out, self._wet_tail = wet[:n].copy(), wet[n:].copy()
        start = self.frame
        for u in self.voice:
            a = int(u.at * self.rate)
            if a >= start + n:
                break
            if a + len(u.audio) <= start:
                continue
            lo, hi = max(start, a), min(start + n, a + len(u.audio))
            out[lo - start : hi - start] += u.audio[lo - a : hi - a]
        if self.noise > 0:
            out += self._rng.standard_normal(n) * self.noise
        return out


def _fftconv(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    size = len(x) + len(h) - 1
    nfft = 1 << (size - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(x, nfft) * np.fft.rfft(h, nfft), nfft)[:size]


def load_voice(path: Path, rate: int, at: Sequence[float] = (0.0,)) -> list[Utterance]:
    """A voice recording read from ``path`` (mono, resampled) scheduled at ``at`` seconds."""
    import soundfile
    import soxr

    data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if file_rate != rate:
        mono = soxr.resample(mono, file_rate, rate)
    return [Utterance(t, mono.astype(np.float32)) for t in at]


def voice_clips(clips: Sequence[tuple[float, np.ndarray]]) -> list[Utterance]:
    """Utterances from ``(seconds, samples)`` pairs."""
    return [Utterance(t, np.asarray(a, dtype=np.float32)) for t, a in clips]

"""Listening through a stored session: the voice, the music or both, from any moment, at
0.5-1.5x with the pitch kept, looping a stretch if asked, saying which moment sounds.

`SessionSound` reads the session folder's ``mic.flac`` (what the microphone heard, session
time) and ``reference.flac`` (what was played, output time: the music heard at session
second ``t`` was played at the clock's `output_frame(t)`), so voice and music line up as
in the room. `Listener` plays it: a producer thread reads a fifth of a second at a time,
stretches it when the speed is not 1 and queues it with the moment it starts at; the
PortAudio callback only copies blocks out and notes which moment went to the speakers
when (the stream's own clock), from which `position` tells the moment heard now. Seeking,
the speed and the source take effect within one block; the queue's older blocks are
dropped, not played.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from gim.audio.stretch import Stretcher
from gim.core.record import SessionRecord
from gim.errors import AudioError, GimError

BLOCK_SECONDS = 0.2
"""How much the producer reads at a time (input seconds)."""
QUEUED_BLOCKS = 4
"""Blocks waiting for the speakers: enough to ride out a busy moment, few enough that a
change of speed or source is heard at once."""
SOURCES = ("voice", "music", "both")
"""What can be heard."""
MARKS = 64
"""Moments noted as they go to the speakers: more than the device's buffer holds."""


class SessionSound:
    """A stored session's voice and music, aligned, read at any session moment.

    Args:
        folder: The session folder.
        record: The session (its rate and clock).
    """

    def __init__(self, folder: Path, record: SessionRecord) -> None:
        import soundfile

        self.rate = record.session.samplerate
        """Output rate (the session's)."""
        self._clock = record.clock
        self._files: dict[str, Any] = {}
        for name, file in (("voice", "mic.flac"), ("music", "reference.flac")):
            if (folder / file).is_file():
                try:
                    self._files[name] = soundfile.SoundFile(str(folder / file))
                except (OSError, RuntimeError) as exc:
                    raise GimError(f"The recording {file} cannot be read ({exc}).") from exc
        voice = self._files.get("voice")
        self.duration = (
            voice.frames / voice.samplerate if voice else record.session.audio_seconds or 0.0
        )
        """Session seconds there is sound for."""

    def has(self, source: str) -> bool:
        """Whether anything of ``source`` (voice, music or both) was recorded."""
        wanted = ("voice", "music") if source == "both" else (source,)
        return any(name in self._files for name in wanted)

    def read(self, start: float, seconds: float, source: str) -> np.ndarray:
        """``seconds`` from session second ``start`` as float32 stereo (zeros past the end)."""
        frames = max(0, round(seconds * self.rate))
        mix = np.zeros((frames, 2), dtype=np.float32)
        wanted = ("voice", "music") if source == "both" else (source,)
        present = [n for n in wanted if n in self._files]
        for name in present:
            # the reference is in output time: the music heard at ``start`` played earlier
            at = start if name == "voice" else self._clock.output_frame(start) / self._clock.rate
            clip = self._read(self._files[name], max(0.0, at), frames)
            mix[: len(clip)] += clip / len(present)
        return mix

    def _read(self, file: Any, start: float, frames: int) -> np.ndarray:
        first = round(start * file.samplerate)
        if first >= file.frames:
            return np.zeros((0, 2), dtype=np.float32)
        if file.tell() != first:
            file.seek(first)
        wanted = (
            frames if file.samplerate == self.rate else int(frames * file.samplerate / self.rate)
        )
        data = file.read(wanted, dtype="float32", always_2d=True)
        if data.shape[1] == 1:
            data = np.repeat(data, 2, axis=1)
        data = data[:, :2]
        if file.samplerate != self.rate and len(data):
            import soxr

            data = soxr.resample(data, file.samplerate, self.rate).astype(np.float32)
        return data

    def close(self) -> None:
        """Close the files."""
        for file in self._files.values():
            file.close()


class Wish(NamedTuple):
    """What the guide asked for last: from where, how fast, what (``turn`` counts asks)."""

    turn: int
    start: float
    speed: float
    source: str


class Listener:
    """Plays a `SessionSound` until closed, following the guide's wishes.

    Args:
        sound: The session's sound.
        start: Session second to start from.
        source: "voice", "music" or "both".
        speed: 0.5 to 1.5; the pitch is kept.
    """

    def __init__(self, sound: SessionSound, start: float, source: str, speed: float) -> None:
        self.sound = sound
        """What is played."""
        self.ended = threading.Event()
        """Set when the recording ran out (not when closed)."""
        self.loop: tuple[float, float] | None = None
        """A stretch (session seconds) played over and over, if asked."""
        self._wish = Wish(0, start, speed, source)
        self._blocks: queue.Queue[tuple[int, float, float, np.ndarray | None]] = queue.Queue(
            maxsize=QUEUED_BLOCKS
        )
        self._stop = threading.Event()
        self._playing: tuple[int, float, float, np.ndarray | None] | None = None
        self._at = 0  # frames of the playing block already given to the speakers
        # what went to the speakers when: (turn, moment, stream time it is heard, speed,
        # seconds of sound from it), the last MARKS of them (the device's buffer holds
        # several callbacks' worth)
        self._marks: list[tuple[int, float, float, float, float] | None] = [None] * MARKS
        self._mark = 0
        self.played = 0
        """Frames of sound given to the speakers so far."""
        self._stream: Any = None
        self._thread = threading.Thread(target=self._produce, name="listen", daemon=True)

    # -- the guide's side ----------------------------------------------------------------
    def open(self, device: str | int | None, latency: float) -> None:
        """Open the speakers and start playing (blocks briefly)."""
        from gim.audio.devices import import_sounddevice
        from gim.audio.quiet import quiet_stderr

        sd = import_sounddevice()
        try:
            with quiet_stderr():
                self._stream = sd.OutputStream(
                    samplerate=self.sound.rate,
                    channels=2,
                    dtype="float32",
                    callback=self._callback,
                    device=device,
                    latency=latency,
                )
                self._thread.start()
                self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self.close()
            raise AudioError(f"The speakers could not play ({exc}): check `gim devices`.") from exc

    @property
    def speed(self) -> float:
        """How fast it plays (1 is as recorded)."""
        return self._wish.speed

    @property
    def source(self) -> str:
        """What plays: voice, music or both."""
        return self._wish.source

    def position(self) -> float:
        """The session moment heard now (the speakers' latency allowed for)."""
        wish = self._wish
        if self._stream is None:
            return wish.start
        now = self._stream.time
        heard = [m for m in list(self._marks) if m and m[0] == wish.turn and m[2] <= now]
        sounding = max(heard, key=lambda m: m[2], default=None)  # the latest one heard
        if sounding is None:  # what sounds is still from before the guide's last wish
            return wish.start
        _, moment, heard_at, speed, span = sounding
        # never past the sound noted: a late device holds the moment rather than jump back
        return max(0.0, moment + min(now - heard_at, span) * speed)

    def seek(self, seconds: float) -> None:
        """Play from session second ``seconds``."""
        self._ask(start=max(0.0, min(seconds, self.sound.duration)))

    def set_speed(self, speed: float) -> None:
        """Play at ``speed`` (0.5-1.5) from the moment heard now."""
        self._ask(start=self.position(), speed=min(1.5, max(0.5, speed)))

    def set_source(self, source: str) -> None:
        """Play ``source`` from the moment heard now."""
        self._ask(start=self.position(), source=source)

    def close(self) -> None:
        """Stop playing and let go of the speakers and files."""
        self._stop.set()
        if self._stream is not None:
            try:
                self._stream.abort()
                self._stream.close()
            except Exception:  # the device may already be gone
                pass
        if self._thread.is_alive():
            self._thread.join(1.0)
        self.sound.close()

    def _ask(self, **changes: Any) -> None:
        wish = self._wish._replace(turn=self._wish.turn + 1, **changes)
        self._wish = wish

    # -- the callback (PortAudio thread: copy only) ---------------------------------------
    def _callback(self, out: np.ndarray, frames: int, time: Any, status: Any) -> None:
        turn = self._wish.turn
        filled = 0
        while filled < frames:
            block = self._playing
            if block is None or block[0] != turn:
                try:
                    block = self._blocks.get_nowait()
                except queue.Empty:
                    self._playing = None
                    break
                if block[0] != turn:
                    continue  # asked for before the guide's last wish: never heard
                self._playing, self._at = block, 0
            data = block[3]
            if data is None:
                self.ended.set()
                self._playing = None
                break
            n = min(frames - filled, len(data) - self._at)
            if filled == 0 or self._at == 0:  # a callback or a block begins: note when
                rate = self.sound.rate
                moment = block[1] + self._at * block[2] / rate
                heard_at = time.outputBufferDacTime + filled / rate
                self._marks[self._mark % MARKS] = (turn, moment, heard_at, block[2], n / rate)
                self._mark += 1
            out[filled : filled + n] = data[self._at : self._at + n]
            filled += n
            self._at += n
            if self._at >= len(data):
                self._playing = None
        out[filled:] = 0
        self.played += filled

    # -- the producer thread --------------------------------------------------------------
    def _produce(self) -> None:
        wish: Wish | None = None
        stretcher: Stretcher | None = None
        at = origin = 0.0  # the next moment to read; where the stretcher's input began
        rate = self.sound.rate
        while not self._stop.is_set():
            if wish is None or self._wish.turn != wish.turn:
                wish = self._wish
                at = origin = wish.start
                stretcher = None if wish.speed == 1.0 else Stretcher(rate)
            if at >= self.sound.duration:
                self._put((wish.turn, at, wish.speed, None))
                self._stop.wait(0.05)
                continue
            seconds = BLOCK_SECONDS
            loop = self.loop
            looping = loop is not None and loop[0] <= at < loop[1]
            if loop is not None and looping:
                seconds = min(seconds, loop[1] - at)
            data = self.sound.read(at, seconds, wish.source)
            start = at
            if stretcher is not None:
                stretcher.push(data)
                data, starts = stretcher.pull(wish.speed)
                start = origin + starts[0] / rate if starts else at
            at += seconds
            if loop is not None and looping and at >= loop[1] - 1e-6:
                at = origin = loop[0]  # round again: a fresh stretch from the loop's start
                stretcher = None if wish.speed == 1.0 else Stretcher(rate)
            if len(data):
                self._put((wish.turn, start, wish.speed, data))

    def _put(self, block: tuple[int, float, float, np.ndarray | None]) -> None:
        """Queue ``block``, waiting for room unless closed or the guide asked anew."""
        while not self._stop.is_set() and block[0] == self._wish.turn:
            try:
                self._blocks.put(block, timeout=0.05)
                return
            except queue.Full:
                continue

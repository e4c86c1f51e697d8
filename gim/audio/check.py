"""The device check before a session: a live microphone level and a short, quiet test tone.

Runs in worker threads. The PortAudio callback only copies the block into a one-slot
queue; the worker measures it; the screen polls `MicCheck.level` on a timer.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from gim.errors import GimError

TONE_SECONDS = 1.0
"""Length of the test tone."""
TONE_LEVEL = 0.1
"""Amplitude of the test tone (-20 dBFS): audible, never startling."""


class MicCheck:
    """Listen to the microphone until stopped, keeping its latest peak level in dBFS.

    With ``keep`` the blocks heard while `keeping` is set are kept too (a guide reading a
    passage to enrol their voice): none is dropped then, the queue holds a few seconds.
    """

    def __init__(self, settings: Any, keep: bool = False) -> None:
        from gim.audio.levels import Level

        self.settings = settings
        """Devices, rate and latency to use."""
        self.level = Level()
        """Latest levels (written by the check's thread, read by the UI)."""
        self.stopped = threading.Event()
        """Set to end the check."""
        self.heard = False
        """At least one block arrived from the microphone."""
        self.keep = keep
        """Whether blocks can be kept (a recording): the queue then drops none."""
        self.keeping = threading.Event()
        """Set while the blocks heard are kept."""
        self.kept: list[Any] = []
        """The blocks kept (mono float32 at the settings' rate)."""

    @property
    def kept_seconds(self) -> float:
        """Seconds of audio kept so far."""
        return sum(len(b) for b in self.kept) / self.settings.samplerate

    def take(self) -> Any:
        """The audio kept (mono float32 at the settings' rate), and forget it."""
        import numpy as np

        kept, self.kept = self.kept, []
        return np.concatenate(kept) if kept else np.zeros(0, np.float32)

    def run(self) -> None:
        """Open the microphone and measure until `stopped` is set (blocks)."""
        from gim.audio.devices import SoundDevices

        blocks: queue.Queue[Any] = queue.Queue(maxsize=256 if self.keep else 1)

        def callback(indata: Any, frames: int, time: Any, status: Any) -> None:
            # plain try: no context manager object built in the audio callback
            try:  # noqa: SIM105
                blocks.put_nowait(indata.copy())
            except queue.Full:
                pass

        devices = SoundDevices(
            self.settings.input_device, self.settings.output_device, self.settings.latency
        )
        stream = devices.input_stream(self.settings.samplerate, 1, 1024, callback, lambda: None)
        stream.start()
        try:
            while not self.stopped.is_set():
                try:
                    block = blocks.get(timeout=0.1)
                except queue.Empty:
                    continue
                self.heard = True
                self.level.update(block)
                if self.keeping.is_set():
                    self.kept.append(block[:, 0].astype("float32"))
        finally:
            stream.stop()
            stream.close()

    def stop(self) -> None:
        """End the check (from any thread)."""
        self.stopped.set()


def play_test_tone(settings: Any) -> None:
    """Play a one-second quiet 440 Hz tone with soft edges on the chosen speakers (blocks)."""
    import numpy as np

    from gim.audio.devices import import_sounddevice, parse_device

    sd = import_sounddevice()
    rate = settings.samplerate
    t = np.arange(int(TONE_SECONDS * rate)) / rate
    ramp = np.minimum(1.0, np.minimum(t, TONE_SECONDS - t) / 0.1)
    tone = (TONE_LEVEL * ramp * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    try:
        sd.play(
            np.stack([tone, tone], axis=1),
            rate,
            device=parse_device(settings.output_device),
            latency=settings.latency,
            blocking=True,
        )
    except (sd.PortAudioError, ValueError) as exc:
        raise GimError(f"The test tone could not play ({exc}): check `gim devices`.") from exc

"""Sound devices: the real ones through PortAudio, behind a small interface the virtual
room also offers, so the player and recorder run unchanged on either.

Streams are separate for input and output (a duplex stream broke on PulseAudio) and always
opened with a numeric latency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from gim.errors import AudioError, InputError

Callback = Callable[[np.ndarray, int, Any, Any], None]
"""A PortAudio-style callback: ``(data, frames, time, status)``."""


class Stream(Protocol):
    """An open input or output stream."""

    def start(self) -> None:
        """Begin calling the callback."""

    def stop(self) -> None:
        """Stop calling the callback (after the queued frames played)."""

    def close(self) -> None:
        """Release the device."""


class Backend(Protocol):
    """Where streams come from: the real devices or the virtual room."""

    name: str
    """What a guide would call it ("default devices", "virtual room")."""

    def output_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> Stream:
        """An output stream calling ``callback`` for each block to play."""

    def input_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> Stream:
        """An input stream calling ``callback`` with each recorded block."""


def import_sounddevice() -> Any:
    """The sounddevice module, or one clear AudioError when PortAudio is missing."""
    from gim.audio.quiet import quiet_stderr, silence_alsa

    silence_alsa()
    try:
        with quiet_stderr():  # importing runs Pa_Initialize, which probes every ALSA card
            import sounddevice
    except OSError as exc:
        raise AudioError(
            "PortAudio is not installed: install libportaudio2 (sudo apt install libportaudio2)."
        ) from exc
    return sounddevice


def parse_device(value: str | int | None) -> str | int | None:
    """A device setting as PortAudio takes it: an index if it is a number, else a name."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


class SoundDevices:
    """The machine's real sound devices (PortAudio through sounddevice)."""

    def __init__(
        self,
        input_device: str | int | None = None,
        output_device: str | int | None = None,
        latency: float = 0.2,
    ) -> None:
        self._sd = import_sounddevice()
        self.input_device = self._check(parse_device(input_device), "input")
        """The microphone (index or name; None for the default)."""
        self.output_device = self._check(parse_device(output_device), "output")
        """The speakers (index or name; None for the default)."""
        self.latency = float(latency)
        """Stream latency in seconds."""
        self.name = "sound devices"
        """Shown to the guide."""

    def _check(self, device: str | int | None, kind: str) -> str | int | None:
        from gim.audio.quiet import quiet_stderr

        try:
            with quiet_stderr():
                self._sd.query_devices(device, kind)
        except ValueError as exc:
            if device is None:
                raise AudioError(
                    f"No {kind} sound device was found: connect one or check `gim devices`."
                ) from exc
            raise InputError(
                f"The {kind} device {device!r} was not found: pick one listed by `gim devices`."
            ) from exc
        except self._sd.PortAudioError as exc:
            if device is not None:  # PortAudio's "Error querying device 999"
                raise InputError(
                    f"The {kind} device {device!r} cannot be used: pick one listed by "
                    "`gim devices`."
                ) from exc
            raise AudioError(
                f"The sound system cannot reach the default {kind} device: check `gim devices` "
                "and `gim doctor`."
            ) from exc
        return device

    def max_channels(self, kind: str) -> int:
        """How many channels the chosen device of ``kind`` ("input"/"output") offers."""
        from gim.audio.quiet import quiet_stderr

        device = self.input_device if kind == "input" else self.output_device
        with quiet_stderr():
            info = self._sd.query_devices(device, kind)
        return int(info[f"max_{kind}_channels"])

    def output_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> Stream:
        """A PortAudio output stream (float32)."""
        return self._open(
            self._sd.OutputStream, self.output_device, rate, channels, blocksize, callback, finished
        )

    def input_stream(
        self,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> Stream:
        """A PortAudio input stream (float32)."""
        return self._open(
            self._sd.InputStream, self.input_device, rate, channels, blocksize, callback, finished
        )

    def _open(
        self,
        kind: Any,
        device: str | int | None,
        rate: int,
        channels: int,
        blocksize: int,
        callback: Callback,
        finished: Callable[[], None],
    ) -> Stream:
        from gim.audio.quiet import quiet_stderr

        try:
            with quiet_stderr():
                stream: Stream = kind(
                    samplerate=rate,
                    channels=channels,
                    dtype="float32",
                    blocksize=blocksize,
                    device=device,
                    latency=self.latency,
                    callback=callback,
                    finished_callback=finished,
                )
        except (self._sd.PortAudioError, ValueError) as exc:
            raise AudioError(
                "The sound device could not be opened: check it is connected and not in use, "
                "or choose another with --input/--output (see `gim devices`)."
            ) from exc
        return QuietStream(stream)


class QuietStream:
    """A PortAudio stream whose start, stop and close keep PortAudio's prints to itself."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    def start(self) -> None:
        """Begin calling the callback."""
        from gim.audio.quiet import quiet_stderr

        with quiet_stderr():
            self._stream.start()

    def stop(self) -> None:
        """Stop calling the callback."""
        from gim.audio.quiet import quiet_stderr

        with quiet_stderr():
            self._stream.stop()

    def close(self) -> None:
        """Release the device."""
        from gim.audio.quiet import quiet_stderr

        with quiet_stderr():
            self._stream.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

"""A few seconds of an audio file, played before the guide links it to a piece.

Runs in a worker thread; setting its stop event ends it from the UI thread. Listening
through a stored session is `gim.audio.listen`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gim.errors import AudioError, GimError


def read_clip(path: Path, start: float, seconds: float, rate: int) -> Any:
    """``seconds`` of ``path`` from ``start`` as float32 stereo at ``rate`` (zeros past the end)."""
    import numpy as np
    import soundfile
    import soxr

    try:
        with soundfile.SoundFile(str(path)) as f:
            first = max(0, int(start * f.samplerate))
            f.seek(min(first, f.frames))
            data = f.read(int(seconds * f.samplerate), dtype="float32", always_2d=True)
            file_rate = f.samplerate
    except (OSError, RuntimeError) as exc:
        raise GimError(f"The recording {path.name} cannot be read ({exc}).") from exc
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    data = data[:, :2]
    if file_rate != rate and len(data):
        data = soxr.resample(data, file_rate, rate).astype(np.float32)
    return data


EXCERPT_SECONDS = 8.0
"""How much of a file the guide hears before linking it to a piece."""


def play_excerpt(
    settings: Any,
    path: Path,
    stop: threading.Event,
    start: float = 0.0,
    seconds: float = EXCERPT_SECONDS,
) -> None:
    """Play ``seconds`` of an audio file from ``start`` until done or ``stop`` is set
    (blocks; call in a thread). The Programs screen uses it before linking a file."""
    from gim.audio.devices import import_sounddevice, parse_device

    rate = int(settings.samplerate)
    audio = read_clip(path, start, seconds, rate)
    sd = import_sounddevice()
    try:
        sd.play(audio, rate, device=parse_device(settings.output_device))
        while not stop.wait(0.05) and sd.get_stream().active:
            pass
        sd.stop()
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioError(f"The speakers could not play ({exc}): check `gim devices`.") from exc

"""Playing a moment of a stored session in review: the voice, the music, or both.

The session folder holds ``mic.flac`` (what the microphone heard, session time) and
``reference.flac`` (exactly what was played, output time). The music at a moment is the
reference shifted by the measured delay, so it lines up with the voice.
Runs in a review worker thread; setting its stop event ends it from the UI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gim.core.record import SessionRecord
from gim.errors import AudioError, GimError

CLIP_SECONDS = 30.0
"""How much is played from the chosen moment before stopping by itself."""


def session_tracks(settings: Any, session_id: str) -> dict[str, Path]:
    """The joined audio files of a session: "voice" and "music", where they exist."""
    folder = Path(settings.sessions_dir) / session_id
    found = {"voice": folder / "mic.flac", "music": folder / "reference.flac"}
    return {name: path for name, path in found.items() if path.is_file()}


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


def moment_audio(settings: Any, record: SessionRecord, start: float, source: str) -> Any:
    """The clip to play from session second ``start``: voice, music (aligned) or both."""
    import numpy as np

    tracks = session_tracks(settings, record.session.id)
    rate = record.session.samplerate
    clock = record.clock
    wanted = ("voice", "music") if source == "both" else (source,)
    missing = [name for name in wanted if name not in tracks]
    if len(missing) == len(wanted):
        raise GimError(
            f"This session has no {' or '.join(wanted)} recording to play: "
            "press v to choose another source."
        )
    clips = []
    for name in wanted:
        if name not in tracks:
            continue
        # the reference is in output time: the music heard at ``start`` played earlier
        at = start if name == "voice" else clock.output_frame(start) / clock.rate
        clips.append(read_clip(tracks[name], max(0.0, at), CLIP_SECONDS, rate))
    length = max(len(c) for c in clips)
    mix = np.zeros((length, 2), dtype=np.float32)
    for clip in clips:
        mix[: len(clip)] += clip / len(clips)
    return mix, rate


def play_moment(
    settings: Any, record: SessionRecord, start: float, source: str, stop: threading.Event
) -> None:
    """Play from ``start`` until the clip ends or ``stop`` is set (blocks; call in a thread)."""
    audio, rate = moment_audio(settings, record, start, source)
    from gim.audio.devices import import_sounddevice, parse_device

    sd = import_sounddevice()
    done = threading.Event()
    position = 0

    def callback(out: Any, frames: int, _time: Any, _status: Any) -> None:
        nonlocal position
        chunk = audio[position : position + frames]
        out[: len(chunk)] = chunk
        out[len(chunk) :] = 0
        position += frames
        if len(chunk) < frames:
            raise sd.CallbackStop

    try:
        stream = sd.OutputStream(
            samplerate=rate,
            channels=2,
            dtype="float32",
            callback=callback,
            device=parse_device(settings.output_device),
            latency=settings.latency,
            finished_callback=done.set,
        )
        with stream:
            while not done.is_set() and not stop.wait(0.05):
                pass
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioError(f"The speakers could not play ({exc}): check `gim devices`.") from exc


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

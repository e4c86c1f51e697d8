"""The rolling final pass: the final pass done window by window while the session runs.

A child process at the lowest priority (nice 19, one thread) follows the crash-safe chunk
files a window behind the recording. Each window is prepared (`gim.audio.offline.prepare`:
local drift, room fit, music removal) and transcribed (`transcribe_prepared`) exactly as
the whole recording would be; only lines that end before the window's safe edge are
final, and the next window starts (with a short pre-roll) at the earliest speech not
final yet, so an utterance across a boundary is transcribed whole. Every finished window
is appended, fsync'd, to ``rolling.jsonl`` in the session folder: a kill loses at most the
window being worked on. At End the final pass (`gim.runner.final_pass`) transcribes only
the remainder and removes the file once the database holds the transcript.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gim.audio.journal import Chunk, replay
from gim.audio.offline import SAMPLE_RATE, prepare, resample
from gim.config import Settings
from gim.core.clock import median_lag
from gim.core.session import Segment, Source, Speaker, Word
from gim.transcribe.engine import DecodeOptions, Engine

FILE = "rolling.jsonl"
"""The finished windows, in the session folder."""
WINDOW = 90.0
"""Seconds of recording per window."""
MARGIN = 10.0
"""A line ending within this many seconds of a window's end may be cut: it waits."""
PREROLL = 1.0
"""Seconds a window starts before the earliest speech not final yet (VAD's lead-in)."""
MIN_AUDIO = 60.0
"""At End the remainder gets at least this much audio (the room fit's window)."""
GROUP_GAP = 1.5
"""Lines closer than this are one stretch of speech (offline VAD stretches are padded by
0.35 s each side and joined across 0.3 s: lines of different stretches lie >= ~1 s apart)."""
POLL = 2.0
"""Seconds between looks at the journal while waiting for the next window."""

Progress = Callable[[float], None]


@dataclass
class Config:
    """What the rolling pass and the final pass must agree on for windows to be reused."""

    engine: str
    model: str
    language: str
    channels: list[tuple[int, str]]
    """(microphone channel, speaker) pairs transcribed."""
    cache_dir: str = ""

    @classmethod
    def of(cls, settings: Settings, mic_channels: int | None = None) -> Config:
        """The configuration ``settings`` give (channels the recording has, if known)."""
        channels = [(settings.client_channel, str(Speaker.CLIENT))]
        guide = settings.guide_channel
        if guide is not None and (mic_channels is None or guide < mic_channels):
            channels.append((guide, str(Speaker.GUIDE)))
        return cls(
            settings.engine,
            settings.model,
            settings.language,
            channels,
            str(settings.cache_dir / "models"),
        )

    def key(self) -> dict[str, Any]:
        """The fields a stored window must match (the cache folder may move)."""
        return {
            "engine": self.engine,
            "model": self.model,
            "language": self.language,
            "channels": [list(c) for c in self.channels],
        }


@dataclass
class State:
    """What the finished windows hold: the final lines and where each channel is final to."""

    done: list[float]
    """Per channel: session seconds up to which the lines are final."""
    segments: list[Segment] = field(default_factory=list)
    windows: int = 0


# -- the windowing rule (pure) ---------------------------------------------------------


def finalise(segments: list[Segment], done: float, safe: float) -> tuple[list[Segment], float]:
    """Which lines of a window are final, and where the next window's final part starts.

    Lines whose middle lies before ``done`` were final already (the pre-roll's tail of an
    earlier line) and are dropped. Lines closer than `GROUP_GAP` belong to one stretch of
    speech (Whisper splits a stretch into lines; the next window must transcribe it whole,
    as the whole pass does). Stretches are final in time order while they end by ``safe``;
    the first that ends later, and everything after it, waits for the next window, which
    is final from that stretch's start. Progress is guaranteed: when no stretch could be
    final, single lines are; when not even one line could be, the window's lines all are.
    """
    fresh = sorted((s for s in segments if (s.start + s.end) / 2 >= done), key=lambda s: s.start)
    for groups in (_stretches(fresh), [[s] for s in fresh]):
        final: list[Segment] = []
        for group in groups:
            if max(s.end for s in group) > safe:
                following = max(done, min(group[0].start, safe))
                if following > done or final:
                    return final, following
                break
            final += group
        else:
            return final, max(done, safe)
    return fresh, max(safe, max(s.end for s in fresh))


def _stretches(lines: list[Segment]) -> list[list[Segment]]:
    """Consecutive lines grouped where less than `GROUP_GAP` separates them."""
    groups: list[list[Segment]] = []
    for line in lines:
        if groups and line.start - max(s.end for s in groups[-1]) < GROUP_GAP:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def window_start(done: list[float]) -> float:
    """Where the next window's audio starts (seconds)."""
    return max(0.0, min(done) - PREROLL)


def transcribe_window(
    mic: np.ndarray,
    reference: np.ndarray | None,
    rate: int,
    start: float,
    state: State,
    config: Config,
    engine: Engine,
    *,
    lag_frames: float | None = None,
    last: bool = False,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[State, list[Segment]]:
    """Transcribe one window (``mic`` frames×channels from session second ``start``).

    Returns the state after it (its final lines added, each channel's final point moved)
    and the lines it made final. ``last``: the remainder at End, every line is final.
    ``stop`` is asked between speech stretches (`PassStopped` when it says True).
    """
    end = start + len(mic) / rate
    ref16 = resample(reference, rate) if reference is not None else None
    lag16 = lag_frames * SAMPLE_RATE / rate if lag_frames is not None else None
    done, new = list(state.done), []
    for n, (channel, speaker) in enumerate(config.channels):
        mic16 = resample(mic[:, min(channel, mic.shape[1] - 1)], rate)
        part = _scaled(progress, n, len(config.channels))
        lines = _transcribe(
            mic16, ref16, lag16, engine, config, Speaker(speaker), start, part, stop
        )
        if last:
            final, done[n] = [s for s in lines if (s.start + s.end) / 2 >= done[n]], end
        else:
            final, done[n] = finalise(lines, done[n], end - MARGIN)
        new += final
    new.sort(key=lambda s: s.start)
    merged = sorted(state.segments + new, key=lambda s: s.start)
    return State(done, merged, state.windows + 1), new


def _transcribe(
    mic16: np.ndarray,
    ref16: np.ndarray | None,
    lag16: float | None,
    engine: Engine,
    config: Config,
    speaker: Speaker,
    start: float,
    progress: Progress | None,
    stop: Callable[[], bool] | None = None,
) -> list[Segment]:
    from gim.runner.offline import transcribe_prepared  # the runner's; the recall work lands there

    if ref16 is not None:
        n = min(len(mic16), len(ref16))
        ref16 = np.concatenate([ref16[:n], np.zeros(len(mic16) - n, np.float32)])
    return transcribe_prepared(
        prepare(mic16, ref16, lag16 if ref16 is not None else None),
        engine,
        options=DecodeOptions(language=config.language),
        speaker=speaker,
        offset=start,
        progress=progress,
        source=Source.FINAL,
        stop=stop,
    )


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    if progress is None:
        return None
    report = progress
    return lambda fraction: report((index + fraction) / count)


# -- the file of finished windows ------------------------------------------------------


def load(folder: Path, config: Config) -> State | None:
    """The finished windows in ``folder`` made with ``config``; None when there are none."""
    path = folder / FILE
    if not path.is_file():
        return None
    state: State | None = None
    for raw in path.read_bytes().splitlines():
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue  # a torn last line: that window is done again
        if not isinstance(entry, dict):
            continue
        if entry.get("kind") == "config":
            if entry.get("config") != config.key():
                return None  # other settings: the windows do not count
            state = State([0.0] * len(config.channels))
        elif entry.get("kind") == "window" and state is not None:
            state = State(
                [float(d) for d in entry["done"]],
                state.segments + [_segment(s) for s in entry["segments"]],
                state.windows + 1,
            )
    return state if state is not None and state.windows else None


def save_window(
    folder: Path, config: Config, state: State, new: list[Segment], span: tuple[float, float]
) -> None:
    """Append one finished window (its new final lines) to the file, fsync'd, private."""
    path = folder / FILE
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        lines: list[dict[str, Any]] = []
        if os.fstat(fd).st_size == 0:
            lines.append({"kind": "config", "config": config.key()})
        lines.append(
            {
                "kind": "window",
                "start": span[0],
                "end": span[1],
                "done": state.done,
                "segments": [s.to_dict() for s in new],
            }
        )
        os.write(fd, "".join(json.dumps(e) + "\n" for e in lines).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(folder: Path) -> None:
    """Remove the finished windows (the database holds the transcript now)."""
    (folder / FILE).unlink(missing_ok=True)


def _segment(data: dict[str, Any]) -> Segment:
    words = [Word(**w) for w in data.get("words") or []]
    fields = {k: v for k, v in data.items() if k not in ("words", "speaker", "source")}
    return Segment(
        **fields, words=words, speaker=Speaker(data["speaker"]), source=Source(data["source"])
    )


# -- reading the recording while it grows -----------------------------------------------


def read_span(
    folder: Path, chunks: list[Chunk], rate: int, channels: int, start: int, stop: int
) -> np.ndarray:
    """Frames ``start``..``stop`` of a track from its chunk files (silence where missing)."""
    import soundfile

    out = np.zeros((stop - start, channels), np.float32)
    for chunk in chunks:
        a, b = max(start, chunk.frame), min(stop, chunk.frame + chunk.frames)
        if a >= b:
            continue
        try:
            data = soundfile.read(
                str(folder / chunk.file),
                dtype="float32",
                always_2d=True,
                start=a - chunk.frame,
                stop=b - chunk.frame,
            )[0]
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            continue  # removed (the session ended) or torn: silence, as when joining
        width = min(channels, data.shape[1])
        out[a - start : a - start + len(data), :width] = data[:, :width]
    return out


def read_file_span(path: Path, start: int, stop: int | None = None) -> tuple[np.ndarray, int]:
    """Frames ``start``..``stop`` of a joined track and its rate."""
    import soundfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True, start=start, stop=stop)
    return data, int(rate)


def _recorded(chunks: list[Chunk]) -> int:
    return max((c.frame + c.frames for c in chunks), default=0)


def finish(
    folder: Path,
    settings: Settings,
    engine: Engine,
    lag_frames: float | None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Segment] | None:
    """The final transcript from the finished windows and the remainder of the joined
    recording; None when no window was finished (the whole pass is needed).

    Raises:
        PassStopped: when ``stop`` said True (the finished windows stay for next time).
    """
    import soundfile

    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    info = soundfile.info(str(mic_path))
    config = Config.of(settings, info.channels)
    state = load(folder, config)
    if state is None:
        return None
    rate, total = int(info.samplerate), int(info.frames)
    start = min(window_start(state.done), max(0.0, total / rate - MIN_AUDIO))
    a = round(start * rate)
    mic, _ = read_file_span(mic_path, a)
    ref = read_file_span(ref_path, a, a + len(mic))[0] if ref_path.is_file() else None
    after, _ = transcribe_window(
        mic,
        ref,
        rate,
        a / rate,
        state,
        config,
        engine,
        lag_frames=lag_frames,
        last=True,
        progress=progress,
        stop=stop,
    )
    return after.segments


# -- the child process -----------------------------------------------------------------


def follow(
    folder: Path,
    config: Config,
    engine: Callable[[], Engine],
    parent: int | None = None,
    *,
    caught_up: bool = False,
    on_window: Callable[[float, float, float], None] | None = None,
) -> State:
    """Transcribe ``folder``'s recording window by window until the session ends.

    Args:
        folder: the session folder (its journal and chunk files).
        config: engine, model, language, channels.
        engine: loads the engine (only once a window is ready: a short session never
            needs it).
        parent: the session's process id: return when it is gone.
        caught_up: return as soon as the next window is not recorded yet (tests, bench).
        on_window: called with (start, end, CPU seconds) after each finished window.

    Returns:
        The state when the session ended (its journal says so) or the parent died.
    """
    state = load(folder, config) or State([0.0] * len(config.channels))
    loaded: Engine | None = None

    def orphaned(_fraction: float = 0.0) -> None:
        if parent is not None and os.getppid() != parent:
            raise _ParentGone  # the session's process died: stop, even mid-window

    while True:
        try:
            orphaned()
        except _ParentGone:
            return state
        found = replay(folder)
        if found.ended or found.assembled:
            return state
        rate = int(found.header.get("rate", 48000))
        mic, ref = found.track("mic"), found.track("reference")
        start = window_start(state.done)
        stop = start + WINDOW
        if min(_recorded(mic), _recorded(ref)) < stop * rate:
            if caught_up:
                return state
            time.sleep(POLL)
            continue
        a, b = round(start * rate), round(stop * rate)
        loaded = loaded or engine()
        cpu = time.process_time()
        mic_audio = read_span(folder, mic, rate, int(found.header.get("mic_channels", 1)), a, b)
        ref_audio = read_span(folder, ref, rate, int(found.header.get("out_channels", 2)), a, b)
        lag = median_lag(found.delays) if found.delays else None
        try:
            state, new = transcribe_window(
                mic_audio,
                ref_audio,
                rate,
                a / rate,
                state,
                config,
                loaded,
                lag_frames=lag,
                progress=orphaned,
            )
        except _ParentGone:
            return state
        save_window(folder, config, state, new, (a / rate, b / rate))
        if on_window is not None:
            on_window(a / rate, b / rate, time.process_time() - cpu)


class _ParentGone(Exception):
    """The session's process is gone."""


def load_quiet_engine(config: Config) -> Engine:
    """The engine with one thread (the rolling pass must leave the live pass its cores)."""
    if config.engine == "faster-whisper":
        from gim.transcribe.faster import FasterWhisperEngine

        return FasterWhisperEngine(config.model, cpu_threads=1)
    from gim.transcribe.engine import load_engine

    return load_engine(config.engine, config.model, cache_dir=Path(config.cache_dir))


QUIET_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "OMP_WAIT_POLICY": "PASSIVE",
}
"""One thread for every numeric library in the child."""


class RollingPass:
    """The rolling final pass as a child process of the session (``python -m
    gim.runner.rolling``), started with the recording and stopped at End.

    Args:
        settings: engine, model, language, channels.
        folder: the session folder.
        mic_channels: channels the microphone records.
    """

    def __init__(self, settings: Settings, folder: Path, mic_channels: int) -> None:
        self.folder = folder
        self.config = Config.of(settings, mic_channels)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the child (nice 19, one thread); it ends soon after this process does."""
        env = {**os.environ, **QUIET_ENV}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gim.runner.rolling",
                str(self.folder),
                json.dumps(asdict(self.config)),
                str(os.getpid()),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """End the child now (a window being worked on is left to the final pass)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str]) -> int:
    """The child's entry point: ``FOLDER CONFIG_JSON PARENT_PID``.

    Lowest priority first. No PR_SET_PDEATHSIG: it fires when the starting *thread* ends
    (the app starts sessions from a worker thread); the parent is checked instead, between
    windows and between the stretches of one.
    """
    os.nice(19)
    folder, raw, parent = Path(argv[0]), json.loads(argv[1]), int(argv[2])
    raw["channels"] = [tuple(c) for c in raw["channels"]]
    config = Config(**raw)
    try:
        follow(folder, config, lambda: load_quiet_engine(config), parent)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

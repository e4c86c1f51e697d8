"""The rolling pass's child process: it follows the session's crash-safe chunk files a
window behind the recording, below the session's audio and live pass
(`gim.priority.rolling`) with one thread, and appends each finished window to the file
(`gim.passes.rolling_file`); the windowing rule is `gim.passes.rolling`. It ends when the
session ends or its process dies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from gim.audio.files import read_chunks
from gim.audio.journal import Chunk, Replay, replay
from gim.config import Settings
from gim.core.clock import SessionClock
from gim.passes.offline import Watch
from gim.passes.rolling import Window, transcribe_window, window_span
from gim.passes.rolling_file import Config, State, load, save_window
from gim.passes.rolling_voices import added
from gim.passes.speakers import Windows
from gim.priority import prioritise, rolling
from gim.transcribe.engine import Engine
from gim.transcribe.voice import load_encoder

POLL = 2.0
"""Seconds between looks at the journal while waiting for the next window."""


def _recorded(chunks: list[Chunk]) -> int:
    return max((c.frame + c.frames for c in chunks), default=0)


def follow(
    folder: Path,
    config: Config,
    engine: Callable[[], Engine],
    parent: int | None = None,
    *,
    caught_up: bool = False,
    on_window: Callable[[float, float, float], None] | None = None,
    planned_end: float | None = None,
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
        planned_end: session seconds the session is set to end at (windows come more
            often near it: `gim.passes.rolling.window_span`); None: not known.

    Returns:
        The state when the session ended (its journal says so) or the parent died.
    """
    state = load(folder, config) or State([0.0] * len(config.channels), voices=Windows.none())
    encoder = load_encoder() if len(config.channels) == 1 else None  # the voices, at End
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
        recorded = min(_recorded(found.track("mic")), _recorded(found.track("reference")))
        span = window_span(state.done, recorded / rate, planned_end)
        if span is None:
            if caught_up:
                return state
            time.sleep(POLL)
            continue
        a, b = round(span[0] * rate), round(span[1] * rate)
        loaded = loaded or engine()
        cpu = time.process_time()
        window = _window(folder, found, a, b)
        try:
            before = state.voices
            state, new = transcribe_window(
                window, state, config, loaded, watch=Watch(orphaned), encoder=encoder
            )
        except _ParentGone:
            return state
        save_window(folder, config, state, new, (a / rate, b / rate), added(before, state.voices))
        if on_window is not None:
            on_window(a / rate, b / rate, time.process_time() - cpu)


def _window(folder: Path, found: Replay, a: int, b: int) -> Window:
    """Frames ``a`` to ``b`` of the recording, from its chunk files, with the lag as the
    session's clock will have it (the journal's points so far)."""
    rate = int(found.header.get("rate", 48000))
    mic = read_chunks(folder, found.track("mic"), int(found.header.get("mic_channels", 1)), a, b)
    ref = read_chunks(
        folder, found.track("reference"), int(found.header.get("out_channels", 2)), a, b
    )
    lags = SessionClock.lagging(rate, found.delays).lag_stretches(a / rate, b / rate)
    return Window(mic, ref, rate, a / rate, lags)


class _ParentGone(Exception):
    """The session's process is gone."""


def load_quiet_engine(config: Config) -> Engine:
    """The engine with one thread (the rolling pass must leave the live pass its cores)."""
    if config.engine == "faster-whisper":
        from gim.transcribe.faster import FasterWhisperEngine
        from gim.transcribe.models import home_of_cache

        home = home_of_cache(Path(config.cache_dir))  # the session's names (gim models)
        return FasterWhisperEngine(config.model, cpu_threads=1, home=home)
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
    gim.passes.rolling_child``), started with the recording and stopped at End.

    Args:
        settings: engine, model, language, channels.
        folder: the session folder.
        mic_channels: channels the microphone records.
        planned_end: session seconds the session is set to end at, if it is.
    """

    def __init__(
        self, settings: Settings, folder: Path, mic_channels: int, planned_end: float | None = None
    ) -> None:
        self.folder = folder
        self.config = Config.of(settings, mic_channels)
        self.planned_end = planned_end
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the child (`gim.priority.rolling`, one thread); it ends soon after this
        process does."""
        env = {**os.environ, **QUIET_ENV}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gim.passes.rolling_child",
                str(self.folder),
                json.dumps(asdict(self.config)),
                str(os.getpid()),
                *([] if self.planned_end is None else [f"{self.planned_end:g}"]),
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
    """The child's entry point: ``FOLDER CONFIG_JSON PARENT_PID [PLANNED_END]``.

    A low priority first. No PR_SET_PDEATHSIG: it fires when the starting *thread* ends
    (the app starts sessions from a worker thread); the parent is checked instead, between
    windows and between the stretches of one.
    """
    prioritise(rolling(), "rolling pass")
    folder, raw, parent = Path(argv[0]), json.loads(argv[1]), int(argv[2])
    planned = float(argv[3]) if len(argv) > 3 else None
    raw["channels"] = [tuple(c) for c in raw["channels"]]
    config = Config(**raw)
    try:
        follow(folder, config, lambda: load_quiet_engine(config), parent, planned_end=planned)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

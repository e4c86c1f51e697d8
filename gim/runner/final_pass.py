"""The final pass: a stored session transcribed again, whole, with word timestamps.

One headless entry point used by ``gim session run``, ``gim sessions transcribe`` and (through
the app's one final-pass worker) the end-of-session screen and review's "transcribe again".
It can be stopped between speech stretches; a stopped pass changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gim.audio.offline import SAMPLE_RATE, prepare, read_audio, resample
from gim.config import Settings
from gim.core.session import Segment, Source, Speaker
from gim.errors import NotFoundError, SessionInUseError
from gim.runner import rolling, rolling_file
from gim.runner.final_mark import final_pass_running, let_go, refuse_if_running
from gim.runner.offline import PassStopped, Progress, link_playback, transcribe_prepared
from gim.runner.recovery import is_running
from gim.store.db import Store
from gim.transcribe.engine import DecodeOptions


def final_pass(
    store: Store,
    session_id: str,
    settings: Settings,
    *,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Segment]:
    """Transcribe a stored session again, whole, with word timestamps (the final pass).

    Reads ``mic.flac`` and ``reference.flac`` from the session folder, cancels the music
    with the stored delay, transcribes each speaker channel, links lines to the pieces,
    and replaces the preview and earlier final lines in the store, keeping every line the
    guide edited. Returns the transcript as now stored.

    ``stop`` is asked between speech stretches; when it says True the pass ends with
    `PassStopped` and the stored transcript is left as it was.

    Raises:
        PassStopped: when ``stop`` said so.
        NotFoundError: when the session's audio is missing.
        TranscriptionError: when the model cannot be loaded.
    """
    from gim.runner.language import with_language

    # The session's own language, whatever the settings' default is now.
    settings = with_language(settings, store.get_session(session_id).language)
    folder = settings.sessions_dir / session_id
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    try:
        if is_running(folder):  # another gim records it: its audio is not joined yet
            raise SessionInUseError(
                f"Session {session_id} is being recorded right now: end it first, then "
                "transcribe it."
            )
        refuse_if_running(folder)
        if not mic_path.is_file():
            raise NotFoundError(
                f"Session {session_id} has no joined recording ({mic_path}): open it once with "
                "gim sessions show to recover it."
            )
        with final_pass_running(folder):  # a kill leaves "final pass: not finished"
            return _final_pass(
                store, session_id, settings, folder, mic_path, ref_path, progress, stop
            )
    finally:
        let_go(folder)  # a pass this process meant to run and did not: "not finished"


def _final_pass(
    store: Store,
    session_id: str,
    settings: Settings,
    folder: Path,
    mic_path: Path,
    ref_path: Path,
    progress: Progress | None,
    stop: Callable[[], bool] | None,
) -> list[Segment]:
    from gim.transcribe.engine import load_engine

    delay = store.delay_frames(session_id)
    engine = load_engine(settings.engine, settings.model, cache_dir=settings.cache_dir / "models")
    # What the rolling pass finished during the session is kept: only the rest is done now.
    done = rolling.finish(folder, settings, engine, delay, progress, stop)
    if done is not None:
        return _store(store, session_id, folder, done, delay, settings.model)
    data, rate = read_audio(mic_path, "session recording")
    reference = resample(*read_audio(ref_path, "session reference")) if ref_path.is_file() else None
    lag16 = delay * SAMPLE_RATE / rate
    channels = [(settings.client_channel, Speaker.CLIENT)]
    if settings.guide_channel is not None and data.shape[1] > settings.guide_channel:
        channels.append((settings.guide_channel, Speaker.GUIDE))
    segments: list[Segment] = []
    for n, (channel, speaker) in enumerate(channels):
        mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
        part = _scaled(progress, n, len(channels))
        segments += transcribe_prepared(
            prepare(mic, reference, lag16 if reference is not None else None),
            engine,
            options=DecodeOptions(language=settings.language),
            speaker=speaker,
            progress=part,
            stop=stop,
        )
    return _store(store, session_id, folder, segments, delay, settings.model)


def _store(
    store: Store, session_id: str, folder: Path, segments: list[Segment], delay: float, model: str
) -> list[Segment]:
    """Link the final lines to the music and put them in place of the preview, each
    saying which ``model`` made it."""
    from gim.transcribe.models import model_label

    clock = store.clock(session_id)
    # a gap was recorded as silence, and removing the music from silence leaves the music
    # (inverted): lines found there are made of it, never of the client's words
    segments = [s for s in segments if not clock.within_gap(s.start, s.end)]
    segments.sort(key=lambda s: s.start)
    link_playback(segments, clock)
    for s in segments:
        s.model = s.model or model_label(model)
    stored = store.replace_transcript(session_id, segments, Source.FINAL)
    rolling_file.discard(folder)  # the database holds the lines now: no second copy of the text
    return stored


__all__ = ["PassStopped", "final_pass"]


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    """Progress of part ``index`` of ``count`` as a fraction of the whole."""
    if progress is None:
        return None
    report = progress
    return lambda fraction: report((index + fraction) / count)

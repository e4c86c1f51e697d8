"""The final pass: a stored session transcribed again, whole, with word timestamps.

One headless entry point used by ``gim session run``, ``gim sessions transcribe`` and (through
the app's one final-pass worker) the end-of-session screen and review's "transcribe again".
It can be stopped between speech stretches; a stopped pass changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gim.config import Settings
from gim.core.session import Segment, Source
from gim.errors import NotFoundError, SessionInUseError
from gim.passes import rolling, rolling_file
from gim.passes.offline import PassStopped, Progress, Watch, transcribe_recording
from gim.priority import FINAL, raised
from gim.runner.final_mark import final_pass_running, let_go, refuse_if_running
from gim.runner.recovery import is_running
from gim.runner.voices import by_voice
from gim.store.db import Store


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
    along the session's clock, transcribes each speaker channel, links lines to the pieces,
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
    mic_path = folder / "mic.flac"
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
            return _final_pass(store, session_id, settings, folder, Watch(progress, stop))
    finally:
        let_go(folder)  # a pass this process meant to run and did not: "not finished"


def _final_pass(
    store: Store, session_id: str, settings: Settings, folder: Path, watch: Watch
) -> list[Segment]:
    from gim.transcribe.engine import load_engine
    from gim.transcribe.models import model_label
    from gim.transcribe.voice import load_encoder

    clock = store.clock(session_id)
    with raised(FINAL, "final pass"):  # the engine's threads, started here, inherit it
        models = settings.cache_dir / "models"
        engine = load_engine(settings.engine, settings.model, cache_dir=models)
        # What the rolling pass finished during the session is kept: only the rest is done now
        # (with the voices of its lines, measured as its windows finished).
        encoder = load_encoder() if settings.guide_channel is None else None
        finished = rolling.finish(folder, settings, engine, clock, watch, encoder)
        if finished is None:
            segments = transcribe_recording(folder, settings, engine, clock, watch)
        else:
            segments = finished.segments
        voices = finished.voices if finished is not None else None
        session = store.get_session(session_id)
        segments, how = by_voice(session, settings, folder, clock, segments, voices)
    # a gap was recorded as silence, and removing the music from silence leaves the music
    # (inverted): lines found there are made of it, never of the client's words
    segments = [s for s in segments if not clock.within_gap(s.start, s.end)]
    segments.sort(key=lambda s: s.start)
    clock.link(segments)  # through the clock whose lag removed the music
    label = model_label(settings.model)
    for s in segments:
        s.model = s.model or label
    stored = store.replace_transcript(session_id, segments, Source.FINAL)
    store.set_speaker_labels(session_id, how)
    rolling_file.discard(folder)  # the database holds the lines now: no second copy of the text
    return stored


__all__ = ["PassStopped", "final_pass"]

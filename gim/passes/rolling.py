"""The rolling final pass: the final pass done window by window while the session runs.

A child process at a low priority (`rolling_child.NICE`, one thread) follows the crash-safe chunk
files a window behind the recording. Each window is prepared (`gim.passes.prepare`:
local drift, room fit, music removal) and transcribed (`transcribe_prepared`) exactly as
the whole recording would be; only lines that end before the window's safe edge are
final, and the next window starts (with a short pre-roll) at the earliest speech not
final yet, so an utterance across a boundary is transcribed whole. Every finished window
is appended, fsync'd, to ``rolling.jsonl`` in the session folder: a kill loses at most the
window being worked on. At End the final pass (`gim.runner.final_pass`) transcribes only
the remainder and removes the file once the database holds the transcript.

Here: the windowing rule and one window's transcription, and `finish` (the remainder at
End). The file is `gim.passes.rolling_file`; the child process `gim.passes.rolling_child`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gim.audio.files import read_frames, resample, track_info
from gim.config import Settings
from gim.core.clock import Lags, SessionClock
from gim.core.session import Segment, Speaker
from gim.passes import rolling_voices
from gim.passes.offline import Watch, transcribe_prepared
from gim.passes.prepare import Prepared, prepare_along
from gim.passes.rolling_file import Config, State, load
from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, Engine
from gim.transcribe.hearing import Hearing
from gim.transcribe.voice import VoiceEncoder

WINDOW = 90.0
"""Seconds of recording per window."""
MARGIN = 10.0
"""A line ending within this many seconds of a window's end may be cut: it waits."""
PREROLL = 1.0
"""Seconds a window starts before the earliest speech not final yet (VAD's lead-in)."""
MIN_AUDIO = 60.0
"""At End the remainder gets at least this much audio (the room fit's window)."""
NEAR_END = 120.0
"""Seconds before a session's planned end from which windows come every `NEAR_STEP`."""
NEAR_STEP = 30.0
"""Seconds of recording waiting past the last final point that make a window near the
planned end (a third of it, `MARGIN`, waits for the next window or End)."""
GROUP_GAP = 1.5
"""Lines closer than this are one stretch of speech (offline VAD stretches are padded by
0.35 s each side and joined across 0.3 s: lines of different stretches lie >= ~1 s apart)."""

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


def window_span(
    done: list[float], recorded: float, planned_end: float | None = None
) -> tuple[float, float] | None:
    """The next window (start, end in seconds) once ``recorded`` seconds are on disk;
    None while too little is.

    `WINDOW` seconds when that much waits (a pass behind catches up in long windows);
    else as soon as `MIN_AUDIO` seconds are there, all of them: a pass that keeps up
    stays about a minute behind the recording instead of up to a window and a half, so
    the final pass at End has little more than its own minimum left to do. From
    `NEAR_END` seconds before the session's ``planned_end`` a window comes once
    `NEAR_STEP` seconds wait, with the minute before it for the room fit (decoded only
    from where the lines are not final yet): at End less is left.
    """
    start = window_start(done)
    near = planned_end is not None and recorded >= planned_end - NEAR_END
    if recorded - start < (NEAR_STEP if near else MIN_AUDIO):
        return None
    if recorded - start >= MIN_AUDIO:
        return start, min(start + WINDOW, recorded)
    return max(0.0, recorded - MIN_AUDIO), recorded


@dataclass(frozen=True)
class Window:
    """A stretch of the recording as read from disk."""

    mic: np.ndarray
    """The microphone, frames×channels at ``rate``."""
    reference: np.ndarray | None
    """What was played, aligned with ``mic`` by frame count (None: nothing kept)."""
    rate: int
    start: float
    """Session seconds of frame 0."""
    lags: Lags = ()
    """The session clock's lag over the window, cut where it stepped
    (`SessionClock.lag_stretches`)."""

    @property
    def end(self) -> float:
        """Session seconds where the window ends."""
        return self.start + len(self.mic) / self.rate


def transcribe_window(
    window: Window,
    state: State,
    config: Config,
    engine: Engine,
    *,
    last: bool = False,
    watch: Watch | None = None,
    encoder: VoiceEncoder | None = None,
) -> tuple[State, list[Segment]]:
    """Transcribe one window.

    Returns the state after it (its final lines added, each channel's final point moved)
    and the lines it made final. ``last``: the remainder at End, every line is final.
    The ``watch`` is asked between speech stretches (`PassStopped` when it says stop).
    ``encoder``: embed the final lines' voices too (one channel: the voices tell the guide
    from the client; `gim.passes.rolling_voices`).
    """
    watch = watch or Watch()
    rate, end = window.rate, window.end
    ref16 = resample(window.reference, rate) if window.reference is not None else None
    done, new = list(state.done), []
    voices = None
    # Audio before the next window's start is there for the room fit only (the remainder
    # at End has a minute of it): its lines were final already, so it is not decoded.
    skip = max(0.0, window_start(done) - window.start)
    for n, (channel, speaker) in enumerate(config.channels):
        mic16 = resample(window.mic[:, min(channel, window.mic.shape[1] - 1)], rate)
        hearing = Hearing(
            speaker=Speaker(speaker),
            offset=window.start,
            options=DecodeOptions(language=config.language),
        )
        lines, clean, offset = _transcribe(
            mic16, ref16, window, engine, hearing, watch.part(n, len(config.channels)), skip
        )
        if last:
            final, done[n] = [s for s in lines if (s.start + s.end) / 2 >= done[n]], end
        else:
            final, done[n] = finalise(lines, done[n], end - MARGIN)
        new += final
        if encoder is not None and len(config.channels) == 1:
            voices = rolling_voices.embed_final(final, clean, offset, encoder)
    new.sort(key=lambda s: s.start)
    merged = sorted(state.segments + new, key=lambda s: s.start)
    return State(done, merged, state.windows + 1, rolling_voices.joined(state.voices, voices)), new


def _transcribe(
    mic16: np.ndarray,
    ref16: np.ndarray | None,
    window: Window,
    engine: Engine,
    hearing: Hearing,
    watch: Watch,
    skip: float = 0.0,
) -> tuple[list[Segment], np.ndarray, float]:
    """The window's lines: the music removed over all of it, the first ``skip`` seconds
    (there for the room fit) left undecoded; and its microphone cleaned of the music (16
    kHz) as decoded, with the session seconds of its first frame."""
    if ref16 is not None:
        n = min(len(mic16), len(ref16))
        ref16 = np.concatenate([ref16[:n], np.zeros(len(mic16) - n, np.float32)])
    prepared = prepare_along(mic16, ref16, window.lags, window.start)
    k = min(round(skip * SAMPLE_RATE), len(prepared.mic))
    if k > 0:
        ref = prepared.reference
        prepared = Prepared(
            prepared.mic[k:], prepared.clean[k:], prepared.delay, None if ref is None else ref[k:]
        )
        hearing = replace(hearing, offset=hearing.offset + k / SAMPLE_RATE)
    return transcribe_prepared(prepared, engine, hearing, watch), prepared.clean, hearing.offset


def finish(
    folder: Path,
    settings: Settings,
    engine: Engine,
    clock: SessionClock,
    watch: Watch | None = None,
    encoder: VoiceEncoder | None = None,
) -> State | None:
    """The final transcript from the finished windows and the remainder of the joined
    recording (with the lines' voices when the windows and ``encoder`` measured them);
    None when no window was finished (the whole pass is needed).

    Args:
        folder: the session folder.
        settings: engine, model, language, channels (the windows must match them).
        engine: a loaded engine.
        clock: the session's clock (its lag over the remainder seeds the music's removal).
        watch: told the progress, asked between speech stretches whether to stop.

    Raises:
        PassStopped: when the watch said stop (the finished windows stay for next time).
    """
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    info = track_info(mic_path)
    if info is None:
        return None  # the whole pass reads it and says what is wrong
    config = Config.of(settings, info.channels)
    state = load(folder, config)
    if state is None:
        return None
    rate = info.rate
    start = min(window_start(state.done), max(0.0, info.seconds - MIN_AUDIO))
    a = round(start * rate)
    mic, _ = read_frames(mic_path, a)
    ref = read_frames(ref_path, a, a + len(mic))[0] if ref_path.is_file() else None
    window = Window(mic, ref, rate, a / rate, clock.lag_stretches(a / rate, info.seconds))
    after, _ = transcribe_window(
        window, state, config, engine, last=True, watch=watch, encoder=encoder
    )
    return after

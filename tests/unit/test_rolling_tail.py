"""The remainder at End: only what the rolling pass left is decoded, the minute before it is
there for the room fit alone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from gim.config import Settings
from gim.core.session import Segment, Source
from gim.passes import rolling
from gim.passes.prepare import Prepared
from gim.passes.rolling import Window, transcribe_window, window_span, window_start
from gim.passes.rolling_file import Config, State, load
from gim.passes.speakers import Windows
from gim.transcribe.engine import SAMPLE_RATE
from gim.transcribe.hearing import Hearing

RATE = 16000


@dataclass
class Decoded:
    """What `transcribe_prepared` was given: (seconds of audio, session seconds of frame 0)."""

    calls: list[tuple[float, float]] = field(default_factory=list)
    lines: list[Segment] = field(default_factory=list)

    def __call__(self, prepared: Prepared, engine: object, hearing: Hearing, watch: object) -> list:
        self.calls.append((len(prepared.clean) / SAMPLE_RATE, hearing.offset))
        return [s for s in self.lines if s.start >= hearing.offset]


def _window(start: float, seconds: float) -> Window:
    mic = (0.01 * np.random.default_rng(0).standard_normal((int(seconds * RATE), 1))).astype(
        np.float32
    )
    return Window(mic, None, RATE, start)


def _config() -> Config:
    return Config("faster-whisper", "bundled", "en", [(0, "client")])


def test_the_remainder_at_end_decodes_only_after_the_last_final_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded = Decoded(lines=[Segment(290.0, 294.0, "said", source=Source.FINAL)])
    monkeypatch.setattr(rolling, "transcribe_prepared", decoded)
    state = State([285.0], [Segment(250.0, 255.0, "before", source=Source.FINAL)], 4)
    # The session ended at 300 s: the remainder has a minute of audio for the room fit.
    after, new = transcribe_window(_window(240.0, 60.0), state, _config(), object(), last=True)

    ((seconds, offset),) = decoded.calls
    assert offset == pytest.approx(window_start([285.0]))  # 284 s: a pre-roll before 285
    assert seconds == pytest.approx(300.0 - 284.0)  # not the minute
    assert [s.text for s in new] == ["said"]
    assert [s.text for s in after.segments] == ["before", "said"] and after.done == [300.0]


def test_a_window_during_the_session_is_decoded_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = Decoded()
    monkeypatch.setattr(rolling, "transcribe_prepared", decoded)
    state = State([61.0], [], 1)
    transcribe_window(_window(window_start([61.0]), 90.0), state, _config(), object())
    assert decoded.calls == [(pytest.approx(90.0), pytest.approx(60.0))]


class LevelEncoder:
    """A stand-in speaker model: a window's embedding holds its mean sample (the test's
    audio is its own session time in ms) and a fixed unit direction otherwise."""

    def embed_stretches(self, stretches: list[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(stretches), 256), np.float32)
        out[:, 1] = 1.0
        out[:, 0] = [float(np.mean(s)) for s in stretches]
        return out


def _timed(start: float, seconds: float) -> Window:
    """A window whose every sample is its session time in thousands of seconds."""
    t = start + np.arange(int(seconds * RATE)) / RATE
    return Window((t / 1000).astype(np.float32)[:, None], None, RATE, start)


def test_the_remainders_voices_are_measured_where_its_lines_are_after_the_skipped_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    later = Segment(346.0, 349.0, "three", source=Source.FINAL)
    monkeypatch.setattr(rolling, "transcribe_prepared", Decoded(lines=[later]))
    state = State([340.0], [], 4, voices=Windows.none())
    # the session ended at 352 s: the remainder has a minute, 47 s of it before 339 s
    end, new = transcribe_window(
        _timed(292.0, 60.0), state, _config(), object(), last=True, encoder=LevelEncoder()
    )
    assert new == [later] and end.voices is not None
    spans, emb = end.voices.spans, end.voices.emb
    assert len(spans) == 5 and all(346.0 <= a < b <= 349.0 for a, b in spans)
    # each window's embedding is made from the audio at its own session time
    assert np.allclose(emb[:, 0] * 1000, spans.mean(axis=1), atol=0.01)


def test_near_the_planned_end_windows_come_sooner_with_a_minute_for_the_fit() -> None:
    done, end = [300.0], 420.0
    start = window_start(done)
    soon = start + rolling.NEAR_STEP
    # far from the end (or none planned) a window still waits for a minute
    assert window_span(done, soon, None) is None
    assert window_span(done, soon, end + rolling.NEAR_END) is None
    # near it, one comes once NEAR_STEP seconds wait, the minute before for the room fit
    assert window_span(done, soon - 0.5, end) is None
    assert window_span(done, soon, end) == (soon - rolling.MIN_AUDIO, soon)
    assert window_span(done, start + 70.0, end) == (start, start + 70.0)
    assert window_span(done, 600.0, end) == (start, start + rolling.WINDOW)  # one behind
    assert window_span([0.0], 35.0, 60.0) == (0.0, 35.0)  # a short session: what there is


def test_a_near_end_window_decodes_only_what_is_not_final(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = Decoded()
    monkeypatch.setattr(rolling, "transcribe_prepared", decoded)
    done = [300.0]
    a, b = window_span(done, window_start(done) + rolling.NEAR_STEP, 420.0) or (0.0, 0.0)
    transcribe_window(_window(a, b - a), State(done, [], 5), _config(), object())
    ((seconds, offset),) = decoded.calls
    assert offset == pytest.approx(window_start(done)) and seconds == pytest.approx(b - offset)


def test_the_child_follows_the_chunk_files_and_keeps_each_window_with_its_voices(
    tmp_path: Path,
) -> None:
    from gim.audio.journal import Journal
    from gim.audio.writer import ChunkWriter
    from gim.passes.rolling_child import follow
    from tests.unit.test_recall import FakeEngine

    journal = Journal(tmp_path)
    journal.write("session", id=tmp_path.name, rate=RATE, mic_channels=1, out_channels=1)
    mic = ChunkWriter(tmp_path, "mic", RATE, 1, journal)
    ref = ChunkWriter(tmp_path, "reference", RATE, 1, journal)
    room = (0.001 * np.random.default_rng(5).standard_normal(65 * RATE)).astype(np.float32)
    for i in range(0, len(room), RATE):
        mic.write(i, room[i : i + RATE, None])
        ref.write(i, np.zeros((len(room[i : i + RATE]), 1), np.float32))
    mic.flush()
    ref.flush()
    journal.close()
    windows: list[tuple[float, float]] = []

    state = follow(
        tmp_path,
        _config(),
        lambda: FakeEngine([]),
        caught_up=True,
        on_window=lambda a, b, _cpu: windows.append((a, b)),
    )

    assert windows == [(0.0, 65.0)] and state.windows == 1
    kept = load(tmp_path, _config())
    assert kept is not None and kept.done == state.done and kept.voices is not None


def test_the_session_tells_the_rolling_child_its_planned_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from gim.passes import rolling_child

    started: list[list[str]] = []
    monkeypatch.setattr(rolling_child.subprocess, "Popen", lambda args, **_kw: started.append(args))
    settings = Settings(home=tmp_path)
    rolling_child.RollingPass(settings, tmp_path, 1, planned_end=360.0).start()
    rolling_child.RollingPass(settings, tmp_path, 1).start()
    assert started[0][-1] == "360" and started[0][-2] == str(os.getpid())
    assert started[1][-1] == str(os.getpid())

    seen: list[float | None] = []
    monkeypatch.setattr(rolling_child, "prioritise", lambda *_a: None)
    monkeypatch.setattr(rolling_child, "follow", lambda *_a, **kw: seen.append(kw["planned_end"]))
    for argv in (started[0], started[1]):
        rolling_child.main(argv[3:])
    assert seen == [360.0, None]

"""The remainder at End: only what the rolling pass left is decoded, the minute before it is
there for the room fit alone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from gim.config import Settings
from gim.core.clock import SessionClock
from gim.core.session import Segment, Session, Source, Word, labels_made
from gim.passes import rolling
from gim.passes import voices as voices_module
from gim.passes.prepare import Prepared
from gim.passes.rolling import Window, transcribe_window, window_span, window_start
from gim.passes.rolling_file import Config, State, added, load, save_window
from gim.passes.speakers import line_windows
from gim.passes.voices import VoiceSource
from gim.runner import voices as runner_voices
from gim.transcribe.engine import SAMPLE_RATE
from gim.transcribe.hearing import Hearing
from gim.transcribe.voice import load_encoder

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


def test_each_window_embeds_its_final_lines_voices_and_the_file_keeps_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    said = [Segment(70.0, 73.0, "one", source=Source.FINAL)]
    said += [Segment(100.0, 104.0, "two", source=Source.FINAL)]
    later = Segment(146.0, 149.0, "three", source=Source.FINAL)  # past the safe edge: waits
    monkeypatch.setattr(rolling, "transcribe_prepared", Decoded(lines=[*said, later]))
    first = State([0.0])
    state, new = transcribe_window(
        _timed(0.0, 150.0), first, _config(), object(), encoder=LevelEncoder()
    )
    assert new == said and state.voices is not None
    spans, emb = state.voices.spans, state.voices.emb
    assert len(spans) == 5 + 7  # 1 s windows every 0.5 s over 3 s and 4 s
    assert all(any(s.start <= a < b <= s.end for s in said) for a, b in spans)
    # each window's embedding is made from the audio at its own session time
    assert np.allclose(emb[:, 0] * 1000, spans.mean(axis=1), atol=0.01)

    save_window(tmp_path, _config(), state, new, (0.0, 150.0), added(first, state))
    back = load(tmp_path, _config())
    assert back is not None and back.voices is not None
    assert np.allclose(back.voices.spans, spans) and np.array_equal(back.voices.emb, emb)

    # the remainder at End adds its own lines' windows to the kept ones
    monkeypatch.setattr(rolling, "transcribe_prepared", Decoded(lines=[later]))
    end, _ = transcribe_window(
        _timed(back.done[0] - 1, 20.0), back, _config(), object(), last=True, encoder=LevelEncoder()
    )
    assert end.voices is not None and len(end.voices.spans) == 12 + 5
    assert np.allclose(end.voices.emb[12:, 0] * 1000, end.voices.spans[12:].mean(axis=1), atol=0.01)


def test_a_window_kept_without_voices_leaves_them_unknown(tmp_path: Path) -> None:
    lines = [Segment(70.0, 73.0, "one", source=Source.FINAL)]
    save_window(tmp_path, _config(), State([140.0], lines, 1), lines, (0.0, 150.0))
    state = load(tmp_path, _config())
    assert state is not None and state.voices is None


def test_lines_with_voices_given_are_labelled_without_cleaning_the_recording(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    session = Session(id="s1", client="AB12", program="demo", started_at="2026-01-05T10:00:00")
    rng = np.random.default_rng(3)
    clean = (0.05 * rng.standard_normal(40 * RATE)).astype(np.float32)
    lines = [Segment(2.0, 5.0, "one", words=[Word(2.0, 5.0, "one")], source=Source.FINAL)]
    lines += [Segment(20.0, 22.5, "two", words=[Word(20.0, 22.5, "two")], source=Source.FINAL)]
    voices = line_windows(lines, clean, load_encoder())
    whole = voices_module.label_lines(lines, clean, VoiceSource(None, None))

    def never(*_args: object) -> np.ndarray:
        raise AssertionError("the whole recording was cleaned again")

    monkeypatch.setattr(runner_voices, "cleaned_recording", never)
    clock = SessionClock.lagging(48000, [])
    labelled, how = runner_voices.by_voice(session, settings, tmp_path, clock, lines, voices)
    assert (labelled, how) == (whole[0], labels_made(whole[1]))


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

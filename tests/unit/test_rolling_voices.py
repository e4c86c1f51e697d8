"""The rolling pass measures its final lines' voices window by window (rolling_voices)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.config import Settings
from gim.core.session import Segment, Source, Speaker
from gim.passes import rolling_file, rolling_voices
from gim.passes.rolling_file import Config, State, load, save_window
from gim.passes.speakers import Windows, line_windows
from gim.transcribe.voice import DIM, load_encoder

RATE = 16000


def line(start: float, end: float) -> Segment:
    return Segment(start, end, "words", Speaker.CLIENT, Source.FINAL)


def some_voice(seconds: float, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    tone = np.sin(2 * np.pi * np.cumsum(pitch) / RATE) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (0.2 * tone + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def test_a_window_measures_its_lines_as_the_whole_recording_would() -> None:
    """Lines embedded from a window's audio (session seconds shifted) give the windows the
    whole recording gives for them: same spans in session seconds, same embeddings."""
    audio = some_voice(60.0)
    lines = [line(31.2, 33.9), line(40.0, 40.6), line(44.0, 47.5)]
    whole = line_windows(lines, audio, load_encoder())
    start = 30.0
    window = rolling_voices.embed_final(lines, audio[int(start * RATE) :], start, load_encoder())
    assert len(whole.spans) == len(window.spans) > 3
    assert np.allclose(window.spans, whole.spans)
    # (a window's first frame rounds a line's start to the sample differently, at most one)
    cosine = np.sum(window.emb * whole.emb, axis=1)
    assert cosine.min() > 0.9999


def windows(n: int, seed: int) -> Windows:
    rng = np.random.default_rng(seed)
    spans = np.cumsum(rng.uniform(0.1, 1.0, (n, 2)), axis=None).reshape(n, 2)
    emb = rng.standard_normal((n, DIM)).astype(np.float32)
    return Windows(spans, emb)


def test_voices_go_to_the_file_and_come_back_exactly_and_a_window_without_them_counts_none(
    tmp_path: Path,
) -> None:
    config = Config.of(Settings(home=Path("/nonexistent")), 1)
    a, b = windows(5, 1), windows(3, 2)
    first = [line(1.0, 2.0)]
    s1 = State([78.0], first, 1, a)
    save_window(tmp_path, config, s1, first, (0.0, 90.0), a)
    second = [line(80.0, 82.0)]
    s2 = State([158.0], first + second, 2, rolling_voices.joined(a, b))
    save_window(tmp_path, config, s2, second, (77.0, 167.0), rolling_voices.added(a, s2.voices))
    state = load(tmp_path, config)
    assert state is not None and state.voices is not None
    assert np.array_equal(state.voices.emb, np.concatenate([a.emb, b.emb]))
    assert np.allclose(state.voices.spans, np.concatenate([a.spans, b.spans]), atol=1e-4)
    save_window(tmp_path, config, State([200.0], first + second, 3), [], (157.0, 210.0))
    assert load(tmp_path, config).voices is None  # type: ignore[union-attr]
    (tmp_path / rolling_file.FILE).unlink()
    save_window(tmp_path, config, s1, first, (0.0, 90.0), a)
    assert load(tmp_path, config).voices is not None  # type: ignore[union-attr]


def test_damaged_voices_are_unknown_not_wrong() -> None:
    good = rolling_voices.to_json(windows(4, 5))
    assert rolling_voices.from_json(good) is not None
    assert rolling_voices.from_json({**good, "emb": good["emb"][:-8]}) is None
    assert rolling_voices.from_json({**good, "spans": [[0.0, 1.0]]}) is None
    assert rolling_voices.from_json({"spans": good["spans"]}) is None
    assert rolling_voices.from_json("nonsense") is None

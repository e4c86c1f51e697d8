"""Reading a piece in blocks at the device rate: seamless joins, exact length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import soxr

from gim.audio.source import PieceReader, piece_length


def tone(
    path: Path, rate: int, seconds: float, freq: float = 440.0, channels: int = 1
) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    data = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    data = np.repeat(data[:, None], channels, axis=1)
    soundfile.write(path, data, rate)
    return data


def test_blockwise_resampling_matches_one_pass(tmp_path: Path) -> None:
    src = tone(tmp_path / "a.wav", 44100, 3.0, channels=2)
    reader = PieceReader(tmp_path / "a.wav", 48000, 2)
    blocks = []
    while True:
        block = reader.read(1000)
        if not len(block):
            break
        blocks.append(block)
    streamed = np.concatenate(blocks)
    whole = soxr.resample(src, 44100, 48000)
    assert abs(len(streamed) - len(whole)) <= 2
    n = min(len(streamed), len(whole))
    assert np.max(np.abs(streamed[:n] - whole[:n])) < 1e-3
    # no click at any block join: the sample-to-sample step never exceeds the tone's own
    steps = np.abs(np.diff(streamed[100:-100, 0]))
    assert steps.max() < 2 * np.pi * 440 / 48000 * 0.5 * 1.05


def test_mono_file_is_spread_and_length_known(tmp_path: Path) -> None:
    tone(tmp_path / "m.flac", 48000, 1.0)
    assert piece_length(tmp_path / "m.flac", 48000, 0.0) == 48000
    reader = PieceReader(tmp_path / "m.flac", 48000, 2, start=24000)
    out = reader.read(48000)
    assert out.shape == (24000, 2)
    assert np.array_equal(out[:, 0], out[:, 1])


def test_missing_file_plays_silence_of_its_duration() -> None:
    reader = PieceReader(None, 48000, 2, silence=0.5)
    assert len(reader.read(100000)) == 24000
    assert len(reader.read(10)) == 0

"""The demo program's synthesized audio: right lengths, clean, cached, crash-safe."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.ndimage import median_filter

from gim.audio.synth import PIECES, RATE, demo_audio_ready, ensure_demo_audio, pitch
from gim.config import Settings
from gim.core.program_parse import parse_program

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path]]:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    return settings, ensure_demo_audio(settings)


def click_ratio(audio: np.ndarray) -> float:
    """Largest 10 ms burst of high-frequency energy relative to its neighbourhood."""
    d2 = np.abs(np.diff(audio, n=2, axis=0)).max(axis=1)
    w = RATE // 100
    blocks = d2[: len(d2) // w * w].reshape(-1, w).max(axis=1)
    return float((blocks / (median_filter(blocks, size=51) + 1e-4)).max())


def test_note_names() -> None:
    assert pitch("C4") == 60
    assert pitch("A4") == 69
    assert pitch("F#2") == 42
    assert pitch("Bb3") == 58


def test_durations_match_the_demo_program(made: tuple[Settings, list[Path]]) -> None:
    _, paths = made
    data = tomllib.loads((ROOT / "programs" / "demo.toml").read_text(encoding="utf-8"))
    program = parse_program(data, "demo.toml")
    assert len(program.pieces) == len(paths) == len(PIECES) >= 3
    total = 0.0
    for piece, path in zip(program.pieces, paths, strict=True):
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.format) == (RATE, 2, "FLAC")
        assert info.frames / RATE == piece.duration
        total += piece.duration
    assert 5 * 60 <= total <= 8 * 60


@pytest.mark.parametrize("index", range(len(PIECES)))
def test_audio_is_clean_and_comfortably_loud(made: tuple[Settings, list[Path]], index: int) -> None:
    audio, rate = sf.read(str(made[1][index]), dtype="float32")
    assert rate == RATE
    peak = float(np.abs(audio).max())
    rms_db = 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert peak < 0.95, "clipping"
    assert -20 <= rms_db <= -14
    assert abs(audio[0]).max() < 1e-3 and abs(audio[-1]).max() < 1e-3  # no click at the ends
    assert click_ratio(audio) < 5
    left, right = audio[:, 0], audio[:, 1]
    assert not np.allclose(left, right), "stereo, not two copies of mono"


def test_the_click_detector_finds_a_click(made: tuple[Settings, list[Path]]) -> None:
    audio, _ = sf.read(str(made[1][2]), dtype="float32")
    audio[RATE * 20 :] += 0.05
    assert click_ratio(audio) > 5


def test_files_are_private_and_reused(made: tuple[Settings, list[Path]]) -> None:
    settings, paths = made
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in paths]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    assert stat.S_IMODE(paths[0].parent.stat().st_mode) == 0o700
    assert demo_audio_ready(settings)
    assert ensure_demo_audio(settings) == paths
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in paths] == before
    assert not [p for p in paths[0].parent.iterdir() if p.name.startswith(".")]


def test_a_truncated_file_is_made_again(made: tuple[Settings, list[Path]]) -> None:
    settings, paths = made
    last = paths[-1]
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2])
    assert not demo_audio_ready(settings)
    ensure_demo_audio(settings)
    assert sf.info(str(last)).frames == PIECES[-1].seconds() * RATE
    assert last.stat().st_size == len(data)
    assert demo_audio_ready(settings)

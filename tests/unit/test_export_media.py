"""Recordings for a REFI-QDA project: MP3 QDA programs play, the music lined up with the voice."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf

from gim.export.media import mp3_of, voice_and_music
from tests.support.sample import sample_record


def envelope(data: bytes) -> tuple[np.ndarray, int]:
    audio, rate = sf.read(io.BytesIO(data), dtype="float32")
    assert audio.ndim == 1
    return audio, rate


def test_the_microphone_becomes_an_mp3_of_the_same_length(tmp_path: Path) -> None:
    rate = 16000
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(70 * rate) / rate)
    sf.write(tmp_path / "mic.flac", np.stack([tone, tone], axis=1), rate, subtype="PCM_16")
    data = mp3_of(tmp_path / "mic.flac")
    audio, got = envelope(data)
    assert data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    assert got == rate and abs(len(audio) / rate - 70.0) < 0.2
    assert len(data) < (tmp_path / "mic.flac").stat().st_size  # smaller than the FLAC


def test_the_music_is_mixed_where_it_was_heard(tmp_path: Path) -> None:
    """A burst played at output 5.0 s is heard 0.5 s later (the lag): the mix has it there."""
    record = sample_record(delay_frames=24000.0)  # 0.5 s at 48 kHz
    mic_rate, out_rate = 16000, 48000
    sf.write(tmp_path / "mic.flac", np.zeros(40 * mic_rate, np.int16), mic_rate)
    played = np.zeros(40 * out_rate, np.float32)
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, out_rate).astype(np.float32)
    played[5 * out_rate : 6 * out_rate] = noise
    played[31 * out_rate : 32 * out_rate] = noise  # across a block boundary (30 s)
    sf.write(tmp_path / "reference.flac", played, out_rate, subtype="PCM_16")
    audio, rate = envelope(
        voice_and_music(tmp_path / "mic.flac", tmp_path / "reference.flac", record)
    )
    assert rate == mic_rate and abs(len(audio) / rate - 40.0) < 0.2
    loud = np.flatnonzero(np.abs(audio) > 0.05) / rate
    first = loud[loud < 20]
    second = loud[loud > 20]
    assert abs(first[0] - 5.5) < 0.1 and abs(first[-1] - 6.5) < 0.1
    assert abs(second[0] - 31.5) < 0.1 and abs(second[-1] - 32.5) < 0.1

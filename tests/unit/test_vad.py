"""Voice activity detection on real speech and on music."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gim.audio.files import read_audio, resample
from gim.transcribe.vad import Stretch, merge_spans, residual_db, speech_spans


def test_finds_speech_and_not_silence(shared_data: Path) -> None:
    data, rate = read_audio(shared_data / "speech/ljspeech/LJ001-0002.wav")
    speech = resample(data, rate)
    audio = np.concatenate([np.zeros(32000, np.float32), speech, np.zeros(32000, np.float32)])
    spans = speech_spans(audio)
    assert len(spans) == 1
    start, end = spans[0].seconds
    assert 1.5 < start < 2.3
    assert 2.0 + len(speech) / 16000 - 0.5 < end < 2.0 + len(speech) / 16000 + 0.6


def test_silence_has_no_speech() -> None:
    rng = np.random.default_rng(0)
    assert speech_spans((rng.standard_normal(48000) * 1e-4).astype(np.float32)) == []


def test_residual_db_and_merge() -> None:
    mic = np.ones(1600, np.float32)
    assert abs(residual_db(mic, mic * 0.1, Stretch(0, 1600)) + 20.0) < 0.01
    merged = merge_spans([Stretch(0, 1000), Stretch(3000, 5000), Stretch(20000, 21000)], gap=0.3)
    assert merged == [Stretch(0, 5000), Stretch(20000, 21000)]

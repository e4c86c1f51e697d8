"""A window decoded again is not encoded again (the encoder is most of a decode's cost).

A stretch Whisper judges "no speech" is decoded a second time without the skip
(`gim.transcribe.utterance`); the live pass has ~3 s from the end of an utterance to its
line, and a second 30 s encoding under load took half of it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from gim.audio.files import read_audio, resample
from gim.transcribe.engine import DecodeOptions, live_options
from gim.transcribe.faster import FasterWhisperEngine


class Counting:
    """The CTranslate2 model, counting its encodings."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.encoded = 0

    def encode(self, *args: Any, **kwargs: Any) -> Any:
        self.encoded += 1
        return self.model.encode(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


@pytest.mark.whisper
def test_the_same_audio_is_encoded_once_and_decodes_the_same(shared_data: Path) -> None:
    speech = resample(*read_audio(shared_data / "speech/ljspeech/LJ001-0002.wav"))
    other = resample(*read_audio(shared_data / "speech/ljspeech/LJ001-0008.wav"))
    engine = FasterWhisperEngine()
    fresh = [s.text for s in engine.transcribe(speech, options=live_options())]
    counted = Counting(engine.model.model)
    engine.model.model = counted
    retry = dataclasses.replace(live_options(), no_speech_threshold=None)  # as utterance.py
    again = [s.text for s in engine.transcribe(speech, options=retry)]
    assert counted.encoded == 0  # the last window's encoding, kept
    assert again == fresh and fresh
    assert [s.text for s in engine.transcribe(other, options=live_options())] != fresh
    assert counted.encoded == 1  # other audio is encoded
    assert [s.text for s in engine.transcribe(speech, options=live_options())] == fresh
    assert counted.encoded == 2


@pytest.mark.whisper
def test_the_live_window_encodes_less_and_writes_the_same_words(shared_data: Path) -> None:
    speech = resample(*read_audio(shared_data / "speech/ljspeech/LJ001-0001.wav"))
    engine = FasterWhisperEngine()
    shapes: list[tuple[int, ...]] = []
    model = engine.model.model

    class Shapes(Counting):
        def encode(self, features: Any, *args: Any, **kwargs: Any) -> Any:
            shapes.append(tuple(features.shape))
            return model.encode(features, *args, **kwargs)

    engine.model.model = Shapes(model)
    whole = DecodeOptions(beam_size=1, temperature=(0.0,))
    full = " ".join(s.text for s in engine.transcribe(speech, options=whole))
    live = " ".join(s.text for s in engine.transcribe(speech, options=live_options()))
    assert [s[-1] for s in shapes] == [3000, 2000]  # 10 s of speech: a 20 s window
    assert live == full and "printing" in live.lower()

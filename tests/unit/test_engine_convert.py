"""The bundled CTranslate2 tiny.en becomes an openai-whisper checkpoint that agrees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gim.audio.files import read_audio, resample
from gim.transcribe.convert import openai_checkpoint, read_ctranslate2, state_dict
from gim.transcribe.engine import DecodeOptions, load_engine
from gim.transcribe.models import bundled_model_path, resolve_model


def test_state_dict_matches_the_openai_model_layout() -> None:
    from whisper.model import ModelDimensions, Whisper

    dims, state = state_dict(read_ctranslate2(bundled_model_path() / "model.bin"))
    assert dims["n_vocab"] == 51864 and dims["n_audio_layer"] == 4  # tiny.en
    expected = Whisper(ModelDimensions(**dims)).state_dict()
    assert set(state) == set(expected)
    assert all(tuple(state[k].shape) == tuple(expected[k].shape) for k in state)
    # the fused self-attention projection was split in three; key has no bias
    assert "encoder.blocks.0.attn.key.bias" not in state


def test_resolve_model_order(tmp_path: Path) -> None:
    assert resolve_model("bundled") == (str(bundled_model_path()), True)
    assert resolve_model(str(tmp_path)) == (str(tmp_path), True)
    assert resolve_model("small.en") == ("small.en", False)


@pytest.mark.whisper
@pytest.mark.slow
def test_openai_whisper_gives_the_same_text(shared_data: Path, tmp_path: Path) -> None:
    checkpoint = openai_checkpoint(bundled_model_path(), tmp_path / "models")
    assert checkpoint.stat().st_mode & 0o777 == 0o600
    assert openai_checkpoint(bundled_model_path(), tmp_path / "models") == checkpoint  # cached
    audio = np.concatenate(
        [resample(*read_audio(shared_data / f"speech/ljspeech/LJ001-000{i}.wav")) for i in (4, 5)]
    )
    options = DecodeOptions(beam_size=1)
    words = []
    for name in ("faster-whisper", "openai-whisper"):
        engine = load_engine(name, "bundled", cache_dir=tmp_path / "models")
        text = " ".join(s.text for s in engine.transcribe(audio, options=options))
        words.append(text.lower().replace(",", "").replace(".", "").split())
    import jiwer

    differing = jiwer.process_words(" ".join(words[0]), " ".join(words[1]))
    assert differing.substitutions + differing.deletions + differing.insertions <= 2, words

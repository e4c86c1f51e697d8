"""What a file or folder holds: a CTranslate2 Whisper model, an openai-whisper checkpoint,
or neither; and whether it transcribes more than English.

Read from the files' headers without loading the weights (a large-v3 is 3 GB).
English-only Whisper models have a vocabulary of 51864 tokens, multilingual ones 51865
(51866 from large-v3 on, which adds Cantonese).
"""

from __future__ import annotations

import json
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gim.errors import InputError

CTRANSLATE2 = "ctranslate2"
OPENAI = "openai-whisper"
MULTILINGUAL_VOCAB = 51865


@dataclass(frozen=True)
class ModelInfo:
    """A Whisper model found at a path."""

    path: Path
    kind: str
    """``ctranslate2`` (faster-whisper) or ``openai-whisper`` (a .pt checkpoint)."""
    multilingual: bool
    size: int
    """Bytes on disk."""

    @property
    def engine(self) -> str:
        """The engine that runs it."""
        return "faster-whisper" if self.kind == CTRANSLATE2 else "openai-whisper"


def not_a_model(path: Path, why: str) -> InputError:
    """The one sentence for a path that holds no Whisper model."""
    return InputError(
        f"{path} is not a Whisper model ({why}): give a CTranslate2 Whisper folder "
        "(model.bin, config.json, vocabulary) or an openai-whisper .pt checkpoint."
    )


def inspect_model(path: Path) -> ModelInfo:
    """The Whisper model at ``path``.

    Raises:
        InputError: one sentence when ``path`` is missing or holds no Whisper model.
    """
    if not path.exists():
        raise InputError(f"{path} does not exist: give a model folder or checkpoint file.")
    if path.is_dir():
        return _ctranslate2(path)
    return _checkpoint(path)


def _ctranslate2(folder: Path) -> ModelInfo:
    model = folder / "model.bin"
    if not model.is_file():
        raise not_a_model(folder, "no model.bin in it")
    try:
        with model.open("rb") as f:
            version = struct.unpack("<I", f.read(4))[0]
            length = struct.unpack("<H", f.read(2))[0]
            spec = f.read(length).rstrip(b"\0").decode("utf-8", "replace")
    except (OSError, struct.error) as exc:
        raise not_a_model(folder, "model.bin cannot be read") from exc
    if version > 100 or spec != "WhisperSpec":
        raise not_a_model(folder, "its model.bin is not a CTranslate2 Whisper model")
    vocab = _vocabulary_size(folder)
    if vocab is None:
        raise not_a_model(folder, "no vocabulary.txt, vocabulary.json or tokenizer.json")
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    return ModelInfo(folder, CTRANSLATE2, vocab >= MULTILINGUAL_VOCAB, size)


def _vocabulary_size(folder: Path) -> int | None:
    """Tokens in the model's vocabulary, from whichever vocabulary file it has."""
    try:
        text = folder / "vocabulary.txt"
        if text.is_file():
            with text.open(encoding="utf-8") as f:
                return sum(1 for _ in f)
        listed = folder / "vocabulary.json"
        if listed.is_file():
            return len(json.loads(listed.read_text(encoding="utf-8")))
        tokenizer = folder / "tokenizer.json"
        if tokenizer.is_file():
            data = json.loads(tokenizer.read_text(encoding="utf-8"))
            return len(data["model"]["vocab"]) + len(data.get("added_tokens", []))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None


class _Headers(pickle.Unpickler):
    """Reads a torch checkpoint's pickle without torch and without running its classes:
    every class becomes a placeholder, every tensor None; plain dicts stay dicts."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return _Dict
        return _placeholder

    def persistent_load(self, pid: Any) -> None:
        return None


class _Dict(dict):
    """An OrderedDict's stand-in that also takes the attributes torch pickles with it."""


def _placeholder(*_args: Any, **_kwargs: Any) -> None:
    return None


def _checkpoint(path: Path) -> ModelInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
            if name is None:
                raise not_a_model(path, "not a PyTorch checkpoint")
            with archive.open(name) as f:
                data = _Headers(f).load()
    except (OSError, zipfile.BadZipFile, pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise not_a_model(path, "not a PyTorch checkpoint") from exc
    dims = data.get("dims") if isinstance(data, dict) else None
    if not isinstance(dims, dict) or "model_state_dict" not in data or "n_vocab" not in dims:
        raise not_a_model(path, "a checkpoint without Whisper's dims and model_state_dict")
    vocab = int(dims["n_vocab"])
    return ModelInfo(path, OPENAI, vocab >= MULTILINGUAL_VOCAB, path.stat().st_size)

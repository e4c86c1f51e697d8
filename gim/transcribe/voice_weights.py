"""The speaker model's weights: Resemblyzer's GE2E checkpoint, read without torch.

The ``resemblyzer`` wheel ships ``pretrained.pt`` (a 3-layer LSTM, 40 mel bands in, 256
out), saved in torch's legacy format: a few pickles, the state dict's pickle whose tensors
point at storages by key, then each storage as an 8-byte element count and raw
little-endian floats. Reading that format here keeps torch (hundreds of MB and seconds of
import) out of the base install: the forward pass is numpy (``gim.transcribe.voice``).
The package is installed without its dependencies (torch, librosa), and never imported:
only the file is read.
"""

from __future__ import annotations

import importlib.util
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from gim.errors import TranscriptionError

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}


def weights_path() -> Path:
    """Where the installed ``resemblyzer`` package keeps ``pretrained.pt``.

    Raises:
        TranscriptionError: when the package (or its weights file) is not installed.
    """
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or spec.origin is None:
        raise TranscriptionError(
            "The speaker model is missing: install it with "
            "'pip install --no-deps resemblyzer==0.1.4' (see gim doctor)."
        )
    path = Path(spec.origin).parent / "pretrained.pt"
    if not path.is_file():
        raise TranscriptionError(f"The speaker model's weights are missing from {path.parent}.")
    return path


@dataclass
class _TensorRef:
    """A tensor named in the state dict: a view of a storage read later."""

    key: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: tuple[str, Any], offset: int, size: Any, stride: Any, *_: Any) -> Any:
    return _TensorRef(storage[0], int(offset), tuple(size), tuple(stride))


class _StorageType:
    """Stands for torch.FloatStorage and its kin in the pickle."""

    def __init__(self, name: str) -> None:
        self.dtype = _DTYPES.get(name)
        if self.dtype is None:
            raise pickle.UnpicklingError(f"unsupported storage {name}")


class _StateUnpickler(pickle.Unpickler):
    """Unpickles the state dict with tensors as references, importing nothing from torch."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.dtypes: dict[str, Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            from collections import OrderedDict

            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the weights file")

    def persistent_load(self, pid: Any) -> Any:
        # ("storage", storage type, key, location, element count[, view metadata])
        if pid[0] != "storage":
            raise pickle.UnpicklingError("unexpected persistent id in the weights file")
        self.dtypes[str(pid[2])] = pid[1].dtype
        return (str(pid[2]), pid[1])


def load_state(path: Path) -> dict[str, np.ndarray]:
    """The checkpoint's ``model_state`` as numpy arrays (name -> array).

    Raises:
        TranscriptionError: when the file is not a legacy torch checkpoint this reader knows.
    """
    try:
        with path.open("rb") as f:
            for _ in range(3):  # magic number, protocol version, system info
                pickle.load(f)
            unpickler = _StateUnpickler(f)
            checkpoint = unpickler.load()
            keys = pickle.load(f)
            storages = {}
            for key in keys:
                count = int(np.frombuffer(f.read(8), "<i8")[0])
                dtype = np.dtype(unpickler.dtypes[str(key)]).newbyteorder("<")
                storages[str(key)] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    except (OSError, pickle.UnpicklingError, KeyError, IndexError, ValueError, EOFError) as exc:
        raise TranscriptionError(f"The speaker model's weights could not be read ({exc}).") from exc
    state = checkpoint.get("model_state", checkpoint)
    return {name: _view(storages, ref) for name, ref in state.items()}


def _view(storages: dict[str, np.ndarray], ref: _TensorRef) -> np.ndarray:
    data = storages[ref.key]
    strides = tuple(s * data.itemsize for s in ref.stride)
    view = np.lib.stride_tricks.as_strided(data[ref.offset :], ref.size, strides)
    return np.array(view, dtype=np.float32)

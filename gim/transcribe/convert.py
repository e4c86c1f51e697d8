"""Turn the bundled CTranslate2 Whisper model into an openai-whisper checkpoint, offline.

CTranslate2's ``model.bin`` holds the same weights as the original Whisper with the
attention projections fused (self-attention: query, key and value in one matrix;
cross-attention: key and value). Splitting them back, renaming the layers, and adding
``dims`` gives the ``{"dims", "model_state_dict"}`` checkpoint ``whisper.load_model``
reads, so the openai-whisper engine runs with real weights and no download.
"""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from gim.errors import TranscriptionError

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
_RENAME = {
    "/self_attention/layer_norm": "attn_ln",
    "/attention/layer_norm": "cross_attn_ln",
    "/ffn/layer_norm": "mlp_ln",
    "/ffn/linear_0": "mlp.0",
    "/ffn/linear_1": "mlp.2",
    "/self_attention/linear_1": "attn.out",
    "/attention/linear_0": "cross_attn.query",
    "/attention/linear_2": "cross_attn.out",
}
"""CTranslate2 layer paths (inside a block) and their openai-whisper names."""


def read_ctranslate2(path: Path) -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 ``model.bin`` (float weights only, no aliases)."""
    with path.open("rb") as f:
        version = _u(f, "I")
        if version < 5:
            raise TranscriptionError(f"{path} is an old CTranslate2 model: use a newer one.")
        _string(f)
        _u(f, "I")
        out: dict[str, np.ndarray] = {}
        for _ in range(_u(f, "I")):
            name = _string(f)
            dims = [_u(f, "I") for _ in range(_u(f, "B"))]
            dtype = _DTYPES.get(_u(f, "B"))
            raw = f.read(_u(f, "I"))
            if dtype is not None:
                out[name] = np.frombuffer(raw, dtype=dtype).reshape(dims).copy()
        return out


def _u(f: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize("<" + fmt)
    return struct.unpack("<" + fmt, f.read(size))[0]


def _string(f: BinaryIO) -> str:
    return f.read(_u(f, "H"))[:-1].decode("utf-8")


def state_dict(variables: dict[str, np.ndarray]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """openai-whisper ``dims`` and ``model_state_dict`` (numpy) from CTranslate2 variables."""
    state: dict[str, np.ndarray] = {}
    for name, value in variables.items():
        if value.dtype not in (np.float16, np.float32) or value.ndim == 0:
            continue
        key = _key(name, value, state)
        if key:
            state[key] = value.astype(np.float32)
    emb = state["decoder.token_embedding.weight"]
    n_state = emb.shape[1]
    layers = {
        side: len({k.split(".")[2] for k in state if k.startswith(f"{side}.blocks.")})
        for side in ("encoder", "decoder")
    }
    heads = {side: int(variables[f"{side}/num_heads"]) for side in ("encoder", "decoder")}
    dims = {
        "n_mels": int(state["encoder.conv1.weight"].shape[1]),
        "n_audio_ctx": int(state["encoder.positional_embedding"].shape[0]),
        "n_audio_state": int(n_state),
        "n_audio_head": heads["encoder"],
        "n_audio_layer": layers["encoder"],
        "n_vocab": int(emb.shape[0]),
        "n_text_ctx": int(state["decoder.positional_embedding"].shape[0]),
        "n_text_state": int(n_state),
        "n_text_head": heads["decoder"],
        "n_text_layer": layers["decoder"],
    }
    return dims, state


def _key(name: str, value: np.ndarray, state: dict[str, np.ndarray]) -> str:
    """The openai-whisper name for ``name``; fused projections are split into ``state``."""
    fixed = {
        "decoder/embeddings/weight": "decoder.token_embedding.weight",
        "decoder/position_encodings/encodings": "decoder.positional_embedding",
        "encoder/position_encodings/encodings": "encoder.positional_embedding",
    }
    if name in fixed:
        return fixed[name]
    m = re.match(r"(encoder|decoder)/layer_(\d+)(/.*)/(weight|bias|gamma|beta)$", name)
    if m is None:
        m2 = re.match(r"(encoder|decoder)/(conv\d|layer_norm)/(\w+)$", name)
        if m2 is None:
            return ""
        side, part, leaf = m2.groups()
        leaf = {"gamma": "weight", "beta": "bias"}.get(leaf, leaf)
        part = {"layer_norm": "ln_post" if side == "encoder" else "ln"}.get(part, part)
        return f"{side}.{part}.{leaf}"
    side, layer, path, leaf = m.groups()
    leaf = {"gamma": "weight", "beta": "bias"}.get(leaf, leaf)
    block = f"{side}.blocks.{layer}"
    if path == "/self_attention/linear_0":  # fused query, key, value
        for part, piece in zip(("query", "key", "value"), np.split(value, 3), strict=True):
            if not (part == "key" and leaf == "bias"):  # Whisper's key has no bias
                state[f"{block}.attn.{part}.{leaf}"] = piece.astype(np.float32)
        return ""
    if path == "/attention/linear_1":  # fused cross-attention key, value
        for part, piece in zip(("key", "value"), np.split(value, 2), strict=True):
            if not (part == "key" and leaf == "bias"):
                state[f"{block}.cross_attn.{part}.{leaf}"] = piece.astype(np.float32)
        return ""
    return f"{block}.{_RENAME[path]}.{leaf}" if path in _RENAME else ""


def openai_checkpoint(model_dir: Path, cache_dir: Path) -> Path:
    """The openai-whisper checkpoint for the CTranslate2 model in ``model_dir`` (cached).

    Raises:
        TranscriptionError: when the model cannot be read or converted.
    """
    import torch

    from gim.config import ensure_private_dir

    source = model_dir / "model.bin"
    if not source.is_file():
        raise TranscriptionError(f"No CTranslate2 model.bin in {model_dir}: give a model folder.")
    stat = source.stat()
    tag = hashlib.sha256(
        f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    ).hexdigest()
    target = cache_dir / f"openai-whisper-{tag[:16]}.pt"
    if target.is_file():
        return target
    ensure_private_dir(cache_dir)
    try:
        dims, state = state_dict(read_ctranslate2(source))
    except (OSError, KeyError, ValueError, struct.error) as exc:
        raise TranscriptionError(f"The model in {model_dir} cannot be converted ({exc}).") from exc
    tensors = {k: torch.from_numpy(v) for k, v in state.items()}
    partial = target.with_suffix(".part")
    torch.save({"dims": dims, "model_state_dict": tensors}, partial)
    partial.chmod(0o600)
    partial.replace(target)
    return target

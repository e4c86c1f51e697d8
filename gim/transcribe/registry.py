"""The models a guide added or fetched, and the speeds measured here: ``models.json``.

A registration names a folder or checkpoint where it already is (nothing is copied: models
are hundreds of megabytes); ``gim models get`` puts what it fetches under
``<data home>/models/<name>`` and registers it as downloaded, so ``remove`` may delete
those files and only those.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gim.errors import InputError

REGISTRY_FILE = "models.json"
DOWNLOADS = "models"
"""Folder in the data home for what ``gim models get`` fetched."""


@dataclass(frozen=True)
class Registered:
    """A model a guide added (or fetched) under a name."""

    name: str
    path: str
    kind: str
    """``ctranslate2`` or ``openai-whisper``."""
    multilingual: bool
    size: int
    downloaded: bool = False
    """Fetched by ``gim models get`` into the data home (``remove`` deletes the files)."""


@dataclass(frozen=True)
class Speed:
    """Real-time factors measured by ``gim models check`` on this machine."""

    live: float
    """Seconds of work per second of audio for the live pass (greedy, no word times)."""
    final: float
    """The same for the final pass (beam search, word timestamps)."""
    checked_at: str


class Registry:
    """``<data home>/models.json``: registrations and measured speeds."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / REGISTRY_FILE

    def _read(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {"models": {}, "speeds": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"The model list {self.path} cannot be read ({exc}): fix or remove it."
            ) from exc
        if not isinstance(data, dict):
            raise InputError(f"The model list {self.path} is not gim's: fix or remove it.")
        data.setdefault("models", {})
        data.setdefault("speeds", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        from gim.config import ensure_private_dir, write_private_text

        ensure_private_dir(self.home)
        write_private_text(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def models(self) -> list[Registered]:
        """Every registration, in the order they were added."""
        try:
            return [Registered(**row) for row in self._read()["models"].values()]
        except TypeError as exc:
            raise InputError(f"The model list {self.path} is damaged: fix or remove it.") from exc

    def get(self, name: str) -> Registered | None:
        """The registration called ``name``, if any."""
        return next((m for m in self.models() if m.name == name), None)

    def add(self, model: Registered) -> None:
        """Register ``model`` (replacing one of the same name)."""
        data = self._read()
        data["models"][model.name] = asdict(model)
        self._write(data)

    def remove(self, name: str) -> None:
        """Forget ``name`` and its measured speed."""
        data = self._read()
        data["models"].pop(name, None)
        data["speeds"].pop(name, None)
        self._write(data)

    def speed(self, name: str) -> Speed | None:
        """The speed measured for ``name``, if it was checked."""
        row = self._read()["speeds"].get(name)
        try:
            return Speed(**row) if row else None
        except TypeError:
            return None

    def set_speed(self, name: str, speed: Speed) -> None:
        """Keep the speed ``gim models check`` measured for ``name``."""
        data = self._read()
        data["speeds"][name] = asdict(speed)
        self._write(data)

    def downloads_dir(self) -> Path:
        """Where ``gim models get`` puts what it fetches."""
        return self.home / DOWNLOADS

"""The models this machine has: the bundled tiny.en, Whisper base from the extra, and what
the guide added or fetched; each with its languages, size, place and measured speed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gim.transcribe.base_model import BASE, base_folder, base_parts
from gim.transcribe.models import BUNDLED_NAME, bundled_model_path
from gim.transcribe.registry import Registry, Speed

MULTILINGUAL = "multilingual (99 languages)"


@dataclass(frozen=True)
class ModelEntry:
    """One model as ``gim models list`` shows it."""

    name: str
    multilingual: bool
    size: int
    """Bytes on disk."""
    where: str
    source: str
    """``bundled``, ``extra`` (gim[base]), ``added`` or ``downloaded``."""
    engine: str
    speed: Speed | None = None

    @property
    def languages(self) -> str:
        """ "English" or the multilingual note."""
        return MULTILINGUAL if self.multilingual else "English"

    def language_codes(self) -> list[str]:
        """The ISO codes it transcribes (Cantonese needs large-v3, so it is left out)."""
        from gim.core.languages import ENGLISH, LANGUAGES

        return [c for c in LANGUAGES if c != "yue"] if self.multilingual else [ENGLISH]

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of ``gim models list --json``."""
        return {
            "name": self.name,
            "languages": self.language_codes(),
            "multilingual": self.multilingual,
            "size": self.size,
            "where": self.where,
            "source": self.source,
            "engine": self.engine,
            "speed": None
            if self.speed is None
            else {
                "live_rtf": self.speed.live,
                "final_rtf": self.speed.final,
                "checked_at": self.speed.checked_at,
            },
        }


def list_models(home: Path) -> list[ModelEntry]:
    """Every model usable here, bundled first (reading headers only: nothing is loaded)."""
    registry = Registry(home)
    entries: list[ModelEntry] = []
    try:
        bundled = bundled_model_path()
    except Exception:  # the bundled package missing is shown by gim doctor
        bundled = None
    if bundled is not None:
        size = sum(f.stat().st_size for f in bundled.iterdir() if f.is_file())
        entries.append(
            ModelEntry(BUNDLED_NAME, False, size, str(bundled), "bundled", "faster-whisper")
        )
    registered = {m.name: m for m in registry.models()}
    parts = base_parts()
    if parts is not None and BASE not in registered:
        folder = base_folder(home / "cache" / "models", parts)
        entries.append(ModelEntry(BASE, True, parts.size, str(folder), "extra", "faster-whisper"))
    for m in registered.values():
        engine = "faster-whisper" if m.kind == "ctranslate2" else "openai-whisper"
        source = "downloaded" if m.downloaded else "added"
        entries.append(ModelEntry(m.name, m.multilingual, m.size, m.path, source, engine))
    return [ModelEntry(**{**e.__dict__, "speed": registry.speed(e.name)}) for e in entries]


def human_size(size: int) -> str:
    """``145 MB``, ``1.5 GB``."""
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / 1e6:.0f} MB"

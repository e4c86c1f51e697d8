"""Reading summaries from the store whether it hands back dicts or dataclasses."""

from __future__ import annotations

from typing import Any


def field_of(item: Any, name: str, default: Any = "") -> Any:
    """``item[name]`` for a mapping, ``item.name`` otherwise; ``default`` when missing."""
    value = item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)
    return default if value is None else value


def minutes(seconds: float) -> str:
    """A length as ``m:ss`` or ``h:mm:ss``."""
    total = max(0, round(float(seconds)))
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"

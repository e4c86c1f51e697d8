"""Reading summaries from the store whether it hands back dicts or dataclasses."""

from __future__ import annotations

from typing import Any


def field_of(item: Any, name: str, default: Any = "") -> Any:
    """``item[name]`` for a mapping, ``item.name`` otherwise; ``default`` when missing."""
    value = item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)
    return default if value is None else value

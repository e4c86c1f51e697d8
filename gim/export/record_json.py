"""Everything in a session as JSON: session, program snapshot, playback, lines, notes."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum
from typing import Any

from gim.core.record import SessionRecord
from gim.export import ExportOptions

FORMAT_VERSION = 1
"""Bumped when the layout of the JSON changes incompatibly."""


def record_dict(record: SessionRecord, options: ExportOptions | None = None) -> dict[str, Any]:
    """The record as plain data (private annotations left out when options say so)."""
    options = options or ExportOptions()
    private = {"marker", "tag", "comment"}
    annotations = [
        a.to_dict() for a in record.annotations if options.private or str(a.kind) not in private
    ]
    data: dict[str, Any] = {
        "format": "gim-session",
        "version": FORMAT_VERSION,
        "session": asdict(record.session),
        "program": asdict(record.program) if record.program else None,
        "playback": {
            "rate": record.playback.rate,
            "delay_frames": record.delay_frames,
            "events": [e.to_dict() for e in record.playback.events],
        },
        "segments": [s.to_dict() for s in record.segments],
        "annotations": annotations,
        "attachments": [asdict(a) for a in record.attachments],
    }
    return _plain(data)


def _plain(value: Any) -> Any:
    """Enums to their values, tuples to lists, recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def json_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The record as indented UTF-8 JSON."""
    text = json.dumps(record_dict(record, options), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")

"""The voices of the rolling pass's final lines, measured as each window finishes.

At End every line of a one-microphone session is labelled guide or client by its voice
(`gim.passes.voices`). Done then for the whole session, the hour's recording was cleaned
of the music a second time and every line embedded while the guide waited: about 200 s
of CPU and 3 GB for an hour. The rolling pass holds each window cleaned of the music when
it makes its lines final, so it embeds them there (`gim.passes.speakers.line_windows`,
the same windows the whole pass would take) and keeps the embeddings with the window in
``rolling.jsonl`` (private, in the session folder, removed with it once the database
holds the transcript); at End only the remainder's lines are embedded.
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import numpy as np

from gim.core.session import Segment
from gim.passes.speakers import Windows, line_windows
from gim.transcribe.voice import DIM, VoiceEncoder


def embed_final(
    lines: list[Segment], clean: np.ndarray, start: float, encoder: VoiceEncoder
) -> Windows:
    """The embedded windows of ``lines`` (session seconds) from ``clean``, a window's
    cleaned microphone at 16 kHz whose first frame is session second ``start``."""
    moved = [dataclasses.replace(s, start=s.start - start, end=s.end - start) for s in lines]
    found = line_windows(moved, clean, encoder)
    return Windows(found.spans + start, found.emb)


def joined(before: Windows | None, more: Windows | None) -> Windows | None:
    """``before`` and ``more`` together; None when either is unknown."""
    if before is None or more is None:
        return None
    return Windows(
        np.concatenate([before.spans, more.spans]), np.concatenate([before.emb, more.emb])
    )


def added(before: Windows | None, after: Windows | None) -> Windows | None:
    """What ``after`` holds past ``before`` (``after`` = `joined` (``before``, more))."""
    if after is None:
        return None
    n = 0 if before is None else len(before.spans)
    return Windows(after.spans[n:], after.emb[n:])


def to_json(windows: Windows) -> dict[str, Any]:
    """``windows`` as a JSON object (the embeddings as little-endian float32, base64)."""
    return {
        "spans": np.round(windows.spans, 4).tolist(),
        "emb": base64.b64encode(windows.emb.astype("<f4").tobytes()).decode("ascii"),
    }


def from_json(data: Any) -> Windows | None:
    """`to_json`'s object read back; None when it is missing or damaged."""
    try:
        spans = np.array(data["spans"], dtype=float).reshape(-1, 2)
        emb = np.frombuffer(base64.b64decode(data["emb"]), dtype="<f4").astype(np.float32)
        emb = emb.reshape(-1, DIM)
    except (KeyError, TypeError, ValueError):
        return None
    return Windows(spans, emb) if len(emb) == len(spans) else None

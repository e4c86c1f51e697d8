"""The rolling pass's file of finished windows (``rolling.jsonl`` in the session folder)
and the configuration a window must have been made with to count.

Each finished window is appended, fsync'd and private, with its new final lines and where
each channel is final to; a torn last line and windows made with other settings are
ignored. The file is removed once the database holds the transcript.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gim.config import Settings
from gim.core.session import Segment, Source, Speaker, Word
from gim.passes import rolling_voices
from gim.passes.speakers import Windows

FILE = "rolling.jsonl"
"""The finished windows, in the session folder."""


@dataclass
class Config:
    """What the rolling pass and the final pass must agree on for windows to be reused."""

    engine: str
    model: str
    language: str
    channels: list[tuple[int, str]]
    """(microphone channel, speaker) pairs transcribed."""
    cache_dir: str = ""

    @classmethod
    def of(cls, settings: Settings, mic_channels: int | None = None) -> Config:
        """The configuration ``settings`` give (channels the recording has, if known)."""
        channels = [(settings.client_channel, str(Speaker.CLIENT))]
        guide = settings.guide_channel
        if guide is not None and (mic_channels is None or guide < mic_channels):
            channels.append((guide, str(Speaker.GUIDE)))
        return cls(
            settings.engine,
            settings.model,
            settings.language,
            channels,
            str(settings.cache_dir / "models"),
        )

    def key(self) -> dict[str, Any]:
        """The fields a stored window must match (the cache folder may move)."""
        return {
            "engine": self.engine,
            "model": self.model,
            "language": self.language,
            "channels": [list(c) for c in self.channels],
        }


@dataclass
class State:
    """What the finished windows hold: the final lines and where each channel is final to."""

    done: list[float]
    """Per channel: session seconds up to which the lines are final."""
    segments: list[Segment] = field(default_factory=list)
    windows: int = 0
    voices: Windows | None = None
    """The final lines' embedded voice windows (`gim.passes.rolling_voices`); None when a
    window was finished without them (then End measures the voices from the recording)."""


def load(folder: Path, config: Config) -> State | None:
    """The finished windows in ``folder`` made with ``config``; None when there are none."""
    path = folder / FILE
    if not path.is_file():
        return None
    state: State | None = None
    for raw in path.read_bytes().splitlines():
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue  # a torn last line: that window is done again
        if not isinstance(entry, dict):
            continue
        if entry.get("kind") == "config":
            if entry.get("config") != config.key():
                return None  # other settings: the windows do not count
            state = State([0.0] * len(config.channels), voices=Windows.none())
        elif entry.get("kind") == "window" and state is not None:
            state = State(
                [float(d) for d in entry["done"]],
                state.segments + [_segment(s) for s in entry["segments"]],
                state.windows + 1,
                rolling_voices.joined(state.voices, _voices(entry.get("voices"))),
            )
    return state if state is not None and state.windows else None


def save_window(
    folder: Path,
    config: Config,
    state: State,
    new: list[Segment],
    span: tuple[float, float],
    voices: Windows | None = None,
) -> None:
    """Append one finished window (its new final lines, and their embedded voices when
    measured) to the file, fsync'd, private."""
    path = folder / FILE
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        lines: list[dict[str, Any]] = []
        if os.fstat(fd).st_size == 0:
            lines.append({"kind": "config", "config": config.key()})
        lines.append(
            {
                "kind": "window",
                "start": span[0],
                "end": span[1],
                "done": state.done,
                "segments": [s.to_dict() for s in new],
            }
        )
        if voices is not None:
            lines[-1]["voices"] = rolling_voices.to_json(voices)
        os.write(fd, "".join(json.dumps(e) + "\n" for e in lines).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(folder: Path) -> None:
    """Remove the finished windows (the database holds the transcript now)."""
    (folder / FILE).unlink(missing_ok=True)


def _segment(data: dict[str, Any]) -> Segment:
    words = [Word(**w) for w in data.get("words") or []]
    fields = {k: v for k, v in data.items() if k not in ("words", "speaker", "source")}
    return Segment(
        **fields, words=words, speaker=Speaker(data["speaker"]), source=Source(data["source"])
    )


def _voices(data: Any) -> Windows | None:
    return None if data is None else rolling_voices.from_json(data)

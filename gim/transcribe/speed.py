"""How fast a model runs on this machine: ``gim models check``.

It transcribes the clip that ships with gim (the demo's voice, 16 kHz) twice, as the live
pass decodes (greedy, no word times) and as the final pass does (beam search, word
timestamps), and divides the time taken by the clip's length: the real-time factor.
During a session the live pass and the rolling final pass share the processor, so both
keep up only when the two factors together stay below one; the margin left is what the
recorder, the echo canceller and the rest of the machine get.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np

from gim.transcribe.engine import SAMPLE_RATE, DecodeOptions, live_options, load_engine

CLIP_SECONDS = 21.7
"""The clip's first four utterances: long enough to time, short enough to wait for."""
LIVE_LIMIT = 0.5
"""Live factor up to which the preview follows the client closely (half the processor)."""
SHARED_LIMIT = 0.8
"""Live plus final factor up to which the rolling final pass keeps up beside the live one."""


@dataclass(frozen=True)
class CheckResult:
    """What ``gim models check`` measured."""

    audio_seconds: float
    live: float
    """Real-time factor of the live pass's decoding."""
    final: float
    """Real-time factor of the final pass's decoding."""
    text: str
    """What the model heard in the live decoding (the clip is the demo's, not a client's)."""
    checked_at: str

    @property
    def live_keeps_up(self) -> bool:
        """The live pass shows lines while the client is still near them."""
        return self.live <= LIVE_LIMIT

    @property
    def rolling_keeps_up(self) -> bool:
        """The rolling final pass finishes the session's audio while it is recorded."""
        return self.live + self.final <= SHARED_LIMIT

    def verdict(self) -> str:
        """Two sentences a guide can act on."""
        live = (
            "The live pass keeps up on this machine."
            if self.live_keeps_up
            else "The live pass falls behind on this machine: keep a smaller live model."
        )
        final = (
            "The rolling final pass keeps up beside it."
            if self.rolling_keeps_up
            else "The final pass cannot run beside it during the session: it runs after the "
            "session instead (it takes about "
            f"{self.final:.1f} minutes per minute recorded)."
        )
        return f"{live} {final}"


def clip() -> np.ndarray:
    """The bundled clip (float32 mono 16 kHz), cut to `CLIP_SECONDS`."""
    import soundfile as sf

    with resources.as_file(resources.files("gim") / "data" / "demo_voice.flac") as path:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    if rate != SAMPLE_RATE:
        import soxr

        audio = soxr.resample(audio, rate, SAMPLE_RATE).astype(np.float32)
    return np.ascontiguousarray(audio[: int(CLIP_SECONDS * SAMPLE_RATE)])


def check_speed(engine: str, model: str, cache_dir: Path) -> CheckResult:
    """Time ``model`` on the bundled clip as the live and the final pass decode.

    Raises:
        TranscriptionError: when the model cannot be loaded.
    """
    loaded = load_engine(engine, model, cache_dir=cache_dir)
    audio = clip()
    seconds = len(audio) / SAMPLE_RATE
    # A first short decode warms the model up (memory, threads) so neither timing pays it.
    list(loaded.transcribe(audio[: SAMPLE_RATE * 2], options=live_options()))
    began = time.perf_counter()
    lines = list(loaded.transcribe(audio, options=live_options()))
    live = (time.perf_counter() - began) / seconds
    began = time.perf_counter()
    list(loaded.transcribe(audio, word_timestamps=True, options=DecodeOptions()))
    final = (time.perf_counter() - began) / seconds
    return CheckResult(
        audio_seconds=seconds,
        live=live,
        final=final,
        text=" ".join(s.text for s in lines),
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )

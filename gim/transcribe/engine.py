"""The engine protocol every Whisper implementation follows, and how one is chosen.

An engine takes float32 mono audio at 16 kHz and yields `EngineSegment`s lazily, like
faster-whisper does. Decoding is set for a quiet client under music: a fixed language,
no conditioning on previous text, and the no-speech / log-probability / compression
thresholds that let the filters flag a suspect line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from gim.errors import InputError

SAMPLE_RATE = 16000
"""Whisper's input rate."""
ENGINES = ("faster-whisper", "openai-whisper")
SEED = 20241
"""Seed of the sampling Whisper falls back to (temperatures above 0) when a beam search
result fails its thresholds: a loaded engine decodes the same calls the same way every
run (the benchmark's floor moved ±0.1× run to run without it)."""
"""Engine names accepted on the command line and in settings."""


@dataclass
class EngineWord:
    """One word with timing in seconds of the audio given to the engine."""

    start: float
    end: float
    word: str
    probability: float = 1.0


@dataclass
class EngineSegment:
    """One decoded line, with the statistics the hallucination filters look at."""

    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    """Mean token log-probability (below about -1 the text is a guess)."""
    no_speech_prob: float = 0.0
    """Whisper's probability that the window holds no speech."""
    compression_ratio: float = 1.0
    """gzip ratio of the text; above 2.4 it is repetitive."""
    words: list[EngineWord] = field(default_factory=list)


@dataclass(frozen=True)
class DecodeOptions:
    """How gim asks Whisper to decode (the same for every engine)."""

    language: str = "en"
    """Fixed language: auto-detection on music invites hallucination."""
    beam_size: int = 5
    condition_on_previous_text: bool = False
    no_speech_threshold: float | None = 0.6
    """None: never skip a window as no speech (the retry on a stretch that may be speech)."""
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    window: float = 30.0
    """Seconds the encoder sees at least: Whisper's window is 30 s, and audio shorter than
    a window is padded to it. Less: audio shorter than ``window`` is padded to ``window``
    only (longer audio keeps its length and a second of padding, up to 30 s), so the
    encoder, most of a decode's cost, does less. faster-whisper only (openai-whisper
    always encodes 30 s)."""


def live_options(language: str = "en") -> DecodeOptions:
    """How the live pass decodes: once, greedily (beam 1, temperature 0 only), with no
    fallback to sampling at higher temperatures when a line looks doubtful. Each
    tiny.en decode cost ~1.6 s of CPU with a 30 s window; on the busy
    benchmark's 8 utterances (their recording, music and all) the fallback ran for 4,
    costing 5.7-9.3 s of CPU instead of 1.6-1.7, and gave no better line (the same mean
    log-probability or a worse one). A line within 3 s of the end cannot afford it; the
    final pass keeps the fallback.

    And the encoder sees a 20 s window (`LIVE_WINDOW`), not 30: an utterance is at most
    28 s (`gim.passes.live_stream.MAX_BUFFER`), mostly under 15."""
    return DecodeOptions(language=language, beam_size=1, temperature=(0.0,), window=LIVE_WINDOW)


LIVE_WINDOW = 20.0
"""Seconds the live pass's encoder sees (`DecodeOptions.window`). The encoder is ~3/4 of a
live decode's CPU (a 10 s sentence: 0.78 of the decode's time; 20 s encoded in 0.59 of
30 s's time). On 93 utterances of ../shared/data (LJ Speech, the disfluent set, Common
Voice, the ALSA voices, each up to 28 s) decoded as the live pass does, tiny.en's WER was
0.245 with the 30 s window, 0.239 with 20 s, 0.277 with 15 s, 0.349 with 10 s and 2.07
with the utterance's length plus 1 s (Whisper repeats itself when the window ends where
the speech does). With music 10 dB under the speech: 0.275 with 30 s, 0.402 with 20 s,
nearly all of it one 5-word utterance (mfa_cutoff) that Whisper repeated over ~100 words
(already 11 errors with 30 s); 10 utterances came out better, 11 worse."""


class Engine(Protocol):
    """A Whisper implementation."""

    name: str
    """``faster-whisper`` or ``openai-whisper``."""

    def transcribe(
        self,
        audio: NDArray[np.float32],
        *,
        word_timestamps: bool = False,
        options: DecodeOptions | None = None,
    ) -> Iterator[EngineSegment]:
        """Decode ``audio`` (float32 mono 16 kHz) into segments, lazily."""
        ...


def load_engine(name: str, model: str = "bundled", *, cache_dir: Path | None = None) -> Engine:
    """The engine ``name`` with ``model`` loaded (slow: loads weights).

    Args:
        name: ``faster-whisper`` or ``openai-whisper``.
        model: ``bundled`` (offline tiny.en), a name ``gim models list`` shows, a Whisper
            size name, or a local path.
        cache_dir: where converted and assembled models are kept (``<data home>/cache/models``:
            its data home's registered model names apply).

    Raises:
        InputError: for an unknown engine name.
        TranscriptionError: when the model cannot be found or loaded.
    """
    if name == "faster-whisper":
        from gim.transcribe.faster import FasterWhisperEngine
        from gim.transcribe.models import home_of_cache

        return FasterWhisperEngine(model, home=home_of_cache(cache_dir))
    if name == "openai-whisper":
        from gim.transcribe.openai import OpenAIWhisperEngine

        return OpenAIWhisperEngine(model, cache_dir=cache_dir)
    raise InputError(f"Unknown engine {name!r}: use one of {', '.join(ENGINES)}.")

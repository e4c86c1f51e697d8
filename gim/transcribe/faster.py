"""The default engine: faster-whisper (CTranslate2, int8 on CPU)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gim.errors import TranscriptionError
from gim.transcribe.engine import SEED, DecodeOptions, EngineSegment, EngineWord
from gim.transcribe.models import offline, resolve_model


class FasterWhisperEngine:
    """faster-whisper with a model resolved by `gim.transcribe.models.resolve_model`."""

    name = "faster-whisper"

    def __init__(
        self, model: str = "bundled", *, cpu_threads: int = 0, home: Path | None = None
    ) -> None:
        """Load the model (slow); ``home`` is the data home whose model names apply.

        Raises:
            TranscriptionError: when the model cannot be found or loaded.
        """
        import ctranslate2

        # The model's worker thread seeds its sampler from this on first use.
        ctranslate2.set_random_seed(SEED)
        target, local = resolve_model(model, home)
        try:
            self.model: Any = _model_class()(
                target,
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                local_files_only=local or offline(),
            )
        except Exception as exc:
            hint = (
                f"it is not on this machine: 'gim models get {model}' fetches it (the one "
                "command that uses the network), or use --model bundled or a model folder"
                if not local
                else "check the model folder or use --model bundled"
            )
            raise TranscriptionError(f"Cannot load the Whisper model {model!r}: {hint}.") from exc

    def transcribe(
        self,
        audio: NDArray[np.float32],
        *,
        word_timestamps: bool = False,
        options: DecodeOptions | None = None,
    ) -> Iterator[EngineSegment]:
        """Decode float32 mono 16 kHz audio into segments, lazily."""
        o = options or DecodeOptions()
        language = o.language if self.model.model.is_multilingual else None
        self.model.frames = _frames(len(audio), o.window)
        segments, _info = self.model.transcribe(
            np.ascontiguousarray(audio, dtype=np.float32),
            language=language,
            beam_size=o.beam_size,
            temperature=list(o.temperature),
            compression_ratio_threshold=o.compression_ratio_threshold,
            log_prob_threshold=o.log_prob_threshold,
            no_speech_threshold=o.no_speech_threshold,
            condition_on_previous_text=o.condition_on_previous_text,
            word_timestamps=word_timestamps,
            vad_filter=False,
        )
        for s in segments:
            yield EngineSegment(
                start=float(s.start),
                end=float(s.end),
                text=s.text.strip(),
                avg_logprob=float(s.avg_logprob),
                no_speech_prob=float(s.no_speech_prob),
                compression_ratio=float(s.compression_ratio),
                words=[
                    EngineWord(float(w.start), float(w.end), w.word, float(w.probability))
                    for w in (s.words or [])
                ],
            )


FRAMES = 3000
"""Mel frames in Whisper's 30 s window (100 a second)."""


def _frames(samples: int, window: float) -> int | None:
    """How many mel frames the encoder is given for ``samples`` of 16 kHz audio at least
    ``window`` seconds long (None: Whisper's whole window)."""
    if window >= FRAMES / 100:
        return None
    return min(FRAMES, max(int(window * 100), samples // 160 + 100))


def _model_class() -> Any:
    """faster-whisper's WhisperModel keeping its last window's encoder output.

    The encoder is most of a decode's cost (tiny.en always encodes a 30 s window: ~1.5 s
    of CPU), and a stretch Whisper judged "no speech" is decoded again without the skip
    (`gim.transcribe.utterance`): the same audio, the same features, the same encoder
    output. Kept, the retry costs only the decoder. Keyed by a digest of the features, so
    anything else is encoded as before.
    """
    from faster_whisper import WhisperModel

    class KeepingModel(WhisperModel):
        _kept: tuple[bytes, Any] | None = None
        frames: int | None = None

        def encode(self, features: np.ndarray) -> Any:
            if self.frames is not None:
                features = features[..., : self.frames]
            key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16)
            digest = key.digest() + repr(features.shape).encode()
            if self._kept is not None and self._kept[0] == digest:
                return self._kept[1]
            out = super().encode(features)
            self._kept = (digest, out)
            return out

    return KeepingModel

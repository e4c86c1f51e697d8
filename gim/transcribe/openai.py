"""The second engine: openai-whisper (PyTorch), an optional extra.

Its checkpoint comes from a local ``.pt`` file, from the bundled CTranslate2 tiny.en
converted offline (`gim.transcribe.convert`), or by name when online.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gim.errors import TranscriptionError
from gim.transcribe.engine import DecodeOptions, EngineSegment, EngineWord
from gim.transcribe.models import home_of_cache, offline, resolve_model


class OpenAIWhisperEngine:
    """openai-whisper on the CPU (fp32)."""

    name = "openai-whisper"

    def __init__(self, model: str = "bundled", *, cache_dir: Path | None = None) -> None:
        """Load the model (slow), converting the bundled one on first use.

        Raises:
            TranscriptionError: when openai-whisper is missing or the model cannot load.
        """
        try:
            import whisper
        except ImportError as exc:
            raise TranscriptionError(
                "The openai-whisper engine is not installed: pip install 'gim[openai-whisper]' "
                "or use --engine faster-whisper."
            ) from exc
        target, local = resolve_model(model, home_of_cache(cache_dir))
        path = Path(target)
        if local and path.is_dir():
            from gim.config import Settings
            from gim.transcribe.convert import openai_checkpoint

            cache = cache_dir or Settings().cache_dir / "models"  # in the data home
            path = openai_checkpoint(path, cache)
            target = str(path)
        elif not local and offline():
            raise TranscriptionError(
                f"The Whisper model {model!r} is not on this machine and it is offline: "
                "use --model bundled or a local checkpoint."
            )
        try:
            self.model: Any = whisper.load_model(target, device="cpu")
        except Exception as exc:
            raise TranscriptionError(
                f"Cannot load the Whisper model {model!r} for openai-whisper: check the path "
                "or use --model bundled."
            ) from exc

    def transcribe(
        self,
        audio: NDArray[np.float32],
        *,
        word_timestamps: bool = False,
        options: DecodeOptions | None = None,
    ) -> Iterator[EngineSegment]:
        """Decode float32 mono 16 kHz audio into segments."""
        o = options or DecodeOptions()
        result = self.model.transcribe(
            np.ascontiguousarray(audio, dtype=np.float32),
            language=o.language,
            beam_size=o.beam_size if o.beam_size > 1 else None,
            best_of=5,
            temperature=o.temperature,
            compression_ratio_threshold=o.compression_ratio_threshold,
            logprob_threshold=o.log_prob_threshold,
            no_speech_threshold=o.no_speech_threshold,
            condition_on_previous_text=o.condition_on_previous_text,
            word_timestamps=word_timestamps,
            fp16=False,
            verbose=None,
        )
        for s in result["segments"]:
            yield EngineSegment(
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s["text"]).strip(),
                avg_logprob=float(s["avg_logprob"]),
                no_speech_prob=float(s["no_speech_prob"]),
                compression_ratio=float(s["compression_ratio"]),
                words=[
                    EngineWord(
                        float(w["start"]), float(w["end"]), str(w["word"]), float(w["probability"])
                    )
                    for w in s.get("words", [])
                ],
            )

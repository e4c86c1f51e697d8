"""Languages and models: Whisper base on French and Danish under music, and the floor lever
(tiny.en against base) on English.

Room mixes from ../shared/data (tests/support/roommix.py): real read speech (French from
FLEURS, Danish from NST in speech/languages; English from LJ Speech and the disfluent set)
under the real music through a simple room at 0 dB speech-to-music, music-only stretches
between the utterances, transcribed by gim's pipeline (the music removed with the
reference, then VAD and Whisper with the language fixed). Each figure beside the same
model's clean floor: the voices through the same room without the music.

Reports per language: WER at 0 dB, the floor's WER and their ratio (target <= 1.25x),
words transcribed in music-only stretches (target 0) and English function words in the
lines (a line in the session's language has none). For English, tiny.en and base side by
side: WER at 0 dB, floor, and the real-time factor (seconds of work per second of audio,
the pipeline's whole pass including the echo removal).

Run: ``python -m bench languages`` (``--quick``: three utterances per language).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.support import roommix

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SMR = 0.0
ENGLISH_WORDS = frozenset({"the", "and", "is", "of", "to", "it", "was", "that"})


def transcribe(
    engine: Any, audio: np.ndarray, reference: np.ndarray | None, language: str
) -> tuple[list[Any], float]:
    """gim's pipeline over 16 kHz audio; the lines and the seconds it took."""
    from gim.passes.offline import transcribe_prepared
    from gim.passes.prepare import prepare
    from gim.transcribe.engine import DecodeOptions
    from gim.transcribe.hearing import Hearing

    began = time.perf_counter()
    prepared = prepare(audio, reference)
    hearing = Hearing(options=DecodeOptions(language=language))
    lines = transcribe_prepared(prepared, engine, hearing)
    return lines, time.perf_counter() - began


def wer(truth: str, said: str) -> float:
    import jiwer

    return float(jiwer.wer(truth, said)) if truth else 0.0


def words_in_music(room: roommix.RoomMix, lines: list[Any]) -> int:
    spans = room.music_only()
    count = 0
    for line in lines:
        words = line.words or []
        if not words:  # a line without word times counts by its middle
            mid = (line.start + line.end) / 2
            count += len(line.text.split()) if any(a <= mid <= b for a, b in spans) else 0
        for w in words:
            mid = (w.start + w.end) / 2
            count += any(a <= mid <= b for a, b in spans)
    return count


def measure(engine: Any, utterances: list[roommix.Utterance], language: str) -> dict[str, float]:
    """WER under music and clean, words in the music, English words, real-time factor."""
    room = roommix.build_room_mix(SHARED, utterances, SMR, seed=23, rate=roommix.RATE)
    truth = roommix.normalise_in(" ".join(u.text for u in room.utterances), language)
    lines, took = transcribe(engine, room.mic, room.reference, language)
    said = roommix.normalise_in(" ".join(s.text for s in lines), language)
    peak = max(1.0, float(np.max(np.abs(room.speech))) / 0.9)
    clean, _ = transcribe(engine, (room.speech / peak).astype(np.float32), None, language)
    floor_said = roommix.normalise_in(" ".join(s.text for s in clean), language)
    plain = roommix.normalise_in(" ".join(s.text for s in lines), "en").split()
    return {
        "wer": wer(truth, said),
        "floor": wer(truth, floor_said),
        "music_words": words_in_music(room, lines),
        "english_words": sum(w in ENGLISH_WORDS for w in plain) if language != "en" else 0,
        "rtf": took / (len(room.mic) / room.rate),
        "seconds": len(room.mic) / room.rate,
    }


def _row(name: str, m: dict[str, float]) -> tuple[str, str]:
    ratio = m["wer"] / m["floor"] if m["floor"] else float("inf") if m["wer"] else 1.0
    return (
        name,
        f"WER {m['wer']:.3f} at 0 dB, floor {m['floor']:.3f} ({ratio:.2f}x); "
        f"{m['music_words']} words in music; RTF {m['rtf']:.2f} over {m['seconds']:.0f} s",
    )


def run(quick: bool = False) -> list[tuple[str, str]]:
    """The figures, one row per language and per model."""
    from gim.transcribe.engine import load_engine

    figures: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as cache:
        models = Path(cache) / "cache" / "models"
        base = load_engine("faster-whisper", "base", cache_dir=models)
        for language in ("fr", "da"):
            utterances = roommix.language_files(SHARED, language, 3 if quick else None)
            m = measure(base, utterances, language)
            name, text = _row(f"base, {language} ({len(utterances)} utterances)", m)
            figures.append((name, f"{text}; {m['english_words']} English words"))
        english = roommix.speech_files(SHARED, 4 if quick else 10, seed=5)
        for model in ("tiny.en", "base"):
            engine = base if model == "base" else load_engine("faster-whisper", model)
            figures.append(
                _row(f"{model}, en ({len(english)} utterances)", measure(engine, english, "en"))
            )
    return figures

"""`gim transcribe --model base --language L` on real French and Danish speech under real
music through a room (the reference removes the music first): lines in the language spoken,
nothing in the music-only stretches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_transcribe_cli import gim, words_in_music
from tests.support import roommix


def wer(truth: str, said: str) -> float:
    import jiwer

    return float(jiwer.wer(truth, said))


@pytest.mark.whisper
@pytest.mark.slow
@pytest.mark.parametrize(("language", "bound"), [("fr", 0.6), ("da", 0.6)])
def test_base_transcribes_the_language_spoken_under_music(
    language: str, bound: float, shared_data: Path, tmp_path: Path
) -> None:
    utterances = roommix.language_files(shared_data, language, 3)
    room = roommix.build_room_mix(shared_data, utterances, 0.0, seed=11, rate=44100)
    mic, played = roommix.write_mix(room, tmp_path / "mix")
    done = gim(
        "transcribe", mic, "--reference", played, "--model", "base", "--language", language,
        "--format", "json", home=tmp_path / "home",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    segments = json.loads(done.stdout)["segments"]
    truth = roommix.normalise_in(" ".join(u.text for u in room.utterances), language)
    said = roommix.normalise_in(" ".join(s["text"] for s in segments), language)
    # Whisper base is a small model: French near 0.3 on its own tables, FLEURS sentences are
    # long and hard; the bench compares with the clean floor, this bounds a broken pipeline.
    assert wer(truth, said) <= bound, said
    assert words_in_music(room, segments) == 0
    # The text is the language spoken, not an English translation of it.
    english = roommix.normalise_in(" ".join(s["text"] for s in segments), "en").split()
    assert sum(w in {"the", "and", "is", "of", "to"} for w in english) == 0, said


def test_an_english_only_model_refuses_another_language_before_any_work(tmp_path: Path) -> None:
    done = gim("transcribe", tmp_path / "absent.wav", "--language", "da", home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "tiny.en transcribes English only" in done.stderr and "gim models" in done.stderr

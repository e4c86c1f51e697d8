"""`gim transcribe` on a real room mix: speech from ../shared/data under real music."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import roommix

ROOT = Path(__file__).resolve().parents[2]
GIM = [sys.executable, "-m", "gim"]


def gim(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [*GIM, *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600
    )


@pytest.fixture(scope="module")
def mix(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path, Path]:
    utterances = roommix.speech_files(shared_data, 4, seed=7)
    room = roommix.build_room_mix(shared_data, utterances, 0.0, seed=7, rate=44100)
    mic, played = roommix.write_mix(room, tmp_path_factory.mktemp("mix"))
    return room, mic, played


def wer(room: object, segments: list[dict[str, object]]) -> float:
    import jiwer

    truth = roommix.normalise(" ".join(u.text for u in room.utterances))  # type: ignore[attr-defined]
    said = roommix.normalise(" ".join(str(s["text"]) for s in segments))
    return float(jiwer.wer(truth, said))


def words_in_music(room: object, segments: list[dict[str, object]]) -> int:
    count = 0
    for s in segments:
        for w in s["words"]:  # type: ignore[attr-defined]
            mid = (w["start"] + w["end"]) / 2
            if any(a <= mid <= b for a, b in room.music_only()):  # type: ignore[attr-defined]
                count += 1
    return count


@pytest.mark.whisper
@pytest.mark.slow
def test_reference_removes_the_music(mix: tuple[object, Path, Path], tmp_path: Path) -> None:
    room, mic, played = mix
    with_ref = gim("transcribe", mic, "--reference", played, "--format", "json", home=tmp_path)
    assert with_ref.returncode == 0, with_ref.stderr
    cleaned = json.loads(with_ref.stdout)["segments"]
    without = gim("transcribe", mic, "--format", "json", home=tmp_path)
    assert without.returncode == 0, without.stderr
    raw = json.loads(without.stdout)["segments"]

    assert wer(room, cleaned) < 0.25  # 0.16 measured
    assert words_in_music(room, cleaned) == 0
    assert wer(room, raw) > wer(room, cleaned) + 0.1  # 0.34 measured

    # the contract: keys, times in seconds of AUDIO, words with timings
    for s in cleaned:
        assert {
            "start",
            "end",
            "text",
            "speaker",
            "flagged",
            "piece",
            "piece_offset",
            "words",
        } <= set(s)
        assert s["speaker"] == "client" and s["piece"] is None
        assert 0 <= s["start"] <= s["end"] <= room.duration + 0.1  # type: ignore[attr-defined]
        assert all({"start", "end", "text"} <= set(w) for w in s["words"])
    first = room.utterances[0]  # type: ignore[attr-defined]
    assert abs(cleaned[0]["start"] - first.start) < 0.6


@pytest.mark.whisper
@pytest.mark.slow
def test_program_links_lines_to_pieces(mix: tuple[object, Path, Path], tmp_path: Path) -> None:
    room, mic, played = mix
    program = tmp_path / "two.toml"
    utterances = room.utterances  # type: ignore[attr-defined]
    # piece 0 ends between the first and second utterance
    boundary = (utterances[0].end + utterances[1].start) / 2
    program.write_text(
        'slug = "two"\ntitle = "Two"\nauthor = "test"\n[provenance]\nsource = "test"\n'
        f'[[pieces]]\ncomposer = "A"\nwork = "One"\nduration = {boundary - 1.0}\n'
        '[[pieces]]\ncomposer = "B"\nwork = "Two"\nduration = 600.0\n'
    )
    result = gim(
        "transcribe",
        mic,
        "--reference",
        played,
        "--program",
        program,
        "--program-start",
        "1.0",
        "--format",
        "json",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    segments = json.loads(result.stdout)["segments"]
    assert segments[0]["piece"] == 0
    assert abs(segments[0]["piece_offset"] - (segments[0]["start"] - 1.0)) < 0.01
    later = [s for s in segments if s["start"] > boundary]
    assert later and all(s["piece"] == 1 for s in later)
    assert all(abs(s["piece_offset"] - (s["start"] - boundary)) < 0.01 for s in later)


def test_corrupt_audio_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    result = gim("transcribe", bad, home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot be read" in result.stderr
    missing = gim("transcribe", tmp_path / "nothing.wav", home=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_a_silent_reference_is_one_sentence_before_transcribing(tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    mic, silent = tmp_path / "room.wav", tmp_path / "played.wav"
    sf.write(str(mic), (0.1 * np.sin(np.arange(16000 * 5) / 7)).astype(np.float32), 16000)
    sf.write(str(silent), np.zeros(16000 * 5, np.float32), 16000)
    result = gim("transcribe", mic, "--reference", silent, "--program", "demo", home=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.count("\n") == 1
        and "is silent, so the pieces cannot be placed" in result.stderr
    )

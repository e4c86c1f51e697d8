"""Guide and client told apart by voice: `gim guides` and `gim transcribe --guide-voice`."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from tests.support.voicemix import RATE, build_voice_mix

ROOT = Path(__file__).resolve().parents[2]


def gim(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "gim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=900,
    )


def test_guides_enrol_list_forget(shared_data: Path, tmp_path: Path) -> None:
    lj = sorted((shared_data / "speech/ljspeech").glob("LJ00[12]-*.wav"))
    home = tmp_path / "home"
    short = gim("guides", "enrol", "Ann", lj[0], home=home)
    assert (
        short.returncode == 2 and "needs 10 s" in short.stderr and "Traceback" not in short.stderr
    )
    done = gim("guides", "enrol", "Ann", *lj[:8], home=home)
    assert done.returncode == 0, done.stderr
    kept = home / "guides" / "ann.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert len(json.loads(kept.read_text())["embedding"]) == 256
    assert gim("guides", "list", home=home).stdout.startswith("Ann  ")
    gone = gim("guides", "forget", "Ann", home=home)
    assert gone.returncode == 0 and "Deleted Ann's voice profile" in gone.stdout
    assert not kept.exists()
    again = gim("guides", "forget", "Ann", home=home)
    assert again.returncode == 2 and "No voice profile" in again.stderr


@pytest.mark.whisper
@pytest.mark.slow
def test_transcribe_labels_guide_and_client_words(shared_data: Path, tmp_path: Path) -> None:
    lj = sorted((shared_data / "speech/ljspeech").glob("*.wav"))
    client = sorted((shared_data / "speech/mfa_disfluent").glob("mfa_*.flac"))[:5]
    mix = build_voice_mix(lj[10:20], client, shared_data, 0.0, seed=3, induction_seconds=8)
    mic, played = tmp_path / "mic.wav", tmp_path / "played.wav"
    sf.write(mic, mix.mic, RATE)
    sf.write(played, mix.reference, RATE)
    voice = [a for f in lj[:4] for a in ("--guide-voice", f)]
    done = gim("transcribe", mic, "--reference", played, *voice, "--format", "json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    segments = json.loads(done.stdout)["segments"]
    assert segments and all(s["speaker"] in ("guide", "client") for s in segments)
    assert all(0.5 <= s["speaker_confidence"] <= 1 for s in segments)
    right = total = client_as_guide = 0
    for s in segments:
        for w in s["words"]:
            truth = mix.who((w["start"] + w["end"]) / 2)
            if truth is not None:
                total += 1
                right += truth == s["speaker"]
                client_as_guide += truth == "client" and s["speaker"] == "guide"
    assert total > 30 and right / total >= 0.9
    assert {s["speaker"] for s in segments} == {"guide", "client"}

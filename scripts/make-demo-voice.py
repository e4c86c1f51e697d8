#!/usr/bin/env python3
"""Make the demonstration client voice with espeak-ng (run once; the result is committed).

Writes gim/data/demo_voice.flac (mono 16 kHz) and gim/data/demo_voice.json: each utterance's
place in the file, its text, and when in the demo session it is spoken. The words are a
made-up client describing imagery in the first person, present tense, as in a GIM session.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 16000
DATA = Path(__file__).resolve().parent.parent / "gim" / "data"
#: (session second at which the client starts speaking, what they say)
LINES = [
    (8.0, "I am standing at the edge of a forest. The light is soft and golden."),
    (24.0, "There is a path between the trees, and I am walking slowly along it."),
    (42.0, "My shoulders feel heavy, like I am carrying something old."),
    (62.0, "Now there is a small stream. The water is clear and very cold."),
    (84.0, "I put my hands in the water and the heaviness starts to melt away."),
    (106.0, "A bird is singing somewhere above me. I feel lighter now."),
    (128.0, "The trees open into a meadow full of blue flowers."),
    (150.0, "I lie down in the grass and look up at the sky. I feel safe here."),
]


def speak(text: str) -> np.ndarray:
    """One utterance from espeak-ng at RATE, a gentle female-ish voice, slightly slow."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "u.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us+f3", "-s", "135", "-p", "45", "-w", str(wav), text],
            check=True,
        )
        audio, rate = sf.read(wav, dtype="float32")
    audio = soxr.resample(audio, rate, RATE)
    return (audio / max(1e-6, np.abs(audio).max()) * 0.7).astype(np.float32)


def main() -> None:
    """Render every line, join them with half a second of silence, write file and index."""
    pieces, index, cursor = [], [], 0
    gap = np.zeros(RATE // 2, dtype=np.float32)
    for at, text in LINES:
        audio = speak(text)
        index.append(
            {
                "start": cursor / RATE,
                "end": (cursor + len(audio)) / RATE,
                "at": at,
                "text": text,
            }
        )
        pieces += [audio, gap]
        cursor += len(audio) + len(gap)
    DATA.mkdir(exist_ok=True)
    sf.write(DATA / "demo_voice.flac", np.concatenate(pieces), RATE, subtype="PCM_16")
    (DATA / "demo_voice.json").write_text(
        json.dumps({"rate": RATE, "utterances": index}, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()

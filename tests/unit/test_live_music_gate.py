"""The live pass's music gate: a candidate is judged against the music removal measured
where nobody spoke."""

from __future__ import annotations

import numpy as np

from gim.passes.live_stream import MUSIC_MARGIN_DB, MusicRemoval
from gim.transcribe.engine import SAMPLE_RATE
from gim.transcribe.vad import Stretch


def _room(seconds: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    ref = (0.1 * rng.standard_normal(n)).astype(np.float32)
    mic = ref.copy()
    clean = (0.1 * ref + 0.002 * rng.standard_normal(n)).astype(np.float32)  # -20 dB left
    return mic, clean, ref


def test_residual_music_is_music_and_a_voice_over_it_is_not() -> None:
    mic, clean, ref = _room(10.0)
    voice = Stretch(6 * SAMPLE_RATE, 7 * SAMPLE_RATE)
    rng = np.random.default_rng(1)
    said = (0.05 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
    mic[voice.start : voice.end] += said
    clean[voice.start : voice.end] += said
    music = Stretch(2 * SAMPLE_RATE, 3 * SAMPLE_RATE)  # Silero's doubt, in music alone

    judged = MusicRemoval().judge(mic, clean, ref, [music, voice])

    assert judged.level is not None and -22.0 < judged.level < -18.0
    assert (judged.excess(music) or 0.0) < MUSIC_MARGIN_DB
    assert (judged.excess(voice) or 0.0) > 10.0


def test_nothing_is_judged_before_the_removal_is_measured_or_without_music() -> None:
    mic, clean, ref = _room(1.5)
    early = MusicRemoval().judge(mic, clean, ref, [Stretch(0, SAMPLE_RATE)])
    assert not early.known and early.excess(Stretch(0, SAMPLE_RATE)) is None

    removal = MusicRemoval()
    mic, clean, ref = _room(4.0)
    first = removal.judge(mic, clean, ref, [])
    removal.keep(first, len(mic))  # 4 s of music alone measured, then the music stops
    silent = np.zeros(SAMPLE_RATE, np.float32)
    room = (0.01 * np.random.default_rng(2).standard_normal(SAMPLE_RATE)).astype(np.float32)
    later = removal.judge(room, room, silent, [Stretch(0, SAMPLE_RATE)])
    assert later.known and not later.heard(Stretch(0, SAMPLE_RATE))
    assert later.excess(Stretch(0, SAMPLE_RATE)) is None  # no music: nothing to compare with

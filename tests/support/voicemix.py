"""Two voices on one microphone: a guide and a client in a session, for speaker labels.

The guide speaks alone first (the induction, no music), then the music plays and the
client's utterances alternate with the guide's interventions (0.5-6 s, cut from the
guide's recordings), each voice through its own room response (the guide farther from
the microphone than the client), the music through a third, at a chosen speech-to-music
ratio. The truth is kept as (start, end, speaker) spans in the mix's seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.support.roommix import load_audio, music_program, room_response

RATE = 16000


@dataclass
class VoiceMix:
    """A session's microphone, the music played, and who spoke when."""

    mic: np.ndarray
    reference: np.ndarray
    spans: list[tuple[float, float, str]] = field(default_factory=list)
    """(start, end, 'guide'|'client') in seconds."""
    induction: tuple[float, float] = (0.0, 0.0)
    interjections: list[tuple[float, float]] = field(default_factory=list)
    """Guide interventions shorter than 1.5 s."""

    def who(self, t: float) -> str | None:
        """The speaker at ``t`` (the nearest span within 0.3 s), or None."""
        best, dist = None, 0.3
        for a, b, s in self.spans:
            d = 0.0 if a <= t <= b else min(abs(t - a), abs(t - b))
            if d <= dist:
                best, dist = s, d
        return best


def _wet(audio: np.ndarray, room: np.ndarray, level: float) -> np.ndarray:
    from scipy.signal import fftconvolve

    audio = audio / (np.sqrt(np.mean(audio**2)) + 1e-9) * level
    return fftconvolve(audio, room)[: len(audio) + RATE // 5]


def build_voice_mix(
    guide_files: list[Path],
    client_files: list[Path],
    shared: Path,
    smr_db: float,
    seed: int = 0,
    induction_seconds: float = 30.0,
    guide_speaks: bool = True,
    answers: tuple[Path, ...] = (),
) -> VoiceMix:
    """A session mix (see the module docstring); files are consumed in order, looped.
    ``guide_speaks`` False: the client's voice alone (the guide's turns left silent).
    ``answers``: the client's recordings for answers in the induction (`_answer`)."""
    rng = np.random.default_rng(seed)
    guide_room = room_response(RATE, 0.5, seed + 11, direct_gain=1.0)
    client_room = room_response(RATE, 0.25, seed + 12, direct_gain=3.0)
    guide = [load_audio(f) for f in guide_files]
    said = [load_audio(f) for f in answers]
    pieces: list[tuple[float, np.ndarray, str]] = []
    t, g = 0.5, 0
    while t < induction_seconds:
        a = guide[g % len(guide)]
        g += 1
        pieces.append((t, _wet(a, guide_room, 0.08), "guide"))
        t += len(a) / RATE + rng.uniform(0.4, 1.2)
        if said and g % 2 == 0:
            t = _answer(pieces, said, g // 2, t, client_room)
    induction = (0.0, t)
    music_from = t + 1.0
    t = music_from + 2.0
    interjections = []
    for n, f in enumerate(client_files):
        a = load_audio(f)
        pieces.append((t, _wet(a, client_room, 0.1), "client"))
        t += len(a) / RATE + rng.uniform(0.8, 3.0)
        if n % 4 == 3:
            continue  # some client utterances follow each other
        source = guide[g % len(guide)]
        g += 1
        length = min(len(source) / RATE, rng.choice([0.6, 0.9, 1.2, 2.0, 3.5, 6.0]))
        cut = int(rng.uniform(0, len(source) / RATE - length) * RATE)
        part = source[cut : cut + int(length * RATE)]
        pieces.append((t, _wet(part, guide_room, 0.08), "guide"))
        if length < 1.5:
            interjections.append((t, t + length))
        t += length + rng.uniform(0.8, 3.0)
    if not guide_speaks:
        pieces = [p for p in pieces if p[2] == "client"]
        interjections = []
    n = int((t + 2.0) * RATE)
    speech = np.zeros(n)
    spans = []
    for start, audio, who in pieces:
        i = int(start * RATE)
        speech[i : i + len(audio)] += audio[: n - i]
        spans.append((start, start + (len(audio) - RATE // 5) / RATE, who))
    return _with_music(speech, spans, induction, interjections, music_from, shared, smr_db, rng)


def _answer(pieces: list, said: list[np.ndarray], n: int, t: float, room: np.ndarray) -> float:
    """The client answers in the induction (after the guide's 2nd, 4th... line): by turns
    1 s of a recording ("Yes", "It's a bit cold") and a whole one; the time after it."""
    audio = said[(n - 1) % len(said)]
    if n % 2:
        audio = audio[:RATE]
    pieces.append((t, _wet(audio, room, 0.1), "client"))
    return t + len(audio) / RATE + 0.8


def _with_music(speech, spans, induction, interjections, music_from, shared, smr_db, rng):
    from scipy.signal import fftconvolve

    n = len(speech)
    start = int(music_from * RATE)
    reference = np.zeros(n, np.float32)
    reference[start:] = music_program(shared, n - start)
    lag = int(0.085 * RATE)
    heard = fftconvolve(
        np.concatenate([np.zeros(lag), reference[: n - lag]]), room_response(RATE, 0.45, 7)
    )[:n]
    speech_rms = np.sqrt(np.mean(speech[np.abs(speech) > 1e-4] ** 2))
    heard *= speech_rms / (np.sqrt(np.mean(heard[start:] ** 2)) + 1e-12) / 10 ** (smr_db / 20)
    mic = speech + heard + rng.standard_normal(n) * 1e-4
    mic /= max(1.0, float(np.max(np.abs(mic))) / 0.9)
    return VoiceMix(mic.astype(np.float32), reference, spans, induction, interjections)

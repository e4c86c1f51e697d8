"""Guides' voices: enrolment from recordings, and the labels of a session's lines.

Moves to ``gim/passes/`` with the other passes (the labelling itself is
``gim.transcribe.speakers``; this joins it to the store and the data home).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gim.audio.offline import read_audio, resample
from gim.core.session import Consent, Phase, Segment, Session
from gim.errors import InputError
from gim.store.voices import VoiceProfile, VoiceProfiles, now

MIN_SECONDS = 10.0
"""Least speech an enrolment takes (30-60 s gives a steadier profile)."""


def speech_only(audio: np.ndarray, rate: int = 16000) -> np.ndarray:
    """``audio`` without its pauses (30 ms frames well below the loud ones)."""
    size = int(0.03 * rate)
    frames = audio[: len(audio) // size * size].reshape(-1, size)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    if not len(level):
        return audio[:0]
    keep = level > max(-50.0, float(np.percentile(level, 95)) - 30.0)
    return frames[keep].reshape(-1)


def enrol(home: Path, name: str, files: list[Path]) -> VoiceProfile:
    """Make and keep ``name``'s voice profile from recordings of the guide alone.

    Raises:
        InputError: for an unreadable file or too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    VoiceProfiles(home).path(name)  # a bad name fails before any work
    embedding, seconds = profile_from_files(files)
    profile = VoiceProfile(name.strip(), embedding, seconds, len(files), now())
    VoiceProfiles(home).save(profile)
    return profile


def profile_from_files(files: list[Path]) -> tuple[np.ndarray, float]:
    """A voice profile (unit embedding) from recordings of one voice, and its seconds.

    Raises:
        InputError: for an unreadable file or too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    from gim.transcribe.voice import load_encoder

    speech = []
    for f in files:
        data, rate = read_audio(f)
        speech.append(speech_only(resample(data.mean(axis=1), rate)))
    joined = np.concatenate(speech) if speech else np.zeros(0, np.float32)
    seconds = len(joined) / 16000
    if seconds < MIN_SECONDS:
        raise InputError(
            f"{seconds:.0f} s of speech in those files: a profile needs {MIN_SECONDS:.0f} s at "
            "least (30-60 s of the guide alone is best)."
        )
    return load_encoder().embed(joined), seconds


@dataclass
class VoiceSource:
    """What a session's labels start from: a profile, the induction, or neither."""

    profile: np.ndarray | None
    induction: tuple[float, float] | None


def voice_source(home: Path, session: Session, guide: str = "") -> VoiceSource:
    """The guide's enrolled profile if there is one; the induction's span (recorded only with
    whole-session consent) to learn the voice from or to tell which cluster is the guide.

    ``session.guide`` names the guide; ``guide`` (the settings' default) when it is empty."""
    name = session.guide or guide
    found = VoiceProfiles(home).get(name) if name.strip() else None
    induction = None
    if session.consent is Consent.SESSION:
        starts = {p.phase: p.time for p in session.phases}
        if Phase.INDUCTION in starts:
            after = [t for p, t in starts.items() if t > starts[Phase.INDUCTION]]
            induction = (starts[Phase.INDUCTION], min(after, default=float("inf")))
    return VoiceSource(found.embedding if found else None, induction)


def label_lines(segments: list[Segment], clean: np.ndarray, source: VoiceSource) -> list[Segment]:
    """The lines labelled guide/client by voice (split where it changes); times in ``clean``'s
    seconds (16 kHz, the music removed)."""
    from gim.transcribe.speakers import label_speakers
    from gim.transcribe.voice import load_encoder

    if source.profile is None and source.induction is None:
        # nothing says which voice is the guide's: the lines stay as the pass made them
        return segments
    labelled, _ = label_speakers(
        segments, clean, load_encoder(), profile=source.profile, induction=source.induction
    )
    return labelled

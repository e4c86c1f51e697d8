"""The guide's voice in a pass: a profile from recordings, and lines labelled by voice.

The labelling itself is `gim.passes.speakers`; the model `gim.transcribe.voice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gim.audio.files import SAMPLE_RATE, read_audio, read_frames, resample, track_info
from gim.core.clock import SessionClock
from gim.core.session import LabelsMade, Segment
from gim.errors import InputError
from gim.passes.prepare import prepare_along

if TYPE_CHECKING:
    from gim.passes.speakers import Windows

MIN_SECONDS = 10.0
"""Least speech a profile takes (30-60 s gives a steadier one)."""
PAD = 2.0
"""Seconds of the recording cleaned each side of a line."""
JOIN = 10.0
"""Lines closer than this are cleaned as one stretch."""
LEAST = 30.0
"""A stretch cleaned alone is widened to this many seconds (the music's lag and drift
are measured over it)."""


@dataclass(frozen=True)
class VoiceSource:
    """What a recording's labels start from: the guide's profile, the induction, or both."""

    profile: np.ndarray | None
    """The guide's enrolled voice (a unit embedding)."""
    induction: tuple[float, float] | None
    """The induction's span in the recording's seconds: only the guide speaks there."""


def speech_only(audio: np.ndarray, rate: int = 16000) -> np.ndarray:
    """``audio`` without its pauses (30 ms frames well below the loud ones)."""
    size = int(0.03 * rate)
    frames = audio[: len(audio) // size * size].reshape(-1, size)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    if not len(level):
        return audio[:0]
    keep = level > max(-50.0, float(np.percentile(level, 95)) - 30.0)
    return frames[keep].reshape(-1)


def profile_from_files(files: list[Path]) -> tuple[np.ndarray, float]:
    """A voice profile (unit embedding) from recordings of one voice, and its seconds of speech.

    Raises:
        InputError: for an unreadable file or too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    recordings = []
    for f in files:
        data, rate = read_audio(f)
        recordings.append(resample(data.mean(axis=1), rate))
    return profile_from_audio(recordings, "in those files")


def profile_from_audio(recordings: list[np.ndarray], where: str) -> tuple[np.ndarray, float]:
    """A voice profile from recordings of one voice at 16 kHz, and its seconds of speech.

    Args:
        recordings: the guide alone, 16 kHz mono.
        where: said in the sentence when there is too little speech ("in that recording").

    Raises:
        InputError: for too little speech.
        TranscriptionError: when the speaker model is missing.
    """
    from gim.transcribe.voice import load_encoder

    speech = [speech_only(r) for r in recordings]
    joined = np.concatenate(speech) if speech else np.zeros(0, np.float32)
    seconds = len(joined) / 16000
    if seconds < MIN_SECONDS:
        raise InputError(
            f"{seconds:.0f} s of speech {where}: a profile needs {MIN_SECONDS:.0f} s at "
            "least (30-60 s of the guide alone is best)."
        )
    return load_encoder().embed(joined), seconds


def label_lines(
    segments: list[Segment], clean: np.ndarray, source: VoiceSource
) -> tuple[list[Segment], LabelsMade]:
    """The lines labelled guide/client by voice (split where it changes), and how the labels
    were made; times in ``clean``'s seconds (16 kHz, the music removed). Without a profile or
    an induction two voices are told apart and the one that speaks less is the guide's; one
    voice heard stays the client's (no guide is invented)."""
    from gim.passes.speakers import line_windows
    from gim.transcribe.voice import load_encoder

    return label_embedded(segments, line_windows(segments, clean, load_encoder()), source)


def label_embedded(
    segments: list[Segment], windows: Windows, source: VoiceSource
) -> tuple[list[Segment], LabelsMade]:
    """`label_lines` with the lines' voice windows embedded already."""
    from gim.passes.speakers import LabelMethod, label_windows

    labelled, method = label_windows(
        segments, windows, profile=source.profile, induction=source.induction
    )
    how = {
        LabelMethod.ENROLLED: LabelsMade.ENROLLED,
        LabelMethod.INDUCTION: LabelsMade.INDUCTION,
        LabelMethod.CLUSTERS: LabelsMade.CLUSTERS,
    }.get(method, LabelsMade.ONE_VOICE)
    return labelled, how


def cleaned_recording(folder: Path, channel: int, clock: SessionClock) -> np.ndarray:
    """A session folder's microphone channel at 16 kHz with the music removed."""
    data, rate = read_audio(folder / "mic.flac", "session recording")
    ref_path = folder / "reference.flac"
    reference = resample(*read_audio(ref_path, "session reference")) if ref_path.is_file() else None
    lags = clock.lag_stretches(0.0, len(data) / rate) if reference is not None else []
    mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
    return prepare_along(mic, reference, lags).clean


def stretches(lines: list[Segment], total: float) -> list[tuple[float, float]]:
    """The stretches of a ``total``-second recording cleaned for ``lines``' voices: each
    line with `PAD` seconds each side, lines closer than `JOIN` together, each stretch at
    least `LEAST` seconds (or the whole recording; moved inside it at its ends), overlapping
    ones merged."""
    spans = sorted((max(0.0, s.start - PAD), min(total, s.end + PAD)) for s in lines)
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a - merged[-1][1] < JOIN:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    out: list[tuple[float, float]] = []
    for a, b in merged:
        length = max(LEAST, b - a)
        a = min(max(0.0, (a + b - length) / 2), max(0.0, total - length))
        b = min(total, a + length)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def cleaned_around(
    folder: Path, channel: int, clock: SessionClock, lines: list[Segment]
) -> np.ndarray:
    """`cleaned_recording` where ``lines`` are, silence elsewhere: what their voices need.

    A whole session cleaned at once held 2.9 GB and took 133 s of CPU for an hour's
    recording (at the end of the session, while the guide waits); stretch by stretch
    around the lines, the cost follows the speech. The silence is never written, so its
    pages take no memory.
    """
    mic_path, ref_path = folder / "mic.flac", folder / "reference.flac"
    info = track_info(mic_path)
    has_ref = ref_path.is_file()
    if info is None or (has_ref and track_info(ref_path) is None):
        return cleaned_recording(folder, channel, clock)  # it says what is wrong
    out = np.zeros(round(info.seconds * SAMPLE_RATE), np.float32)
    for a, b in stretches(lines, info.seconds):
        first = round(a * info.rate)
        data, rate = read_frames(mic_path, first, round(b * info.rate))
        reference = None
        if has_ref:
            reference = resample(read_frames(ref_path, first, first + len(data))[0], rate)
        lags = clock.lag_stretches(a, a + len(data) / rate) if has_ref else []
        mic = resample(data[:, min(channel, data.shape[1] - 1)], rate)
        if reference is not None and len(reference) < len(mic):  # the music ended first
            reference = np.pad(reference, (0, len(mic) - len(reference)))
        clean = prepare_along(mic, reference, lags, a).clean
        i = round(a * SAMPLE_RATE)
        n = min(len(clean), len(out) - i)
        out[i : i + n] = clean[:n]
    return out

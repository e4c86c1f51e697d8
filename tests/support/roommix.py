"""Room mixes for transcription tests and benchmarks: speech under music, through a room.

A mix is what a microphone in a therapy room would hear: the client's utterances (real
recordings from ../shared/data) through a short, mildly reverberant path, plus the music
the player played through the loudspeakers, delayed and reverberated by the room, at a
chosen speech-to-music ratio. Music-only stretches separate the utterances. The dry music
as played (the reference) comes with it, so echo cancellation can be measured.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

RATE = 16000
MUSIC_FILES = (
    "music/tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg",
    "music/goldberg_ishizaka_voiceover.ogg",
    "music/vivaldi-summer-presto-1.mp3",
)
_TAG = re.compile(r"<[^>]*>|\[[^\]]*\]")


@dataclass
class Utterance:
    """One spoken line placed in a mix."""

    path: str
    """Speech file (relative to the shared data folder)."""
    text: str
    """Reference transcript with corpus tags stripped."""
    start: float = 0.0
    """Seconds into the mix where the speech starts (as the microphone hears it)."""
    end: float = 0.0
    """Seconds into the mix where it ends."""
    audio: NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    """The dry utterance at ``RATE`` (for the no-music floor)."""
    gain_db: float = 0.0
    """Level against the other utterances (-10: spoken softly), applied after they are
    all brought to one level."""


@dataclass
class RoomMix:
    """A microphone signal, the reference played, and where the speech is."""

    mic: NDArray[np.float32]
    reference: NDArray[np.float32]
    """The music as the player sent it, on the same frame clock as ``mic``."""
    rate: int
    utterances: list[Utterance]
    delay: float
    """Seconds from the player to the microphone (what delay estimation should find)."""
    smr_db: float
    speech: NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    """The voice alone as the microphone heard it (through the room, no music), before
    the mix's peak scaling: the same samples at every speech-to-music ratio (for the
    floor through the room)."""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.mic) / self.rate

    def music_only(self, margin: float = 0.5) -> list[tuple[float, float]]:
        """Stretches with music and no speech (shrunk by ``margin`` on each side)."""
        spans, t = [], 0.0
        for u in self.utterances:
            if u.start - margin > t + margin:
                spans.append((t + margin if t > 0 else t, u.start - margin))
            t = u.end
        if self.duration - margin > t + margin:
            spans.append((t + margin, self.duration))
        return spans


def strip_tags(text: str) -> str:
    """Remove corpus tags like ``<cutoff-x>``, ``<hes-x>``, ``[laughter]``, ``<unk>``."""
    return " ".join(_TAG.sub(" ", text).split())


def normalise(text: str) -> str:
    """Text for scoring: tags stripped, Whisper's English normaliser, fillers and lone
    punctuation removed."""
    from whisper.normalizers import EnglishTextNormalizer

    # The normaliser leaves an ellipsis as a lone "." ("Now..." -> "now ."): not a word.
    words = EnglishTextNormalizer()(strip_tags(text)).split()
    return " ".join(w for w in words if any(c.isalnum() for c in w))


def normalise_in(text: str, language: str) -> str:
    """`normalise` for English; for other languages Whisper's basic normaliser (lower case,
    punctuation and diacritics kept apart from letters, no English spelling rules)."""
    if language == "en":
        return normalise(text)
    from whisper.normalizers import BasicTextNormalizer

    words = BasicTextNormalizer()(strip_tags(text)).split()
    return " ".join(w for w in words if any(c.isalnum() for c in w))


def language_files(shared: Path, language: str, count: int | None = None) -> list[Utterance]:
    """Real read speech in ``language`` from ``speech/languages/<code>`` (fr: FLEURS,
    da: NST), each with its transcript, in file order."""
    folder = shared / "speech" / "languages" / language
    found = sorted(folder.glob("*.flac"))[:count]
    return [
        Utterance(
            path=str(f.relative_to(shared)),
            text=strip_tags(f.with_suffix(".txt").read_text(encoding="utf-8")),
        )
        for f in found
    ]


def load_audio(path: Path, rate: int = RATE) -> NDArray[np.float32]:
    """A file as mono float32 at ``rate``."""
    import soundfile as sf
    import soxr

    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if sr != rate:
        mono = soxr.resample(mono, sr, rate)
    return np.ascontiguousarray(mono, dtype=np.float32)


def speech_files(shared: Path, count: int, seed: int = 0) -> list[Utterance]:
    """``count`` utterances, alternating LJ Speech and the disfluent set, 1.5-10 s long."""
    rng = np.random.default_rng(seed)
    by_set: dict[str, list[dict[str, object]]] = {"ljspeech": [], "mfa_disfluent": []}
    for line in (shared / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        name = str(entry["file"])
        kind = name.split("/")[1] if name.startswith("speech/") else ""
        duration = float(entry.get("duration_s") or 0)
        if kind in by_set and 1.5 <= duration <= 10.0:
            text = strip_tags((shared / name).with_suffix(".txt").read_text())
            if len(text.split()) >= 3:
                by_set[kind].append(entry)
    for entries in by_set.values():
        rng.shuffle(entries)  # type: ignore[arg-type]
    chosen: list[Utterance] = []
    sets = list(by_set.values())
    i = 0
    while len(chosen) < count and any(sets):
        entries = sets[i % len(sets)]
        if entries:
            name = str(entries.pop()["file"])
            text = strip_tags((shared / name).with_suffix(".txt").read_text())
            chosen.append(Utterance(path=name, text=text))
        i += 1
    return chosen


HARD_VOICES = (
    "speech/mfa_disfluent/whisper.flac",
    "speech/mfa_disfluent/whisper2.flac",
    "speech/mfa_disfluent/mfa_whisper.flac",
    "speech/mfa_disfluent/mfa_creaky.flac",
    "speech/mfa_disfluent/mfa_breathy.flac",
    "speech/mfa_disfluent/mfa_breaths.flac",
    "speech/mfa_disfluent/falsetto.flac",
    "speech/mfa_disfluent/falsetto2.flac",
    "speech/mfa_disfluent/mfa_registershift.flac",
    "speech/mfa_disfluent/mfa_uhum.flac",
    "speech/mfa_disfluent/mfa_internalsil.flac",
    "speech/mfa_disfluent/mfa_erpause.flac",
    "speech/mfa_disfluent/mfa_cutoffprogressive.flac",
    "speech/mfa_disfluent/mfa_laughter.flac",
    "speech/mfa_disfluent/mfa_surround.flac",
    "speech/mfa_disfluent/mfa_thoughts.flac",
    "speech/commonvoice/common_voice_en_22058264.mp3",
    "speech/commonvoice/common_voice_en_22058266.mp3",
    "speech/commonvoice/common_voice_en_22058267.mp3",
)
"""Voices unlike read speech: whispered, creaky, breathy, falsetto, hesitant with long
pauses, cut-off and laughing speech (mfa_disfluent), single words (Common Voice)."""


def hard_files(
    shared: Path, count: int | None = None, read: int = 4, seed: int = 0
) -> list[Utterance]:
    """The `HARD_VOICES` (the first ``count`` of them) and ``read`` LJ Speech lines."""
    chosen = [
        Utterance(path=name, text=strip_tags((shared / name).with_suffix(".txt").read_text()))
        for name in HARD_VOICES[:count]
    ]
    lj = [u for u in speech_files(shared, 2 * read + 2, seed) if "ljspeech" in u.path][:read]
    # Read speech between the hard voices, so a mix is not one kind of voice throughout.
    step = max(1, len(chosen) // max(1, len(lj)))
    for i, u in enumerate(lj):
        chosen.insert(min(len(chosen), i * (step + 1)), u)
    return chosen


def room_response(rate: int, rt60: float, seed: int, direct_gain: float = 1.0) -> np.ndarray:
    """A simple room impulse response: a direct path then exponentially decaying noise."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * rate)
    t = np.arange(n) / rate
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60) * 0.25
    tail[: int(0.003 * rate)] = 0  # early reflections start a few ms late
    h = tail
    h[0] += direct_gain
    return h / np.sqrt(np.sum(h**2))


def music_program(shared: Path, length: int, rate: int = RATE) -> NDArray[np.float32]:
    """The three music files played one after another (looped) to ``length`` frames."""
    parts = [load_audio(shared / f, rate) for f in MUSIC_FILES]
    music = np.concatenate(parts)
    reps = int(np.ceil(length / len(music)))
    return np.tile(music, reps)[:length].astype(np.float32)


def build_room_mix(
    shared: Path,
    utterances: list[Utterance],
    smr_db: float,
    *,
    rate: int = RATE,
    delay: float = 0.085,
    lead: float = 4.0,
    gaps: tuple[float, float] = (4.0, 7.0),
    music_offset: float = 0.0,
    seed: int = 0,
) -> RoomMix:
    """Place ``utterances`` over the music with music-only stretches between them.

    Args:
        shared: the shared data folder.
        utterances: lines to speak (their audio is loaded here).
        smr_db: speech-to-music ratio at the microphone (RMS over speech vs RMS of music).
        rate: sample rate of the mix.
        delay: player-to-microphone delay in seconds.
        lead: music-only seconds before the first utterance.
        gaps: range of the music-only seconds between utterances.
        music_offset: seconds into the music program where the mix starts.
        seed: for the gaps and the rooms.
    """
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    speech_room = room_response(rate, 0.25, seed + 1, direct_gain=3.0)
    music_room = room_response(rate, 0.45, seed + 2, direct_gain=1.0)
    placed, t = [], lead
    for u in utterances:
        audio = load_audio(shared / u.path, rate)
        audio = audio / (np.sqrt(np.mean(audio**2)) + 1e-9) * 0.1 * 10 ** (u.gain_db / 20)
        placed.append((int(t * rate), audio, u))
        t += len(audio) / rate + rng.uniform(*gaps)
    n = int((t + 1.0) * rate)
    speech = np.zeros(n, np.float64)
    out: list[Utterance] = []
    for start, audio, u in placed:
        wet = fftconvolve(audio, speech_room)[: len(audio) + rate // 4]
        end = min(n, start + len(wet))
        speech[start:end] += wet[: end - start]
        out.append(
            Utterance(u.path, u.text, start / rate, (start + len(audio)) / rate, audio, u.gain_db)
        )
    offset = int(music_offset * rate)
    reference = music_program(shared, offset + n, rate)[offset:]
    lag = round(delay * rate)
    heard = np.concatenate([np.zeros(lag), reference[: n - lag]])
    heard = fftconvolve(heard, music_room)[:n]
    speech_rms = np.sqrt(np.mean(np.concatenate([a for _, a, _ in placed]) ** 2))
    music_rms = np.sqrt(np.mean(heard**2)) + 1e-12
    heard *= speech_rms / music_rms / 10 ** (smr_db / 20)
    noise = rng.standard_normal(n) * 1e-4
    mic = speech + heard + noise
    peak = max(1.0, float(np.max(np.abs(mic))) / 0.9)
    return RoomMix(
        mic=(mic / peak).astype(np.float32),
        reference=reference.astype(np.float32),
        rate=rate,
        utterances=out,
        delay=lag / rate,
        smr_db=smr_db,
        speech=speech.astype(np.float32),
    )


def write_mix(mix: RoomMix, folder: Path, stem: str = "room") -> tuple[Path, Path]:
    """Write the microphone and reference as WAV files; returns their paths."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    mic_path, ref_path = folder / f"{stem}.wav", folder / f"{stem}.played.wav"
    sf.write(str(mic_path), mix.mic, mix.rate, subtype="FLOAT")
    sf.write(str(ref_path), mix.reference, mix.rate, subtype="FLOAT")
    return mic_path, ref_path

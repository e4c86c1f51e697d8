"""The demo program's audio, made by gim itself from public-domain compositions.

Simple additive synthesis with numpy (a soft string section, a harp, a flute-like lead),
gentle raised-cosine envelopes so no note starts or ends with a click, a little vibrato,
and a stereo reverb by convolution with a decaying noise impulse response. Each piece is
rendered once into ``<data home>/cache/demo/`` as 48 kHz stereo FLAC and reused; a file
is written to a temporary name and renamed, so a crash never leaves half a file.

The arrangements are simplified (a guide will recognise the pieces, a musician will hear
the liberties); programs/demo.toml lists the same pieces with the exact durations made
here (tests keep the two in step).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gim.config import FILE_MODE, ensure_private_dir
from gim.errors import AudioError

if TYPE_CHECKING:
    from gim.config import Settings

RATE = 48000
"""Sample rate of the demo files (the session rate)."""
VERSION = 1
"""Bump when the sound changes, so cached files are made again."""
TARGET_RMS_DB = -17.0
PEAK_LIMIT = 0.89  # -1 dBFS
_TABLE = 4096

Stereo = NDArray[np.float32]


@dataclass(frozen=True)
class Voice:
    """How one instrument sounds: harmonic mix, envelope and vibrato."""

    harmonics: tuple[float, ...]
    attack: float
    release: float
    decay: float = 0.0
    """Seconds to fall by 1/e (plucked sounds); 0 for sustained ones."""
    vibrato: float = 0.0
    """Pitch deviation as a fraction of the frequency."""
    detune_cents: float = 0.0
    """Play two copies this far apart, left and right, for an ensemble sound."""


STRINGS = Voice((1, 0.55, 0.35, 0.22, 0.14, 0.09, 0.05, 0.03), 0.35, 0.6, 0, 0.003, 5.0)
PAD = Voice((1, 0.35, 0.2, 0.08, 0.04), 0.8, 1.2, 0, 0.0015, 7.0)
HARP = Voice((1, 0.45, 0.25, 0.12, 0.06, 0.03), 0.006, 0.35, 1.6)
FLUTE = Voice((1, 0.22, 0.08, 0.03), 0.12, 0.5, 0, 0.004)
BASS = Voice((1, 0.6, 0.3, 0.15, 0.07), 0.25, 0.8, 0, 0.0015, 4.0)


@dataclass(frozen=True)
class Tone:
    """One note of a score: times in seconds, pitch as a MIDI number."""

    start: float
    length: float
    pitch: int
    voice: Voice
    level: float
    pan: float = 0.0
    """-1 left to 1 right."""


_NAME = re.compile(r"^([A-G])([#b]?)(-?\d)$")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def pitch(name: str) -> int:
    """MIDI number of a note name such as "F#4" (middle C is C4 = 60)."""
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"not a note name: {name!r}")
    letter, accidental, octave = match.groups()
    shift = {"#": 1, "b": -1, "": 0}[accidental]
    return 12 * (int(octave) + 1) + _STEPS[letter] + shift


def _line(
    names: str,
    start: float,
    step: float,
    voice: Voice,
    level: float,
    pan: float = 0.0,
    transpose: int = 0,
) -> list[Tone]:
    """Notes of equal length one after another; "-" is a rest, "~" holds the last note on."""
    notes: list[Tone] = []
    for i, name in enumerate(names.split()):
        if name == "~" and notes:
            last = notes[-1]
            notes[-1] = Tone(last.start, last.length + step, last.pitch, voice, level, pan)
        elif name not in ("-", "~"):
            notes.append(Tone(start + i * step, step, pitch(name) + transpose, voice, level, pan))
    return notes


def canon() -> list[Tone]:
    """Pachelbel, Canon in D: the ground bass, a string pad, three voices in canon."""
    beat = 1.0
    ground = ["D3", "A2", "B2", "F#2", "G2", "D2", "G2", "A2"]
    chords = ["F#3 A3 D4", "E3 A3 C#4", "F#3 B3 D4", "F#3 A3 C#4", "G3 B3 D4", "F#3 A3 D4"]
    chords += ["G3 B3 D4", "E3 A3 C#4"]
    lines = [
        ("F#5 E5 D5 C#5 B4 A4 B4 C#5", 2.0),
        ("D5 F#5 A5 G5 F#5 D5 F#5 E5 D5 B4 D5 A4 G4 B4 A4 G4", 1.0),
        ("D5 C#5 B4 A4 G4 F#4 G4 A4", 2.0),
    ]
    cycles = 9
    cycle = 16 * beat
    notes: list[Tone] = []
    for c in range(cycles):
        t0 = c * cycle
        for i, (bass, chord) in enumerate(zip(ground, chords, strict=True)):
            at = t0 + 2 * i * beat
            notes.append(Tone(at, 2 * beat, pitch(bass), BASS, 0.55))
            for name in chord.split():
                notes.append(Tone(at, 2 * beat, pitch(name), PAD, 0.16))
    for voice_no, (pan, octave) in enumerate(((-0.5, 0), (0.5, 0), (0.0, -12))):
        first = 1 + voice_no  # each voice enters one cycle later and leaves one later
        for c in range(first, first + 6):
            names, step = lines[(c - first) % len(lines)]
            notes += _line(names, c * cycle, step * beat, STRINGS, 0.3, pan, octave)
    end = cycles * cycle
    notes.append(Tone(end, 5.0, pitch("D2"), BASS, 0.55))
    for name in ["D3", "A3", "F#4", "A4", "D5"]:
        notes.append(Tone(end, 5.0, pitch(name), STRINGS, 0.22, 0.0))
    return notes


PRELUDE_BARS = """
C4 E4 G4 C5 E5 | C4 D4 A4 D5 F5 | B3 D4 G4 D5 F5 | C4 E4 G4 C5 E5 | C4 E4 A4 E5 A5
C4 D4 F#4 A4 D5 | B3 D4 G4 D5 G5 | B3 C4 E4 G4 C5 | A3 C4 E4 G4 C5 | D3 A3 D4 F#4 C5
G3 B3 D4 G4 B4 | G3 Bb3 E4 G4 C#5 | F3 A3 D4 A4 D5 | F3 Ab3 D4 F4 B4 | E3 G3 C4 G4 C5
E3 F3 A3 C4 F4 | D3 F3 A3 C4 F4 | G2 D3 G3 B3 F4 | C3 E3 G3 C4 E4 | C3 G3 Bb3 C4 E4
F2 F3 A3 C4 E4 | G2 D3 G3 B3 F4 | C3 E3 G3 C4 E4
"""


def prelude() -> list[Tone]:
    """Bach, Prelude in C major BWV 846: each bar's chord broken in sixteenths, on a harp."""
    step = 0.27
    notes: list[Tone] = []
    bars = [bar.split() for bar in PRELUDE_BARS.replace("\n", " ").split("|")]
    for b, bar in enumerate(bars):
        for half in range(2):
            t0 = (b * 16 + half * 8) * step
            order = [0, 1, 2, 3, 4, 2, 3, 4]
            for i, k in enumerate(order):
                held = (8 - i) * step  # each note rings to the end of the half bar
                pan = -0.4 + 0.2 * k
                notes.append(Tone(t0 + i * step, held, pitch(bar[k]), HARP, 0.42, pan))
    end = len(bars) * 16 * step
    for i, name in enumerate(["C2", "C3", "E4", "G4", "C5"]):
        notes.append(Tone(end + i * step, 6.0 - i * step, pitch(name), HARP, 0.4, -0.4 + 0.2 * i))
    notes.append(Tone(end, 6.0, pitch("C3"), PAD, 0.12))
    return notes


def gymnopedie() -> list[Tone]:
    """Satie, Gymnopédie No. 1: bass and chord alternating G and D, a slow melody above."""
    beat = 60 / 66
    bar = 3 * beat
    phrase1 = "- F#5 A5 G5 F#5 C#5 B4 C#5 D5 A4 ~ ~ F#4 ~ ~ ~ ~ ~ ~ ~ ~ ~ ~ ~"
    phrase2 = "- F#5 A5 G5 F#5 C#5 B4 C#5 D5 A4 ~ ~ C#5 ~ ~ F#5 ~ ~ E5 ~ ~ ~ ~ ~"
    tune = f"{phrase1} {phrase2} {phrase1}"
    bars = len(tune.split()) // 3
    total = 4 + bars + 1
    notes = _line(tune, 4 * bar, beat, FLUTE, 0.32, 0.1)
    for b in range(total):
        t0 = b * bar
        bass, chord = ("G2", "B3 D4 F#4") if b % 2 == 0 else ("D2", "A3 C#4 F#4")
        notes.append(Tone(t0, bar, pitch(bass), HARP, 0.45, -0.15))
        for name in chord.split():
            notes.append(Tone(t0 + beat, 2 * beat, pitch(name), HARP, 0.2, 0.15))
    end = total * bar
    for name in ["D2", "A3", "D4", "F#4", "A4"]:
        notes.append(Tone(end, 5.0, pitch(name), HARP, 0.3))
    notes.append(Tone(end, 5.0, pitch("D3"), PAD, 0.15))
    return notes


@dataclass(frozen=True)
class DemoPiece:
    """One demo piece: its cache file name and the score that makes it."""

    name: str
    score: Callable[[], list[Tone]]

    def seconds(self) -> int:
        """Whole seconds of audio: the score plus its reverb tail (demo.toml says the same)."""
        notes = self.score()
        last = max(n.start + n.length + n.voice.release for n in notes)
        return math.ceil(last + 2.5)


PIECES = (
    DemoPiece("01-bach-prelude-in-c", prelude),
    DemoPiece("02-pachelbel-canon-in-d", canon),
    DemoPiece("03-satie-gymnopedie-1", gymnopedie),
)
"""The demo program's pieces in playing order."""


def _table(harmonics: tuple[float, ...]) -> NDArray[np.float32]:
    x = np.arange(_TABLE) / _TABLE
    wave = sum(a * np.sin(2 * np.pi * (k + 1) * x) for k, a in enumerate(harmonics))
    wave = np.asarray(wave, dtype=np.float64)
    return (wave / np.max(np.abs(wave))).astype(np.float32)


def _render_note(
    note: Tone, cents: float, tables: dict[Voice, tuple[NDArray[np.float32], ...]]
) -> NDArray[np.float32]:
    voice = note.voice
    n = int((note.length + voice.release) * RATE)
    held = min(int(note.length * RATE), n)
    t = np.arange(n) / RATE
    freq = 440.0 * 2 ** ((note.pitch - 69 + cents / 100) / 12)
    phase = freq * t
    if voice.vibrato:
        rate = 5.2
        ramp = np.minimum(t / 0.8, 1.0)
        phase += ramp * (voice.vibrato * freq / (2 * np.pi * rate)) * np.sin(2 * np.pi * rate * t)
    idx = ((phase * _TABLE) % _TABLE).astype(np.intp)
    bright, mellow = tables[voice]
    if voice.decay:
        wave = bright[idx] * np.exp(-t / (voice.decay / 4)) + mellow[idx] * np.exp(-t / voice.decay)
    else:
        wave = bright[idx]
    env = np.ones(n)
    attack = max(int(voice.attack * RATE), 64)
    attack = min(attack, held) if held > 64 else min(attack, n // 2)
    env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    tail = n - held
    if tail > 0:
        env[held:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return (wave * env).astype(np.float32)


def _reverb(rate: int, seconds: float = 2.4, rt60: float = 2.2) -> NDArray[np.float32]:
    from scipy.signal import lfilter

    rng = np.random.default_rng(1749)
    n = int(seconds * rate)
    pre = int(0.015 * rate)
    t = np.arange(n - pre) / rate
    ir = np.zeros((n, 2))
    for ch in range(2):
        noise = lfilter([0.35], [1.0, -0.65], rng.standard_normal(n - pre))
        ir[pre:, ch] = noise * np.exp(-6.9 * t / rt60)
        ir[:, ch] /= np.sqrt(np.sum(ir[:, ch] ** 2))
    return ir.astype(np.float32)


def render(piece: DemoPiece) -> Stereo:
    """The finished stereo audio of one piece (float32, frames × 2)."""
    from scipy.signal import oaconvolve

    frames = piece.seconds() * RATE
    dry = np.zeros((frames, 2), dtype=np.float32)
    tables: dict[Voice, tuple[NDArray[np.float32], ...]] = {}
    made: dict[tuple[int, float, Voice, float], NDArray[np.float32]] = {}
    for note in piece.score():
        voice = note.voice
        if voice not in tables:
            mellow = tuple(a / (k + 1) for k, a in enumerate(voice.harmonics[:3]))
            tables[voice] = (_table(voice.harmonics), _table(mellow))
        copies = [(-voice.detune_cents / 2, -0.35), (voice.detune_cents / 2, 0.35)]
        for cents, spread in copies if voice.detune_cents else [(0.0, 0.0)]:
            key = (note.pitch, round(note.length, 4), voice, cents)
            if key not in made:  # scores repeat a lot: a ground bass, a broken chord twice
                made[key] = _render_note(note, cents, tables)
            wave = made[key] * (note.level * (0.6 if voice.detune_cents else 1.0))
            pan = min(max(note.pan + spread, -1.0), 1.0)
            start = int(note.start * RATE)
            stop = min(start + len(wave), frames)
            angle = (pan + 1) * np.pi / 4
            dry[start:stop, 0] += wave[: stop - start] * np.cos(angle)
            dry[start:stop, 1] += wave[: stop - start] * np.sin(angle)
    ir = _reverb(RATE)
    wet = np.stack([oaconvolve(dry[:, ch], ir[:, ch])[:frames] for ch in range(2)], axis=1)
    mix = 0.8 * dry + 0.3 * wet
    fade = int(1.0 * RATE)
    mix[-fade:] *= (0.5 + 0.5 * np.cos(np.pi * np.arange(fade) / fade))[:, None]
    rms = float(np.sqrt(np.mean(mix.astype(np.float64) ** 2)))
    peak = float(np.max(np.abs(mix)))
    gain = 10 ** (TARGET_RMS_DB / 20) / rms
    gain = min(gain, PEAK_LIMIT / peak)
    return (mix * gain).astype(np.float32)


def _is_whole(path: Path, frames: int) -> bool:
    import soundfile as sf

    try:
        info = sf.info(str(path))
        if info.frames != frames or info.samplerate != RATE or info.channels != 2:
            return False
        with sf.SoundFile(str(path)) as f:
            f.seek(frames - 1024)
            return len(f.read(1024)) == 1024
    except (RuntimeError, OSError, ValueError):
        return False


def demo_paths(settings: Settings) -> list[Path]:
    """Where the demo files live (whether or not they were made yet)."""
    folder = settings.cache_dir / "demo"
    return [folder / f"{p.name}.v{VERSION}.flac" for p in PIECES]


def demo_audio_ready(settings: Settings) -> bool:
    """True when every demo file exists whole (nothing would be generated)."""
    paths = demo_paths(settings)
    return all(_is_whole(p, d.seconds() * RATE) for p, d in zip(paths, PIECES, strict=True))


def ensure_demo_audio(settings: Settings) -> list[Path]:
    """The demo program's audio files, made on first use and reused after.

    Raises:
        GimError: the cache folder cannot be written.
        AudioError: a file cannot be encoded.
    """
    import soundfile as sf

    paths = demo_paths(settings)
    ensure_private_dir(paths[0].parent)
    for path, piece in zip(paths, PIECES, strict=True):
        if _is_whole(path, piece.seconds() * RATE):
            continue
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
        try:
            audio = render(piece)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                sf.write(out, audio, RATE, format="FLAC", subtype="PCM_16")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except (OSError, RuntimeError) as exc:
            tmp.unlink(missing_ok=True)
            raise AudioError(
                f"Cannot write the demo audio to {path.parent} ({exc}): "
                "check the data home is writable and has free space."
            ) from exc
    return paths

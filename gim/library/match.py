"""Match a program's pieces to audio files in a guide's own music library.

A file matches a piece when its words (file name, the folders under the scanned folder,
and the title/artist/album tags libsndfile reads) name the composer and most of the work
and movement, and its length is within a tolerance of the piece's. When several files fit
equally well the match is reported ambiguous, and when none fits, missing: gim never
guesses which recording a guide meant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from gim.core.program import Piece

AUDIO_SUFFIXES = frozenset({".flac", ".wav", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"})
"""Formats gim can play (through libsndfile); other files are not considered."""
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "the",
        "of",
        "in",
        "on",
        "from",
        "for",
        "to",
        "no",
        "op",
        "nr",
        "de",
        "la",
        "le",
        "les",
        "du",
        "des",
        "der",
        "die",
        "das",
        "und",
        "et",
        "track",
        "disc",
        "cd",
    }
)
NAME_SHARE = 0.6
"""Share of the work and movement words a file must name."""
CLEAR_LEAD = 0.3
"""How much better the best file must fit than the next to be chosen over it."""


def tolerance(seconds: float) -> float:
    """How far a recording's length may be from the program's: 3 s or 2%, the larger."""
    return max(3.0, 0.02 * seconds)


def words(text: str) -> set[str]:
    """Lower-case words without accents; numbers without leading zeros."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    found = set()
    for word in re.split(r"[^0-9a-z]+", plain):
        if word.isdigit():
            found.add(str(int(word)))
        elif len(word) >= 2:
            found.add(word)
    return found


def _key_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS}


def _has(word: str, pool: frozenset[str]) -> bool:
    if word in pool:
        return True
    # "gymnopedie" names "Gymnopédies": long words may differ in their ending
    return len(word) >= 5 and any(
        len(p) >= 5 and (p.startswith(word) or word.startswith(p)) for p in pool
    )


@dataclass(frozen=True)
class AudioFile:
    """One playable file found in the guide's library."""

    path: Path
    duration: float
    """Length in seconds."""
    words: frozenset[str]
    """Words from its name, folders and tags."""


class MatchState(StrEnum):
    """What linking found for one piece."""

    MATCHED = "matched"
    MISSING = "missing"
    AMBIGUOUS = "ambiguous"


@dataclass
class PieceMatch:
    """The outcome for one piece."""

    piece: Piece
    state: MatchState
    file: AudioFile | None = None
    """The file chosen (MATCHED only)."""
    candidates: list[AudioFile] = field(default_factory=list)
    """AMBIGUOUS: the files that fit equally well. MISSING: files that name the piece but
    whose length is wrong (another recording, perhaps)."""


def _read(path: Path, root: Path) -> AudioFile | None:
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            duration = f.frames / f.samplerate if f.samplerate else 0.0
            tags = f.copy_metadata()
    except (RuntimeError, OSError, ValueError, TypeError):
        return None
    if duration <= 0:
        return None
    text = " ".join([path.stem, *path.relative_to(root).parent.parts, *map(str, tags.values())])
    return AudioFile(path, duration, frozenset(words(text)))


def scan_audio(directory: Path) -> list[AudioFile]:
    """Every playable audio file under ``directory`` (hidden files and folders skipped)."""
    found = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).parts
        if path.suffix.lower() not in AUDIO_SUFFIXES or any(p.startswith(".") for p in relative):
            continue
        if path.is_file():
            audio = _read(path, directory)
            if audio is not None:
                found.append(audio)
    return found


def name_fit(piece: Piece, audio: AudioFile) -> float | None:
    """How well a file's words name the piece; None when the composer or work is not named.

    1.0 means every word of the work and movement is there; up to 0.5 more for the
    performer's words.
    """
    composer = {w for w in _key_words(piece.composer) if len(w) >= 3}
    if composer and not any(_has(w, audio.words) for w in composer):
        return None
    title = _key_words(f"{piece.work} {piece.movement}")
    share = sum(_has(w, audio.words) for w in title) / len(title) if title else 1.0
    if share < NAME_SHARE:
        return None
    performer = _key_words(piece.performer)
    bonus = sum(_has(w, audio.words) for w in performer) / len(performer) if performer else 0.0
    return share + 0.5 * bonus


def match_piece(piece: Piece, files: Iterable[AudioFile]) -> PieceMatch:
    """Find the one file for ``piece``, or say why there is none."""
    fitting: list[tuple[float, AudioFile]] = []
    wrong_length: list[AudioFile] = []
    for audio in files:
        fit = name_fit(piece, audio)
        if fit is None:
            continue
        if abs(audio.duration - piece.duration) <= tolerance(piece.duration):
            fitting.append((fit, audio))
        else:
            wrong_length.append(audio)
    if not fitting:
        return PieceMatch(piece, MatchState.MISSING, candidates=wrong_length)
    fitting.sort(key=lambda pair: -pair[0])
    best = fitting[0][0]
    close = [audio for fit, audio in fitting if best - fit < CLEAR_LEAD]
    if len(close) == 1:
        return PieceMatch(piece, MatchState.MATCHED, file=close[0])
    return PieceMatch(piece, MatchState.AMBIGUOUS, candidates=close)


def match_pieces(pieces: Sequence[Piece], files: Sequence[AudioFile]) -> list[PieceMatch]:
    """`match_piece` for each piece, in order."""
    return [match_piece(piece, files) for piece in pieces]

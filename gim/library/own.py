"""The guide's own music: one file per piece by hand, and programs made from their files.

`audio_info` reads a file's length and tags (the Programs screen shows it before a file is
chosen); `program_from_files` builds a program whose pieces are the guide's files in
order, with durations read from the files, ready to be saved with `save_program`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from gim.config import Settings, ensure_private_dir, write_private_text
from gim.core.program import Piece, Program, Provenance
from gim.errors import InputError, NotFoundError
from gim.library.match import AUDIO_SUFFIXES


@dataclass(frozen=True)
class AudioInfo:
    """What a guide needs to know about a file before linking it."""

    path: Path
    duration: float
    """Seconds."""
    composer: str = ""
    """The artist tag, if any."""
    title: str = ""
    """The title tag, if any."""
    album: str = ""
    """The album tag, if any."""


def audio_info(path: Path) -> AudioInfo:
    """The length and tags of one playable audio file.

    Raises:
        NotFoundError: there is no such file.
        InputError: the file is not audio gim can play (one sentence).
    """
    import soundfile as sf

    if not path.is_file():
        raise NotFoundError(f"There is no file {path}: check the path.")
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        kinds = ", ".join(sorted(s.lstrip(".") for s in AUDIO_SUFFIXES))
        raise InputError(f"{path.name} is not an audio file gim plays ({kinds}).")
    try:
        with sf.SoundFile(str(path)) as f:
            duration = f.frames / f.samplerate if f.samplerate else 0.0
            tags = f.copy_metadata()
    except (RuntimeError, OSError, ValueError, TypeError) as exc:
        raise InputError(f"{path.name} cannot be read as audio ({exc}).") from exc
    if duration <= 0:
        raise InputError(f"{path.name} holds no audio.")
    return AudioInfo(
        path.resolve(),
        duration,
        str(tags.get("artist", "")),
        str(tags.get("title", "")),
        str(tags.get("album", "")),
    )


def audio_files(sources: list[Path]) -> list[Path]:
    """The audio files named, or found in the folders named, in order (folders sorted).

    Raises:
        NotFoundError: a source does not exist, or the folders hold no audio file.
    """
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found += sorted(
                p
                for p in source.iterdir()
                if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")
            )
        elif source.is_file():
            found.append(source)
        else:
            raise NotFoundError(f"There is no file or folder {source}: check the path.")
    if not found:
        raise NotFoundError("No audio files there: give a folder of music or the files.")
    return found


def slugify(title: str) -> str:
    """A program slug from a title: lower-case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "my-program"


def _piece(info: AudioInfo) -> Piece:
    stem = re.sub(r"^\d+[\s._-]+", "", info.path.stem).replace("_", " ").strip()
    return Piece(
        composer=info.composer or "unknown composer",
        work=info.title or stem or info.path.name,
        movement="",
        performer=info.album,
        duration=round(info.duration, 3),
    )


def program_from_files(title: str, files: list[Path], slug: str = "", author: str = "") -> Program:
    """A program whose pieces are ``files`` in order, durations read from the files.

    Raises:
        InputError: a file cannot be read as audio.
    """
    infos = [audio_info(f) for f in files]
    return Program(
        slug=slug or slugify(title),
        title=title,
        author=author or "the guide",
        provenance=Provenance("the guide's own recordings", verified=True),
        pieces=tuple(_piece(i) for i in infos),
    )


def played_part(program: Program, files: list[Path | None]) -> tuple[Program, list[Path | None]]:
    """``program`` without the pieces that have no file: what will actually be played (the
    session's program snapshot, so every piece index in the record is one that sounded)."""
    import dataclasses

    keep = [i for i, f in enumerate(files) if f is not None]
    pieces = tuple(program.pieces[i] for i in keep)
    return dataclasses.replace(program, pieces=pieces), [files[i] for i in keep]


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def save_program(settings: Settings, program: Program, overwrite: bool = False) -> Path:
    """Write ``program`` to the guide's programs folder as TOML; its path.

    Raises:
        InputError: a program file with that slug exists and ``overwrite`` is False.
    """
    folder = ensure_private_dir(settings.programs_dir)
    path = folder / f"{program.slug}.toml"
    if path.exists() and not overwrite:
        raise InputError(
            f"You already have a program {program.slug!r} ({path}): choose another title or slug."
        )
    lines = [
        "# Made by gim programs new from the guide's own files.",
        f"slug = {_toml(program.slug)}",
        f"title = {_toml(program.title)}",
        f"author = {_toml(program.author)}",
        f"gap = {program.gap:g}",
        "",
        "[provenance]",
        f"source = {_toml(program.provenance.source)}",
        "verified = true",
    ]
    for piece in program.pieces:
        lines += ["", "[[pieces]]"]
        for key in ("composer", "work", "movement", "performer"):
            value = getattr(piece, key)
            if value:
                lines.append(f"{key} = {_toml(value)}")
        lines.append(f"duration = {piece.duration:g}")
    return write_private_text(path, "\n".join(lines) + "\n")

"""Exports as files: what the CLI and the review screen both do around the formats.

The formats are pure functions of a record; here the session folder is read (the mandala
picture, the microphone recording), the record de-identified when asked, and the bytes
written as private as the data home: files 0600, a folder gim makes 0700. An export never
replaces a file silently and never makes a folder the guide did not ask for.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gim.config import DIR_MODE, FILE_MODE
from gim.core.checking import to_check_lane
from gim.core.deidentify import deidentify, neutral_id
from gim.core.record import SessionRecord
from gim.errors import GimError, InputError
from gim.export import Recording

AUDIO_SUFFIXES = (".flac", ".wav", ".ogg")
"""Suffixes of a session's joined microphone recording."""
MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
"""Picture suffixes and their MIME types."""
CLIENT_COPY = "client-copy"
"""Name of the client copy among export choices."""
PACKET = "packet"
"""Name of the supervision packet among export choices."""

Warn = Callable[[str], None]
"""Told one sentence when something is left out (a picture that cannot be read)."""


@dataclass(frozen=True)
class Picture:
    """The session's mandala picture, if any."""

    data: bytes | None = None
    """The picture's bytes; None when there is none or it cannot be read."""
    mime: str = "image/png"
    """Its MIME type."""
    name: str = "mandala.png"
    """Its file name."""


@dataclass(frozen=True)
class ExportChoice:
    """What the guide asked for: a format, the client copy or the supervision packet."""

    what: str
    """A format name (`FORMAT_NAMES`), `CLIENT_COPY` or `PACKET`."""
    deidentified: bool = False
    """Replace the client code and ``names`` with neutral labels."""
    names: tuple[str, ...] = ()
    """Other names to replace."""
    audio: bool = True
    """Link the recording and include the picture; for a packet, add audio excerpts."""
    private: bool = True
    """Include the guide's private annotations (markers, tags, comments)."""
    around: float = 15.0
    """Seconds of audio either side of a marked moment in a packet."""
    observations: bool = False
    """For a client copy: keep the guide's observations and check flags."""
    paper: str = "a4"
    """Page size of a DOCX: "a4" or "letter"."""
    unchecked: bool = False
    """Include lines flagged for checking that the guide has not checked (marked as such)."""
    music: bool = False
    """A REFI-QDA project also carries the voice mixed with the music played."""


def mic_recording(folder: Path) -> Path | None:
    """The session's joined microphone recording in ``folder``, if it is on disk."""
    for suffix in AUDIO_SUFFIXES:
        if (folder / f"mic{suffix}").is_file():
            return folder / f"mic{suffix}"
    found = sorted(p for p in folder.glob("mic*") if p.suffix in AUDIO_SUFFIXES and p.is_file())
    return found[0] if found else None


def mandala_picture(folder: Path, record: SessionRecord, warn: Warn | None = None) -> Picture:
    """The mandala attachment of ``record`` read from ``folder`` (empty when unreadable)."""
    for attachment in record.attachments:
        if attachment.kind != "mandala":
            continue
        path = Path(attachment.path)
        path = path if path.is_absolute() else folder / path
        try:
            return Picture(path.read_bytes(), MIME.get(path.suffix.lower(), "image/png"), path.name)
        except OSError:
            if warn is not None:
                warn(f"the mandala picture {path} cannot be read; left out.")
    return Picture()


def picture_name(picture: Picture, choice: ExportChoice) -> str:
    """The picture's file name in an export: ``mandala.<suffix>`` when de-identified.

    The guide named the file; the name may carry the client's.
    """
    return f"mandala{Path(picture.name).suffix}" if choice.deidentified else picture.name


def format_export(
    record: SessionRecord,
    folder: Path,
    fmt: str,
    choice: ExportChoice,
    base: Path,
    warn: Warn | None = None,
) -> tuple[str, bytes]:
    """One format of ``record``: (default file name, bytes).

    Args:
        record: The session as stored.
        folder: The session's folder (recording, mandala).
        fmt: A format name.
        choice: De-identification, audio, private notes.
        base: Folder the file will be written in (an EAF links the recording relative to it).
        warn: Told when the picture is left out.
    """
    from gim.export import ExportOptions, get_format

    format_ = get_format(fmt)
    picture = mandala_picture(folder, record, warn) if choice.audio else Picture()
    media = media_url = None
    audio = mic_recording(folder) if choice.audio else None
    if audio is not None and fmt == "eaf":
        if choice.deidentified:  # its folder is named after the session id (the client)
            media = audio.name
        else:
            media = os.path.relpath(audio.resolve(), base.resolve())
            media_url = audio.resolve().as_uri()
    record = to_check_lane(record, choice.unchecked, warn)
    shown = deidentify(record, choice.names) if choice.deidentified else record
    options = ExportOptions(
        private=choice.private,
        media=media,
        media_url=media_url,
        mandala=picture.data,
        mandala_type=picture.mime,
        paper=choice.paper,
        recordings=_recordings(record, audio, choice, warn) if fmt == "qdpx" else (),
    )
    stem = f"{shown.session.id}-deidentified" if choice.deidentified else record.session.id
    return stem + format_.suffix, format_.render(shown, options)


def _recordings(
    record: SessionRecord, audio: Path | None, choice: ExportChoice, warn: Warn | None
) -> tuple[Recording, ...]:
    from gim.export.media import carried

    return carried(record, audio, deidentified=choice.deidentified, music=choice.music, warn=warn)


def client_copy_files(
    record: SessionRecord, folder: Path, choice: ExportChoice, warn: Warn | None = None
) -> dict[str, bytes]:
    """The client's copy as ``{"<stem>-client-copy/<file>": bytes}``, with the mandala."""
    from gim.export.packet import client_copy

    picture = mandala_picture(folder, record, warn) if choice.audio else Picture()
    record = to_check_lane(record, choice.unchecked, warn)
    shown = deidentify(record, choice.names) if choice.deidentified else record
    files = client_copy(
        shown,
        mandala=picture.data,
        mandala_type=picture.mime,
        observations=choice.observations,
        flags=choice.unchecked,
    )
    if picture.data is not None:
        files[picture_name(picture, choice)] = picture.data
    stem = shown.session.id
    return {f"{stem}-client-copy/{name}": data for name, data in files.items()}


def packet_export(
    record: SessionRecord, folder: Path, choice: ExportChoice, warn: Warn | None = None
) -> tuple[str, bytes]:
    """The supervision packet: (default file name, zip bytes).

    Raises:
        GimError: when audio excerpts are asked for and there is no recording.
    """
    from gim.export.packet import supervision_packet

    audio = mic_recording(folder) if choice.audio else None
    if choice.audio and audio is None:
        raise GimError(
            f"Session {record.session.id} has no microphone recording: leave the audio out."
        )
    picture = mandala_picture(folder, record, warn)
    data = supervision_packet(
        to_check_lane(record, choice.unchecked, warn),
        deidentified=choice.deidentified,
        names=choice.names,
        audio=audio,
        around=choice.around,
        mandala=picture.data,
        mandala_name=picture_name(picture, choice),
    )
    stem = neutral_id(record.session.id) if choice.deidentified else record.session.id
    return f"{stem}-supervision.zip", data


def write_file(
    data: bytes, target: Path, hint: str = "choose another folder", *, replace: bool = False
) -> Path:
    """Write ``data`` to ``target`` readable by the user alone (0600).

    Args:
        data: The file's bytes.
        target: Where to write; its folder must exist.
        hint: What to do when it cannot be written (ends the error sentence).
        replace: Replace a file of that name; otherwise an existing file is an error.

    Raises:
        InputError: when the folder is missing or the file exists (and not ``replace``).
        GimError: when the file cannot be written; ``hint`` says what to do.
    """
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"The folder {folder} does not exist: create it first or {hint}.")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        handle = os.open(target, flags, FILE_MODE)
    except FileExistsError as exc:
        raise InputError(f"{target} exists already: add --force to replace it, or {hint}.") from exc
    except OSError as exc:
        raise GimError(f"Cannot write {target} ({exc.strerror}): {hint}.") from exc
    try:
        os.fchmod(handle, FILE_MODE)  # a replaced file keeps its old mode otherwise
        with open(handle, "wb") as stream:
            stream.write(data)
    except OSError as exc:
        raise GimError(f"Cannot write {target} ({exc.strerror}): {hint}.") from exc
    return target


def make_folder(folder: Path, parents: bool = False) -> bool:
    """Make ``folder`` (0700) when it is missing; True when made.

    Args:
        folder: The folder to write exports in.
        parents: Make missing folders above it too (each 0700); otherwise its parent
            must exist (a mistyped ``-o`` must not scatter folders).

    Raises:
        InputError: when its parent does not exist and ``parents`` is false.
        GimError: when it cannot be made.
    """
    if folder.is_dir():
        return False
    if not parents and not folder.parent.is_dir():
        raise InputError(f"The folder {folder.parent} does not exist: create it first.")
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        for each in reversed(missing):
            each.mkdir(mode=DIR_MODE)
            each.chmod(DIR_MODE)  # mkdir's mode passes through the umask
    except OSError as exc:
        raise GimError(f"Cannot make the folder {folder} ({exc.strerror}).") from exc
    return True


def free_name(folder: Path, name: str) -> str:
    """``name``, or ``name`` with ``-2``, ``-3``... before its suffix when taken in ``folder``."""
    if not (folder / name).exists():
        return name
    stem, dot, suffix = name.partition(".")
    n = 2
    while (folder / f"{stem}-{n}{dot}{suffix}").exists():
        n += 1
    return f"{stem}-{n}{dot}{suffix}"


def export_session(
    record: SessionRecord,
    folder: Path,
    choice: ExportChoice,
    out: Path,
    warn: Warn | None = None,
) -> list[Path]:
    """Write what ``choice`` asks for into the folder ``out``; returns the files written.

    The folder is made (0700, and any missing above it) when missing: the guide chose
    it in the app. A name already taken there gets ``-2``, ``-3``... and ``warn`` is told:
    nothing is replaced.

    Args:
        record: The session as stored.
        folder: The session's folder (recording, mandala).
        choice: What to export and how.
        out: The folder to write in.
        warn: Told when something is left out or the folder was made.
    """
    if choice.names and not choice.deidentified:
        raise InputError("Names are only replaced when de-identifying: switch it on.")
    if choice.what == CLIENT_COPY:
        files = client_copy_files(record, folder, choice, warn)
    elif choice.what == PACKET:
        files = dict([packet_export(record, folder, choice, warn)])
    else:
        files = dict([format_export(record, folder, choice.what, choice, out, warn)])
    if make_folder(out, parents=True) and warn is not None:
        warn(f"made the folder {out} (readable by you alone).")
    renamed: dict[str, str] = {}
    for first in dict.fromkeys(name.partition("/")[0] for name in files):
        renamed[first] = free_name(out, first)
        if renamed[first] != first and warn is not None:
            warn(f"{first} exists already in {out}: written as {renamed[first]}.")
    written = []
    for name, data in files.items():
        first, _, rest = name.partition("/")
        target = out / renamed[first] / rest if rest else out / renamed[first]
        if rest:
            make_folder(target.parent)
        written.append(write_file(data, target))
    return written

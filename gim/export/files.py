"""Exports as files: what the CLI and the review screen both do around the formats.

The formats are pure functions of a record; here the session folder is read (the mandala
picture, the microphone recording), the record de-identified when asked, and the bytes
written with ordinary ``open()`` so exported files honour the user's umask: the data home
is private, but a file a guide exports is theirs to share.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gim.core.deidentify import deidentify
from gim.core.record import SessionRecord
from gim.errors import GimError, InputError

AUDIO_SUFFIXES = (".flac", ".wav", ".ogg")
"""Suffixes of a session's joined microphone recording."""
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
        ".webp": "image/webp", ".svg": "image/svg+xml"}  # fmt: skip
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


def format_export(
    record: SessionRecord, folder: Path, fmt: str, choice: ExportChoice, base: Path,
    warn: Warn | None = None,
) -> tuple[str, bytes]:  # fmt: skip
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
        media = os.path.relpath(audio.resolve(), base.resolve())
        media_url = None if choice.deidentified else audio.resolve().as_uri()
    shown = deidentify(record, choice.names) if choice.deidentified else record
    options = ExportOptions(private=choice.private, media=media, media_url=media_url,
                            mandala=picture.data, mandala_type=picture.mime,
                            paper=choice.paper)  # fmt: skip
    stem = "session-deidentified" if choice.deidentified else record.session.id
    return stem + format_.suffix, format_.render(shown, options)


def client_copy_files(
    record: SessionRecord, folder: Path, choice: ExportChoice, warn: Warn | None = None
) -> dict[str, bytes]:
    """The client's copy as ``{"<stem>-client-copy/<file>": bytes}``, with the mandala."""
    from gim.export.packet import client_copy

    picture = mandala_picture(folder, record, warn) if choice.audio else Picture()
    shown = deidentify(record, choice.names) if choice.deidentified else record
    files = client_copy(shown, mandala=picture.data, mandala_type=picture.mime,
                        observations=choice.observations)  # fmt: skip
    if picture.data is not None:
        files[picture.name] = picture.data
    stem = "session" if choice.deidentified else record.session.id
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
    data = supervision_packet(record, deidentified=choice.deidentified, names=choice.names,
                              audio=audio, around=choice.around, mandala=picture.data,
                              mandala_name=picture.name)  # fmt: skip
    stem = "session" if choice.deidentified else record.session.id
    return f"{stem}-supervision.zip", data


def write_file(data: bytes, target: Path, hint: str = "choose another folder") -> Path:
    """Write ``data`` to ``target`` (making its folder), honouring the umask.

    Raises:
        GimError: when the file cannot be written; ``hint`` says what to do.
    """
    try:
        if target.parent != Path(""):
            target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise GimError(f"Cannot write {target} ({exc.strerror}): {hint}.") from exc
    return target


def export_session(
    record: SessionRecord, folder: Path, choice: ExportChoice, out: Path,
    warn: Warn | None = None,
) -> list[Path]:  # fmt: skip
    """Write what ``choice`` asks for into the folder ``out``; returns the files written.

    Args:
        record: The session as stored.
        folder: The session's folder (recording, mandala).
        choice: What to export and how.
        out: The folder to write in (made when missing).
        warn: Told when something is left out.
    """
    if choice.names and not choice.deidentified:
        raise InputError("Names are only replaced when de-identifying: switch it on.")
    if choice.what == CLIENT_COPY:
        files = client_copy_files(record, folder, choice, warn)
    elif choice.what == PACKET:
        files = dict([packet_export(record, folder, choice, warn)])
    else:
        files = dict([format_export(record, folder, choice.what, choice, out, warn)])
    return [write_file(data, out / name) for name, data in files.items()]

"""Commands: ``gim export``, ``gim client-copy``, ``gim packet`` and ``gim series``.

Exports are as private as the data home: files 0600 (a folder gim makes, 0700). A file
that exists is replaced only with ``--force``; a missing folder for ``-o`` is an error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gim.cli.context import Context
from gim.cli.params import seconds
from gim.core.record import SessionRecord
from gim.errors import GimError, InputError

pass_context = click.make_pass_decorator(Context)


def session_folder(ctx: Context, session_id: str) -> Path:
    """Where the session's audio and attachments live."""
    return ctx.settings.sessions_dir / session_id


def _warn(message: str) -> None:
    click.echo(f"gim: {message}", err=True)


class Told(list[str]):
    """What an export tells the guide, said once the file is written.

    A failure (a file that exists, a missing folder) stays one sentence on its own.
    """

    def say(self) -> None:
        """Print every message, in order."""
        for message in self:
            _warn(message)


def load(ctx: Context, session_id: str) -> SessionRecord:
    """The whole record of ``session_id`` from the store."""
    with ctx.open_store() as store:
        return store.load_record(session_id)


FORCE = click.option("--force", is_flag=True, help="Replace a file that exists already.")
UNCHECKED = click.option(
    "--with-unchecked",
    "unchecked",
    is_flag=True,
    help="Include lines flagged for checking that you have not checked (marked as such).",
)


def write_output(data: bytes, out: Path | None, default: Path, force: bool = False) -> None:
    """Write ``data`` to ``out`` ("-" for standard output) or ``default``; say where."""
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from gim.export.files import write_file

    target = write_file(data, out or default, "choose another place with -o", replace=force)
    click.echo(str(target), err=True)


def refuse_live_target(ctx: Context, out: Path | None) -> None:
    """Refuse to write ``out`` into the folder of a session a running gim is recording."""
    if out is None or str(out) == "-":
        return
    try:
        inside = out.expanduser().resolve().relative_to(ctx.settings.sessions_dir.resolve())
    except (ValueError, OSError):
        return
    if inside.parts:
        ctx.refuse_if_live(inside.parts[0], "export into")


def _names(text: str) -> tuple[str, ...]:
    from gim.core.deidentify import parse_names

    return parse_names(text)


@click.command("export")
@click.argument("session_id", metavar="ID")
@click.option(
    "--format",
    "-f",
    "fmt",
    default="md",
    show_default=True,
    type=click.Choice(["md", "html", "docx", "srt", "vtt", "eaf", "audacity", "json", "qdpx"]),
    help="What to write.",
)
@click.option("--deidentify", is_flag=True, help="Replace the client code and --names.")
@click.option("--names", default="", help='Names to replace, comma-separated: "Anna,Bob".')
@click.option(
    "--no-audio", is_flag=True, help="No link to, recording or picture from session files."
)
@click.option("--no-private", is_flag=True, help="Leave out markers, tags and comments.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    help="File to write ('-' for standard output). Default: ./ID.<suffix>.",
)
@click.option(
    "--with-music",
    "music",
    is_flag=True,
    help="qdpx: also the voice mixed with the music as played (as review plays both).",
)
@UNCHECKED
@FORCE
@pass_context
def export_command(
    ctx: Context,
    session_id: str,
    fmt: str,
    out: Path | None,
    force: bool,
    **shown: Any,
) -> None:
    """Export one session: the GIM transcript (md, html, docx), subtitles, ELAN, labels, JSON,
    or a REFI-QDA project (qdpx) for MAXQDA, ATLAS.ti, NVivo, QDA Miner and QualCoder."""
    from gim.export.files import ExportChoice, format_export

    names = shown["names"]
    if names and not shown["deidentify"]:
        raise InputError("--names only works with --deidentify: add --deidentify.")
    refuse_live_target(ctx, out)
    record = load(ctx, session_id)
    choice = ExportChoice(
        fmt,
        deidentified=shown["deidentify"],
        names=_names(names),
        audio=not shown["no_audio"],
        private=not shown["no_private"],
        paper=ctx.settings.paper_size,
        unchecked=shown["unchecked"],
        music=shown["music"],
    )
    base = out.parent if out is not None and str(out) != "-" else Path.cwd()
    told = Told()
    name, data = format_export(
        record, session_folder(ctx, session_id), fmt, choice, base, told.append
    )
    write_output(data, out, Path(name), force)
    told.say()


@click.command("client-copy")
@click.argument("session_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (made 0700). Default: ./ID-client-copy.",
)
@click.option(
    "--with-observations",
    is_flag=True,
    help="Keep your [observations] and the marks on lines flagged for checking.",
)
@UNCHECKED
@FORCE
@pass_context
def client_copy_command(
    ctx: Context,
    session_id: str,
    out: Path | None,
    with_observations: bool,
    unchecked: bool,
    force: bool,
) -> None:
    """A client's copy: readable transcript (html + md) with the mandala, no private notes."""
    from gim.export.files import ExportChoice, client_copy_files, make_folder

    refuse_live_target(ctx, out)
    record = load(ctx, session_id)
    choice = ExportChoice("client-copy", observations=with_observations, unchecked=unchecked)
    told = Told()
    files = client_copy_files(record, session_folder(ctx, session_id), choice, told.append)
    folder = out or Path(f"{session_id}-client-copy")
    make_folder(folder)
    for file_name, data in files.items():
        target = folder / file_name.split("/", 1)[1]
        write_output(data, target, target, force)
    told.say()


@click.command("packet")
@click.argument("session_id", metavar="ID")
@click.option("--identified", is_flag=True, help="Keep the client code (default: replaced).")
@click.option("--names", default="", help='Other names to replace, comma-separated: "Anna,Bob".')
@click.option(
    "--excerpts/--no-audio",
    default=False,
    help="Add audio around each marked moment (needs the client's consent).",
)
@click.option(
    "--around",
    type=seconds(1, 120),
    default=15.0,
    show_default=True,
    help="Seconds of audio either side of a marked moment.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    help="Zip file to write. Default: ./ID-supervision.zip.",
)
@UNCHECKED
@FORCE
@pass_context
def packet_command(
    ctx: Context,
    session_id: str,
    out: Path | None,
    force: bool,
    **shown: Any,
) -> None:
    """A supervision packet: transcript with notes, program as played, session note (zip)."""
    from gim.export.files import ExportChoice, mic_recording, packet_export

    refuse_live_target(ctx, out)
    record = load(ctx, session_id)
    folder = session_folder(ctx, session_id)
    excerpts = shown["excerpts"]
    if excerpts and mic_recording(folder) is None:
        raise GimError(f"Session {session_id} has no microphone recording: use --no-audio.")
    choice = ExportChoice(
        "packet",
        deidentified=not shown["identified"],
        names=_names(shown["names"]),
        audio=excerpts,
        around=shown["around"],
        unchecked=shown["unchecked"],
    )
    told = Told()
    name, data = packet_export(record, folder, choice, told.append)
    if excerpts:
        from gim.export.packet import NO_MARKERS, marked_moments

        if not marked_moments(record):
            told.append(NO_MARKERS)
    write_output(data, out, Path(name), force)
    told.say()


@click.command("series")
@click.argument("client")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="What to write.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    help="File to write. Default: standard output.",
)
@UNCHECKED
@FORCE
@pass_context
def series_command(
    ctx: Context, client: str, fmt: str, out: Path | None, unchecked: bool, force: bool
) -> None:
    """A client's series: sessions, programs, focus, length, recurring images, notes."""
    from gim.export.series import client_series, series_html, series_markdown

    with ctx.open_store() as store:
        sessions = store.list_sessions(client=client)
        if not sessions:
            raise InputError(
                f"No sessions for client {client!r}: check the code with gim sessions list."
            )
        records = [store.load_record(s.id) for s in sessions]
    series = client_series(records, unchecked=unchecked)
    text = series_markdown(series) if fmt == "md" else series_html(series)
    write_output(text.encode("utf-8"), out or Path("-"), Path("-"), force)


COMMANDS: list[click.Command] = [
    export_command,
    client_copy_command,
    packet_command,
    series_command,
]

"""Commands: gim programs list | show P | validate FILE | link P DIR | link P --piece N FILE |
new TITLE DIR|FILES."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gim.cli.context import Context
from gim.core.clock import mmss
from gim.core.program import Program
from gim.core.program_parse import program_to_dict
from gim.errors import GimError, InputError
from gim.library.programs import ProgramLibrary, link_summary


def _library(obj: Context) -> ProgramLibrary:
    return ProgramLibrary(obj.settings)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _statuses(library: ProgramLibrary, program: Program) -> list[str]:
    try:
        return [str(s) for s in library.link_status(program)]
    except GimError:
        return ["links damaged"] * len(program.pieces)


@click.group("programs")
def programs() -> None:
    """Music programs: list, show, check a program file, link pieces to your audio files.

    A program argument P is a slug (see `gim programs list`) or a path to a .toml file.
    """


@programs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_programs(obj: Context, as_json: bool) -> None:
    """Every program: shipped ones and your own (which can replace a shipped one)."""
    library = _library(obj)
    found = library.all()
    for problem in library.problems:
        click.echo(f"gim: skipped: {problem}", err=True)
    items = []
    for program in found:
        try:
            links = link_summary(library.link_status(program))
        except GimError:
            links = "links damaged"
        items.append((program, links))
    if as_json:
        data = [
            {
                "slug": p.slug,
                "title": p.title,
                "pieces": len(p.pieces),
                "duration": p.duration,
                "origin": p.origin,
                "links": links,
            }
            for p, links in items
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("No programs found.")
        return
    rows = [["SLUG", "TITLE", "PIECES", "LENGTH", "ORIGIN", "LINKS"]]
    for p, links in items:
        rows.append([p.slug, p.title, str(len(p.pieces)), mmss(p.duration), p.origin, links])
    click.echo(_table(rows))


@programs.command("show")
@click.argument("program")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_obj
def show_program(obj: Context, program: str, as_json: bool) -> None:
    """The pieces of PROGRAM, where its contents come from, and each piece's link."""
    library = _library(obj)
    found: Program = library.get(program)
    statuses = _statuses(library, found)
    if as_json:
        data = program_to_dict(found)
        data["origin"] = found.origin
        data["duration_total"] = found.duration
        for piece, status in zip(data["pieces"], statuses, strict=True):
            piece["link"] = status
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{found.title} ({found.slug}) by {found.author}")
    click.echo(f"  {len(found.pieces)} pieces, {mmss(found.duration)}; {found.origin}")
    if found.gap:
        click.echo(f"  {found.gap:g} s of silence between pieces")
    for label, text in (("About", found.description), ("Mood", found.mood)):
        if text:
            click.echo(f"  {label}: {text}")
    prov = found.provenance
    checked = "verified" if prov.verified else "NOT verified"
    click.echo(f"  Source: {prov.source} ({checked})")
    if prov.notes:
        click.echo(f"  Notes: {prov.notes}")
    rows = [["#", "PIECE", "RECORDING", "LENGTH", "LINK"]]
    for i, (piece, status) in enumerate(zip(found.pieces, statuses, strict=True), start=1):
        title = piece.title if piece.verified else f"{piece.title} (unverified)"
        rows.append([str(i), title, piece.performer, mmss(piece.duration), status])
    click.echo("")
    click.echo(_table(rows))
    notes = [(i, p.notes) for i, p in enumerate(found.pieces, start=1) if p.notes]
    if notes:
        click.echo("")
        for i, text in notes:
            click.echo(f"  {i}: {text}")


@programs.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def validate_program(obj: Context, file: Path) -> None:
    """Check a program file; exit status 2 with one line saying what to fix."""
    program: Program = _library(obj).validate(file)
    click.echo(
        f"OK: {file} is {program.title!r} ({program.slug}), {len(program.pieces)} pieces, "
        f"{mmss(program.duration)}."
    )


@programs.command("link")
@click.argument("program")
@click.argument("directory", metavar="DIR|FILE", type=click.Path(path_type=Path))
@click.option(
    "--piece",
    "piece",
    type=int,
    metavar="N",
    help="Link piece N (from 1) to the audio FILE given, by hand.",
)
@click.pass_obj
def link_program(obj: Context, program: str, directory: Path, piece: int | None) -> None:
    """Match each piece of PROGRAM to an audio file under DIR, or with --piece N link
    piece N to FILE.

    Files match by their name, folder and tags (composer, work, movement) and a length
    within 3 s or 2% of the piece's. Pieces with no file or several equally good ones are
    reported, never guessed. The links are kept in your data folder, not in the program
    file. Exit status 0 when every piece is linked, 1 when some are missing or ambiguous.
    """
    from gim.library.match import MatchState

    library = _library(obj)
    found: Program = library.get(program)
    if library.is_generated(found):
        click.echo("The demo program's audio is made by gim: there is nothing to link.")
        return
    if piece is not None:
        _link_one(library, found, piece, directory)
        return
    report = library.link(found, directory)
    click.echo(f"{report.scanned} audio files under {directory}.")
    for i, match in enumerate(report.matches, start=1):
        head = f"{i:>2} {match.state.value:<9} {match.piece.title}"
        if match.state is MatchState.MATCHED and match.file is not None:
            click.echo(f"{head}\n             {match.file.path}")
        elif match.state is MatchState.AMBIGUOUS:
            click.echo(
                f"{head}: several files fit equally well"
                "; link from a folder holding only the one you mean:"
            )
        else:
            want = mmss(match.piece.duration)
            extra = ", only in other lengths:" if match.candidates else ""
            click.echo(f"{head} ({want}){extra}")
        if match.state is not MatchState.MATCHED:
            for audio in match.candidates:
                click.echo(f"             {audio.path} ({mmss(audio.duration)})")
    linked = sum(s == "linked" for s in _statuses(library, found))
    click.echo(f"{linked} of {len(found.pieces)} pieces linked; links in {report.links_file}.")
    if not report.complete:
        raise click.exceptions.Exit(1)


def _link_one(library: ProgramLibrary, program: Program, piece: int, file: Path) -> None:
    from gim.library.own import audio_info

    if file.is_dir():
        raise InputError(f"{file} is a folder: with --piece give one audio file.")
    saved = library.link_piece(program, piece - 1, file)
    info = audio_info(file)
    want = program.pieces[piece - 1]
    click.echo(
        f"Piece {piece} {want.title} ({mmss(want.duration)}) now plays\n"
        f"  {info.path} ({mmss(info.duration)}); links in {saved}."
    )
    if abs(info.duration - want.duration) > max(3.0, 0.02 * want.duration):
        click.echo(
            f"gim: note: the file is {mmss(info.duration)} long, the "
            f"program's piece {mmss(want.duration)}.",
            err=True,
        )


@programs.command("new")
@click.argument("title")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--slug", default="", help="The program's short name (default: from the title).")
@click.option("--author", default="", help="Who made the program (default: the guide).")
@click.pass_obj
def new_program(
    obj: Context, title: str, sources: tuple[Path, ...], slug: str, author: str
) -> None:
    """Make a program called TITLE from a folder of your music or a list of files.

    The pieces are the files in order (a folder's in name order), their lengths read from
    the files, composer and title from the tags; every piece is linked to its file.
    """
    from gim.library.own import audio_files, program_from_files, save_program

    library = _library(obj)
    files = audio_files(list(sources))
    made = program_from_files(title, files, slug=slug, author=author)
    path = save_program(obj.settings, made)
    program = library.get(made.slug)
    for i, file in enumerate(files):
        library.link_piece(program, i, file)
    click.echo(
        f"{program.title} ({program.slug}): {len(program.pieces)} pieces, "
        f"{mmss(program.duration)}, all linked; saved in {path}."
    )
    for i, piece in enumerate(program.pieces, start=1):
        click.echo(f"{i:>2} {piece.title} ({mmss(piece.duration)})")


COMMANDS: list[click.Command] = [programs]

"""Commands: ``gim sessions list | show | delete`` and ``gim search``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from gim.cli.context import Context
from gim.core.layout import clock

if TYPE_CHECKING:
    from gim.core.program import Program
    from gim.core.session import Session

pass_context = click.make_pass_decorator(Context)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _date(started_at: str) -> str:
    """``2026-11-24T15:30:00`` as ``2026-11-24 15:30``."""
    return started_at.replace("T", " ")[:16]


def _piece_name(program: Program | None, piece: int | None) -> str:
    if piece is None:
        return ""
    if program is not None and 0 <= piece < len(program.pieces):
        return f"{piece + 1}. {program.pieces[piece].title}"
    return f"piece {piece + 1}"


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@click.group("sessions")
def sessions_group() -> None:
    """List, show, transcribe again and delete recorded sessions."""


@sessions_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def list_command(ctx: Context, as_json: bool) -> None:
    """List every session, newest first."""
    with ctx.open_store() as store:
        summaries = store.session_summaries()
    if as_json:
        _dump(summaries)
        return
    if not summaries:
        click.echo("No sessions yet: gim demo records one in the virtual room.")
        return
    rows = [
        [s["id"], _date(s["started_at"]), s["client"], s["program"], s["status"],
         clock(s["audio_seconds"]), str(s["segments"])]
        for s in summaries
    ]  # fmt: skip
    _table(rows, ["ID", "DATE", "CLIENT", "PROGRAM", "STATUS", "LENGTH", "LINES"])


@sessions_group.command("show")
@click.argument("session_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_context
def show_command(ctx: Context, session_id: str, as_json: bool) -> None:
    """Show one session: summary, what was played, transcript and annotations."""
    with ctx.open_store() as store:
        record = store.load_record(session_id)
    if as_json:
        session = record.session
        summary: dict[str, Any] = {
            "id": session.id,
            "client": session.client,
            "program": session.program,
            "status": str(session.status),
            "started_at": session.started_at,
            "audio_seconds": session.audio_seconds,
            "segments": len(record.segments),
        }
        summary["phases"] = [{"phase": str(c.phase), "start": c.time} for c in session.phases]
        summary["playback"] = [e.to_dict() for e in record.playback]
        summary["segments"] = [s.to_dict() for s in record.segments]
        summary["annotations"] = [a.to_dict() for a in record.annotations]
        _dump(summary)
        return
    session, program = record.session, record.program
    _show_header(session, program, len(record.segments))
    rate = record.playback.rate
    if len(record.playback):
        click.echo("\nPlayed:")
        for event in record.playback:
            where = _piece_name(program, event.piece)
            if event.piece is not None and event.offset:
                where += f" from {clock(event.offset / rate)}"
            extra = "" if event.value is None else f" {event.value:g}"
            click.echo(f"  {clock(event.frame / rate):>7}  {event.action}{extra}  {where}".rstrip())
    if record.segments:
        click.echo("\nTranscript:")
        for seg in record.segments:
            mark = " (?)" if seg.flagged else ""
            who = "G: " if str(seg.speaker) == "guide" else ""
            click.echo(f"  {clock(seg.start):>7}  {who}{seg.text}{mark}")
    if record.annotations:
        click.echo("\nAnnotations:")
        for note in record.annotations:
            tags = f" #{' #'.join(note.tags)}" if note.tags else ""
            click.echo(f"  {clock(note.time):>7}  {note.kind}: {note.text}{tags}".rstrip())


def _show_header(session: Session, program: Program | None, lines: int) -> None:
    title = program.title if program is not None else session.program
    number = f" (session {session.number})" if session.number else ""
    click.echo(f"Session {session.id}: client {session.client}{number}")
    click.echo(f"  date      {_date(session.started_at)}")
    click.echo(f"  program   {title}")
    click.echo(f"  status    {session.status}")
    click.echo(f"  length    {clock(session.audio_seconds)}, {lines} lines")
    if session.focus:
        click.echo(f"  focus     {session.focus}")
    if session.guide:
        click.echo(f"  guide     {session.guide}")


@sessions_group.command("delete")
@click.argument("session_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def delete_command(ctx: Context, session_id: str, yes: bool) -> None:
    """Delete a session with its audio, transcript and search entries (no undo)."""
    with ctx.open_store() as store:
        session = store.get_session(session_id)
        if not yes:
            click.confirm(
                f"Delete session {session.id} (client {session.client}, "
                f"{_date(session.started_at)}) with its audio and transcript? "
                "This cannot be undone",
                abort=True,
            )
        store.delete_session(session_id, ctx.settings.sessions_dir)
    click.echo(f"Deleted session {session_id}.")


@sessions_group.command("transcribe")
@click.argument("session_id", metavar="ID")
@pass_context
def transcribe_command(ctx: Context, session_id: str) -> None:
    """Transcribe a session again, whole (the final pass); lines you edited are kept."""
    from gim.cli.session import transcribe_session

    with ctx.open_store() as store:
        store.get_session(session_id)  # an unknown id is one clear line, before any work
    lines = transcribe_session(ctx, session_id)
    click.echo(f"{session_id}: {lines} transcript lines.")


@click.command("search")
@click.argument("query")
@click.option("--client", help="Only this client's sessions.")
@click.option("--limit", default=50, show_default=True, help="At most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_context
def search_command(ctx: Context, query: str, client: str | None, limit: int, as_json: bool) -> None:
    """Search transcripts and annotations of every session (best matches first).

    Every word must appear; "quoted words" must appear together; walk* matches a prefix.
    """
    from gim.store.db import snapshot_program

    with ctx.open_store() as store:
        hits = store.search(query, client=client, limit=limit)
        programs = {
            sid: snapshot_program(store.get_session(sid)) for sid in {h.session_id for h in hits}
        }
    if as_json:
        found = []
        for hit in hits:
            data = hit.to_dict()
            data["piece_title"] = _piece_name(programs[hit.session_id], hit.piece) or None
            found.append(data)
        _dump(found)
        return
    if not hits:
        click.echo(f"Nothing found for {query}.")
        return
    rows = [
        [h.session_id, h.client, _date(h.started_at)[:10], clock(h.time),
         _piece_name(programs[h.session_id], h.piece), " ".join(h.snippet.split())]
        for h in hits
    ]  # fmt: skip
    _table(rows, ["SESSION", "CLIENT", "DATE", "TIME", "PIECE", "WORDS"])


COMMANDS: list[click.Command] = [sessions_group, search_command]

"""Commands: ``gim sessions list | show | delete`` and ``gim search``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from gim.cli.context import Context
from gim.core.checking import lines_phrase
from gim.core.clock import mmss

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
    from rich.cells import cell_len

    # Widths in terminal cells: a CJK or other wide character takes two.
    widths = [max(cell_len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (c + " " * (w - cell_len(c)) for c, w in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


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
    for summary in summaries:
        summary["final_pass"] = _final_state(ctx, summary["id"])
    if as_json:
        _dump(summaries)
        return
    if not summaries:
        click.echo("No sessions yet: gim demo records one in the virtual room.")
        return
    rows = [
        [
            s["id"],
            _date(s["started_at"]),
            s["client"],
            s["program"],
            _status(s),
            mmss(s["audio_seconds"]),
            str(s["segments"]),
        ]
        for s in summaries
    ]
    _table(rows, ["ID", "DATE", "CLIENT", "PROGRAM", "STATUS", "LENGTH", "LINES"])


def _final_state(ctx: Context, session_id: str) -> str | None:
    """ "not finished" (interrupted), "running" or None (done or never started)."""
    from gim.runner.final_mark import final_pass_state

    return final_pass_state(ctx.settings.sessions_dir / session_id)


def _status(summary: dict[str, Any]) -> str:
    state = summary.get("final_pass")
    return f"{summary['status']}, final pass: {state}" if state else str(summary["status"])


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
            "language": session.language,
            "segments": len(record.segments),
            "gaps": [{"start": start, "end": end} for start, end in session.gaps],
            "final_pass": _final_state(ctx, session.id),
        }
        summary["phases"] = [{"phase": str(c.phase), "start": c.time} for c in session.phases]
        summary["playback"] = [e.to_dict() for e in record.playback]
        summary["segments"] = [s.to_dict() for s in record.segments]
        summary["annotations"] = [a.to_dict() for a in record.annotations]
        _dump(summary)
        return
    session, program = record.session, record.program
    _show_header(session, program, len(record.segments))
    if session.phases:
        arc = " · ".join(f"{c.phase} {mmss(c.time)}" for c in session.phases)
        click.echo(f"  phases    {arc}")
    state = _final_state(ctx, session.id)
    if state == "not finished":
        click.echo(
            f"  final pass: not finished (`gim sessions transcribe {session.id}` finishes it)"
        )
    elif state:
        click.echo(f"  final pass: {state}")
    rate = record.playback.rate
    if len(record.playback):
        click.echo("\nPlayed:")
        for event in record.playback:
            where = _piece_name(program, event.piece)
            if event.piece is not None and event.offset:
                where += f" from {mmss(event.offset / rate)}"
            extra = "" if event.value is None else f" {event.value:g}"
            click.echo(f"  {mmss(event.frame / rate):>7}  {event.action}{extra}  {where}".rstrip())
    if session.gaps:
        click.echo("\nRecording gaps (the microphone recorded nothing):")
        for start, end in session.gaps:
            click.echo(f"  {mmss(start):>7}  to {mmss(end)}  ({end - start:.1f} s)")
    if record.segments:
        click.echo("\nTranscript:")
        for seg in record.segments:
            mark = " (?)" if seg.flagged else ""
            who = "G: " if str(seg.speaker) == "guide" else ""
            click.echo(f"  {mmss(seg.start):>7}  {who}{seg.text}{mark}")
    if record.annotations:
        click.echo("\nAnnotations:")
        for note in record.annotations:
            tags = f" #{' #'.join(note.tags)}" if note.tags else ""
            click.echo(f"  {mmss(note.time):>7}  {note.kind}: {note.text}{tags}".rstrip())


def _show_header(session: Session, program: Program | None, lines: int) -> None:
    title = program.title if program is not None else session.program
    number = f" (session {session.number})" if session.number else ""
    click.echo(f"Session {session.id}: client {session.client}{number}")
    click.echo(f"  date      {_date(session.started_at)}")
    click.echo(f"  program   {title}")
    click.echo(f"  status    {session.status}")
    click.echo(f"  length    {mmss(session.audio_seconds)}, {lines} lines")
    if session.focus:
        click.echo(f"  focus     {session.focus}")
    if session.guide:
        click.echo(f"  guide     {session.guide}")
    from gim.core.languages import language_name

    click.echo(f"  language  {language_name(session.language)} ({session.language})")


@sessions_group.command("delete")
@click.argument("session_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def delete_command(ctx: Context, session_id: str, yes: bool) -> None:
    """Delete a session with its audio, transcript and search entries (no undo)."""
    with ctx.open_store() as store:
        session = store.get_session(session_id)
        ctx.refuse_if_live(session_id, "delete")
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
    ctx.refuse_if_live(session_id, "transcribe")
    if _final_state(ctx, session_id) == "not finished":
        click.echo("gim: finishing the final pass that was interrupted.", err=True)
    lines = transcribe_session(ctx, session_id)
    click.echo(f"{session_id}: {lines} transcript lines.")


@sessions_group.command("rebuild")
@click.option(
    "--transcribe/--no-transcribe",
    default=True,
    show_default=True,
    help="Transcribe the re-imported recordings again for their text.",
)
@pass_context
def rebuild_command(ctx: Context, transcribe: bool) -> None:
    """List again every recording under sessions/ that the database lost.

    A damaged database is renamed aside (gim.db.damaged-<time>), never deleted; each
    session folder is re-imported from its audio and journal (playback, phases, gaps,
    annotations and lines still there), and its text transcribed again.
    """
    from gim.config import ensure_private_dir
    from gim.errors import GimError
    from gim.runner.rebuild import damaged, rebuild, set_aside
    from gim.store.db import Store

    settings = ctx.settings
    ensure_private_dir(settings.home)
    if damaged(settings.db_path):
        aside = set_aside(settings.db_path)
        click.echo(f"gim: the damaged database was set aside as {aside}.", err=True)
    with Store.open(settings.db_path) as store:
        imported = rebuild(settings, store)
    if not imported:
        click.echo("Every recording under sessions/ is already listed.")
        return
    for item in imported:
        lines = item.lines
        if transcribe and item.has_audio and not lines:
            try:
                from gim.cli.session import transcribe_session

                lines = transcribe_session(ctx, item.session_id)
            except GimError as exc:
                click.echo(f"gim: {item.session_id}: {exc.message}", err=True)
        click.echo(
            f"Re-imported {item.session_id}: {mmss(item.seconds)} of audio, "
            f"{lines} transcript lines."
        )


@click.command("search")
@click.argument("query")
@click.option("--client", help="Only this client's sessions.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10000),
    default=50,
    show_default=True,
    help="At most this many hits.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--with-unchecked",
    "unchecked",
    is_flag=True,
    help="Also lines flagged for checking that you have not checked (marked).",
)
@click.option(
    "--speaker",
    type=click.Choice(["client", "guide"]),
    help="Only the client's lines, or only the guide's (with the interventions noted).",
)
@pass_context
def search_command(
    ctx: Context,
    query: str,
    client: str | None,
    limit: int,
    as_json: bool,
    unchecked: bool,
    speaker: str | None,
) -> None:
    """Search transcripts and annotations of every session (best matches first).

    Every word must appear; "quoted words" must appear together; walk* matches a prefix.
    Lines flagged for checking that you have not checked are left out unless asked for.
    """
    from gim.store.db import snapshot_program

    with ctx.open_store() as store:
        hits = store.search(query, client=client, limit=limit, unchecked=unchecked, speaker=speaker)
        if not unchecked and not as_json:
            every = store.search(query, client=client, limit=limit, unchecked=True, speaker=speaker)
            left_out = sum(h.unchecked for h in every)
            if left_out:
                click.echo(
                    f"gim: {lines_phrase(left_out)} not yet checked also match, left out "
                    "(--with-unchecked shows them).",
                    err=True,
                )
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
        [
            h.session_id,
            h.client,
            _date(h.started_at)[:10],
            mmss(h.time),
            _piece_name(programs[h.session_id], h.piece),
            " ".join(h.snippet.split()) + (" ⚑ (not checked)" if h.unchecked else ""),
        ]
        for h in hits
    ]
    _table(rows, ["SESSION", "CLIENT", "DATE", "TIME", "PIECE", "WORDS"])


COMMANDS: list[click.Command] = [sessions_group, search_command]

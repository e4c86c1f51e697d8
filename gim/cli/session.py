"""Commands: session run (a live session on the real devices, headless or in the app)."""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import click

from gim.cli.context import Context
from gim.cli.params import seconds
from gim.core.clock import mmss
from gim.core.session import Consent, Phase
from gim.errors import GimError, InputError

if TYPE_CHECKING:
    from pathlib import Path

    from gim.core.program import Program
    from gim.library.programs import ProgramLibrary
    from gim.runner import SessionPlan, SessionRunner


@dataclass(frozen=True)
class SessionAsked:
    """What `gim session run` was asked for (its options, by name)."""

    program: str
    client: str
    allow_name: bool = False
    focus: str = ""
    headless: bool = False
    duration: float | None = None
    music_start: float | None = 0.0
    skip_missing: bool = False
    language: str | None = None
    input_device: str | None = None
    output_device: str | None = None
    consent: str = Consent.SESSION.value
    guide: str | None = None
    transcribe: bool = True

    def plan(self, end_fade: float) -> SessionPlan:
        """The runner's plan: a guide's session, which the guide ends (or the duration)."""
        from gim.runner import SessionPlan

        return SessionPlan(
            self.client,
            self.focus,
            Consent(self.consent),
            duration=self.duration,
            transcribe=self.transcribe,
            music_start=self.music_start,
            end_with_music=False,
            end_fade=end_fade,
        )


def run_headless(runner: SessionRunner, every: float = 30.0, fade: float = 5.0) -> str:
    """Start ``runner``, print a calm progress line to stderr every ``every`` wall seconds,
    stop cleanly at the end, on Ctrl-C or SIGTERM; the session id.

    A stop asked for fades the music over ``fade`` seconds after it (the recording goes on
    meanwhile); at the runner's duration the music was faded before it (its ``end_fade``)
    and the recording ends there.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum: int, frame: Any) -> None:
        runner.request_stop()

    for sig in previous:
        signal.signal(sig, on_signal)
    told = 0
    try:
        session_id = runner.start()
        first_frame_stored(runner)
        click.echo(f"gim: session {session_id} started; Ctrl-C ends it.", err=True)
        last = time.monotonic()
        while True:
            runner.wait_for(min(every, 0.25))
            told = _tell(runner.warnings, told)  # while it happens, not after
            if runner.done():
                break
            if time.monotonic() - last >= every:
                last = time.monotonic()
                click.echo(f"gim: {progress(runner)}", err=True)
        click.echo("gim: ending the session and saving everything...", err=True)
        runner.stop(fade=fade)
        if not runner.stopped_for_disk:
            click.echo("gim: session saved.", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _tell(runner.warnings, told)
    return session_id


FIRST_FRAME_WAIT = 10.0
"""Longest wait for the microphone's first stored frame before saying "started" anyway
(a silent microphone has its own warning; consent "none" stores nothing)."""


def first_frame_stored(runner: SessionRunner) -> None:
    """Wait until the microphone's first frame is on disk: "started" is then true, and a
    crash right after it loses nothing the guide was told was recorded (issue 22)."""
    deadline = time.monotonic() + FIRST_FRAME_WAIT
    while time.monotonic() < deadline and not runner.done():
        if runner.status().recorded > 0:
            return
        runner.wait_for(0.02)


def _tell(warnings: list[str], told: int) -> int:
    """Print the warnings after the first ``told`` to stderr; how many are told now."""
    for text in warnings[told:]:
        click.echo(f"gim: {text}", err=True)
    return max(told, len(warnings))


def playable_program(
    library: ProgramLibrary, program: str, skip_missing: bool
) -> tuple[Program, list[Path | None], list[int]]:
    """The program to play, its files, and the numbers (from 1) of pieces left out.

    Never a silent piece: pieces with no audio file refuse the session (one sentence,
    exit 2) unless ``skip_missing``; then the played part of the program is returned.
    """
    chosen = library.get(program)
    files = library.linked_files(chosen)
    missing = [i + 1 for i, f in enumerate(files) if f is None]
    if missing and (not skip_missing or len(missing) == len(files)):
        which = ", ".join(str(n) for n in missing)
        hint = "" if len(missing) == len(files) else " or add --skip-missing"
        raise InputError(
            f"Piece(s) {which} of {chosen.slug} have no audio file: link them with "
            f"`gim programs link {chosen.slug} DIR` (or --piece N FILE){hint}."
        )
    if missing:
        from gim.library.own import played_part

        chosen, files = played_part(chosen, files)
    return chosen, files, missing


def with_guide(settings: Any, guide: str) -> Any:
    """``settings`` for ``guide``'s session; says how the lines will be labelled."""
    from dataclasses import replace

    from gim.store.voices import VoiceProfiles

    if VoiceProfiles(settings.home).get(guide) is None:
        click.echo(
            f"gim: {guide} has no enrolled voice (gim guides enrol): the lines are labelled "
            "from the induction's voice, or by telling two voices apart.",
            err=True,
        )
    return replace(settings, guide=guide.strip())


def transcribe_session(ctx: Context, session_id: str) -> int:
    """The final pass over a stored session, with progress on stderr; the lines stored.

    Replaces the live preview (and any earlier final pass) but never a line the guide
    edited. Interrupting it leaves the session as it was: the pass can be run again with
    ``gim sessions transcribe ID``.
    """
    from gim.runner.final_pass import final_pass

    shown = -1

    def report(fraction: float) -> None:
        nonlocal shown
        step = int(fraction * 4)  # a line every quarter: calm, not a ticker
        if step != shown:
            shown = step
            click.echo(f"gim: final transcription {step * 25}%", err=True)

    store = ctx.open_store()
    try:
        lines = final_pass(store, session_id, ctx.settings, progress=report)
    except KeyboardInterrupt:
        click.echo(
            f"gim: final transcription stopped; the preview lines are kept. Run "
            f"`gim sessions transcribe {session_id}` to finish it.",
            err=True,
        )
        return len(store.segments(session_id))
    finally:
        store.close()
    return len(lines)


def choose_language(ctx: Context, client: str, asked: str | None) -> None:
    """Fix the session's language in the command's settings (recovering any interrupted
    session first, as every command that opens the store does)."""
    from gim.runner.language import session_language, with_language

    store = ctx.open_store()
    try:
        language = session_language(store, client, asked, ctx.settings)
    finally:
        store.close()
    ctx.use_settings(with_language(ctx.settings, language))


def progress(runner: SessionRunner) -> str:
    """One line: the piece, where in it, and the session time."""
    status = runner.status()
    pieces = runner.program.pieces
    if status.piece is None:
        where = "no music yet"
    elif not status.playing and not status.paused and runner.phase is not Phase.MUSIC:
        where = "the music has ended"
    else:
        where = f"piece {status.piece + 1}/{len(pieces)} at {mmss(status.piece_offset)}"
        if not status.playing:
            where += " (paused)" if status.paused else " (silent)"
    return f"{mmss(status.elapsed)} elapsed ({runner.phase or 'starting'}), {where}, " + (
        f"{status.xruns} short audio dropouts"
    )


@click.group("session")
def session_group() -> None:
    """Run a live session."""


@session_group.command("run")
@click.option("--program", "program", required=True, help="Program slug or program file.")
@click.option("--client", required=True, help="The client's code (not a real name).")
@click.option(
    "--allow-name",
    is_flag=True,
    help="Accept a --client that looks like a name (a space, two capitalised words).",
)
@click.option("--focus", default="", help="The focus or goal named in the prelude.")
@click.option("--headless", is_flag=True, help="No terminal app: progress lines on stderr.")
@click.option(
    "--duration",
    type=seconds(1),
    help="End the session after this many seconds (default: Ctrl-C ends it).",
)
@click.option(
    "--music-at",
    "music_start",
    type=seconds(0),
    default=0.0,
    show_default=True,
    help="Start the music this many seconds into the session (prelude before it).",
)
@click.option(
    "--skip-missing",
    is_flag=True,
    help="Leave out pieces with no audio file instead of refusing to start.",
)
@click.option(
    "--language",
    help="ISO code of the language the client speaks (default: the client's last, else settings).",
)
@click.option("--input", "input_device", help="Microphone by name or index (see gim devices).")
@click.option("--output", "output_device", help="Speakers by name or index.")
@click.option(
    "--consent",
    type=click.Choice([c.value for c in Consent]),
    default=Consent.SESSION.value,
    show_default=True,
    help="What the client agreed may be recorded: the whole session (Start to End), "
    "only the music phase, or nothing.",
)
@click.option("--guide", default=None, help="The guide's name (an enrolled voice labels lines).")
@click.option(
    "--transcribe/--no-transcribe",
    default=True,
    show_default=True,
    help="Transcribe live during the session and in full after it.",
)
@click.pass_obj
def run(ctx: Context, **options: Any) -> None:
    """Play PROGRAM for CLIENT on the real devices, record and transcribe the session.

    Headless, the session runs prelude, music (from --music-at), then return until
    --duration or Ctrl-C; the program ending does not end the session. With
    --consent music only the music phase is recorded.
    """
    from gim.core.ids import client_code
    from gim.lockfile import refuse_second_session

    asked = SessionAsked(**options)
    asked = replace(asked, client=client_code(asked.client, allow_name=asked.allow_name))
    refuse_second_session(ctx.settings.sessions_dir)
    choose_language(ctx, asked.client, asked.language)
    if not asked.headless:
        from gim.cli import tui

        launch = getattr(tui, "launch_session", None)
        if launch is None:
            raise click.ClickException("The terminal app is not available: add --headless.")
        launch(ctx, asked)
        return
    session_id = _run_headless(ctx, asked)
    if asked.transcribe:
        transcribe_session(ctx, session_id)
    click.echo(session_id)
    sys.stdout.flush()


def _run_headless(ctx: Context, asked: SessionAsked) -> str:
    """Run the session ``asked`` for without the app; its id."""
    from gim.library.programs import ProgramLibrary
    from gim.runner import SessionRunner
    from gim.runner.ending import FADE

    settings = ctx.settings.with_devices(asked.input_device, asked.output_device)
    if asked.guide is not None:  # kept in the session: the final pass reads it
        settings = with_guide(settings, asked.guide)
    library = ProgramLibrary(settings)
    chosen, files, missing = playable_program(library, asked.program, asked.skip_missing)
    if missing:
        click.echo(
            f"gim: leaving out piece(s) {', '.join(map(str, missing))}: no audio file.", err=True
        )
    runner = SessionRunner(settings, chosen, asked.plan(FADE), files=files)
    session_id = run_headless(runner, fade=FADE)
    if runner.stopped_for_disk:
        click.echo(session_id)
        raise GimError(
            f"The session ended early because the disk is full: free some space, then run "
            f"`gim sessions transcribe {session_id}` for its transcript."
        )
    return session_id


COMMANDS: list[click.Command] = [session_group]

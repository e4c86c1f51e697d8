"""Commands: review; and the launchers that open the terminal app on a given screen.

Textual is imported only inside these functions (through gim.ui) so ``gim --help`` stays
instant. Anything that can fail for a reason the guide can fix (the data home, the
session id, the program) is checked before the app takes over the terminal, so it is
reported as one line like every other command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from gim.cli.context import Context

if TYPE_CHECKING:
    from gim.cli.session import SessionAsked
    from gim.core.program import Program
    from gim.runner.events import RunnerEvent, RunnerFactory
    from gim.ui.app import ScreenFactory


def _run(ctx: Context, start: ScreenFactory | None = None) -> None:
    # Said at once, before the slow imports: a first start (a new data folder, Python
    # compiling the app) can take seconds, and a bare terminal looks like a hang.
    first = not ctx.settings.db_path.exists()
    click.echo(
        f"Starting gim: preparing the data folder {ctx.settings.home} (first start)…"
        if first
        else "Starting gim…",
        err=True,
    )
    from multiprocessing import resource_tracker

    from gim.ui.app import GimApp

    # The live transcriber runs in a spawned process, whose resource tracker is started
    # with our stderr's file descriptor: start it now, before Textual replaces stderr
    # (afterwards the spawn fails with "bad value(s) in fds_to_keep").
    resource_tracker.ensure_running()
    store = ctx.open_store()
    from gim.audio.quiet import silence_alsa, terminal_app_stderr

    silence_alsa()
    try:
        with terminal_app_stderr():  # C libraries' prints never reach the screen
            GimApp(ctx.settings, start=start, store=store).run()
    finally:
        store.close()
    click.echo(f"gim closed. Your sessions are kept safe in {ctx.settings.home}.")


def launch(ctx: Context) -> None:
    """Open the terminal app on the home screen."""
    _run(ctx)


def launch_review(ctx: Context, session_id: str) -> None:
    """Open the review screen of ``session_id`` (NotFoundError if there is none)."""
    from gim.ui.screens.review import ReviewScreen

    with ctx.open_store() as store:
        store.get_session(session_id)
    _run(ctx, lambda app: ReviewScreen(session_id))


def launch_session(ctx: Context, asked: SessionAsked) -> None:
    """Run a live session in the terminal app, then the end-of-session screen.

    Args:
        ctx: The command's context (data home, settings).
        asked: What `gim session run` was asked for (the app starts the music at the
            guide's key, not at ``--music-at``).
    """
    from gim.cli.session import playable_program, with_guide
    from gim.library.programs import ProgramLibrary
    from gim.runner import SessionRunner
    from gim.runner.ending import FADE
    from gim.ui.screens.live import LiveScreen

    settings = ctx.settings.with_devices(asked.input_device, asked.output_device)
    if asked.guide is not None:  # kept in the session: the live and final passes label by it
        settings = with_guide(settings, asked.guide)
    library = ProgramLibrary(settings)
    chosen, files, _ = playable_program(library, asked.program, asked.skip_missing)
    plan = replace(asked.plan(FADE), music_start=None, transcribe=True)

    def make_runner(on_event: Callable[[RunnerEvent], None]) -> SessionRunner:
        return SessionRunner(settings, chosen, plan, on_event=on_event, files=files)

    _run(ctx, lambda app: LiveScreen(make_runner, chosen, then="end"))


def launch_demo(ctx: Context, program: Program, make_runner: RunnerFactory) -> None:
    """The demo in the terminal app: the live screen, the final pass, then the review screen.

    Args:
        ctx: The command's context.
        program: The demo program being played.
        make_runner: Builds the runner (in the virtual room, with the demo voice) given
            the callback for its events; the live screen calls it once it is up.
    """
    from gim.ui.screens.live import LiveScreen

    _run(ctx, lambda app: LiveScreen(make_runner, program, then="review"))


@click.command()
@click.argument("session_id", metavar="ID")
@click.pass_obj
def review(ctx: Context, session_id: str) -> None:
    """Open the review screen for one session: transcript, timeline, playback, notes."""
    launch_review(ctx, session_id)


COMMANDS: list[click.Command] = [review]

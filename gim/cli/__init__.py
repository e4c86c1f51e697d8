"""The command line: a thin layer over the library (see DESIGN.md for the contract).

Every command honours ``--home`` / ``GIM_HOME``. Errors are one sentence on stderr with
exit status 2 for bad input and 1 for failures; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gim import __version__
from gim.cli.context import Context
from gim.errors import GimError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GIM_HOME",
    help="Data folder (database, recordings, your programs). Default: GIM_HOME.",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(__version__, prog_name="gim")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, debug: bool) -> None:
    """gim: Guided Imagery and Music sessions. Without a command, opens the terminal app."""
    ctx.obj = Context(home=home, debug=debug)
    if ctx.invoked_subcommand is None:
        from gim.cli.tui import launch

        launch(ctx.obj)


def _register() -> None:
    from gim.cli import (
        demo,
        doctor,
        export,
        guides,
        imports,
        models,
        programs,
        session,
        sessions,
        transcribe,
        tui,
    )

    modules = (
        demo,
        doctor,
        export,
        guides,
        imports,
        models,
        programs,
        session,
        sessions,
        transcribe,
        tui,
    )
    for module in modules:
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def os_error_sentence(exc: OSError) -> str:
    """One sentence for a failure of the file system that no command turned into a GimError."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            "The disk holding the data folder is full: free some space (your recordings are "
            "kept) and run the command again."
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"A file cannot be written ({exc.strerror}: {exc.filename or 'the data folder'}): "
            "make the data folder writable or choose another with --home or GIM_HOME."
        )
    where = f" ({exc.filename})" if exc.filename else ""
    return f"A file could not be read or written: {exc.strerror or exc}{where}."


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn gim errors into one line and an exit status."""
    from gim.audio import quiet

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    quiet.VERBOSE = debug  # C libraries' own messages reach the terminal only with --debug
    if not debug:
        from gim import faults

        faults.install()  # no thread or C callback prints a traceback at the guide
    with quiet.terminal_app_stderr():
        _main(argv, debug)


def _main(argv: list[str] | None, debug: bool) -> None:
    try:
        status = cli.main(args=argv, prog_name="gim", standalone_mode=False)
        if isinstance(status, int) and status:  # a command's ctx.exit(n) returns n here
            sys.exit(status)
    except GimError as exc:
        if debug:
            raise
        click.echo(f"gim: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("gim: cancelled.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("gim: interrupted.", err=True)
        sys.exit(130)
    except OSError as exc:
        if debug:
            raise
        click.echo(f"gim: {os_error_sentence(exc)}", err=True)
        sys.exit(1)
    except Exception as exc:  # the promise: no tracebacks for users
        if debug:
            raise
        click.echo(
            f"gim: unexpected error ({type(exc).__name__}): run again with --debug and "
            "report what it shows.",
            err=True,
        )
        sys.exit(1)

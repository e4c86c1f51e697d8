"""Commands: tui (to be written)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []


def launch(ctx: object) -> None:
    """Open the terminal app (not built yet)."""
    raise click.ClickException("The terminal app is not built yet: try gim --help.")

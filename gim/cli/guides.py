"""Commands: ``gim guides enrol NAME FILE... | list | forget NAME``: the guides' voices.

A voice profile is biometric data: it stays in the data home (0600), is never exported,
and ``forget`` deletes it.
"""

from __future__ import annotations

from pathlib import Path

import click

from gim.cli.context import Context
from gim.errors import InputError


@click.group("guides")
def guides() -> None:
    """The guides' enrolled voices: enrol, list, forget."""


@guides.command("enrol")
@click.argument("name")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def enrol_cmd(ctx: Context, name: str, files: tuple[Path, ...]) -> None:
    """Enrol NAME's voice from FILES: recordings of the guide alone, 30-60 s in all."""
    from gim.runner.voices import enrol

    if not files:
        raise InputError(
            "Give recordings of the guide alone (30-60 s in all): gim guides enrol NAME FILE..."
        )
    for f in files:
        if not f.is_file():
            raise InputError(f"{f} is not a file.")
    profile = enrol(ctx.settings.home, name, list(files))
    click.echo(
        f"Enrolled {profile.name}: {profile.seconds:.0f} s of speech from {profile.files} "
        f"file(s), kept in {ctx.settings.home / 'guides'} only (never exported)."
    )


@guides.command("list")
@click.pass_obj
def list_cmd(ctx: Context) -> None:
    """The enrolled guides, with how much speech made each profile."""
    from gim.store.voices import VoiceProfiles

    found = VoiceProfiles(ctx.settings.home).all()
    if not found:
        click.echo("No guide is enrolled: gim guides enrol NAME FILE...")
    for p in found:
        made = f"{p.files} file(s)" if p.files else "read aloud in the app"
        click.echo(f"{p.name}  {p.seconds:.0f} s of speech, {made}, {p.enrolled_at}")


@guides.command("forget")
@click.argument("name")
@click.pass_obj
def forget_cmd(ctx: Context, name: str) -> None:
    """Delete NAME's voice profile."""
    from gim.store.voices import VoiceProfiles

    profiles = VoiceProfiles(ctx.settings.home)
    if not profiles.forget(name):
        raise InputError(f"No voice profile for {name!r}: gim guides list shows who is enrolled.")
    click.echo(f"Deleted {name}'s voice profile.")


COMMANDS: list[click.Command] = [guides]

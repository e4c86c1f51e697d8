"""Commands: ``gim models list|add|remove|check|get``: the Whisper models a guide manages.

Only ``get`` uses the network, and only when typed: it says what it will fetch and how
big before it starts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from gim.cli.context import Context
from gim.errors import InputError, NotFoundError


@click.group("models")
def models() -> None:
    """The Whisper models on this machine: list, add, remove, check, get."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_cmd(ctx: Context, as_json: bool) -> None:
    """The models gim can use here, with languages, size, place and measured speed."""
    from gim.transcribe.catalog import human_size, list_models

    entries = list_models(ctx.settings.home)
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    chosen = ctx.settings.model
    for e in entries:
        mark = "*" if chosen == e.name or (chosen == "bundled" and e.source == "bundled") else " "
        speed = (
            f"live {e.speed.live:.2f}x, final {e.speed.final:.2f}x real time"
            if e.speed
            else "speed not checked (gim models check " + e.name + ")"
        )
        click.echo(f"{mark} {e.name:<12} {e.languages:<28} {human_size(e.size):>8}  {e.source}")
        click.echo(f"    {e.where}")
        click.echo(f"    {speed}")


@models.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--name", help="The name to use with --model (default: the folder's name).")
@click.pass_obj
def add(ctx: Context, path: Path, name: str | None) -> None:
    """Register a CTranslate2 Whisper folder or an openai-whisper checkpoint (not copied)."""
    from gim.transcribe.inspect import inspect_model
    from gim.transcribe.registry import Registered, Registry

    info = inspect_model(path.expanduser().resolve())
    chosen = (name or info.path.stem).strip()
    _check_name(ctx, chosen)
    Registry(ctx.settings.home).add(
        Registered(chosen, str(info.path), info.kind, info.multilingual, info.size)
    )
    languages = "multilingual" if info.multilingual else "English only"
    click.echo(
        f"Added {chosen} ({languages}, {info.engine}): use it with --model {chosen}; "
        f"gim models check {chosen} measures its speed here."
    )


def _check_name(ctx: Context, name: str) -> None:
    from gim.transcribe.catalog import list_models

    if not name or "/" in name or name in ("bundled", "tiny.en"):
        raise InputError(f"{name!r} cannot name a model: choose another with --name.")
    if any(
        e.name == name and e.source in ("bundled", "extra") for e in list_models(ctx.settings.home)
    ):
        raise InputError(f"{name!r} is a model gim ships: choose another name with --name.")


@models.command("remove")
@click.argument("name")
@click.pass_obj
def remove(ctx: Context, name: str) -> None:
    """Forget a model you added; a model fetched by get is deleted from the data home."""
    from gim.transcribe.download import discard
    from gim.transcribe.registry import Registry

    registry = Registry(ctx.settings.home)
    found = registry.get(name)
    if found is None:
        if name in ("bundled", "tiny.en", "base"):
            raise InputError(
                f"{name} comes with gim's installation, not your data: it cannot be removed."
            )
        raise NotFoundError(f"No model called {name!r}: gim models list shows the names.")
    registry.remove(name)
    downloads = registry.downloads_dir().resolve()
    if found.downloaded and downloads in Path(found.path).resolve().parents:
        discard(Path(found.path))
        click.echo(f"Removed {name} and deleted its files ({found.path}).")
    else:
        click.echo(f"Removed {name} from the list; its files stay in {found.path}.")


@models.command("check")
@click.argument("name")
@click.pass_obj
def check(ctx: Context, name: str) -> None:
    """Time a model on the bundled clip: can the live and final passes keep up here?"""
    from gim.transcribe.catalog import list_models
    from gim.transcribe.registry import Registry, Speed
    from gim.transcribe.speed import check_speed

    entry = next((e for e in list_models(ctx.settings.home) if e.name == name), None)
    if entry is None and name != "bundled":
        raise NotFoundError(f"No model called {name!r}: gim models list shows the names.")
    engine = entry.engine if entry else "faster-whisper"
    click.echo(f"Checking {name} ({engine}) on a {21.7:.0f}-second clip, twice...", err=True)
    result = check_speed(engine, name, ctx.settings.cache_dir / "models")
    key = entry.name if entry else "tiny.en"
    Registry(ctx.settings.home).set_speed(key, Speed(result.live, result.final, result.checked_at))
    click.echo(f"Heard: {result.text}")
    click.echo(
        f"Real-time factor: live pass {result.live:.2f}, final pass {result.final:.2f} "
        "(seconds of work per second of audio)."
    )
    click.echo(result.verdict())


@models.command("get")
@click.argument("name")
@click.option("--name", "as_name", help="The name to register it under (default: NAME).")
@click.pass_obj
def get(ctx: Context, name: str, as_name: str | None) -> None:
    """Download a Whisper model from the model hub (HF_ENDPOINT): the only network use."""
    from gim.transcribe.catalog import human_size
    from gim.transcribe.download import fetch, plan
    from gim.transcribe.inspect import inspect_model
    from gim.transcribe.registry import Registered, Registry

    chosen = as_name or name.rsplit("/", 1)[-1]
    _check_name(ctx, chosen)
    registry = Registry(ctx.settings.home)
    folder = registry.downloads_dir() / chosen
    click.echo(f"Asking {_host()} which files {name} has...", err=True)
    wanted = plan(name)
    click.echo(
        f"Downloading {wanted.repo}: {len(wanted.files)} files, {human_size(wanted.size)}, "
        f"into {folder}.",
        err=True,
    )
    progress = DownloadProgress(wanted.size)
    fetch(wanted, folder, progress.update)
    progress.done()
    info = inspect_model(folder)
    registry.add(Registered(chosen, str(folder), info.kind, info.multilingual, info.size, True))
    click.echo(
        f"{chosen} is ready: use it with --model {chosen} (checked, {human_size(info.size)})."
    )


class DownloadProgress:
    """A progress line on stderr: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self.got = 0
        self.shown = -1
        self.tty = sys.stderr.isatty()

    def update(self, count: int) -> None:
        """``count`` more bytes arrived (negative: a restart dropped them)."""
        self.got = max(0, self.got + count)
        percent = min(100, self.got * 100 // self.total)
        step = percent if self.tty else percent - percent % 10
        if step != self.shown:
            self.shown = step
            line = f"Downloading {percent:3d}% ({self.got / 1e6:.0f} of {self.total / 1e6:.0f} MB)"
            click.echo(f"\r{line}" if self.tty else line, err=True, nl=not self.tty)

    def done(self) -> None:
        """End the progress line."""
        if self.tty:
            click.echo("", err=True)


def _host() -> str:
    from gim.transcribe.download import endpoint

    return endpoint()


COMMANDS: list[click.Command] = [models]

"""Command: ``gim import ID FILE.eaf``: corrections made in ELAN come back as edits."""

from __future__ import annotations

from pathlib import Path

import click

from gim.cli.context import Context
from gim.errors import InputError

pass_context = click.make_pass_decorator(Context)

LENGTH_SLACK = 1.0
"""Seconds a linked recording may differ in length from the session's and still be it."""


def _check_media_length(paths: list[str], eaf_file: Path, mic: Path | None, name: str) -> None:
    """Refuse a linked recording found on disk whose length is not the session recording's."""
    import soundfile as sf

    if mic is None:
        return
    try:
        own = sf.info(str(mic)).duration
    except (OSError, RuntimeError):
        return
    for linked in paths:
        path = Path(linked)
        path = path if path.is_absolute() else eaf_file.parent / path
        try:
            length = sf.info(str(path)).duration
        except (OSError, RuntimeError):
            continue  # not on this machine, or not audio gim reads: the name was checked
        if abs(length - own) > LENGTH_SLACK:
            raise InputError(
                f"{name} is linked to {linked} ({length:.0f} s), not to this session's "
                f"recording ({own:.0f} s): link the session's recording in ELAN and save again."
            )


@click.command("import")
@click.argument("session_id", metavar="ID")
@click.argument("eaf", metavar="FILE.eaf", type=click.Path(path_type=Path))
@pass_context
def import_command(ctx: Context, session_id: str, eaf: Path) -> None:
    """Bring back what was changed in ELAN in an EAF gim exported: corrected text, moved
    boundaries, new annotations and tiers, each stored as your edit."""
    from gim.export.eaf_read import changes, check_identity, media_paths, read_eaf
    from gim.export.files import mic_recording

    ctx.refuse_if_live(session_id, "import into")
    try:
        data = eaf.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {eaf} ({exc.strerror}).") from exc
    found = read_eaf(data, eaf.name)
    with ctx.open_store() as store:
        record = store.load_record(session_id)
        check_identity(found, session_id, eaf.name)
        mic = mic_recording(ctx.settings.sessions_dir / session_id)
        _check_media_length(media_paths(found), eaf, mic, eaf.name)
        diff = changes(record, found)
        store.apply_edits(session_id, diff.revised, diff.lines, diff.notes)
    click.echo(diff.summary())


COMMANDS: list[click.Command] = [import_command]

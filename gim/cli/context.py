"""What every command shares: the data home, settings, the open store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gim.config import Settings, ensure_private_dir, load_settings
from gim.environment import lock_down
from gim.errors import SessionInUseError

if TYPE_CHECKING:
    from gim.store.db import Store


@dataclass
class Context:
    """Per-invocation state handed to commands through click."""

    home: Path | None = None
    """The --home option, if given."""
    debug: bool = False
    """Show tracebacks."""
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """Settings for the chosen data home (read once)."""
        if self._settings is None:
            self._settings = load_settings(self.home)
            # Library caches follow --home (set before any library loads; children inherit).
            lock_down(self._settings.cache_dir)
            from gim import faults

            faults.log_into(self._settings.home)
        return self._settings

    def use_home(self, home: Path) -> None:
        """Work in the data home ``home`` for the rest of the command (the demo's own)."""
        self.home = home
        self._settings = None

    def use_settings(self, settings: Settings) -> None:
        """Use ``settings`` for the rest of the command (a session's language applied)."""
        self._settings = settings

    def open_store(self) -> Store:
        """Open (creating if needed) the session database in the data home.

        Also recovers any session an earlier run left interrupted, so every command sees
        crashed sessions as recovered.
        """
        from gim.store.db import Store

        ensure_private_dir(self.settings.home)
        store = Store.open(self.settings.db_path)
        from gim.runner.recovery import recover_interrupted

        for session_id in recover_interrupted(self.settings, store):
            click.echo(
                f"gim: session {session_id} was interrupted; it has been recovered.", err=True
            )
        from gim.runner.rebuild import join_pending, orphan_notice, orphaned_folders

        for session_id in join_pending(self.settings, store):
            click.echo(
                f"gim: the audio of session {session_id}, kept in pieces when the disk was "
                "full, is now joined.",
                err=True,
            )

        orphans = orphaned_folders(self.settings, store.session_ids())
        if orphans:
            click.echo(f"gim: {orphan_notice(len(orphans))}", err=True)
        return store

    def refuse_if_live(self, session_id: str, doing: str) -> None:
        """Refuse (one sentence) to ``doing`` a session that a running gim is recording.

        Raises:
            SessionInUseError: a live process holds the session's lock.
        """
        from gim.runner.recovery import is_running

        if is_running(self.settings.sessions_dir / session_id):
            raise SessionInUseError(
                f"Session {session_id} is being recorded right now: end it first, then {doing} it."
            )

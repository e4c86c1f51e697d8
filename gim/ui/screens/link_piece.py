"""Choose the audio file that plays one piece: browse, see its length, hear it, link it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DirectoryTree, Input, Label, Static

from gim.core.clock import mmss
from gim.core.program import Piece
from gim.errors import GimError
from gim.library.match import AUDIO_SUFFIXES
from gim.ui.base import GimModal


class AudioTree(DirectoryTree):
    """Folders and playable audio files only (hidden ones left out)."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in AUDIO_SUFFIXES)
        ]


class PickPieceFile(GimModal[Path | None]):
    """Pick the file for ``piece``: enter shows a file's length, p plays a few seconds,
    l links it; a path can be typed too. Dismisses with the file, or None.

    Args:
        piece: The piece being linked.
        number: Its number in the program (from 1).
        start: The folder to browse first.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "listen", "Listen", id="pick.listen"),
        Binding("l", "link", "Link this file", id="pick.link"),
        Binding("escape", "cancel", "Back", id="pick.back"),
    ]

    def __init__(self, piece: Piece, number: int, start: Path) -> None:
        super().__init__()
        self.piece = piece
        """The piece being linked."""
        self.number = number
        """Its number in the program (from 1)."""
        self.start = start
        """The folder shown first."""
        self.chosen: Path | None = None
        """The file the guide is looking at."""
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pick-dialog"):
            yield Label(
                f"Piece {self.number}: {self.piece.title} ({mmss(self.piece.duration)})",
                classes="dialog-title",
            )
            yield Input(
                str(self.start),
                placeholder="a folder or an audio file",
                id="pick-path",
                compact=True,
            )
            yield AudioTree(self.start, id="pick-tree")
            yield Static("Enter on a file shows its length.", id="pick-info")
            yield Label("enter choose · p listen · l link · esc back", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(AudioTree).focus()

    def on_unmount(self) -> None:
        self._stop.set()

    @on(DirectoryTree.FileSelected)
    def _file(self, event: DirectoryTree.FileSelected) -> None:
        self.choose(Path(event.path))

    @on(Input.Submitted, "#pick-path")
    def _typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            self.query_one(AudioTree).path = path
            self.query_one(AudioTree).focus()
        else:
            self.choose(path)

    def choose(self, path: Path) -> None:
        """Look at ``path``: its length beside the piece's, or why it cannot be used."""
        from gim.library.own import audio_info

        info = self.query_one("#pick-info", Static)
        try:
            found = audio_info(path)
        except GimError as exc:
            self.chosen = None
            info.update(f"[$warning]{exc.message}[/]")
            return
        self.chosen = found.path
        off = abs(found.duration - self.piece.duration) > max(3.0, 0.02 * self.piece.duration)
        note = "  [$warning](not the piece's length)[/]" if off else ""
        info.update(f"{found.path.name}: {mmss(found.duration)}{note}")

    def action_listen(self) -> None:
        """Play a few seconds of the chosen file (again: stop)."""
        if self.chosen is None:
            self.notify("Choose a file first (enter on it).", severity="warning")
            return
        self._stop.set()
        self._stop = threading.Event()
        self.listen(self.chosen, self._stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="listen", description="listen")
    def listen(self, path: Path, stop: threading.Event) -> None:
        """Play the excerpt in a thread."""
        from gim.runner.sounds import play_excerpt

        settings = self.app.settings
        try:
            play_excerpt(settings, path, stop)
        except GimError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning")

    def action_link(self) -> None:
        """Link the chosen file to the piece."""
        if self.chosen is None:
            self.notify("Choose a file first (enter on it).", severity="warning")
            return
        self._stop.set()
        self.dismiss(self.chosen)

    def action_cancel(self) -> None:
        """Back without linking."""
        self._stop.set()
        self.dismiss(None)

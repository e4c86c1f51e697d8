"""Export one session: a format, the client copy or a supervision packet, into a folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select

from gim.config import FILE_MODE
from gim.core.deidentify import parse_names
from gim.export.files import CLIENT_COPY, PACKET, ExportChoice

CHOICES: tuple[tuple[str, str], ...] = (
    ("md", "Transcript · Markdown"),
    ("html", "Transcript · printable HTML"),
    ("docx", "Transcript · Word"),
    ("srt", "Subtitles · SRT"),
    ("vtt", "Subtitles · WebVTT"),
    ("eaf", "ELAN annotation file"),
    ("audacity", "Audacity label track"),
    ("json", "Everything · JSON"),
    ("qdpx", "REFI-QDA project · MAXQDA, NVivo…"),
    (CLIENT_COPY, "Client copy (no private notes)"),
    (PACKET, "Supervision packet (zip)"),
)
"""What can be exported, in menu order, with the label shown."""

AUDIO_LABELS = {
    PACKET: "Audio excerpts around marked moments",
    CLIENT_COPY: "Include the mandala picture",
    "qdpx": "Include the mandala and the recording (not if de-identified)",
}
"""Label of the audio box where it means something other than the default."""
AUDIO_DEFAULT = "Link the recording, include the mandala"
NO_PICTURE = ("srt", "vtt", "audacity", "json")
"""Formats that cannot hold a picture: for them the box only links the recording."""
AUDIO_NO_PICTURE = "Link the recording (no picture in this format)"

LAST_EXPORT_FILE = "last-export.json"
"""In the data home: the folder and choice of the last export, offered the next time."""


class TickBox(Checkbox):
    """A checkbox whose state shows without colour: ✓ when ticked, empty when not."""

    def __init__(self, label: str, value: bool = False, **kwargs: Any) -> None:
        super().__init__(label, value, **kwargs)
        self.BUTTON_INNER = "✓" if value else " "

    def watch_value(self) -> None:
        """Show the tick (or its absence), then let the checkbox report the change."""
        self.BUTTON_INNER = "✓" if self.value else " "
        super().watch_value()


def last_export(home: Path) -> tuple[Path | None, str]:
    """The folder and choice of the guide's last export (None and "md" the first time)."""
    try:
        data = json.loads((home / LAST_EXPORT_FILE).read_text(encoding="utf-8"))
        folder = Path(str(data["folder"])) if data.get("folder") else None
        what = str(data.get("what", "md"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, "md"
    return folder, what if what in dict(CHOICES) else "md"


def remember_export(home: Path, folder: Path, what: str) -> None:
    """Keep the folder and choice for next time (private, like everything in the home)."""
    path = home / LAST_EXPORT_FILE
    try:
        path.write_text(json.dumps({"folder": str(folder), "what": what}), encoding="utf-8")
        path.chmod(FILE_MODE)
    except OSError:
        pass  # Only a convenience: the export itself has been written.


def default_folder() -> Path:
    """Where exports go unless the guide says otherwise: ``~/gim-exports``."""
    return Path.home() / "gim-exports"


def shown_folder(folder: Path) -> str:
    """``folder`` as the guide would type it: ``~/gim-exports`` inside the home folder."""
    try:
        return f"~/{folder.expanduser().relative_to(Path.home())}"
    except ValueError:
        return str(folder)


@dataclass(frozen=True)
class ExportRequest:
    """The guide's answer: what to export and the folder to write it in."""

    choice: ExportChoice
    """What to export and how."""
    folder: Path
    """The folder the files go in."""


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Choose what to export and how: ctrl+s (or enter in a field) exports, escape cancels.

    Args:
        folder: The folder offered (the guide can type another).
        what: The choice selected first.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.go"),
    ]

    def __init__(self, folder: Path | None = None, what: str = "md") -> None:
        super().__init__()
        self.folder = folder or default_folder()
        """The folder offered."""
        self.what = what
        """The choice selected first."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export this session", classes="dialog-title")
            yield Select(
                [(label, name) for name, label in CHOICES],
                value=self.what,
                allow_blank=False,
                compact=True,
                id="export-what",
            )
            yield TickBox(
                "De-identify: client code → Client",
                self.what == PACKET,
                compact=True,
                id="export-deidentify",
            )
            yield Input(
                placeholder="other names to replace: Anna, Bob", compact=True, id="export-names"
            )
            yield TickBox(AUDIO_DEFAULT, self.what != PACKET, compact=True, id="export-audio")
            yield TickBox(
                "The guide's notes: markers, tags, comments",
                True,
                compact=True,
                id="export-private",
            )
            yield Label("Folder", classes="dialog-field")
            yield Input(str(self.folder), compact=True, id="export-folder")
            yield Label("tab next · ctrl+s export · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show_choice(self.what)
        self.query_one("#export-what", Select).focus()

    @on(Select.Changed, "#export-what")
    def _what_changed(self, event: Select.Changed) -> None:
        what = str(event.value)
        if what != self.what:
            self.what = what
            # A packet leaves for a supervisor: de-identified and without audio unless asked.
            self.query_one("#export-deidentify", Checkbox).value = what == PACKET
            self.query_one("#export-audio", Checkbox).value = what != PACKET
        self._show_choice(what)

    def _show_choice(self, what: str) -> None:
        audio = self.query_one("#export-audio", Checkbox)
        audio.label = AUDIO_LABELS.get(
            what, AUDIO_NO_PICTURE if what in NO_PICTURE else AUDIO_DEFAULT
        )
        # The client copy never has private notes, the packet always has them.
        self.query_one("#export-private", Checkbox).display = what not in (CLIENT_COPY, PACKET)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        """Close with the guide's choice (names only count when de-identifying)."""
        deidentified = self.query_one("#export-deidentify", Checkbox).value
        names = parse_names(self.query_one("#export-names", Input).value)
        if names and not deidentified:
            self.notify("Names are replaced only when de-identifying: tick it.", timeout=5)
            return
        folder = self.query_one("#export-folder", Input).value.strip()
        choice = ExportChoice(
            self.what,
            deidentified=deidentified,
            names=names,
            audio=self.query_one("#export-audio", Checkbox).value,
            private=self.query_one("#export-private", Checkbox).value,
        )
        self.dismiss(ExportRequest(choice, Path(folder).expanduser() if folder else self.folder))

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)


class SeriesExportDialog(ModalScreen[ExportRequest | None]):
    """Export a client's series as Markdown or HTML: ctrl+s (or enter) exports.

    Args:
        folder: The folder offered (the guide can type another).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "export", "Export", id="export.go"),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or default_folder()
        """The folder offered."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export this series", classes="dialog-title")
            yield Select(
                [("Series · Markdown", "md"), ("Series · printable HTML", "html")],
                value="md",
                allow_blank=False,
                compact=True,
                id="export-what",
            )
            yield Label("Folder", classes="dialog-field")
            yield Input(str(self.folder), compact=True, id="export-folder")
            yield Label("tab next · ctrl+s export · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#export-what", Select).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        """Close with the format and folder."""
        what = str(self.query_one("#export-what", Select).value)
        folder = self.query_one("#export-folder", Input).value.strip()
        self.dismiss(
            ExportRequest(ExportChoice(what), Path(folder).expanduser() if folder else self.folder)
        )

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)

"""The review screen's slow tasks: exporting the session and transcribing it again.

Both run in thread workers and report back with typed messages; no widget is touched
from a thread. The re-transcription is the app's one final-pass worker
(`gim.ui.final_pass`); lines the guide edited are kept.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.widgets import Label

from gim.core.session import Source
from gim.errors import GimError
from gim.ui.dialogs.confirm import Confirm
from gim.ui.dialogs.export import (
    ExportDialog,
    ExportRequest,
    last_export,
    remember_export,
    shown_folder,
)
from gim.ui.final_pass import FinalPassDone, FinalPassProgress, FinalPassScreen

if TYPE_CHECKING:
    from gim.core.record import SessionRecord


class Exported(Message):
    """An export finished: ``written`` files under ``folder``."""

    def __init__(self, written: list[Path], folder: Path) -> None:
        super().__init__()
        self.written = written
        self.folder = folder


class SessionTasks(FinalPassScreen):
    """Base of the review screen: ``x`` exports, ``R`` transcribes the session again."""

    session_id: str
    record: SessionRecord | None
    exported: tuple[Path, ...] = ()
    """Files written by the last export (tests read them)."""
    retranscribing: bool = False
    """A re-transcription is running."""

    def reload(self) -> None:
        """Read the session from the store and show it again (the screen's own)."""
        raise NotImplementedError

    # -- export ------------------------------------------------------------------------
    def action_export(self) -> None:
        """Ask what to export and where, then write it in a thread."""

        home = self.app.settings.home

        def chosen(request: ExportRequest | None) -> None:
            if request is not None and self.record is not None:
                self.export_files(self.record, request)

        folder, what = last_export(home)
        self.app.push_screen(ExportDialog(folder, what), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def export_files(self, record: SessionRecord, request: ExportRequest) -> None:
        """Write the export (reading the recording and the mandala) off the UI thread."""
        from gim.export.files import export_session

        settings = self.app.settings
        folder = settings.sessions_dir / record.session.id
        request = replace(request, choice=replace(request.choice, paper=settings.paper_size))

        def warn(message: str) -> None:
            self.notify(message.capitalize(), severity="warning")  # notify is thread-safe

        try:
            written = export_session(record, folder, request.choice, request.folder, warn)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        remember_export(settings.home, request.folder, request.choice.what)
        self.post_message(Exported(written, request.folder))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        written, folder = message.written, message.folder
        self.exported = tuple(written)
        names = sorted({p.relative_to(folder).parts[0] for p in written})
        self.notify(
            f"Written to {shown_folder(folder)}: {', '.join(names)}", title="Exported", timeout=10
        )

    # -- re-transcription ----------------------------------------------------------------
    def action_retranscribe(self) -> None:
        """Ask, then transcribe the whole recording again, keeping the guide's edits."""
        if self.retranscribing:
            self.notify("The session is being transcribed already.", timeout=4)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.retranscribing = True
                self._title("re-transcribing…")
                self.run_final_pass(self.session_id)

        question = "Transcribe this session again? Lines you edited are kept."
        self.app.push_screen(Confirm(question), answered)

    @on(FinalPassProgress)
    def _retranscribing(self, message: FinalPassProgress) -> None:
        self._title(f"re-transcribing {message.fraction:.0%}")

    @on(FinalPassDone)
    def _retranscribed(self, message: FinalPassDone) -> None:
        self.retranscribing = False
        self.reload()
        if message.lines is None:
            self.notify(message.error, severity="error", timeout=10)
            return
        lines = message.lines
        kept = sum(1 for s in lines if s.source is Source.EDITED)
        edits = f"; {kept} edited line{'' if kept == 1 else 's'} kept" if kept else ""
        self.notify(f"Transcribed again: {len(lines)} lines{edits}.", timeout=10)

    def _title(self, state: str) -> None:
        title = self.query_one("#transcript-title", Label)
        title.update(f"Transcript · [dim]{state}[/]")

"""Review's slow tasks: exporting the session and transcribing it again.

A widget with nothing to show that the review screen composes. Both tasks run in thread
workers and report back with typed messages; no widget is touched from a thread. The
re-transcription is the app's one final-pass worker (`gim.ui.final_pass.FinalPass`, a
child of this one); lines the guide edited are kept. Up to the screen go
`SessionTasks.Working` (what to say in the transcript's title) and the pass's own
`FinalPassDone` (the stored transcript changed: read it again).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget

from gim.core.record import SessionRecord
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
from gim.ui.final_pass import FinalPass, FinalPassDone, FinalPassProgress

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp


class Exported(Message):
    """An export finished: ``written`` files under ``folder``."""

    def __init__(self, written: list[Path], folder: Path, notes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.written = written
        self.folder = folder
        self.notes = notes
        """What the export said on the way (a folder made, lines left out), shown with it."""


class SessionTasks(Widget):
    """``x`` exports the session, ``R`` transcribes it again (the screen's keys ask)."""

    DEFAULT_CSS = "SessionTasks { display: none; }"

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    class Working(Message):
        """What a running task wants said in the transcript's title."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text
            """For example "re-transcribing 42%"."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        """The session the tasks are for."""
        self.record: SessionRecord | None = None
        """The session as loaded (set by the screen): what an export writes."""
        self.exported: tuple[Path, ...] = ()
        """Files written by the last export (tests read them)."""
        self.retranscribing = False
        """A re-transcription is running."""

    def compose(self) -> ComposeResult:
        yield FinalPass()

    # -- export ------------------------------------------------------------------------
    def export(self) -> None:
        """Ask what to export and where, then write it in a thread."""

        def chosen(request: ExportRequest | None) -> None:
            if request is not None and self.record is not None:
                self.export_files(self.record, request)

        folder, what = last_export(self.app.settings.home)
        self.app.push_screen(ExportDialog(folder, what), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def export_files(self, record: SessionRecord, request: ExportRequest) -> None:
        """Write the export (reading the recording and the mandala) off the UI thread."""
        from gim.export.files import export_session

        settings = self.app.settings
        folder = settings.sessions_dir / record.session.id
        request = replace(request, choice=replace(request.choice, paper=settings.paper_size))

        notes: list[str] = []  # said with the result, in one notice: calm, nothing covered

        try:
            written = export_session(record, folder, request.choice, request.folder, notes.append)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        remember_export(settings.home, request.folder, request.choice.what)
        self.post_message(Exported(written, request.folder, tuple(notes)))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        message.stop()
        written, folder = message.written, message.folder
        self.exported = tuple(written)
        names = sorted({p.relative_to(folder).parts[0] for p in written})
        said = "".join(f"\n{note[:1].upper()}{note[1:]}" for note in message.notes)
        self.notify(
            f"Written to {shown_folder(folder)}: {', '.join(names)}{said}",
            title="Exported",
            timeout=10 + 4 * len(message.notes),
        )

    # -- re-transcription ----------------------------------------------------------------
    def retranscribe(self) -> None:
        """Ask, then transcribe the whole recording again, keeping the guide's edits."""
        if self.retranscribing:
            self.notify("The session is being transcribed already.", timeout=4)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.retranscribing = True
                self.post_message(self.Working("re-transcribing…"))
                self.query_one(FinalPass).run(self.session_id)

        question = "Transcribe this session again? Lines you edited are kept."
        self.app.push_screen(Confirm(question), answered)

    @on(FinalPassProgress)
    def _retranscribing(self, message: FinalPassProgress) -> None:
        message.stop()
        self.post_message(self.Working(f"re-transcribing {message.fraction:.0%}"))

    @on(FinalPassDone)
    def _retranscribed(self, message: FinalPassDone) -> None:
        # not stopped: the screen reads the transcript again
        self.retranscribing = False
        if message.lines is None:
            self.notify(message.error, severity="error", timeout=10)
            return
        lines = message.lines
        kept = sum(1 for s in lines if s.source is Source.EDITED)
        edits = f"; {kept} edited line{'' if kept == 1 else 's'} kept" if kept else ""
        self.notify(f"Transcribed again: {len(lines)} lines{edits}.", timeout=10)

"""End of session: the final transcription pass with progress, postlude notes, the mandala."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, Label, ProgressBar, TextArea

from gim.config import FILE_MODE, Settings, ensure_private_dir
from gim.core.clock import mmss
from gim.core.record import Attachment
from gim.errors import GimError, InputError
from gim.ui.base import GimScreen
from gim.ui.final_pass import FinalPass, FinalPassDone, FinalPassProgress


def attach_mandala(settings: Settings, session_id: str, picture: Path) -> str:
    """Copy the mandala picture into the session folder (private); returns its file name."""
    if not picture.is_file():
        raise InputError(f"There is no picture at {picture}: check the path.")
    folder = ensure_private_dir(settings.sessions_dir / session_id)
    target = folder / f"mandala{picture.suffix.lower()}"
    try:
        shutil.copyfile(picture, target)
        target.chmod(FILE_MODE)
    except OSError as exc:
        raise GimError(f"Cannot copy the picture ({exc.strerror}): check the folder.") from exc
    return target.name


def progress_text(fraction: float, elapsed: float) -> str:
    """ "42% · about 1:10 left": the time left guessed from the pace so far.

    Early on (under 5 %, or 3 seconds) the pace says little, so only the percentage.
    """
    text = f"{fraction:.0%}"
    if 0.05 <= fraction < 1.0 and elapsed >= 3.0:
        left = elapsed * (1.0 - fraction) / fraction
        text += f" · about {mmss(max(left, 1.0))} left"
    return text


class EndScreen(GimScreen[None]):
    """After the music: run the final pass, write postlude notes, attach the mandala."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="end.save"),
        Binding("ctrl+r", "review", "Save & review", id="end.review"),
        Binding("escape", "home", "Home", id="end.home"),
    ]

    def __init__(self, session_id: str, review_after: bool = False) -> None:
        super().__init__()
        self.session_id = session_id
        """The session just ended."""
        self.review_after = review_after
        """Open the review screen by itself once the final pass is done (the demo)."""
        self.saved = False
        """Notes and mandala were stored."""
        self.final_done = False
        """The final pass finished and replaced the live transcript."""
        self._pass_started = time.monotonic()
        """When the final pass began, to estimate the time left."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with VerticalScroll(classes="form"):
            yield Label("Final transcription pass", classes="field")
            # The label beside it says the percentage once, with the time left.
            yield ProgressBar(total=1.0, show_eta=False, show_percentage=False, id="final-progress")
            yield Label("", id="final-state")
            yield Label("Postlude notes", classes="field")
            yield TextArea(id="postlude")
            yield Label("Mandala picture (a file path)", classes="field")
            yield Input(placeholder="~/Pictures/mandala.jpg", id="mandala-path")
            yield Label("Mandala title", classes="field")
            yield Input(placeholder="the title the client gave it", id="mandala-title")
            yield Label("Mandala description", classes="field")
            yield Input(placeholder="colours, shapes, what it shows", id="mandala-description")
        yield Footer()
        yield FinalPass()

    def on_mount(self) -> None:
        self.sub_title = f"End of session {self.session_id}"
        session = self.app.store.get_session(self.session_id)
        self.query_one("#postlude", TextArea).text = session.postlude_notes
        self.query_one("#mandala-title", Input).value = session.mandala_title
        self.query_one("#mandala-description", Input).value = session.mandala_description
        self.query_one("#postlude", TextArea).focus()
        self.run_final_pass(self.session_id)

    def run_final_pass(self, session_id: str) -> None:
        """Transcribe the session's whole recording (in a thread; messages report back)."""
        self.query_one(FinalPass).run(session_id)

    @on(FinalPassProgress)
    def _progress(self, message: FinalPassProgress) -> None:
        self.query_one(ProgressBar).update(progress=message.fraction)
        self.query_one("#final-state", Label).update(
            progress_text(message.fraction, time.monotonic() - self._pass_started)
        )

    @on(FinalPassDone)
    def _final_done(self, message: FinalPassDone) -> None:
        self.final_done = message.lines is not None
        if message.lines is not None:
            self.query_one(ProgressBar).update(progress=1.0)
            text = f"Final pass done: {len(message.lines)} lines in the transcript."
        else:
            text = message.error
        self.query_one("#final-state", Label).update(text)
        if self.review_after:
            self.action_review()

    def action_save(self) -> bool:
        """Store the postlude notes and the mandala; True when saved."""
        store = self.app.store
        notes = self.query_one("#postlude", TextArea).text.strip()
        title = self.query_one("#mandala-title", Input).value.strip()
        description = self.query_one("#mandala-description", Input).value.strip()
        picture = self.query_one("#mandala-path", Input).value.strip()
        try:
            if picture:
                name = attach_mandala(
                    self.app.settings,
                    self.session_id,
                    Path(picture).expanduser(),
                )
                store.add_attachment(
                    self.session_id, Attachment("mandala", name, title, description)
                )
                self.query_one("#mandala-path", Input).value = ""
            store.update_session(
                self.session_id,
                postlude_notes=notes,
                mandala_title=title,
                mandala_description=description,
            )
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return False
        self.saved = True
        self.notify("Saved.", timeout=2)
        return True

    def action_review(self) -> None:
        """Save, then open the session in review."""
        if self.action_save():
            from gim.ui.screens.review import ReviewScreen

            self.app.switch_screen(ReviewScreen(self.session_id))

    def action_home(self) -> None:
        """Save and go home."""
        if self.action_save():
            self.app.go_home()

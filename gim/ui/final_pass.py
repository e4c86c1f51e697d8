"""The app's one final-pass worker, shared by the end-of-session and review screens.

`FinalPass` is a widget with nothing to show that a screen composes: it runs the pass in a
thread worker through its own store connection (a database belongs to the thread that
opened it) and reports with typed messages that bubble up to the screen:
`FinalPassProgress` (many a second; a newer one replaces one still queued) and
`FinalPassDone`. It stops between speech stretches when the app quits, leaving the stored
transcript as it was; leaving the screen lets it finish.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.widget import Widget

from gim.core.session import Segment
from gim.errors import GimError
from gim.ui.messages import Progress

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp


class FinalPassProgress(Progress):
    """How far the final pass is (0..1)."""


class FinalPassDone(Message):
    """The final pass ended: with the transcript as now stored, or with a sentence why not.

    Args:
        lines: the transcript as stored; None when the pass failed or was stopped.
        error: one sentence for the guide when it failed or was stopped.
        stopped: it was stopped before the end (nothing changed).
    """

    def __init__(self, lines: list[Segment] | None, error: str = "", stopped: bool = False) -> None:
        super().__init__()
        self.lines = lines
        """The transcript as now stored (None when the pass did not finish)."""
        self.error = error
        """Why it did not finish, for the guide."""
        self.stopped = stopped
        """It was asked to stop."""


class FinalPass(Widget):
    """The final pass over a session, run on request (`run`); nothing to show."""

    DEFAULT_CSS = "FinalPass { display: none; }"

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    @work(thread=True, exclusive=True, exit_on_error=False, group="final", description="final")
    def run(self, session_id: str) -> None:
        """Transcribe the whole recording again (slow: in a thread), posting progress.

        Lines the guide edited are kept. The app's quitting stops the pass.
        """
        from gim.runner.final_pass import PassStopped, final_pass
        from gim.store.db import Store

        app = self.app
        stop = threading.Event()

        def progress(fraction: float) -> None:
            self.post_message(FinalPassProgress(fraction))

        app.final_passes.add(stop)
        try:
            with Store.open(app.settings.db_path) as store:
                lines = final_pass(
                    store,
                    session_id,
                    app.settings,
                    progress=progress,
                    stop=stop.is_set,
                )
        except GimError as exc:
            self.post_message(FinalPassDone(None, exc.message, isinstance(exc, PassStopped)))
            return
        finally:
            app.final_passes.discard(stop)
        self.post_message(FinalPassDone(lines))

"""The gim terminal app: one App, a dim theme, and the screens a guide moves between."""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from gim import faults
from gim.config import Settings, ensure_private_dir
from gim.ui.theme import DUSK

if TYPE_CHECKING:
    from gim.library.programs import ProgramLibrary
    from gim.store.db import Store
    from gim.store.search import SearchHit

KEYS_FILE = "keys.toml"
"""Optional file in the data home remapping keys: ``binding-id = "key"`` per line."""

KEEP_GOING = 5
"""Errors in the app a recording survives before gim closes (saving the session)."""


class FaultNoticed(Message):
    """A thread or C callback failed; ``text`` is gim's sentence about it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        """The sentence for the guide."""


QUIT_QUESTION = "End the session and quit gim? The recording stops and is kept."
"""Asked once when ctrl+q or ctrl+c is pressed during a recording."""

ScreenFactory = Callable[["GimApp"], Screen[Any]]
"""Builds the first screen once the app is running (it may need the store)."""


class GimApp(App[None]):
    """The guide's terminal: home, new session, live session, review and programs.

    Args:
        settings: Settings of the data home to work in.
        start: Builds the first screen; the home screen when None.
        store: An already open store (tests); opened lazily from settings otherwise.
        programs: A program library; the guide's `ProgramLibrary` when None.
    """

    CSS_PATH = "app.tcss"
    TITLE = "gim"
    SUB_TITLE = "Guided Imagery and Music"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    # Size classes on every screen (app.tcss): below 40x12 a screen shows one line asking
    # for a larger window; between that and 76 columns or 22 rows the live screen keeps
    # the recording state and the transcript and drops its side panes.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (Textual declares it without ClassVar)
        (0, "-w-tiny"),
        (40, "-w-narrow"),
        (76, "-w-full"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-h-tiny"),
        (12, "-h-short"),
        (22, "-h-full"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "show_keys", "Help", id="app.keys", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        start: ScreenFactory | None = None,
        store: Store | None = None,
        programs: ProgramLibrary | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        """Settings of the data home the app works in."""
        self._start = start
        self._store = store
        self._programs = programs
        self.final_passes: set[threading.Event] = set()
        """Stop events of the final passes running now (set when the app quits)."""
        self._faults_survived = 0

    # -- data ------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The session database, opened on first use in the UI thread that owns it."""
        if self._store is None:
            from gim.store.db import Store

            ensure_private_dir(self.settings.home)
            self._store = Store.open(self.settings.db_path)
        return self._store

    @property
    def programs(self) -> ProgramLibrary:
        """The program library: shipped programs and the guide's own."""
        if self._programs is None:
            from gim.library.programs import ProgramLibrary

            self._programs = ProgramLibrary(self.settings)
        return self._programs

    # -- life cycle ------------------------------------------------------------------
    def on_mount(self) -> None:
        faults.listen(lambda text: self.post_message(FaultNoticed(text)))
        self.register_theme(DUSK)
        self.theme = DUSK.name
        self._apply_keymap(self.settings.home / KEYS_FILE)
        if self._start is not None:
            self.push_screen(self._start(self))
        else:
            from gim.ui.screens.home import HomeScreen

            self.push_screen(HomeScreen())

    def _apply_keymap(self, path: Path) -> None:
        """Remap keys from the guide's keys.toml, silently ignoring a missing file."""
        if not path.is_file():
            return
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            self.notify(f"{path.name} cannot be read: keys stay as they are.", timeout=8)
            return
        self.set_keymap({str(k): str(v) for k, v in data.items()})

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Quit, stopping any final pass between two speech stretches (it changes nothing)."""
        for stop in list(self.final_passes):
            stop.set()
        super().exit(result, return_code, message)

    def on_unmount(self) -> None:
        faults.listen(None)

    def on_fault_noticed(self, message: FaultNoticed) -> None:
        """A fault in a thread or C callback, in one sentence (`gim.faults`)."""
        self.notify(message.text, severity="warning", timeout=15)

    def _handle_exception(self, error: Exception) -> None:
        """An error in the app itself: logged privately, never a traceback on the screen.

        During a recording the app goes on (a few times at most): the session is the
        guide's, and what failed was a piece of the screen. Otherwise gim closes with
        one sentence. Tests still see the error: Pilot re-raises ``_exception``.
        """
        faults.report_privately(error, "the terminal app")
        if self._exception is None:
            self._exception = error
        if self.recording() and self._faults_survived < KEEP_GOING:
            self._faults_survived += 1
            self.notify(
                f"Part of the screen failed ({type(error).__name__}); the recording goes on.",
                severity="error",
                timeout=15,
            )
            return
        self._exception_event.set()
        self.exit(return_code=1, message=faults.closing_sentence(error))

    def recording(self) -> bool:
        """Whether a session records on a screen of this app now."""
        return any(getattr(s, "recording", False) for s in self.screen_stack)

    async def action_quit(self) -> None:
        """Quit; during a recording ask once first (quitting saves and ends the session)."""
        if not self.recording():
            self.exit()
            return
        from gim.ui.dialogs.confirm import Confirm

        if isinstance(self.screen, Confirm) and self.screen.question == QUIT_QUESTION:
            return  # asked already: the answer is y or n, not another ctrl+q

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(Confirm(QUIT_QUESTION), answer)

    def action_help_quit(self) -> None:
        """ctrl+c: during a recording the same question as ctrl+q, else Textual's hint."""
        if self.recording():
            self.call_later(self.action_quit)
            return
        super().action_help_quit()

    def bell(self) -> None:
        """Never make a sound: the client is lying down listening to music."""

    # -- actions the palette and every screen share ----------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand("Home", "Recent sessions, clients and programs", self.go_home)
        yield SystemCommand("New session", "Set up and start a session", self.action_new_session)
        yield SystemCommand("Programs", "Browse programs and their links", self.action_programs)
        yield SystemCommand(
            "Search all sessions", "Find words across every transcript", self.action_search
        )
        yield SystemCommand(
            "Guides' voices",
            "Enrol a guide's voice by reading aloud, or forget one",
            self.action_guides,
        )
        from gim.ui.screens.review import ReviewScreen

        if isinstance(screen, ReviewScreen):
            yield SystemCommand(
                "Export this session",
                "A transcript, subtitles, ELAN, a client copy or a supervision packet",
                screen.action_export,
            )
            yield SystemCommand(
                "Split this line",
                "Cut the highlighted line in two at a word, where another voice begins (b)",
                screen.action_split_line,
            )
            yield SystemCommand(
                "Transcribe again",
                "The whole recording, keeping your edits",
                screen.action_retranscribe,
            )
        yield SystemCommand("Keys", "Show the keys of this screen", self.action_show_keys)
        yield SystemCommand("Quit", "Leave gim", self.exit)

    def go_home(self) -> None:
        """Return to the home screen, closing the screens above it."""
        from gim.ui.screens.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            # Only the app's default screen is left (the app opened on another screen).
            self.push_screen(HomeScreen())

    def action_show_keys(self) -> None:
        """gim's help: the keys of this screen first, how a session runs, the keys of all."""
        from gim.ui.dialogs.help import HelpDialog, screen_keys

        if isinstance(self.screen, HelpDialog):
            return
        name = type(self.screen).__name__.removesuffix("Screen").removesuffix("Dialog")
        self.push_screen(HelpDialog(screen_keys(self.screen), name or "gim"))

    def action_new_session(self) -> None:
        """Open the new-session screen."""
        from gim.ui.screens.new_session import NewSessionScreen

        self.push_screen(NewSessionScreen())

    def action_programs(self) -> None:
        """Open the programs screen."""
        from gim.ui.screens.programs import ProgramsScreen

        self.push_screen(ProgramsScreen())

    def action_guides(self) -> None:
        """Open the guides' voices: enrol one by reading aloud, or forget one."""
        from gim.ui.screens.guides import GuidesScreen

        self.push_screen(GuidesScreen())

    def action_search(self, client: str | None = None) -> None:
        """Search across sessions; open the chosen line in review."""
        from gim.ui.dialogs.search import SearchDialog

        def opened(hit: SearchHit | None) -> None:
            if hit is not None:
                segment = hit.ref if hit.kind == "segment" else None
                self.open_review(hit.session_id, segment_id=segment, time=hit.time)

        self.push_screen(SearchDialog(client=client), opened)

    def open_review(
        self, session_id: str, segment_id: int | None = None, time: float | None = None
    ) -> None:
        """Open the review screen of one session, on one line (or moment) if given."""
        from gim.ui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(session_id, segment_id=segment_id, time=time))

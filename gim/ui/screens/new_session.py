"""New session: client, focus, program, consent, device check and model readiness."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Header, Input, Label, RadioButton, RadioSet, Select, Static

from gim.core.clock import mmss
from gim.core.ids import canonical_client, client_code
from gim.core.program import Program
from gim.core.session import Consent
from gim.errors import GimError, InputError
from gim.runner import sounds
from gim.ui.base import GimScreen
from gim.ui.dialogs.confirm import Confirm
from gim.ui.screens.programs import link_labels
from gim.ui.widgets.choice import ChoiceButton
from gim.ui.widgets.level_meter import LevelMeter


class MissingPieces(ModalScreen[str]):
    """Pieces without an audio file would play as silence: link them, skip them, or go back.

    Dismisses with "link", "skip" or "back".
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "answer('link')", "Link", id="missing.link"),
        Binding("s", "answer('skip')", "Skip", id="missing.skip"),
        Binding("b,escape", "answer('back')", "Back", id="missing.back"),
    ]

    def __init__(self, program: Program, missing: list[int], all_missing: bool) -> None:
        super().__init__()
        self.program = program
        """The chosen program."""
        self.missing = missing
        """Indices of the pieces with no file."""
        self.all_missing = all_missing
        """No piece has a file (skipping is not offered)."""

    def compose(self) -> ComposeResult:
        names = "\n".join(f"  {i + 1} {self.program.pieces[i].title}" for i in self.missing[:6]) + (
            f"\n  … and {len(self.missing) - 6} more" if len(self.missing) > 6 else ""
        )
        with Vertical(classes="dialog", id="missing-dialog"):
            yield Label(
                "These pieces have no audio file, so they would not sound:", classes="dialog-title"
            )
            yield Static(names, id="missing-names")
            hint = (
                "l link them · b back"
                if self.all_missing
                else ("l link them · s start without them · b back")
            )
            yield Label(hint, classes="dialog-hint")

    def action_answer(self, choice: str) -> None:
        """Close with the guide's choice."""
        if choice == "skip" and self.all_missing:
            return
        self.dismiss(choice)


class NewSessionScreen(GimScreen[None]):
    """Set up a session; ctrl+s starts it on the live screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start session", id="new.start"),
        Binding("ctrl+t", "test_tone", "Test tone", id="new.tone"),
        Binding("escape", "app.pop_screen", "Back", id="new.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.programs: list[Program] = []
        """Programs offered."""
        self.mic: sounds.MicCheck | None = None
        """The running microphone check."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Horizontal(id="new-body"):
            with VerticalScroll(classes="form pane", id="new-form"):
                yield Label("Client code", classes="field")
                yield Input(placeholder="e.g. AB12 (never a real name)", id="client", compact=True)
                yield Static("", id="client-history")
                yield Label("Focus or goal", classes="field")
                yield Input(
                    placeholder="what the client wants to work on", id="focus", compact=True
                )
                yield Label("Language (ISO code)", classes="field")
                yield Input(placeholder="en, fr, da, de…", id="language", compact=True)
                yield Static("", id="language-name")
                yield Label("Guide (voice labels the lines)", classes="field")
                yield Select[str]([], prompt="none", id="guide", compact=True)
                yield Label("Program", classes="field")
                yield Select[str]([], prompt="choose a program", id="program", compact=True)
                yield Label("Consent to record", classes="field")
                with RadioSet(id="consent"):
                    # the whole session by default, as `gim session run --consent` has it
                    yield ChoiceButton("the music phase only", id="consent-music")
                    yield ChoiceButton("the whole session", value=True, id="consent-session")
            with Vertical(id="new-side"):
                with Vertical(classes="pane", id="new-program-pane"):
                    yield Label("Pieces", classes="pane-title")
                    yield Static("", id="new-pieces")
                with Vertical(classes="pane", id="new-check-pane"):
                    yield Label("Devices and model", classes="pane-title")
                    yield LevelMeter("mic", id="new-mic")
                    yield Static("Checking the microphone…", id="device-state")
                    yield Static("Checking the transcription model…", id="model-state")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "New session"
        try:
            self.programs = list(self.app.programs.all())
            clients = [c.code for c in self.app.store.clients()]
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            clients = []
        self.query_one("#client", Input).suggester = SuggestFromList(clients, case_sensitive=False)
        select = self.query_one("#program", Select)
        select.set_options((p.title, p.slug) for p in self.programs)
        if self.programs:
            select.value = self.programs[0].slug
        self.query_one("#language", Input).value = self.app.settings.language
        self._offer_guides()
        self.query_one("#client", Input).focus()
        self.check_model()
        self.check_microphone()
        self.set_interval(0.2, self._show_level)

    def on_unmount(self) -> None:
        if self.mic is not None:
            self.mic.stop()

    # -- client and program -------------------------------------------------------------
    @on(Input.Changed, "#client")
    def _client_changed(self, event: Input.Changed) -> None:
        code = event.value.strip()
        history = self.query_one("#client-history", Static)
        if not code:
            history.update("")
            return
        try:
            sessions = self.app.store.list_sessions(code)
            language = self.app.store.client_language(code)
        except GimError:
            sessions, language = [], ""
        if language:  # the client's language from their last session
            self.query_one("#language", Input).value = language
        if not sessions:
            history.update("[dim]A new client.[/]")
            return
        lines = [f"[dim]{len(sessions)} earlier sessions:[/]"]
        for s in sessions[:4]:
            focus = f" — {s.focus}" if s.focus else ""
            lines.append(f"[dim]{s.started_at[:10]} #{s.number or '?'} {s.program}{focus}[/]")
        history.update("\n".join(lines))

    def _offer_guides(self) -> None:
        """The enrolled guides, and the settings' guide (chosen) even when not enrolled."""
        from gim.store.voices import VoiceProfiles

        try:
            enrolled = [p.name for p in VoiceProfiles(self.app.settings.home).all()]
        except GimError as exc:
            self.notify(exc.message, severity="warning", timeout=10)
            enrolled = []
        default = self.app.settings.guide.strip()
        names = {n.casefold(): n for n in enrolled}
        options = [(n, n) for n in enrolled]
        if default and default.casefold() not in names:
            options.insert(0, (f"{default} (no voice enrolled)", default))
        select = self.query_one("#guide", Select)
        select.set_options(options)
        if default:
            select.value = names.get(default.casefold(), default)

    def chosen_guide(self) -> str:
        """The guide chosen ("" for none)."""
        value = self.query_one("#guide", Select).value
        return value if isinstance(value, str) else ""

    @on(Input.Changed, "#language")
    def _language_changed(self, event: Input.Changed) -> None:
        from gim.core.languages import LANGUAGES

        code = event.value.strip().lower()
        name = LANGUAGES.get(code)
        shown = f"[dim]{name}[/]" if name else "[$warning]not a language code Whisper knows[/]"
        self.query_one("#language-name", Static).update(shown if code else "")

    @on(Select.Changed, "#program")
    def _program_changed(self, event: Select.Changed) -> None:
        program = self.chosen_program()
        pieces = self.query_one("#new-pieces", Static)
        if program is None:
            pieces.update("")
            return
        links = link_labels(self.app.programs, program)
        lines = []
        for i, (piece, link) in enumerate(zip(program.pieces, links, strict=True)):
            mark = "" if link in ("linked", "") else f" [$warning]({link})[/]"
            lines.append(f"{i + 1} {piece.title} [dim]{mmss(piece.duration)}[/]{mark}")
        lines.append(f"[dim]{mmss(program.duration)} in all[/]")
        pieces.update("\n".join(lines))

    def chosen_program(self) -> Program | None:
        """The program selected, if any."""
        value = self.query_one("#program", Select).value
        return next((p for p in self.programs if p.slug == value), None)

    # -- checks ---------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="checks", description="model")
    def check_model(self) -> None:
        """Say whether the transcription model is usable offline."""
        from gim.transcribe.models import model_readiness

        text = model_readiness(self.app.settings)
        self.app.call_from_thread(self.query_one("#model-state", Static).update, text)

    @work(thread=True, exit_on_error=False, group="checks", description="microphone")
    def check_microphone(self) -> None:
        """Listen to the microphone until the screen closes."""
        mic = sounds.mic_check(self.app.settings)
        self.mic = mic
        try:
            mic.run()
        except GimError as exc:
            self.mic = None
            self.app.call_from_thread(self.query_one("#device-state", Static).update, exc.message)

    def _show_level(self) -> None:
        if self.mic is None:
            self.query_one(LevelMeter).level = None
            return
        if self.mic.heard:
            self.query_one(LevelMeter).level = max(-60.0, self.mic.level.peak_db)
            self.query_one("#device-state", Static).update(
                "Microphone working. ctrl+t plays a short quiet test tone."
            )

    def action_test_tone(self) -> None:
        """Play the test tone (once the client is ready for a sound)."""
        self.play_tone()

    @work(thread=True, exclusive=True, exit_on_error=False, group="tone", description="tone")
    def play_tone(self) -> None:
        """Play the tone in a thread."""
        try:
            sounds.play_test_tone(self.app.settings)
        except GimError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="warning")

    # -- start ---------------------------------------------------------------------------
    def action_start(self) -> None:
        """Check the client's code (a name asks first) and start the session."""
        typed = self.query_one("#client", Input).value.strip()
        if not typed:
            self.notify("Type the client's code first.", severity="warning")
            self.query_one("#client", Input).focus()
            return
        try:
            self._start_with(client_code(typed))
        except InputError:
            question = (
                f'"{typed}" looks like a name. A client code goes into session ids, folders '
                "and exports, where a name must never be: use it as the code anyway?"
            )

            def insist(yes: bool | None) -> None:
                if yes:
                    self._start_with(canonical_client(typed))
                else:
                    self.query_one("#client", Input).focus()

            self.app.push_screen(Confirm(question), insist)

    def _start_with(self, client: str) -> None:
        """Start for ``client`` (a canonical code), asking about unlinked pieces first."""
        from gim.lockfile import refuse_second_session

        try:
            refuse_second_session(self.app.settings.sessions_dir)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            return
        program = self.chosen_program()
        if program is None:
            self.notify("Choose a program first.", severity="warning")
            return
        links = link_labels(self.app.programs, program)
        missing = [i for i, link in enumerate(links) if link not in ("linked", "")]
        if not missing:
            self._start(program, None, client)
            return

        def chosen(answer: str | None) -> None:
            if answer == "link":
                from gim.ui.screens.programs import ProgramsScreen

                self.app.push_screen(ProgramsScreen(selected=program.slug))
            elif answer == "skip":
                from gim.library.own import played_part

                files = self.app.programs.linked_files(program)
                self._start(*played_part(program, list(files)), client=client)

        all_missing = len(missing) == len(program.pieces)
        self.app.push_screen(MissingPieces(program, missing, all_missing), chosen)

    def _start(self, program: Program, files: list[Any] | None, client: str) -> None:
        """Open the live screen: the session begins in the prelude, no music yet."""
        focus = self.query_one("#focus", Input).value.strip()
        whole = self.query_one("#consent-session", RadioButton).value
        consent = Consent.SESSION if whole else Consent.MUSIC
        from gim.runner.language import session_language, with_language

        asked = self.query_one("#language", Input).value.strip()
        try:
            language = session_language(self.app.store, client, asked, self.app.settings)
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            self.query_one("#language", Input).focus()
            return
        settings = replace(with_language(self.app.settings, language), guide=self.chosen_guide())
        if self.mic is not None:
            self.mic.stop()

        def make_runner(on_event: Any) -> Any:
            from gim.runner import SessionPlan, SessionRunner

            plan = SessionPlan(client, focus, consent, music_start=None, end_with_music=False)
            return SessionRunner(settings, program, plan, on_event=on_event, files=files)

        from gim.ui.screens.live import LiveScreen

        self.app.switch_screen(LiveScreen(make_runner, program, then="end"))

    def summary(self) -> dict[str, Any]:
        """What the form says now (for tests and the palette)."""
        program = self.chosen_program()
        return {
            "client": self.query_one("#client", Input).value.strip(),
            "language": self.query_one("#language", Input).value.strip(),
            "program": program.slug if program is not None else None,
            "guide": self.chosen_guide(),
            "consent": "session"
            if self.query_one("#consent-session", RadioButton).value
            else "music",
        }

"""Guides' voices: the enrolled guides, and a guide enrolled by reading a passage aloud.

The guide types their name, presses ctrl+r and reads the passage at their usual voice,
30-60 s, with the microphone's level beside it; the recording stops by itself at a minute
(or at ctrl+r) and becomes the guide's voice profile (`gim.runner.voices.enrol_recorded`,
kept 0600 in the data home; the recording itself is not kept). The microphone is asked for
through `gim.runner.sounds`, as the new-session check does: the app never touches audio.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from gim.core.clock import mmss
from gim.errors import GimError
from gim.runner import sounds
from gim.ui.base import GimScreen
from gim.ui.widgets.level_meter import LevelMeter

PASSAGE = (
    "The music begins softly, and I settle into the chair. I notice my breathing, slow and "
    "even, and the weight of my hands resting on my knees. Outside, the afternoon light "
    "falls across the floor. Let the sounds come and go. What are you noticing now? Stay "
    "with that for a moment, and let the music hold you. When you are ready, you can tell "
    "me where you are, what you see, and how it feels to be there."
)
"""What the guide reads aloud (a guide's own words, at their usual pace: twice is fine)."""
LEAST = 30.0
"""Seconds of recording the profile asks for at least."""
MOST = 60.0
"""Seconds after which the recording stops by itself."""
READY = "Type your name, then ctrl+r and read the passage aloud, 30-60 s."


class GuidesScreen(GimScreen[None]):
    """The enrolled guides beside the enrolment by recording."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "record", "Record / stop", id="guides.record", priority=True),
        Binding("ctrl+d", "forget", "Forget voice", id="guides.forget", priority=True),
        Binding("escape", "back", "Back", id="guides.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mic: Any = None
        """The microphone, listened to while the screen is open."""
        self.enrolling = False
        """A profile is being made from the recording."""

    def compose(self) -> ComposeResult:
        yield Header(icon="◌")
        with Horizontal(id="guides-body"):
            with Vertical(classes="pane", id="guides-list-pane"):
                yield Label("Enrolled guides", classes="pane-title")
                yield OptionList(id="guides-list")
            with Vertical(classes="pane", id="guides-enrol-pane"):
                yield Label("Enrol a voice by reading aloud", classes="pane-title")
                yield Input(placeholder="the guide's name", id="guide-name", compact=True)
                yield Static(PASSAGE, id="guides-passage")
                yield LevelMeter("mic", id="guides-mic")
                yield Static(READY, id="guides-state")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Guides' voices"
        self.show_guides()
        self.query_one("#guide-name", Input).focus()
        self.listen()
        self.set_interval(0.2, self._tick)

    def on_unmount(self) -> None:
        if self.mic is not None:
            self.mic.stop()

    def show_guides(self) -> None:
        """List the enrolled guides (a profile that cannot be read says so)."""
        from gim.store.voices import VoiceProfiles

        options = self.query_one("#guides-list", OptionList)
        options.clear_options()
        try:
            found = VoiceProfiles(self.app.settings.home).all()
        except GimError as exc:
            self.notify(exc.message, severity="error", timeout=10)
            found = []
        for p in found:
            options.add_option(Option(f"{p.name}  [dim]{p.seconds:.0f} s[/]", id=p.name))
        if not found:
            options.add_option(Option("[dim]none yet[/]", disabled=True))

    # -- the microphone -----------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="guides-mic", description="microphone")
    def listen(self) -> None:
        """Listen to the microphone until the screen closes."""
        mic = sounds.voice_take(self.app.settings)
        self.mic = mic
        try:
            mic.run()
        except GimError as exc:
            self.mic = None
            self.app.call_from_thread(self._say, exc.message)

    def _say(self, text: str) -> None:
        self.query_one("#guides-state", Static).update(text)

    def _tick(self) -> None:
        mic = self.mic
        meter = self.query_one(LevelMeter)
        meter.level = max(-60.0, mic.level.peak_db) if mic is not None and mic.heard else None
        if mic is None or not mic.keeping.is_set():
            return
        seconds = mic.kept_seconds
        if seconds >= MOST:
            self.action_record()
            return
        more = "read on" if seconds < LEAST else "ctrl+r stops"
        self._say(f"● Recording {mmss(seconds)}: {more} (it stops by itself at 1:00).")

    # -- recording and enrolling -----------------------------------------------------------
    def action_record(self) -> None:
        """Start recording, or stop and make the profile (30 s at least)."""
        mic = self.mic
        if mic is None or not mic.heard:
            self.notify("The microphone is not heard: check `gim devices`.", severity="warning")
            return
        if self.enrolling:
            return
        if not mic.keeping.is_set():
            name = self.query_one("#guide-name", Input).value.strip()
            if not name:
                self.notify("Type the guide's name first.", timeout=4)
                return
            mic.take()
            mic.keeping.set()
            self._say("● Recording 0:00: read the passage aloud.")
            return
        mic.keeping.clear()
        seconds = mic.kept_seconds
        audio = mic.take()
        if seconds < LEAST:
            self._say(f"Only {seconds:.0f} s recorded: ctrl+r records again (30-60 s).")
            return
        self.enrolling = True
        self._say("Making the voice profile…")
        self.enrol(self.query_one("#guide-name", Input).value.strip(), audio)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enrol", description="enrol")
    def enrol(self, name: str, audio: Any) -> None:
        """Make and keep the profile from the recording (in a thread: a few seconds)."""
        from gim.runner.voices import enrol_recorded

        try:
            profile = enrol_recorded(self.app.settings.home, name, audio, self.mic_rate())
            text = (
                f"{profile.name} is enrolled: {profile.seconds:.0f} s of speech, kept on this "
                "machine only. The recording itself is not kept."
            )
        except GimError as exc:
            text = exc.message
        self.app.call_from_thread(self._enrolled, text)

    def mic_rate(self) -> int:
        """The rate the microphone records at."""
        return int(self.app.settings.samplerate)

    def _enrolled(self, text: str) -> None:
        self.enrolling = False
        self._say(text)
        self.show_guides()

    def action_forget(self) -> None:
        """Delete the highlighted guide's voice profile, after asking."""
        from gim.ui.dialogs.confirm import Confirm

        options = self.query_one("#guides-list", OptionList)
        if options.highlighted is None:
            self.notify("Choose a guide in the list first.", timeout=4)
            return
        name = options.get_option_at_index(options.highlighted).id
        if not name:
            return

        def answer(yes: bool | None) -> None:
            from gim.store.voices import VoiceProfiles

            if yes and VoiceProfiles(self.app.settings.home).forget(name):
                self._say(f"Deleted {name}'s voice profile.")
                self.show_guides()

        self.app.push_screen(Confirm(f"Delete {name}'s voice profile?"), answer)

    def action_back(self) -> None:
        """Leave (a recording under way is dropped, nothing kept)."""
        self.app.pop_screen()

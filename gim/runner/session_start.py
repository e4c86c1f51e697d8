"""What a live session starts with: its plan, the program's audio files, the sound devices
(or the virtual room) and the microphone channels the settings use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gim.audio.devices import Backend, SoundDevices
from gim.audio.room import VirtualRoom
from gim.config import Settings
from gim.core.program import Program
from gim.core.session import Consent, Phase
from gim.errors import GimError


@dataclass(frozen=True)
class SessionPlan:
    """How one live session is to run (besides the program and the devices).

    The arc: Start opens the microphone and the output (silent) and begins the prelude;
    the music starts (at ``music_start``, or at the guide's key) and the phase moves to
    music; when the last piece ends (or a fade stops it) the phase moves to return and the
    recording goes on. Consent MUSIC records only the music phase (the microphone track
    keeps session time and holds silence outside it); SESSION records from Start to the end.
    """

    client: str
    """The client's code."""
    focus: str = ""
    """The focus the client named in the prelude."""
    consent: Consent = Consent.MUSIC
    """What may be recorded (NONE: the music plays, nothing is recorded)."""
    duration: float | None = None
    """End after this many session seconds, the music quiet by then (None: see
    ``end_with_music``)."""
    transcribe: bool = True
    """Run the live transcription (and owe the final pass) when it is available."""
    phase: Phase | None = None
    """The phase the session starts in (None: music when the music starts at 0, else
    prelude)."""
    music_start: float | None = 0.0
    """The session second the music starts by itself (None: only when the guide starts
    it)."""
    end_with_music: bool = True
    """With no ``duration``, end two seconds after the music ended (the demo, benchmarks);
    False: a guide's session, which goes on in the return phase until the guide ends it."""
    end_fade: float = 0.0
    """With a ``duration``, seconds the music fades over so that it is quiet at the
    duration (less when less is left; 0: it stops there). The session's end is the
    duration either way: nothing is faded after it."""

    @property
    def first_phase(self) -> Phase:
        """The phase the session starts in."""
        if self.phase is not None:
            return self.phase
        return Phase.MUSIC if self.music_start == 0 else Phase.PRELUDE

    @property
    def recording(self) -> bool:
        """Whether anything is recorded."""
        return self.consent is not Consent.NONE

    @property
    def final_pass_owed(self) -> bool:
        """Whether the session owes a final transcription pass when it ends."""
        return self.transcribe and self.recording


def linked_files(settings: Settings, program: Program) -> list[Path | None]:
    """The audio file linked to each piece of ``program`` (None where there is none)."""
    try:
        from gim.library.programs import ProgramLibrary
    except ImportError:
        return [None] * len(program.pieces)
    library = ProgramLibrary(settings)
    return list(library.linked_files(program))


def backend(settings: Settings, room: VirtualRoom | None) -> Backend:
    """The virtual room when there is one, else the real devices the settings name."""
    if room is not None:
        return room
    return SoundDevices(settings.input_device, settings.output_device, settings.latency)


def mic_channels(settings: Settings, backend: Backend) -> int:
    """How many microphone channels to record (the client's, and the guide's if set).

    Raises:
        GimError: when the microphone has fewer channels than the settings use.
    """
    wanted = max(settings.client_channel, settings.guide_channel or 0) + 1
    available = getattr(backend, "max_channels", lambda kind: wanted)("input")
    if wanted > available:
        raise GimError(
            f"The microphone has {available} channel(s) but the settings use channel "
            f"{wanted - 1}: change client_channel/guide_channel in settings.toml."
        )
    return wanted

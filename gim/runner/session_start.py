"""What a live session starts with: the program's audio files, the sound devices (or the
virtual room) and the microphone channels the settings use."""

from __future__ import annotations

from pathlib import Path

from gim.audio.devices import Backend, SoundDevices
from gim.audio.room import VirtualRoom
from gim.config import Settings
from gim.core.program import Program
from gim.errors import GimError


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

"""What the screens play and hear outside a session: a stored session listened through, a
few seconds of a file before linking it, the microphone check and the test tone.

The app never touches audio itself (an import-linter contract forbids `gim.ui` to import
`gim.audio`): it asks here, from its thread workers. Every call blocks until done, stopped
or (`listen`) playing, and every failure is a `GimError` with a sentence for the guide.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gim.errors import GimError

if TYPE_CHECKING:
    from gim.audio.check import MicCheck
    from gim.audio.listen import Listener
    from gim.core.record import SessionRecord


def listen(
    settings: Any, record: SessionRecord, start: float, source: str, speed: float
) -> Listener:
    """Start playing a stored session from ``start`` and return the `Listener` playing it.

    Args:
        settings: The speakers and their latency.
        record: The session.
        start: Session second to start from.
        source: "voice", "music" (aligned with the voice) or "both".
        speed: 0.5-1.5, the pitch kept.
    """
    from gim.audio.devices import parse_device
    from gim.audio.listen import Listener, SessionSound

    sound = SessionSound(Path(settings.sessions_dir) / record.session.id, record)
    if not sound.has(source):
        sound.close()
        wanted = "voice or music" if source == "both" else source
        raise GimError(
            f"This session has no {wanted} recording to play: press v to choose another source."
        )
    listener = Listener(sound, start, source, speed)
    listener.open(parse_device(settings.output_device), settings.latency)
    return listener


def play_excerpt(settings: Any, path: Path, stop: threading.Event) -> None:
    """Play the first seconds of an audio file (before the guide links it to a piece)."""
    from gim.audio.clips import play_excerpt as play

    play(settings, path, stop)


def mic_check(settings: Any) -> MicCheck:
    """A microphone check on the chosen input: `run` it in a thread, read its ``level``."""
    from gim.audio.check import MicCheck

    return MicCheck(settings)


def voice_take(settings: Any) -> MicCheck:
    """The microphone for a guide reading aloud to enrol their voice: `run` it in a thread,
    read its ``level``; set ``keeping`` to record, `take` the audio (``settings.samplerate``)."""
    from gim.audio.check import MicCheck

    return MicCheck(settings, keep=True)


def play_test_tone(settings: Any) -> None:
    """Play the short quiet test tone on the chosen speakers (blocks)."""
    from gim.audio.check import play_test_tone as play

    play(settings)

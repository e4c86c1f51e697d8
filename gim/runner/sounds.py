"""What the screens play and hear outside a session: a moment of a stored session, a few
seconds of a file before linking it, the microphone check and the test tone.

The app never touches audio itself (an import-linter contract forbids `gim.ui` to import
`gim.audio`): it asks here, from its thread workers. Every call blocks until done or
stopped, and every failure is a `GimError` with a sentence for the guide.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gim.audio.check import MicCheck
    from gim.core.record import SessionRecord


def play_moment(
    settings: Any, record: SessionRecord, start: float, source: str, stop: threading.Event
) -> None:
    """Play a stored session from ``start``: "voice", "music" (aligned) or "both".

    Blocks until the clip ends or ``stop`` is set.
    """
    from gim.audio.clips import play_moment as play

    play(settings, record, start, source, stop)


def play_excerpt(settings: Any, path: Path, stop: threading.Event) -> None:
    """Play the first seconds of an audio file (before the guide links it to a piece)."""
    from gim.audio.clips import play_excerpt as play

    play(settings, path, stop)


def mic_check(settings: Any) -> MicCheck:
    """A microphone check on the chosen input: `run` it in a thread, read its ``level``."""
    from gim.audio.check import MicCheck

    return MicCheck(settings)


def play_test_tone(settings: Any) -> None:
    """Play the short quiet test tone on the chosen speakers (blocks)."""
    from gim.audio.check import play_test_tone as play

    play(settings)

"""What a stretch of audio is transcribed as: one request, the same through every pass.

Each pass hears the microphone its own way (the live pass in short utterances, the final
pass with word timing), but every line it writes says who spoke, which pass wrote it and
when in the session it was said. `Hearing` carries that from the pass down to the
decoder, so a function in between cannot swap two of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from gim.core.session import Source, Speaker
from gim.transcribe.engine import DecodeOptions


@dataclass(frozen=True)
class Hearing:
    """How the lines of a stretch of audio are to be heard and written down."""

    speaker: Speaker = Speaker.CLIENT
    """Who the lines are attributed to (the channel's speaker)."""
    source: Source = Source.FINAL
    """The pass that writes them: LIVE or FINAL."""
    offset: float = 0.0
    """Session seconds of frame 0 of the audio given (lines are in session time)."""
    previous: str = ""
    """The line before (the repetition check compares with it)."""
    word_timestamps: bool = True
    """Ask Whisper for word timing (the final pass; the live preview does without)."""
    options: DecodeOptions = field(default_factory=DecodeOptions)
    """How Whisper decodes (fixed language, thresholds)."""

    def after(self, line: str) -> Hearing:
        """The same request, for the stretch after a line that read ``line``."""
        return dataclasses.replace(self, previous=line)

"""Invented text stays out of the reading: Whisper's stock phrases become markers.

On music, silence or a breath Whisper writes what it learnt from subtitled videos
("Thank you.", "Thank you for watching!", subtitle credits) or a lone guess ("You",
"Oh"). Such a line is not what the client said, so it is not a transcript line: it
becomes a "possible speech" marker over the same stretch (`gim.transcribe.utterance`),
which the guide can play and, if it was speech, confirm or type. Markers next to each
other (no line between, at most `MARKER_JOIN` seconds apart) become one, so a stretch
of music gives at most one marker, not ten.

A line the voice detector was sure of and Whisper did not doubt keeps its words even when
they are "Thank you.": a client does say that. Not in the live preview (``live``): its
canceller leaves music in which Silero is sure of a voice and Whisper, undoubting, writes
"Thank you." (a busy session showed one in the music) or "You" (a demo, at 0:01). There a
stock line is always a marker; the rolling and final passes, with the music removed far
better, give the client's "Thank you." its words a minute or two later.
"""

from __future__ import annotations

import dataclasses

from gim.core.checking import POSSIBLE_SPEECH, is_marker
from gim.core.session import Segment
from gim.transcribe.filters import known_phrase, words_of
from gim.transcribe.utterance import MARKER_REASON

STOCK_LINES = frozenset(
    {
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thank",
        "you",
        "oh",
        "bye",
        "the end",
    }
)
"""Whole lines Whisper writes on music or a breath; invented when the line is also
flagged (said with confidence where speech was heard, they are the client's), and always
in the live preview."""
GUESS_REASON = "probably no speech"
"""`gim.transcribe.filters.flag_reason` for a line Whisper itself judged no speech."""
GUESS_WORDS = 3
"""A "probably no speech" line of at most this many words is a guess, not a sentence
(a long line there is more likely a hard voice's words: kept, flagged)."""
MARKER_JOIN = 3.0
"""Seconds: markers closer than this, with no line between, become one."""


def is_invented(segment: Segment, *, live: bool = False) -> bool:
    """Whether ``segment`` is text Whisper invented rather than heard (see module doc);
    ``live``: a line of the live preview, where a stock line is never taken as heard."""
    if is_marker(segment):
        return False
    if known_phrase(segment.text):
        return True
    words = words_of(segment.text)
    if " ".join(words) in STOCK_LINES and (live or segment.flagged):
        return True
    guess = segment.flag_reason.startswith(GUESS_REASON) and len(words) <= GUESS_WORDS
    return segment.flagged and guess


def as_marker(segment: Segment) -> Segment:
    """A "possible speech" marker over ``segment``'s stretch (no words)."""
    return dataclasses.replace(
        segment,
        text=POSSIBLE_SPEECH,
        confidence=0.0,
        flagged=True,
        flag_reason=MARKER_REASON,
        words=[],
        speaker_confidence=None,
    )


def keep_out_invented(segments: list[Segment], *, live: bool = False) -> list[Segment]:
    """``segments`` with invented lines turned into markers and adjacent markers joined.

    Each speaker's lines are joined separately; the result is in time order. ``live``: the
    live preview's lines (`is_invented`).
    """
    out: list[Segment] = []
    last: dict[object, int] = {}
    """Where each speaker's last kept line is in ``out`` (a marker joins only a marker)."""
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        seg = as_marker(seg) if is_invented(seg, live=live) else seg
        k = last.get(seg.speaker, -1)
        before = out[k] if k >= 0 else None
        if (
            before is not None
            and is_marker(seg)
            and is_marker(before)
            and seg.start - before.end <= MARKER_JOIN
        ):
            out[k] = dataclasses.replace(before, end=max(before.end, seg.end))
            continue
        last[seg.speaker] = len(out)
        out.append(seg)
    return out

"""Whose words, live: each live line labelled guide or client as it is written.

Runs in the live pass's child process, on the cleaned audio of the utterance the line came
from (`gim.passes.live_stream.UtteranceStream`). The guide's enrolled profile says at first
which voice is the guide's: a line is the guide's where its windows match the profile by
`gim.passes.speakers.VOICE_MATCH`. As the session goes on, the lines labelled surely
teach the two voices as this room and microphone give them (the final pass does the same
on the whole recording): once both are heard, a line is the guide's where it is nearer
the guide's voice than the client's (by the guide's margin, the client being the default).
Embedding a line's windows costs a few tens of milliseconds next to Whisper's seconds
(bench/live_voices.py); the final pass labels every line again, word by word.
"""

from __future__ import annotations

import numpy as np

from gim.core.session import Segment
from gim.passes.speakers import (
    GUIDE_BIAS,
    VOICE_MATCH,
    Windows,
    label_line,
    line_windows,
)
from gim.transcribe.voice import VoiceEncoder

LEARNED = 4
"""Windows of surely labelled lines each voice needs before the two are compared (until
then, the enrolled profile alone: a voice learned in the room against a profile enrolled
elsewhere favours the learned one)."""
LEARN_FROM = 0.6
"""Confidence of a line's label from which its windows teach that voice."""
ANCHOR = 0.2
"""Weight of the enrolled profile in the guide's voice once the room's is learned."""


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


class LiveVoices:
    """Labels live lines against the guide's profile, learning both voices on the way."""

    def __init__(self, profile: np.ndarray, encoder: VoiceEncoder) -> None:
        """``profile``: the guide's enrolled voice (a unit embedding)."""
        self.profile = _unit(np.asarray(profile, np.float32))
        self.encoder = encoder
        self.sums = {True: np.zeros(256, np.float64), False: np.zeros(256, np.float64)}
        """Sum of the window embeddings of surely labelled lines, guide (True) and client."""
        self.counts = {True: 0, False: 0}

    def voices(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The guide's and the client's voice, and the floor the margin is taken against."""
        if min(self.counts.values()) < LEARNED:  # a voice not heard yet: the profile alone
            return self.profile, np.zeros_like(self.profile), VOICE_MATCH - GUIDE_BIAS
        guide = _unit(ANCHOR * self.profile + (1 - ANCHOR) * _unit(self.sums[True]))
        return guide.astype(np.float32), _unit(self.sums[False]).astype(np.float32), 0.0

    def label(self, lines: list[Segment], clean: np.ndarray, base: float) -> list[Segment]:
        """``lines`` (session seconds) labelled from ``clean`` (16 kHz, its frame 0 at session
        second ``base``); a line too short to embed keeps its label."""
        out: list[Segment] = []
        for line in lines:
            local = Segment(line.start - base, line.end - base, line.text)
            win = line_windows([local], clean, self.encoder)
            if not len(win.emb):
                out.append(line)
                continue
            win = Windows(win.spans + base, win.emb)
            guide, client, floor = self.voices()
            labelled = label_line(line, win, guide, client, floor)
            if len(labelled) == 1:
                self._learn(win, labelled[0])
            out.extend(labelled)
        return out

    def _learn(self, win: Windows, line: Segment) -> None:
        if line.speaker_confidence is None or line.speaker_confidence < LEARN_FROM:
            return
        is_guide = line.speaker.value == "guide"
        self.sums[is_guide] += win.emb.sum(axis=0)
        self.counts[is_guide] += len(win.emb)

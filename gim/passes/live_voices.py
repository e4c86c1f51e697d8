"""Whose words, live: each live line labelled guide or client as it is written.

Runs in the live pass's child process, on the cleaned audio of the utterance the line came
from (`gim.passes.live_stream.UtteranceStream`). The guide's enrolled profile says at first
which voice is the guide's: a line is the guide's where its windows match the profile by
`gim.passes.speakers.VOICE_MATCH`. As the session goes on, the lines labelled surely
teach the two voices as this room and microphone give them (the final pass does the same
on the whole recording): once both are heard, a line is the guide's where it is nearer
the guide's voice than the client's (by the guide's margin, the client being the default).
In the induction only the guide speaks (../shared/DOMAIN.md): the runner says when a span
where the guide speaks alone begins and ends (`guide_alone`), and the lines in it are the
guide's and teach the guide's voice as this room gives it, unless they do not sound like
the voice the induction's earlier lines taught (a client answering "Yes" in the induction:
`LiveVoices.like_the_induction`); a profile enrolled elsewhere
matches the guide's voice through the room and the echo canceller too weakly to teach it
(the LibriSpeech guides of bench/bench_live_voices.py sat around `VOICE_MATCH`, so none of
their lines was ever sure, and the induction's lines taught the client's voice instead).
A line is judged on at most `MOST_WINDOWS` windows of 1 s (20-30 ms of CPU each, next
to Whisper's hundreds for the line: bench/bench_live_voices.py); the final pass labels
every line again, word by word.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gim.core.session import Segment, Speaker
from gim.passes.speakers import (
    GUIDE_BIAS,
    SCALE,
    UNSURE,
    VOICE_MATCH,
    WINDOW,
    Windows,
    label_line,
    unsure,
    window_margins,
)
from gim.transcribe.voice import DIM, RATE, VoiceEncoder

LEARNED = 4
"""Windows of surely labelled lines each voice needs before the two are compared (until
then, the enrolled profile alone: a voice learned in the room against a profile enrolled
elsewhere favours the learned one)."""
MOST_WINDOWS = 4
"""Windows of a line embedded at most (1 s each, spread over the line): a line has one
label live, and four seconds of a voice say whose it is; a long line costs no more."""
LEARN_FROM = 0.6
"""Confidence of a line's label from which its windows teach that voice."""
ALONE_SURE = 0.95
"""Confidence of a line spoken where the guide speaks alone (the induction)."""
ANCHOR = 0.2
"""Weight of the enrolled profile in the guide's voice once the room's is learned."""
SAYS_CLIENT = float(SCALE * np.log(UNSURE / (1 - UNSURE)))
"""Margin (0.051) past which one window says the client's voice as surely as a line's label
must be (`UNSURE`). On the live bench (LJ guide, disfluent client) the client's lines
labelled guide by their mean had windows at -0.30 and -0.057 (0 dB, label 82% sure) and
-0.044 (-5 dB, 58%); the guide's sure lines' worst windows were -0.003 to -0.04: with any
window at or below nought 3 of 14 guide lines became the client's (84% of speech right
instead of 100%)."""


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


class LiveVoices:
    """Labels live lines against the guide's profile, learning both voices on the way."""

    def __init__(self, profile: np.ndarray, encoder: VoiceEncoder) -> None:
        """``profile``: the guide's enrolled voice (a unit embedding)."""
        self.profile = _unit(np.asarray(profile, np.float32))
        self.encoder = encoder
        self.sums = {True: np.zeros(DIM, np.float64), False: np.zeros(DIM, np.float64)}
        """Sum of the window embeddings of surely labelled lines, guide (True) and client."""
        self.counts = {True: 0, False: 0}
        self.alone: list[list[float]] = []
        """Spans (session seconds) where only the guide speaks; the last may be open (inf)."""
        self.taught = np.zeros((0, DIM), np.float32)
        """The windows the guide-alone spans' lines taught as the guide's voice."""

    def guide_alone(self, at: float, alone: bool) -> None:
        """From session second ``at`` the guide speaks alone (the induction began) or not
        any more (it ended)."""
        is_open = bool(self.alone) and self.alone[-1][1] == np.inf
        if alone and not is_open:
            self.alone.append([at, np.inf])
        elif not alone and is_open:
            self.alone[-1][1] = at

    def _alone(self, line: Segment) -> bool:
        mid = (line.start + line.end) / 2
        return any(a <= mid < b for a, b in self.alone)

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
            win = self._windows(line, clean, base)
            if self._alone(line):
                out.append(self._guide_alone(line, win))
                continue
            if not len(win.emb):
                out.append(line)
                continue
            guide, client, floor = self.voices()
            labelled = label_line(line, win, guide, client, floor)
            if len(labelled) == 1:
                self._learn(win, labelled[0])
            margins = window_margins(win, guide, client, floor)
            out.extend(self.judged(labelled, win, margins))
        return out

    def _guide_alone(self, line: Segment, win: Windows) -> Segment:
        """A line where the guide speaks alone: the guide's, and it teaches the guide's voice;
        the client's, flagged "speaker unsure" and teaching nothing, when it does not sound
        like the guide's voice as the span's earlier lines taught it."""
        if len(win.emb) and not self.like_the_induction(win.emb):
            return unsure(line)
        line = replace(line, speaker=Speaker.GUIDE, speaker_confidence=ALONE_SURE)
        if len(win.emb):
            self._learn(win, line)
            self.taught = np.vstack([self.taught, win.emb.astype(np.float32)])
        return line

    def like_the_induction(self, emb: np.ndarray) -> bool:
        """Whether windows ``emb`` (unit embeddings) sound like the guide's voice as the
        guide-alone lines taught it: their mean similarity to it is not below the least
        similar taught window's (each taught window against the others): the guide's own
        spread in this room is the measure, no fixed threshold. Until `LEARNED` windows are
        taught, yes. The guide's voice, not the enrolled profile (0.42-0.65 in a room, the
        client's too), nor the client's (not heard yet at the induction's start). Replayed
        on the live bench's saved lines (18 mixes, 5 pairs held out, 0 and -5 dB) with 4
        client lines each moved into the induction (the 2 shortest, 2 of middling length):
        their seconds labelled guide 100% -> 2.9% (2 of 72 lines); the guide's induction
        lines doubted 4 of 144 (early ones, 4-8 windows taught: the client's, flagged). A
        client line before `LEARNED` windows are taught is still the guide's, and teaches."""
        if len(self.taught) < LEARNED:
            return True
        total = self.taught.sum(axis=0)
        rest = total - self.taught
        own = np.einsum("ij,ij->i", rest, self.taught) / np.linalg.norm(rest, axis=1)
        return float((emb @ _unit(total)).mean()) >= float(own.min())

    def judged(self, labelled: list[Segment], win: Windows, margins: np.ndarray) -> list[Segment]:
        """A line is the guide's only when its windows say so: it becomes the client's,
        flagged "speaker unsure", when one window says the client's voice surely (its margin
        `SAYS_CLIENT` below nought), or when any leans to the client and the line's label is
        unsure itself (under `UNSURE`). ``margins``: each window's guide minus client
        similarity, past the guide's margin. A live line is labelled by its windows' mean and
        has no word times to split at: a line holding both voices is not the guide's."""
        out: list[Segment] = []
        for line in labelled:
            inside = (win.spans[:, 1] > line.start) & (win.spans[:, 0] < line.end)
            worst = float(margins[inside].min()) if inside.any() else 1.0
            sure = (line.speaker_confidence or 0.0) >= UNSURE
            doubted = worst <= -SAYS_CLIENT or (worst <= 0 and not sure)
            out.append(unsure(line) if line.speaker is Speaker.GUIDE and doubted else line)
        return out

    def _windows(self, line: Segment, clean: np.ndarray, base: float) -> Windows:
        """At most `MOST_WINDOWS` of the line's windows, spread evenly, in session seconds."""
        start, end = max(0.0, line.start - base), min(len(clean) / RATE, line.end - base)
        if end - start < 0.3:
            return Windows.none()
        if end - start <= WINDOW:
            spans = [(start, start + max(0.3, np.floor((end - start) * 10) / 10))]
        else:
            n = min(MOST_WINDOWS, int(np.ceil(end - start - WINDOW)) + 1)
            spans = [(a, a + WINDOW) for a in np.linspace(start, end - WINDOW, n)]
        stretches = [clean[int(a * RATE) : int(a * RATE) + round((b - a) * RATE)] for a, b in spans]
        return Windows(np.array(spans) + base, self.encoder.embed_stretches(stretches))

    def _learn(self, win: Windows, line: Segment) -> None:
        if line.speaker_confidence is None or line.speaker_confidence < LEARN_FROM:
            return
        is_guide = line.speaker.value == "guide"
        self.sums[is_guide] += win.emb.sum(axis=0)
        self.counts[is_guide] += len(win.emb)

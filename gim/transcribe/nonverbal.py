"""Laughter written as guides write it: "[laughs]", not "Hahaha."

Guides put nonverbal observations in brackets (../shared/DOMAIN.md: sigh, tears, long
silence, movement). Whisper spells a laugh out ("Hahaha.", "Ha ha ha!", "Hehe"), which
reads as words the client said and, on a hesitant voice, made up most of one utterance's
word errors in bench/bench_transcription.py. A laugh it spells out becomes "[laughs]", in
the text and in the words (one word over the laugh's time); everything else is kept as
Whisper wrote it. "Ha!" alone is an exclamation and stays. Bracketed notes are not the
client's words: the series' themes leave them out (`gim.export.series.phrases`).
"""

from __future__ import annotations

import dataclasses
import re

from gim.core.session import Segment, Word

LAUGHS = "[laughs]"
_SPELT = r"(?:ha){2,}h?|(?:he){2,}h?|(?:ha[-\s,!.]+){1,}ha\b"
"""One word of two or more "ha"/"he" (haha, hahaha, hehe), or "ha" said twice or more
(ha ha, ha, ha, ha-ha)."""
_LAUGH = re.compile(rf"\b(?:{_SPELT})[.!?,]*", re.IGNORECASE)
_HA = re.compile(r"^ha$", re.IGNORECASE)
_AGAIN = re.compile(rf"{re.escape(LAUGHS)}(?:[\s,.!?]*{re.escape(LAUGHS)})+")


def bracketed(text: str) -> str:
    """``text`` with each laugh Whisper spelt out written "[laughs]" (one for a run)."""
    out = _LAUGH.sub(LAUGHS, text)
    return _AGAIN.sub(LAUGHS, out)


def _bare(word: str) -> str:
    return word.strip().strip(".,!?;:\"'")


def _laugh_words(words: list[Word]) -> list[Word]:
    """The words with each spelt-out laugh (one word, or a run of "ha") made one word."""
    out: list[Word] = []
    k = 0
    while k < len(words):
        end = k
        if _LAUGH.fullmatch(_bare(words[k].text)):  # one word: "Hahaha.", "ha-ha"
            end = k + 1
        elif _HA.match(_bare(words[k].text)):
            end = k + 1
            while end < len(words) and _HA.match(_bare(words[end].text)):
                end += 1
            if end - k < 2:
                end = k
        if end == k:
            out.append(words[k])
            k += 1
            continue
        first = out.pop() if out and out[-1].text == LAUGHS else words[k]
        prob = min([first.probability] + [w.probability for w in words[k:end]])
        out.append(Word(first.start, words[end - 1].end, LAUGHS, prob))
        k = end
    return out


def in_brackets(segments: list[Segment]) -> list[Segment]:
    """Each line with the laughs Whisper spelt out written "[laughs]"."""
    out: list[Segment] = []
    for s in segments:
        text = bracketed(s.text)
        if text == s.text:
            out.append(s)
            continue
        out.append(dataclasses.replace(s, text=text, words=_laugh_words(list(s.words))))
    return out

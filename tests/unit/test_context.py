"""Candidates decoded together in context, cut back to the words inside them."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from gim.core.checking import is_marker
from gim.transcribe.context import regions, transcribe_in_context
from gim.transcribe.engine import EngineSegment, EngineWord
from gim.transcribe.hearing import Hearing
from gim.transcribe.recall import Candidate
from gim.transcribe.utterance import HOLE
from gim.transcribe.vad import Stretch
from tests.unit.test_recall import FakeEngine, _music

RATE = 16000


def _c(a: float, b: float, sure: bool = True) -> Candidate:
    return Candidate(Stretch(int(a * RATE), int(b * RATE)), sure)


def test_close_candidates_share_a_region_and_far_ones_do_not() -> None:
    found = [_c(1, 2), _c(3.5, 4), _c(10, 11)]
    got = regions(found, 20 * RATE)
    assert [len(g) for _, g in got] == [2, 1]
    assert got[0][0].start < 1 * RATE and got[0][0].end > 4 * RATE


def test_words_outside_the_candidates_are_dropped_and_times_are_session_time() -> None:
    audio = np.zeros(12 * RATE, np.float32)
    words = [
        EngineWord(0.4, 0.6, " I"),  # times in the region, which starts at 0.7 s
        EngineWord(0.8, 1.1, " see"),
        EngineWord(1.8, 2.1, " la"),  # between the candidates: nothing was heard there
        EngineWord(2.9, 3.2, " water"),
    ]
    seg = EngineSegment(0.4, 3.2, " I see la water", avg_logprob=-0.2, words=words)
    engine = FakeEngine([[seg]])
    found = [_c(1, 2), _c(3.5, 4)]
    lines = transcribe_in_context(
        audio, audio, found, engine, Hearing(offset=100.0), cancelled=False
    )
    assert len(engine.calls) == 1  # one region, one decode
    assert [s.text for s in lines] == ["I see water"]
    base = 1 - 0.3  # the region's padding
    assert lines[0].start == round(100 + base + 0.4, 3)
    assert lines[0].end == round(100 + base + 3.2, 3)
    assert [w.text for w in lines[0].words] == ["I", "see", "water"]


def test_a_candidate_no_word_falls_in_is_decoded_alone_and_becomes_a_marker() -> None:
    audio = np.zeros(12 * RATE, np.float32)
    seg = EngineSegment(
        0.8, 1.2, " hello", avg_logprob=-0.2, words=[EngineWord(0.8, 1.2, " hello")]
    )
    engine = FakeEngine([[seg], [], []])
    lines = transcribe_in_context(
        audio, audio, [_c(1, 2), _c(3.5, 4, sure=False)], engine, Hearing(), cancelled=False
    )
    assert [s.text for s in lines if not is_marker(s)] == ["hello"]
    assert len(lines) == 2 and is_marker(lines[1]) and lines[1].flagged
    assert len(engine.calls) == 3  # the region, then the silent candidate twice


def test_music_only_candidates_never_reach_whisper() -> None:
    music = _music(6.0)
    engine = FakeEngine([[EngineSegment(0.0, 1.0, "la la", words=[EngineWord(0.5, 1, "la")])]])
    lines = transcribe_in_context(
        music, 0.02 * music, [_c(1, 3)], engine, Hearing(), cancelled=True
    )
    assert lines == [] and engine.calls == []


def test_a_region_whisper_loops_on_is_decoded_stretch_by_stretch() -> None:
    audio = np.zeros(12 * RATE, np.float32)
    loop = " I- I- I- I- I- I- I- I- I- I- I- I-"
    words = [EngineWord(0.4 + 0.2 * k, 0.5 + 0.2 * k, " I-") for k in range(12)]
    engine = FakeEngine(
        [
            [EngineSegment(0.4, 2.9, loop, avg_logprob=-0.2, compression_ratio=3.0, words=words)],
            [EngineSegment(0.1, 0.5, " I", avg_logprob=-0.2, words=[EngineWord(0.1, 0.5, " I")])],
            [
                EngineSegment(
                    0.1, 0.5, " see", avg_logprob=-0.2, words=[EngineWord(0.1, 0.5, "see")]
                )
            ],
        ]
    )
    lines = transcribe_in_context(
        audio, audio, [_c(1, 2), _c(3.5, 4)], engine, Hearing(), cancelled=False
    )
    assert [s.text.strip() for s in lines] == ["I", "see"]
    assert len(engine.calls) == 3


def test_a_dot_alone_is_never_a_line() -> None:
    # A music-only loopback session got a flagged line "." (no words): Whisper's output
    # for a recall-only candidate, kept as a line. Without words there is no line: the
    # candidate is decoded alone and, giving nothing, is the "possible speech" marker.
    audio = np.zeros(12 * RATE, np.float32)

    def dot() -> list[EngineSegment]:
        return [EngineSegment(0.0, 1.4, ".", avg_logprob=-4.0, words=[EngineWord(0, 1.4, ".")])]

    engine = FakeEngine([dot(), dot(), dot()])
    lines = transcribe_in_context(
        audio, audio, [_c(1, 2.4, sure=False)], engine, Hearing(), cancelled=False
    )
    assert [s.text for s in lines if not is_marker(s)] == []
    assert len(lines) == 1 and lines[0].flagged


def _said(start: float, end: float, text: str) -> EngineSegment:
    words = [EngineWord(start, end, f" {w}") for w in text.split()]
    return EngineSegment(start, end, f" {text}", avg_logprob=-0.2, words=words)


def test_sentences_skipped_in_the_middle_of_a_candidate_are_decoded_alone_or_marked() -> None:
    # One 12 s candidate (a hoarse voice, heard throughout): in context Whisper writes
    # its first words and skips the rest, a 10 s stretch with no line.
    audio = np.zeros(16 * RATE, np.float32)
    found = [Candidate(Stretch(1 * RATE, 13 * RATE), True, (Stretch(1 * RATE, 13 * RATE),))]
    region = _said(0.4, 1.6, "I see")  # 1.1 to 2.3 s in the session
    alone = _said(0.5, 3.0, "a river")  # the hole decoded alone: words near its start
    engine = FakeEngine([[region], [alone]])
    lines = transcribe_in_context(audio, audio, found, engine, Hearing(), cancelled=False)
    assert len(engine.calls) == 2
    hole_start = 2.3 + 0.2 - 0.2  # after the line and its slack, padded back
    assert engine.calls[1][0] == pytest.approx((13 - hole_start) * RATE, abs=0.02 * RATE)
    texts = [s.text.strip() for s in lines]
    assert texts[:2] == ["I see", "a river"]
    # What even the lone decode left out (5.5 s to 13 s) is a marker, not a hole.
    assert len(lines) == 3 and is_marker(lines[2]) and lines[2].flagged
    assert lines[2].end == pytest.approx(13.0, abs=0.02)
    covered = sorted((s.start - 0.2, s.end + 0.2) for s in lines)
    assert all(c - b < HOLE for (_, b), (c, _) in pairwise(covered))  # no hole left


def test_a_candidate_the_lines_cover_is_not_decoded_again() -> None:
    audio = np.zeros(8 * RATE, np.float32)
    found = [Candidate(Stretch(1 * RATE, 4 * RATE), True, (Stretch(1 * RATE, 4 * RATE),))]
    engine = FakeEngine([[_said(0.3, 3.2, "the sun is warm on my face")]])
    lines = transcribe_in_context(audio, audio, found, engine, Hearing(), cancelled=False)
    assert len(engine.calls) == 1 and [s.text for s in lines] == ["the sun is warm on my face"]

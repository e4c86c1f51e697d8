"""Candidates decoded together in context, cut back to the words inside them."""

from __future__ import annotations

import numpy as np

from gim.transcribe.context import regions, transcribe_in_context
from gim.transcribe.engine import EngineSegment, EngineWord
from gim.transcribe.hearing import Hearing
from gim.transcribe.recall import Candidate
from gim.transcribe.utterance import is_marker
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

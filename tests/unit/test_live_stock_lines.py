"""The live preview keeps Whisper's stock lines out: at most a "possible speech" marker.

Live, Silero is sure of a voice in the music the Speex canceller leaves, and Whisper writes
an undoubted "Thank you." there; the final pass, with the music removed, decides the words.
"""

from __future__ import annotations

import numpy as np
import pytest

from gim.core.checking import POSSIBLE_SPEECH, is_marker
from gim.core.session import Segment, Source, Speaker
from gim.passes import live_stream
from gim.passes.live import LiveConfig
from gim.passes.live_stream import UtteranceStream
from gim.transcribe.engine import SAMPLE_RATE, EngineSegment, EngineWord
from gim.transcribe.invented import is_invented, keep_out_invented
from gim.transcribe.recall import Candidate
from gim.transcribe.vad import Stretch
from tests.unit.test_recall import FakeEngine


def _said(text: str) -> EngineSegment:
    """A line Whisper does not doubt (its scores give no flag)."""
    return EngineSegment(
        0.1, 0.9, f" {text}", avg_logprob=-0.2, words=[EngineWord(0.1, 0.9, f" {text}")]
    )


def test_an_undoubted_stock_line_is_the_clients_in_the_final_pass_but_a_marker_live() -> None:
    said = Segment(3.0, 4.0, "Thank you.", source=Source.LIVE)
    assert not said.flagged
    assert not is_invented(said)  # the final pass keeps a heard "Thank you."
    assert is_invented(said, live=True)
    for text in ("You", "Oh.", "Thank you very much."):
        assert is_invented(Segment(1.0, 1.5, text), live=True), text
    (out,) = keep_out_invented([said], live=True)
    assert is_marker(out) and out.flagged and (out.start, out.end) == (3.0, 4.0)


def test_a_sentence_with_thank_you_in_it_keeps_its_words_live() -> None:
    line = Segment(3.0, 6.0, "Thank you for the music, it was warm.")
    assert keep_out_invented([line], live=True) == [line]


def _live_line(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[Segment, FakeEngine]:
    """The live stream's one line for a sure candidate Whisper, undoubting, reads as ``text``."""
    # One sure candidate in the first second, then a pause: it ends and is decoded.
    sure = Candidate(Stretch(int(0.2 * SAMPLE_RATE), int(0.8 * SAMPLE_RATE)), True)
    monkeypatch.setattr(live_stream, "find_candidates", lambda *a, **k: [sure])
    config = LiveConfig(
        rate=SAMPLE_RATE,
        engine="fake",
        model="fake",
        language="en",
        channels=((0, "client"),),
        cache_dir="",
    )
    engine = FakeEngine([[_said(text)]])
    stream = UtteranceStream(config, 0, Speaker.CLIENT, engine, canceller=None)
    room = (0.01 * np.random.default_rng(0).standard_normal(2 * SAMPLE_RATE)).astype(np.float32)
    (line,) = stream.feed(0, room[:, None], np.zeros(len(room), np.float32))
    return line, engine


@pytest.mark.parametrize(
    ("text", "marker"),
    [("Thank you.", True), ("You", True), ("I see a lake.", False)],
)
def test_the_live_stream_writes_a_marker_for_an_undoubted_stock_line(
    monkeypatch: pytest.MonkeyPatch, text: str, marker: bool
) -> None:
    line, engine = _live_line(monkeypatch, text)
    assert len(engine.calls) == 1  # it was decoded, once, greedily (no fallback: a preview)
    assert engine.calls[0][1] is not None and engine.calls[0][1].temperature == (0.0,)
    assert is_marker(line) is marker
    assert line.text.strip() == (POSSIBLE_SPEECH if marker else text)
    assert (line.start, line.end) == pytest.approx((0.3, 1.0), abs=0.25)


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("My treat, my treat, my treat, my treat, my treat all.", "My treat, my treat…"),
        ("Hahaha. I see a lake.", "[laughs] I see a lake."),
    ],
)
def test_the_live_line_cuts_a_loop_and_brackets_a_laugh(
    monkeypatch: pytest.MonkeyPatch, said: str, shown: str
) -> None:
    line, _ = _live_line(monkeypatch, said)
    assert line.text.strip() == shown

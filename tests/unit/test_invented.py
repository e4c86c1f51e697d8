"""Invented text becomes one collapsed "possible speech" marker, with the real filter."""

from __future__ import annotations

from gim.core.checking import POSSIBLE_SPEECH, is_marker
from gim.core.session import Segment, Speaker, Word
from gim.transcribe.filters import flag_reason
from gim.transcribe.invented import MARKER_JOIN, is_invented, keep_out_invented
from gim.transcribe.utterance import MARKER_REASON


def line(start: float, end: float, text: str, **scores: float) -> Segment:
    """A line flagged as the final pass flags it (`flag_reason` on Whisper's scores)."""
    reason = flag_reason(text, **scores)
    words = [Word(start, end, w) for w in text.split()]
    return Segment(start, end, text, flagged=bool(reason), flag_reason=reason, words=words)


def test_stock_phrases_become_markers_whatever_the_scores() -> None:
    for text in (
        "Thank you for watching!",
        "Thanks for watching",
        "Thank you so much for watching and I'll see you in the next video.",
        "Subtitles by the Amara.org community",
        "Sous-titres réalisés par la communauté d'Amara.org",
    ):
        seg = line(10.0, 12.0, text)
        assert seg.flagged  # the filter knows it
        assert is_invented(seg), text
        (out,) = keep_out_invented([seg])
        assert out.text == POSSIBLE_SPEECH and out.flagged and out.flag_reason == MARKER_REASON
        assert (out.start, out.end, out.words) == (10.0, 12.0, [])


def test_a_flagged_thank_you_is_a_marker_but_a_heard_one_is_the_clients() -> None:
    guessed = line(3.0, 4.0, "Thank you.", avg_logprob=-1.3, no_speech_prob=0.7)
    assert guessed.flag_reason == "probably no speech"
    assert is_invented(guessed)
    for text in ("You", "Oh.", "Thank"):
        assert is_invented(line(5.0, 5.5, text, avg_logprob=-1.2))
    said = line(3.0, 4.0, "Thank you.", avg_logprob=-0.2)
    assert not said.flagged and not is_invented(said)
    assert keep_out_invented([said]) == [said]


def test_a_long_doubtful_line_keeps_its_words_flagged() -> None:
    # A hoarse sentence Whisper doubts is still the client's words: kept, for checking.
    hoarse = line(
        20.0,
        26.0,
        "and then the river turned into a road going up the hill",
        avg_logprob=-1.4,
        no_speech_prob=0.8,
    )
    assert hoarse.flagged and not is_invented(hoarse)
    assert keep_out_invented([hoarse]) == [hoarse]


def test_adjacent_markers_collapse_into_one_and_lines_stay_between() -> None:
    music = [
        line(10.0, 11.0, "Thank you.", avg_logprob=-1.2),
        line(11.5, 12.0, "You", avg_logprob=-1.5),
        line(12.0 + MARKER_JOIN - 0.5, 16.0, "Thank you for watching!"),
    ]
    real = line(30.0, 33.0, "I see a field of flowers", avg_logprob=-0.3)
    later = [line(40.0, 41.0, "Thank you for watching!"), line(42.0, 43.0, "Oh", avg_logprob=-2)]
    out = keep_out_invented([*later, real, *music])  # any order in: time order out
    assert [(s.text, s.start, s.end) for s in out] == [
        (POSSIBLE_SPEECH, 10.0, 16.0),
        ("I see a field of flowers", 30.0, 33.0),
        (POSSIBLE_SPEECH, 40.0, 43.0),
    ]
    assert all(is_marker(s) and s.flagged for s in (out[0], out[2]))


def test_markers_far_apart_or_of_other_speakers_stay_apart() -> None:
    a = line(10.0, 11.0, "Thank you for watching!")
    b = line(11.0 + MARKER_JOIN + 1.0, 20.0, "Thanks for watching")
    guide = line(11.5, 12.0, "Thank you for watching!")
    guide.speaker = Speaker.GUIDE
    out = keep_out_invented([a, b, guide])
    assert [(s.speaker, s.start) for s in out] == [
        (Speaker.CLIENT, 10.0),
        (Speaker.GUIDE, 11.5),
        (Speaker.CLIENT, b.start),
    ]
    assert all(is_marker(s) for s in out)
    assert not is_marker(a)  # the input lines are not changed

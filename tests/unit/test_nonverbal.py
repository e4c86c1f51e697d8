"""A laugh Whisper spells out is written as guides write it: "[laughs]"."""

from __future__ import annotations

import pytest

from gim.core.session import Segment, Word
from gim.export.series import phrases
from gim.transcribe.nonverbal import LAUGHS, bracketed, in_brackets


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("Hahaha.", "[laughs]"),
        ("Hahaha. Much real.", "[laughs] Much real."),
        ("A liner. Hahaha.", "A liner. [laughs]"),
        ("Ha ha ha! I see the sea.", "[laughs] I see the sea."),
        ("Haha, hehe, it tickles.", "[laughs] it tickles."),
        ("ha-ha, that's it", "[laughs] that's it"),
    ],
)
def test_a_spelt_out_laugh_is_bracketed(said: str, written: str) -> None:
    assert bracketed(said) == written


@pytest.mark.parametrize(
    "said",
    ["Ha! There it is.", "He heard the harp.", "Hah.", "The hall has a hat.", "Aha, the sea."],
)
def test_words_that_only_look_like_laughing_stay(said: str) -> None:
    assert bracketed(said) == said


def test_the_laughs_words_become_one_word_over_its_time() -> None:
    words = [
        Word(1.0, 1.2, "Ha", 0.9),
        Word(1.2, 1.4, "ha", 0.5),
        Word(1.4, 1.6, "ha!", 0.8),
        Word(2.0, 2.3, "Much", 0.9),
        Word(2.3, 2.6, "real.", 0.9),
        Word(3.0, 3.5, "Hahaha.", 0.7),
    ]
    line = Segment(start=1.0, end=3.5, text="Ha ha ha! Much real. Hahaha.", words=words)
    (out,) = in_brackets([line])
    assert out.text == "[laughs] Much real. [laughs]"
    assert [(w.start, w.end, w.text) for w in out.words] == [
        (1.0, 1.6, LAUGHS),
        (2.0, 2.3, "Much"),
        (2.3, 2.6, "real."),
        (3.0, 3.5, LAUGHS),
    ]
    assert out.words[0].probability == 0.5
    assert (out.start, out.end) == (1.0, 3.5)


def test_a_line_with_no_laugh_is_the_same_line() -> None:
    line = Segment(start=0.0, end=1.0, text="Stay with that.", words=[Word(0.0, 0.5, "Stay")])
    assert in_brackets([line]) == [line]


def test_a_bracketed_note_is_no_theme() -> None:
    found = phrases("[laughs] The golden door. [laughs] [sigh]")
    assert "laughs" not in found and "sigh" not in found
    assert "golden door" in found


def test_the_words_follow_the_text_for_a_laugh_written_as_one_word() -> None:
    line = Segment(
        0.0, 2.0, "Ha-ha, yes.", words=[Word(0.0, 1.0, "Ha-ha,"), Word(1.0, 2.0, "yes.")]
    )
    (out,) = in_brackets([line])
    assert out.text == "[laughs] yes."
    assert [w.text for w in out.words] == [LAUGHS, "yes."]

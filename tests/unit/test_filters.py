"""Hallucination filters flag suspect lines with a reason."""

from __future__ import annotations

from gim.transcribe.filters import flag_reason, known_phrase, repeated_ngram, words_of


def test_plain_line_is_not_flagged() -> None:
    assert flag_reason("I see a meadow with tall grass, and the light is warm.") == ""


def test_known_phrases_are_flagged() -> None:
    assert "thank you for watching" in flag_reason("Thank you for watching!")
    assert known_phrase("Subtitles by the Amara.org community")
    assert known_phrase("♪ ♪")


def test_repetitions_are_flagged() -> None:
    assert repeated_ngram(words_of("I am going I am going I am going home")) == "i am going"
    assert flag_reason("the the the the the the") != ""
    # ordinary repeats in speech are fine
    assert repeated_ngram(words_of("no, no, no, it is fine")) == ""


def test_line_repeating_previous_is_flagged() -> None:
    assert flag_reason("It is dark.", previous="it is dark") == "repeats the previous line"


def test_statistics_flag_low_confidence_and_no_speech() -> None:
    assert flag_reason("a door", avg_logprob=-1.4, no_speech_prob=0.8) == "probably no speech"
    assert flag_reason("a door", avg_logprob=-1.4) == "low confidence"
    assert flag_reason("a door", compression_ratio=3.0) == "repetitive text"


def test_residual_music_and_no_voice_are_flagged() -> None:
    assert "music" in flag_reason("over the rainbow", residual_db=-16.0)
    assert flag_reason("over the rainbow", residual_db=-6.0) == ""
    assert flag_reason("hello there", speech_overlap=0.0) == "no voice heard there"


def test_a_loop_is_cut_after_its_second_time_round() -> None:
    from gim.transcribe.filters import cut_loop

    looped = "My treat, my treat, my treat, my treat all."
    assert cut_loop(looped) == "My treat, my treat…"
    long = "I see " + "the sea, " * 40 + "and then"
    assert cut_loop(long) == "I see the sea, the sea…"
    assert cut_loop("no, no, no, no, no") == "no, no…"


def test_speech_that_does_not_loop_is_not_cut() -> None:
    from gim.transcribe.filters import cut_loop

    for said in ("No, no, no, it's fine.", "The door, the door opens.", "Stay with that."):
        assert cut_loop(said) == said

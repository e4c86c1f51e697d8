"""How many mel frames the encoder is given for a decode's window."""

from __future__ import annotations

from gim.transcribe.engine import SAMPLE_RATE
from gim.transcribe.faster import FRAMES, _frames


def test_whisper_s_whole_window_by_default() -> None:
    assert _frames(10 * SAMPLE_RATE, 30.0) is None


def test_a_shorter_window_is_at_least_its_length() -> None:
    assert _frames(3 * SAMPLE_RATE, 20.0) == 2000
    assert _frames(10 * SAMPLE_RATE, 20.0) == 2000


def test_longer_audio_keeps_its_length_and_a_second_up_to_whisper_s_window() -> None:
    assert _frames(25 * SAMPLE_RATE, 20.0) == 2600
    assert _frames(29 * SAMPLE_RATE + 1, 20.0) == FRAMES

"""The recall detectors and what a stretch Whisper rejects becomes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gim.audio.files import read_audio, resample
from gim.core.checking import POSSIBLE_SPEECH, is_marker
from gim.transcribe.engine import DecodeOptions, EngineSegment, EngineWord
from gim.transcribe.hearing import Hearing
from gim.transcribe.recall import (
    FRAME,
    energy_activity,
    find_candidates,
    hysteresis,
)
from gim.transcribe.utterance import MARKER_REASON, transcribe_span
from gim.transcribe.vad import Stretch

RATE = 16000


def test_hysteresis_needs_the_start_threshold_somewhere() -> None:
    values = np.array([0.0, 0.2, 0.4, 0.2, 0.0, 0.2, 0.25, 0.0])
    assert hysteresis(values, 0.3, 0.15).tolist() == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def _music(seconds: float, seed: int = 0) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    return (tone + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def test_energy_finds_a_sound_the_player_did_not_make_and_not_the_music() -> None:
    music = _music(12.0)
    voice = np.zeros_like(music)
    rng = np.random.default_rng(1)
    voice[5 * RATE : 6 * RATE] = 0.05 * rng.standard_normal(RATE)  # a whisper-like noise
    mic = music + voice
    clean = (0.03 * music + voice).astype(np.float32)  # cancellation left -30 dB of music
    active = energy_activity(mic, clean)
    frames = np.flatnonzero(active) * FRAME / RATE
    assert len(frames) and frames.min() >= 4.9 and frames.max() <= 6.1
    assert active[int(5.2 * RATE / FRAME) : int(5.8 * RATE / FRAME)].all()


def test_music_alone_has_no_candidate() -> None:
    music = _music(20.0, seed=3)
    clean = (0.03 * music).astype(np.float32)
    assert find_candidates(music, clean, cancelled=True) == []


def test_a_recording_padded_with_silence_gives_no_candidate_at_the_music() -> None:
    # The demo's recording: digital silence before the microphone delivered and after it
    # ended, the room's hiss, then music from 1 s on, removed down to the hiss. The hiss
    # must not stand out against the padding (it did: a flagged line at 0:00 and 5:35).
    rng = np.random.default_rng(7)
    hiss = (1e-3 * rng.standard_normal(40 * RATE)).astype(np.float32)  # about -60 dBFS
    music = np.zeros(40 * RATE, np.float32)
    music[1 * RATE : 36 * RATE] = _music(35.0, seed=5)
    mic = hiss + music
    clean = hiss + (0.01 * music).astype(np.float32)
    for padding in (slice(0, RATE // 2), slice(37 * RATE, 40 * RATE)):
        mic[padding] = clean[padding] = 0.0
    assert not energy_activity(mic, clean).any()
    assert find_candidates(mic, clean, cancelled=True, probs=np.zeros(len(mic) // FRAME)) == []


def test_a_whisper_under_music_is_a_candidate(shared_data: Path) -> None:
    data, rate = read_audio(shared_data / "speech/mfa_disfluent/whisper2.flac")
    whisper = resample(data, rate)
    whisper = whisper / np.sqrt(np.mean(whisper**2)) * 0.05
    music = _music(4.0 + len(whisper) / RATE + 4.0, seed=4)
    voice = np.zeros_like(music)
    voice[4 * RATE : 4 * RATE + len(whisper)] = whisper
    mic = (music + voice).astype(np.float32)
    clean = (0.03 * music + voice).astype(np.float32)
    found = find_candidates(mic, clean, cancelled=True)
    heard = sum(
        max(0, min(c.span.end, 4 * RATE + len(whisper)) - max(c.span.start, 4 * RATE))
        for c in found
    )
    assert heard > 0.5 * len(whisper)
    assert all(c.span.start > 3 * RATE for c in found)


class FakeEngine:
    """Answers from a script: each call pops the next list of segments."""

    name = "fake"

    def __init__(self, answers: list[list[EngineSegment]]) -> None:
        self.answers = answers
        self.calls: list[tuple[int, DecodeOptions | None]] = []

    def transcribe(
        self,
        audio: NDArray[np.float32],
        *,
        word_timestamps: bool = False,
        options: DecodeOptions | None = None,
    ) -> Iterator[EngineSegment]:
        self.calls.append((len(audio), options))
        yield from self.answers.pop(0) if self.answers else []


def _line(start: float, end: float, text: str) -> EngineSegment:
    return EngineSegment(start, end, text, avg_logprob=-0.2, words=[EngineWord(start, end, text)])


def test_nothing_from_whisper_becomes_a_marker_after_a_retry_without_the_skip() -> None:
    audio = np.zeros(5 * RATE, np.float32)
    engine = FakeEngine([[], []])
    lines = transcribe_span(
        audio, audio, Stretch(RATE, 3 * RATE), engine, Hearing(offset=10), cancelled=False
    )
    assert len(engine.calls) == 2
    assert engine.calls[1][1] is not None and engine.calls[1][1].no_speech_threshold is None
    assert len(lines) == 1 and is_marker(lines[0])
    marker = lines[0]
    assert (marker.start, marker.end) == (11.0, 13.0)
    assert marker.text == POSSIBLE_SPEECH and marker.flagged and marker.flag_reason == MARKER_REASON
    assert not marker.words


def test_retry_recovers_words_and_an_unsure_stretch_is_flagged() -> None:
    audio = np.zeros(5 * RATE, np.float32)
    engine = FakeEngine([[], [_line(0.1, 0.9, "I see a door")]])
    lines = transcribe_span(
        audio, audio, Stretch(0, 2 * RATE), engine, Hearing(), cancelled=False, sure=False
    )
    assert [s.text for s in lines] == ["I see a door"]
    assert lines[0].flagged and "unsure" in lines[0].flag_reason


def test_a_heard_run_no_line_covers_is_decoded_alone() -> None:
    audio = np.zeros(10 * RATE, np.float32)
    engine = FakeEngine([[_line(0.2, 1.5, "the water")], [], []])
    voiced = (Stretch(0, int(1.5 * RATE)), Stretch(5 * RATE, 8 * RATE))
    lines = transcribe_span(
        audio, audio, Stretch(0, 9 * RATE), engine, Hearing(), cancelled=False, voiced=voiced
    )
    assert [s.text for s in lines] == ["the water", POSSIBLE_SPEECH]
    assert 4.7 <= lines[1].start <= 5.0 and 8.0 <= lines[1].end <= 8.3
    assert len(engine.calls) == 3  # the whole stretch, then the run alone twice


def test_music_only_is_still_skipped_before_whisper() -> None:
    music = _music(4.0)
    engine = FakeEngine([[_line(0.0, 1.0, "la la la")]])
    lines = transcribe_span(
        music, 0.02 * music, Stretch(0, 3 * RATE), engine, Hearing(), cancelled=True
    )
    assert lines == [] and engine.calls == []

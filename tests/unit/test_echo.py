"""Echo cancellation removes a known reference (real music) and keeps the near-end voice.

The offline canceller (least-squares room fit) must remove the music deeply and leave the
voice almost untouched; the live one (Speex) must remove most of it and stream exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import stft

from gim.audio.echo import EchoCanceller, align_reference, cancel_echo, cancel_echo_adaptive
from gim.audio.files import read_audio, resample

RATE = 16000


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-20))


def _logspec(x: np.ndarray) -> np.ndarray:
    return np.log(np.abs(stft(x, nperseg=400, noverlap=240)[2]) + 1e-4).ravel()


@pytest.fixture(scope="module")
def room(shared_data: Path) -> dict[str, np.ndarray]:
    """Real music through a random room response, a real voice entering at 8 s."""
    rng = np.random.default_rng(1)
    n = RATE * 12
    music = resample(*read_audio(shared_data / "music/goldberg_ishizaka_voiceover.ogg"))
    reference = music[RATE * 5 : RATE * 5 + n]
    h = rng.standard_normal(800) * np.exp(-np.arange(800) / 120.0)
    h[0] = 1.0
    echo = np.convolve(reference, h)[:n] * 0.5
    speech = resample(*read_audio(shared_data / "speech/ljspeech/LJ001-0002.wav"))
    voice = np.zeros(n)
    voice[8 * RATE : 8 * RATE + len(speech)] = speech / np.sqrt(np.mean(speech**2)) * 0.15
    mic = (echo + voice).astype(np.float32)
    return {"reference": reference, "mic": mic, "voice": voice, "speech": voice != 0}


def test_offline_cancels_the_reference_by_25_db(room: dict[str, np.ndarray]) -> None:
    out = cancel_echo(room["mic"], room["reference"], RATE)
    music = slice(1 * RATE, 8 * RATE)  # music only
    assert _db(room["mic"][music]) - _db(out[music]) >= 25.0


def test_offline_leaves_the_near_end_voice_nearly_unchanged(room: dict[str, np.ndarray]) -> None:
    out = cancel_echo(room["mic"], room["reference"], RATE)
    b, voice = room["speech"], room["voice"]
    assert _db(voice[b]) - _db(room["mic"][b]) < -4.0  # the music was louder than the voice
    distortion = _db(voice[b]) - _db(out[b] - voice[b])
    assert distortion >= 20.0  # the voice comes out within 1/10 of its amplitude
    assert abs(_db(out[b]) - _db(voice[b])) < 0.5


def test_offline_follows_a_room_that_changes(room: dict[str, np.ndarray]) -> None:
    """Each window is fitted on its own: a different room response half-way is followed."""
    rng = np.random.default_rng(3)
    reference = np.tile(room["reference"], 4)
    half = len(reference) // 2
    h1, h2 = (rng.standard_normal(600) * np.exp(-np.arange(600) / 90.0) for _ in range(2))
    mic = np.concatenate(
        [np.convolve(reference, h1)[:half], np.convolve(reference, h2)[half : len(reference)]]
    ).astype(np.float32)
    out = cancel_echo(mic, reference, RATE, window=12.0, hop=3.0)
    for part in (slice(2 * RATE, half - 4 * RATE), slice(half + 4 * RATE, len(mic) - RATE)):
        assert _db(mic[part]) - _db(out[part]) >= 20.0


def test_offline_without_music_returns_the_microphone(room: dict[str, np.ndarray]) -> None:
    silent = np.zeros_like(room["reference"])
    np.testing.assert_array_equal(cancel_echo(room["mic"], silent, RATE), room["mic"])


def test_live_cancels_the_reference_by_20_db(room: dict[str, np.ndarray]) -> None:
    out = cancel_echo_adaptive(room["mic"], room["reference"], RATE)
    late = slice(4 * RATE, 8 * RATE)  # music only, after convergence
    assert _db(room["mic"][late]) - _db(out[late]) >= 20.0


def test_live_keeps_the_near_end_voice(room: dict[str, np.ndarray]) -> None:
    out = cancel_echo_adaptive(room["mic"], room["reference"], RATE)
    b, voice = room["speech"], room["voice"]
    assert abs(_db(out[b]) - _db(voice[b])) < 3.0  # after: about the voice's level
    kept = np.corrcoef(_logspec(out[b]), _logspec(voice[b]))[0, 1]
    before = np.corrcoef(_logspec(room["mic"][b]), _logspec(voice[b]))[0, 1]
    assert kept > 0.9 and kept > before + 0.1, (kept, before)


def test_streaming_matches_whole_signal(room: dict[str, np.ndarray]) -> None:
    mic, reference = room["mic"], room["reference"]
    whole = EchoCanceller(rate=RATE, scale=8000.0)
    expected = np.concatenate([whole.process(mic, reference), whole.flush()])
    streaming = EchoCanceller(rate=RATE, scale=8000.0)
    parts = [
        streaming.process(mic[i : i + 999], reference[i : i + 999]) for i in range(0, len(mic), 999)
    ]
    streamed = np.concatenate([*parts, streaming.flush()])
    assert len(streamed) == len(mic)
    np.testing.assert_array_equal(streamed, expected)


def test_raw_input_is_not_modified(room: dict[str, np.ndarray]) -> None:
    before = room["mic"].copy()
    cancel_echo(room["mic"], room["reference"], RATE)
    cancel_echo_adaptive(room["mic"], room["reference"], RATE)
    np.testing.assert_array_equal(room["mic"], before)


def test_align_reference_shifts_later_and_pads() -> None:
    ref = np.arange(1, 11, dtype=np.float32)
    np.testing.assert_array_equal(align_reference(ref, 3.0, 8), [0, 0, 0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(align_reference(ref, -2.0, 4), [3, 4, 5, 6])


def test_offline_follows_clock_drift(shared_data: Path) -> None:
    """The microphone's clock runs 100 ppm fast: the lag grows 1 frame in 10 000; the
    pipeline measures that drift and still removes the music deeply."""
    import soxr

    from gim.audio.drift import measure_drift
    from gim.passes.prepare import prepare

    music = resample(*read_audio(shared_data / "music/goldberg_ishizaka_voiceover.ogg"))
    reference = music[RATE * 5 : RATE * 65]
    rng = np.random.default_rng(4)
    h = rng.standard_normal(800) * np.exp(-np.arange(800) / 120.0)
    lag = 1200  # 75 ms
    heard = np.concatenate([np.zeros(lag), np.convolve(reference, h)[: len(reference) - lag]])
    drifted = soxr.resample(heard.astype(np.float32), RATE, RATE * (1 + 100e-6))
    mic = (drifted[: len(reference)] * 0.3).astype(np.float32)

    found = measure_drift(mic, reference, RATE)
    assert found is not None
    assert abs(found[1] - 100e-6) < 5e-6 and abs(found[0] - lag) < 60
    clean = prepare(mic, reference).clean
    late = slice(10 * RATE, 55 * RATE)
    assert _db(mic[late]) - _db(clean[late]) >= 20.0
    # a single lag for the whole minute cannot do that
    fixed = cancel_echo(mic, align_reference(reference, found[0] - 160, len(mic)), RATE)
    assert _db(mic[late]) - _db(fixed[late]) < 15.0

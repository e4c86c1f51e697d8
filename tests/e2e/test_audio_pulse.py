"""The audio engine on a real PulseAudio server: what is recorded is what was played, and
every microphone moment maps to the right moment of the music.

The null sink's monitor is the microphone, so the recording must contain the played
reference exactly (after the measured lag) and anything a second process plays.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from gim.audio.delay import estimate_delay
from gim.audio.journal import replay
from gim.config import Settings
from gim.core.program import Piece, Program, Provenance
from gim.runner import SessionPlan, SessionRunner
from gim.store.db import Store
from tests.support.headless import null_sink

pytestmark = [pytest.mark.audio, pytest.mark.slow]
RATE = 48000


@pytest.fixture
def own_sink(pulse: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A null sink of this test alone (the server is shared with other test runs), made
    this process's default output and its monitor the default input."""
    with null_sink("gim_audio") as devices:
        for key, value in devices.items():
            monkeypatch.setenv(key, value)
        yield devices["PULSE_SINK"]


def program(pieces: list[tuple[str, float]], gap: float = 1.0) -> Program:
    return Program(
        "test",
        "Test",
        "gim tests",
        Provenance("tests"),
        tuple(Piece("composer", name, seconds) for name, seconds in pieces),
        gap=gap,
    )


def mono(path: Path) -> np.ndarray:
    data = soundfile.read(str(path), dtype="float32", always_2d=True)[0]
    return data.mean(axis=1)


def test_recording_matches_playback_and_maps_to_the_music(
    own_sink: str, home: Path, shared_data: Path
) -> None:
    music = shared_data / "music"
    files: list[Path | None] = [
        music / "goldberg_ishizaka_voiceover.ogg",
        music / "vivaldi-summer-presto-1.mp3",
        music / "tchaikovsky_sugar_plum_fairy_kevin_macleod.hq.ogg",
    ]
    prog = program([("goldberg", 57.0), ("vivaldi", 6.3), ("sugar plum", 119.9)])
    settings = Settings(home=home)
    runner = SessionRunner(
        settings, prog, SessionPlan("e2e", duration=150.0, transcribe=False), files=files
    )
    session_id = runner.start()
    # the guide pauses a moment in the last piece: the mapping must hold across it
    while runner.elapsed < 80:
        time.sleep(0.2)
    runner.pause()
    while runner.elapsed < 84:
        time.sleep(0.2)
    runner.resume()
    runner.wait()
    runner.stop(fade=2.0)
    status = runner.status()
    assert status.xruns == 0, status

    folder = settings.sessions_dir / session_id
    mic, ref = mono(folder / "mic.flac"), mono(folder / "reference.flac")
    points = replay(folder).delays
    assert len(points) >= 20
    # PulseAudio may settle its latency in the first seconds (a step, tracked); after that
    # the lag must not drift
    lags = np.array([lag for frame, lag in points if frame > 30 * RATE])
    assert lags.max() - lags.min() < 0.02 * RATE

    # the recording is the played signal, shifted by the lag
    lag = round(float(np.median(lags)))
    heard, played = (mic[lag:], ref) if lag >= 0 else (mic, ref[-lag:])
    n = min(len(heard), len(played)) - RATE
    corr = np.corrcoef(heard[:n], played[:n])[0, 1]
    assert corr > 0.95

    # mapping: at every 5 s, the moment predicted by the mapping is found by local correlation
    with Store.open(settings.db_path) as store:
        clock = store.clock(session_id)  # the lag points as stored, the log as played
    margin, window, errors = 4800, RATE, []
    for m in range(5 * RATE, len(mic) - 5 * RATE, 5 * RATE):
        out = round(clock.output_frame(m / RATE))
        if clock.music_at(m / RATE) is None or out - margin < 0:
            continue
        # the reference window starts ``margin`` early, so a right mapping finds the
        # microphone ``margin`` frames ahead of it
        est = estimate_delay(
            mic[m : m + window],
            ref[out - margin : out - margin + window],
            RATE,
            max_delay=0.2,
            min_delay=-0.2,
        )
        if est.confidence >= 8:
            errors.append(abs(est.frames + margin) / RATE)
    assert len(errors) >= 18
    assert max(errors) < 0.020, errors

    # the log places the pieces where their audio is: the reference at a piece's start
    # is that piece's file
    pieces = [(e.frame, e.piece) for e in clock.log if e.action == "play"]
    assert [p for _, p in pieces][:3] == [0, 1, 2]
    frame, _ = pieces[2]
    src = soundfile.read(str(files[2]), dtype="float32", always_2d=True)[0].mean(axis=1)
    src = soxr.resample(src[: 44100 * 5], 44100, RATE)
    est = estimate_delay(
        ref[frame : frame + 4 * RATE], src[: 4 * RATE], RATE, max_delay=0.1, min_delay=-0.1
    )
    assert abs(est.frames) < 2 and est.confidence > 8

    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
    assert session.status == "complete"
    assert abs(session.audio_seconds - len(mic) / RATE) < 0.01


def test_a_second_process_playing_speech_is_in_the_recording(
    own_sink: str, home: Path, shared_data: Path
) -> None:
    speech = shared_data / "speech" / "ljspeech" / "LJ001-0001.wav"
    music = shared_data / "music" / "goldberg_ishizaka_voiceover.ogg"
    settings = Settings(home=home)
    runner = SessionRunner(
        settings,
        program([("goldberg", 57.0)]),
        SessionPlan("e2e", duration=18.0, transcribe=False),
        files=[music],
    )
    session_id = runner.start()

    def speak() -> None:
        time.sleep(3.0)
        subprocess.run(["paplay", "--device", own_sink, str(speech)], check=True, timeout=30)

    speaker = threading.Thread(target=speak)
    speaker.start()
    runner.wait()
    speaker.join()
    runner.stop(fade=0.5)
    mic = mono(settings.sessions_dir / session_id / "mic.flac")
    voice = soundfile.read(str(speech), dtype="float32")[0]
    voice = soxr.resample(voice, 22050, RATE)
    padded = np.zeros(len(mic), np.float32)
    padded[: len(voice)] = voice
    est = estimate_delay(mic, padded, RATE, max_delay=12.0, min_delay=0.2)
    assert est.confidence > 10
    # paplay began 3 s after start() returned; the null sink's monitor only runs once
    # something plays, so the microphone's clock started late by up to the player's priming
    assert 0.5 < est.seconds < 9.0

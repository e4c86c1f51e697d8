"""The virtual room, and the runner's faults played out in it: a lost microphone and a
full disk."""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from gim.audio.room import Acoustics, Utterance, VirtualRoom
from gim.audio.writer import ChunkWriter
from gim.config import Settings
from gim.core.program import Piece, Program, Provenance
from gim.runner import SessionPlan, SessionRunner
from gim.runner.events import Finished, GuideWarning, RunnerEvent
from gim.store.db import Store

RATE = 16000


def test_the_microphone_hears_the_speaker_late_and_the_voice_on_time() -> None:
    voice = np.full(100, 0.3, np.float32)
    room = VirtualRoom(
        RATE,
        Acoustics(delay=0.05, level=0.5, reverb=0.0, noise=0.0),
        speed=50,
        blocksize=256,
        voice=[Utterance(1.0, voice)],
    )
    heard: list[np.ndarray] = []
    sent = threading.Event()

    def speaker(out: np.ndarray, frames: int, t: Any, status: Any) -> None:
        out[:] = 0
        if not sent.is_set():
            out[10] = 1.0  # a click at output frame 10
            sent.set()

    def microphone(data: np.ndarray, frames: int, t: Any, status: Any) -> None:
        heard.append(data[:, 0].copy())

    mic_stream = room.input_stream(RATE, 1, 256, microphone, lambda: None)
    out_stream = room.output_stream(RATE, 2, 256, speaker, lambda: None)
    mic_stream.start()
    out_stream.start()
    while room.frame < 2 * RATE:
        time.sleep(0.01)
    room.close()
    mic = np.concatenate(heard)
    click = int(np.argmax(np.abs(mic[: RATE // 2])))
    assert click == out_stream.started - mic_stream.started + 10 + round(0.05 * RATE)
    assert mic[click] == pytest.approx(0.5)
    voice_at = RATE - mic_stream.started  # room second 1.0 in microphone frames
    assert np.allclose(mic[voice_at : voice_at + 100], 0.3)


def short_program(tmp: Path, seconds: float = 12.0) -> tuple[Program, list[Path | None]]:
    rng = np.random.default_rng(0)
    path = tmp / "piece.flac"
    soundfile.write(path, (0.2 * rng.standard_normal(int(seconds * RATE))).astype(np.float32), RATE)
    prog = Program("t", "T", "tests", Provenance("tests"), (Piece("c", "w", seconds),))
    return prog, [path]


def settings(tmp: Path) -> Settings:
    return Settings(home=tmp / "home", samplerate=RATE)


def test_a_lost_microphone_leaves_a_gap_and_recording_resumes(tmp_path: Path) -> None:
    prog, files = short_program(tmp_path)
    room = VirtualRoom(RATE, speed=20, blocksize=256)
    room.unplug(4.0, 6.0)
    events: list[RunnerEvent] = []
    runner = SessionRunner(
        settings(tmp_path),
        prog,
        SessionPlan("c", transcribe=False),
        room=room,
        files=files,
        on_event=events.append,
    )
    session_id = runner.start()
    runner.wait()
    runner.stop(fade=0.0)
    room.close()
    with Store.open(settings(tmp_path).db_path) as store:
        session = store.get_session(session_id)
        log = store.playback_log(session_id)
    ((start, end),) = session.gaps
    assert 3.0 < start < 4.5 and 5.5 < end < 8.0
    assert log.pieces_played() == [0] and any(e.action == "end" for e in log)  # music went on
    mic = soundfile.read(settings(tmp_path).sessions_dir / session_id / "mic.flac")[0]
    assert len(mic) / RATE == pytest.approx(session.audio_seconds)
    assert np.all(mic[int(start * RATE) + 1 : int(end * RATE) - 1] == 0)
    assert np.std(mic[int((end + 0.5) * RATE) : int((end + 2) * RATE)]) > 0.01  # back again
    # nothing before the loss was touched (the music reaches the room 2-3 s in at speed 20)
    assert np.std(mic[: int(start * RATE)]) > 0.01
    assert any(isinstance(e, GuideWarning) and "microphone" in e.text for e in events)
    assert session.status == "complete"


def test_a_full_disk_stops_the_session_with_everything_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prog, files = short_program(tmp_path, 30.0)
    real = ChunkWriter.flush

    def flush(self: ChunkWriter) -> None:
        if self.track == "mic" and self._count >= 12:  # 12 quarter-second chunks
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self)

    monkeypatch.setattr(ChunkWriter, "flush", flush)
    room = VirtualRoom(RATE, speed=20, blocksize=256)
    events: list[RunnerEvent] = []
    runner = SessionRunner(
        settings(tmp_path),
        prog,
        SessionPlan("c", transcribe=False),
        room=room,
        files=files,
        on_event=events.append,
    )
    session_id = runner.start()
    runner.wait()
    runner.stop(fade=0.0)
    room.close()
    warnings = [e.text for e in events if isinstance(e, GuideWarning)]
    assert any("disk" in w for w in warnings)
    assert isinstance(events[-1], Finished)
    with Store.open(settings(tmp_path).db_path) as store:
        session = store.get_session(session_id)
    assert session.status == "complete"
    assert session.audio_seconds == pytest.approx(3.0, abs=0.1)  # the chunks written are kept
    assert runner.elapsed < 20  # stopped early, not at the program's end

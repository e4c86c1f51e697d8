"""Chunked writing: chunks listed only when on disk, gaps kept on the clock, exact joins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from gim.audio.journal import Journal, replay
from gim.audio.writer import ChunkWriter, assemble, finish_audio

RATE = 8000


def signal(n: int, start: int = 0) -> np.ndarray:
    t = np.arange(start, start + n)
    return (0.5 * np.sin(t / 7.0)).astype(np.float32)[:, None]


def test_blocks_become_one_second_chunks_and_join_exactly(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    writer = ChunkWriter(tmp_path, "mic", RATE, 1, journal, chunk_seconds=1.0)
    frame = 0
    for size in [300, 1000, 4096, 7, 5000, 2000, 900]:
        writer.write(frame, signal(size, frame))
        frame += size
    # a crash now: whatever is listed is complete on disk, the rest is < 1 s
    listed = replay(tmp_path).track("mic")
    assert sum(c.frames for c in listed) == writer.frames_written
    assert frame - writer.frames_written < RATE
    writer.flush()
    chunks = replay(tmp_path).track("mic")
    assert sum(c.frames for c in chunks) == frame
    out = tmp_path / "mic.flac"
    assert assemble(tmp_path, chunks, out, RATE, 1) == frame
    data = soundfile.read(out, dtype="float32", always_2d=True)[0]
    assert np.max(np.abs(data - signal(frame))) < 1e-4  # 16-bit, no seam at any join
    assert (out.stat().st_mode & 0o777) == 0o600


def test_a_jump_in_frames_becomes_silence_in_the_joined_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    writer = ChunkWriter(tmp_path, "mic", RATE, 1, journal, chunk_seconds=1.0)
    writer.write(0, signal(3000))
    writer.write(3000 + 5000, signal(2000, 8000))  # the microphone was gone for 5000 frames
    writer.flush()
    chunks = replay(tmp_path).track("mic")
    assert [c.frame for c in chunks] == [0, 8000]
    assert assemble(tmp_path, chunks, tmp_path / "mic.flac", RATE, 1) == 10000
    data = soundfile.read(tmp_path / "mic.flac", dtype="float32")[0]
    assert np.all(data[3000:8000] == 0)
    assert np.max(np.abs(data[8000:] - signal(2000, 8000)[:, 0])) < 1e-4


def test_finish_audio_joins_once_and_survives_repeats(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s", rate=RATE, mic_channels=1, out_channels=1)
    writer = ChunkWriter(tmp_path, "mic", RATE, 1, journal)
    writer.write(0, signal(20000))
    writer.flush()
    assert finish_audio(tmp_path) == 20000 / RATE
    assert not (tmp_path / "mic").exists()  # chunks and their folder are gone
    assert finish_audio(tmp_path) == 20000 / RATE  # a second run changes nothing
    assert len(soundfile.read(tmp_path / "mic.flac")[0]) == 20000

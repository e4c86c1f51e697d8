"""Each track joined as the session records: the same file the end's join makes, closed at
the end; dropped (never in the recording's way) on a full or nearly full disk, and left to
recovery by a killed process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio import joining
from gim.audio.journal import Journal, replay
from gim.audio.writer import ChunkWriter, assemble, finish_audio
from tests.support.full_disk import FullAfter

RATE = 8000


def noise(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.2, 1.2, (n, 1)).astype(np.float32)


def record(folder: Path) -> tuple[Journal, ChunkWriter]:
    """Blocks of odd sizes with a gap and a clipped peak, as the microphone gives them."""
    journal = Journal(folder)
    journal.write("session", id="s", rate=RATE, mic_channels=1, out_channels=2)
    writer = ChunkWriter(folder, "mic", RATE, 1, journal, chunk_seconds=0.25)
    frame = 0
    for n, size in enumerate([300, 1000, 4096, 7, 5000, 2000, 900] * 3):
        if n == 9:
            frame += 12345  # the microphone was gone a while
        writer.write(frame, noise(size, n))
        frame += size
    writer.flush()
    return journal, writer


def test_the_file_joined_as_it_recorded_is_the_end_joins_file(tmp_path: Path) -> None:
    live, joined_at_end = tmp_path / "live", tmp_path / "end"
    live.mkdir()
    joined_at_end.mkdir()
    journal, writer = record(live)
    assert (live / "mic.flac.joining").is_file()  # growing under its temporary name
    assert writer.finish()
    journal.close()
    found = replay(live)
    assert found.assembled == {"mic": "mic.flac"}
    assert found.assembled_chunks == {"mic": len(found.track("mic"))}
    expected = assemble(live, found.track("mic"), joined_at_end / "mic.flac", RATE, 1)
    seconds = finish_audio(live)  # only removes the chunks now
    assert seconds == expected / RATE
    ours = soundfile.read(live / "mic.flac", dtype="int16")[0]
    theirs = soundfile.read(joined_at_end / "mic.flac", dtype="int16")[0]
    assert np.array_equal(ours, theirs)  # sample for sample, the gap's silence included
    assert not (live / "mic").exists() and not (live / "mic.flac.joining").exists()
    assert (live / "mic.flac").stat().st_mode & 0o777 == 0o600


def test_a_killed_session_is_joined_from_its_chunks(tmp_path: Path) -> None:
    journal, _writer = record(tmp_path)  # (kept: a writer that never finishes)
    expected = sum(c.frames for c in replay(tmp_path).track("mic"))
    journal.close()  # killed: the writer never finished; its file is left half made
    assert (tmp_path / "mic.flac.joining").is_file()
    seconds = finish_audio(tmp_path)  # as recovery does
    assert seconds * RATE == expected + 12345
    assert not (tmp_path / "mic.flac.joining").exists()
    assert len(soundfile.read(tmp_path / "mic.flac")[0]) == expected + 12345


def test_a_chunk_after_the_end_leaves_the_join_to_the_chunks(tmp_path: Path) -> None:
    journal, writer = record(tmp_path)
    assert writer.finish()
    writer.write(10**6, noise(3000, 99))  # (written after the file was closed)
    writer.flush()
    journal.close()
    seconds = finish_audio(tmp_path)  # the count says the file misses a chunk: joined again
    assert seconds * RATE == 10**6 + 3000


def test_a_full_disk_drops_the_joined_file_and_never_the_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    real = joining.Sink
    monkeypatch.setattr(joining, "Sink", lambda raw: real(FullAfter(raw, 5000)))
    journal, writer = record(tmp_path)  # no exception: the chunks were written
    assert not (tmp_path / "mic.flac.joining").exists()  # its space given back at once
    assert not writer.finish()
    journal.close()
    chunks = replay(tmp_path).track("mic")
    assert finish_audio(tmp_path) * RATE == chunks[-1].frame + chunks[-1].frames
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_nearly_full_disk_gives_the_space_back_to_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s", rate=RATE, mic_channels=1, out_channels=2)
    writer = ChunkWriter(tmp_path, "mic", RATE, 1, journal, chunk_seconds=0.25)
    writer.write(0, noise(4000, 1))
    assert (tmp_path / "mic.flac.joining").is_file()
    monkeypatch.setattr(joining, "JOIN_MARGIN", 2**62)  # the disk fills up
    writer.write(4000, noise(4000, 2))
    assert not (tmp_path / "mic.flac.joining").exists()
    assert len(list((tmp_path / "mic").iterdir())) == 2  # the recording goes on
    assert not writer.finish()
    journal.close()
    assert finish_audio(tmp_path) == 1.0

"""A session killed after a microphone gap: recovery joins the chunks on the session clock
(silence in the gap) and keeps the gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from gim.audio.journal import Journal
from gim.audio.writer import ChunkWriter
from gim.config import Settings
from gim.core.session import Session, Status
from gim.runner.final_mark import final_pass_state
from gim.runner.recovery import recover_interrupted
from gim.store.db import Store

RATE = 16000


def test_a_gap_survives_a_kill(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    store = Store.open(settings.db_path)
    session = store.create_session(
        Session(id="", client="K2", program="demo", started_at="2026-11-24T10:00:00")
    )
    folder = settings.sessions_dir / session.id
    folder.mkdir(parents=True)
    journal = Journal(folder)
    journal.write("session", id=session.id, rate=RATE, mic_channels=1, out_channels=2)
    mic = ChunkWriter(folder, "mic", RATE, 1, journal, chunk_seconds=0.25)
    tone = np.full((256, 1), 0.25, np.float32)
    for frame in range(0, 2 * RATE, 256):
        mic.write(frame, tone)
    journal.write("gap", start=2.0, end=12.0)
    for frame in range(12 * RATE, 13 * RATE, 256):
        mic.write(frame, tone)
    journal.close()  # killed here: the last quarter second was never flushed

    assert recover_interrupted(settings, store) == [session.id]
    again = store.get_session(session.id)
    assert again.status is Status.RECOVERED
    assert again.gaps == [(2.0, 12.0)]
    audio = soundfile.read(str(folder / "mic.flac"), dtype="float32")[0]
    assert len(audio) / RATE == again.audio_seconds
    assert 12.75 <= again.audio_seconds <= 13.0  # on the session clock, at most 0.25 s lost
    assert np.all(audio[2 * RATE : 12 * RATE] == 0)
    assert np.allclose(audio[12 * RATE : 12 * RATE + 4000], 0.25, atol=1e-3)
    store.close()


def test_a_recovered_session_that_was_transcribed_owes_its_final_pass(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    store = Store.open(settings.db_path)
    ids = []
    for transcribe in (True, False):
        session = store.create_session(
            Session(id="", client="K3", program="demo", started_at="2026-11-24T10:00:00")
        )
        folder = settings.sessions_dir / session.id
        folder.mkdir(parents=True)
        journal = Journal(folder)
        journal.write("session", id=session.id, rate=RATE, mic_channels=1, transcribe=transcribe)
        mic = ChunkWriter(folder, "mic", RATE, 1, journal, chunk_seconds=0.25)
        for frame in range(0, RATE, 256):
            mic.write(frame, np.full((256, 1), 0.25, np.float32))
        journal.close()
        ids.append(session.id)

    assert sorted(recover_interrupted(settings, store)) == sorted(ids)
    owed, not_owed = (settings.sessions_dir / i for i in ids)
    assert final_pass_state(owed) == "not finished"  # the live lines are all it has
    assert final_pass_state(not_owed) is None  # recorded without transcription: none owed
    store.close()

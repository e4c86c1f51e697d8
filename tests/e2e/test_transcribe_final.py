"""The final pass over a stored session: whole recording, words, pieces, edits kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from gim.config import Settings, ensure_private_dir
from gim.core.playback import Action, PlaybackEvent
from gim.core.session import Segment, Session, Source
from gim.runner.final_pass import PassStopped, final_pass
from gim.store.db import Store
from tests.support import roommix

RATE = 48000


@pytest.mark.whisper
@pytest.mark.slow
def test_final_pass_replaces_preview_and_keeps_edits(shared_data: Path, home: Path) -> None:
    import soundfile as sf

    room = roommix.build_room_mix(
        shared_data, roommix.speech_files(shared_data, 3, seed=21), 0.0, rate=RATE, seed=21
    )
    settings = Settings(home=home)
    ensure_private_dir(home)
    store = Store.open(settings.db_path)
    session = store.create_session(
        Session(id="", client="AB12", program="demo", started_at="2026-01-05T10:00:00")
    )
    sid = session.id
    folder = ensure_private_dir(settings.sessions_dir / sid)
    sf.write(str(folder / "mic.flac"), room.mic, RATE)
    sf.write(str(folder / "reference.flac"), room.reference, RATE)
    store.add_playback_events(sid, [PlaybackEvent(0, Action.PLAY, piece=0, offset=0)])
    store.update_session(sid, delay_frames=room.delay * RATE)
    u0, u1 = room.utterances[0], room.utterances[1]
    store.add_segment(sid, Segment(u0.start, u0.end, "preview words", source=Source.LIVE))
    edited = store.add_segment(sid, Segment(u1.start, u1.end, "what the guide typed"))
    store.edit_segment(edited, "what the guide typed")

    # stopped after the first speech stretch: nothing changes
    before = [(s.text, s.source) for s in store.segments(sid)]
    asked: list[int] = []

    def stop_after_first() -> bool:
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(PassStopped):
        final_pass(store, sid, settings, stop=stop_after_first)
    assert len(asked) == 2
    assert [(s.text, s.source) for s in store.segments(sid)] == before

    fractions: list[float] = []
    lines = final_pass(store, sid, settings, progress=fractions.append)

    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    texts = [s.text for s in lines]
    assert "what the guide typed" in texts and "preview words" not in texts
    finals = [s for s in lines if s.source is Source.FINAL]
    assert finals and all(s.words for s in finals)
    assert any(s.start < u0.end and s.end > u0.start for s in finals)
    for s in finals:
        assert s.piece == 0
        assert abs(s.piece_offset - (s.start - room.delay)) < 0.01
    store.close()

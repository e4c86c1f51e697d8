"""The session arc in the virtual room: prelude, music when asked, return after the last
piece with the recording going on, and consent honoured exactly."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from gim.audio.room import Acoustics, Utterance, VirtualRoom
from gim.config import Settings
from gim.core.playback import Action
from gim.core.program import Piece, Program, Provenance
from gim.core.session import AnnotationKind, Consent, Phase, Segment, Speaker
from gim.runner import SessionPlan, SessionRunner
from gim.store.db import Store

RATE = 16000


def one_piece(tmp: Path, seconds: float = 4.0) -> tuple[Program, list[Path | None]]:
    rng = np.random.default_rng(3)
    path = tmp / "piece.flac"
    soundfile.write(path, (0.2 * rng.standard_normal(int(seconds * RATE))).astype(np.float32), RATE)
    prog = Program("t", "T", "tests", Provenance("tests"), (Piece("c", "w", seconds),))
    return prog, [path]


def arc_room() -> VirtualRoom:
    """The room at 10x, a second of "speech" in the prelude and in the return."""
    voice = np.full(RATE, 0.3, np.float32)
    return VirtualRoom(
        RATE,
        Acoustics(noise=0.0),
        speed=10,
        blocksize=256,
        voice=[Utterance(1.0, voice), Utterance(10.0, voice)],
    )


def run(
    tmp: Path, consent: Consent, room: VirtualRoom | None = None
) -> tuple[Settings, str, SessionRunner]:
    """The arc: 14 s, the 4 s piece from 3 s (in ``room``, default `arc_room`)."""
    prog, files = one_piece(tmp)
    room = room or arc_room()
    settings = Settings(home=tmp / "home", samplerate=RATE)
    runner = SessionRunner(
        settings,
        prog,
        SessionPlan(
            "c",
            consent=consent,
            transcribe=False,
            duration=14.0,
            music_start=3.0,
            end_with_music=False,
        ),
        room=room,
        files=files,
    )
    session_id = runner.start()
    runner.wait()
    runner.stop(fade=0.0)
    room.close()
    return settings, session_id, runner


@pytest.mark.parametrize("consent", [Consent.SESSION, Consent.MUSIC])
def test_the_arc_runs_prelude_music_return_and_records_as_consented(
    tmp_path: Path, consent: Consent
) -> None:
    settings, session_id, _ = run(tmp_path, consent)
    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
        log = store.playback_log(session_id)
    phases = [(c.phase, c.time) for c in session.phases]
    assert [p for p, _ in phases] == [Phase.PRELUDE, Phase.MUSIC, Phase.RETURN]
    play = next(e for e in log if e.action is Action.PLAY)
    assert phases[0][1] < 0.5 and 2.95 < phases[1][1] < 5.0  # 10x: a thread's wake-up lags
    assert phases[1][1] <= play.frame / RATE < phases[1][1] + 2.5  # logged when it started
    # The piece is over: the return phase is timed on the microphone's clock, the play on
    # the output's, which leads it by up to a block or two (0.1 s).
    assert play.frame / RATE + 3.9 <= phases[2][1] < play.frame / RATE + 5.5
    assert any(e.action is Action.END for e in log)
    assert 14.0 <= session.audio_seconds < 20.0  # the session went on (10x: stop lags)
    mic = soundfile.read(settings.sessions_dir / session_id / "mic.flac")[0]
    prelude = mic[int(1.2 * RATE) : int(1.8 * RATE)]
    after = mic[int(10.2 * RATE) : int(10.8 * RATE)]
    music = mic[int(4.5 * RATE) : int(6.0 * RATE)]
    assert np.std(music) > 0.01
    if consent is Consent.SESSION:
        assert np.abs(prelude).max() > 0.1 and np.abs(after).max() > 0.1
    else:  # music only: silence outside the music phase, session time kept
        assert not prelude.any() and not after.any()


def test_fade_stops_the_music_but_never_the_session(tmp_path: Path) -> None:
    prog, files = one_piece(tmp_path, 30.0)
    room = VirtualRoom(RATE, speed=10, blocksize=256)
    settings = Settings(home=tmp_path / "home", samplerate=RATE)
    runner = SessionRunner(
        settings,
        prog,
        SessionPlan(
            "c", consent=Consent.SESSION, transcribe=False, music_start=None, end_with_music=False
        ),
        room=room,
        files=files,
    )
    session_id = runner.start()
    try:
        runner.wait_for(0.3)
        assert runner.phase is Phase.PRELUDE and runner.status().piece is None
        runner.start_music()
        runner.wait_for(0.4)
        line = Segment(1.5, 2.5, "a red door", speaker=Speaker.CLIENT)
        runner._keeping.segment(line)  # as the live transcriber hands it over
        runner.mark(AnnotationKind.TAG, "", ("visual",), line)
        runner.fade_out(1.0)
        # the fade's end moves the phase to return: waited for, not a fixed time (at 10x a
        # thread's wake-up on a busy machine is seconds of room time); the 30 s piece
        # would end by itself after 3 s of wall time, so the log below tells which it was
        deadline = time.monotonic() + 60.0
        while runner.phase is not Phase.RETURN and time.monotonic() < deadline:
            assert not runner.done()
            time.sleep(0.02)
        assert not runner.done()
        assert runner.phase is Phase.RETURN
        runner.set_phase(Phase.POSTLUDE)
        runner.wait_for(0.3)
        assert not runner.done()
    finally:
        runner.stop(fade=0.0)
        room.close()
    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
        (tag,) = store.annotations(session_id)
        actions = [e.action for e in store.playback_log(session_id)]
    assert tag.segment_id == line.id and tag.time == 1.5 and tag.tags == ["visual"]
    # the fade stopped the music: it did not play to its end
    assert actions.index(Action.FADE) < actions.index(Action.STOP)
    assert Action.END not in actions
    assert [c.phase for c in session.phases] == [
        Phase.PRELUDE,
        Phase.MUSIC,
        Phase.RETURN,
        Phase.POSTLUDE,
    ]

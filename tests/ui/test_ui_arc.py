"""The whole arc in the app with the real runner in the virtual room: prelude, induction,
music on the guide's key, return when the piece ends, postlude, end with confirmation;
with whole-session consent the return and postlude are recorded and transcribed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import soxr

from gim.audio.room import Utterance, VirtualRoom
from gim.config import Settings
from gim.core.program import Piece, Program, Provenance
from gim.core.session import Consent, Phase
from gim.runner import SessionPlan, SessionRunner
from gim.store.db import Store
from gim.ui.screens.end import EndScreen
from gim.ui.screens.live import LiveScreen
from gim.ui.widgets.phase_bar import PhaseBar

RETURN_SPEECH = "speech/ljspeech/LJ001-0001.wav"  # "Printing, in the only sense ..."
POSTLUDE_SPEECH = "speech/ljspeech/LJ001-0003.wav"  # "For although the Chinese took ..."


def voice(path: Path, rate: int, at: float) -> Utterance:
    data, file_rate = soundfile.read(str(path), dtype="float32")
    clip = soxr.resample(data, file_rate, rate) if file_rate != rate else data
    return Utterance(at, np.asarray(clip, dtype=np.float32) * 0.8)


async def until(pilot: Any, test: Any, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if test():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


@pytest.mark.whisper
@pytest.mark.slow
async def test_the_guide_walks_the_whole_arc_and_return_and_postlude_are_kept(
    make_app: Any, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    rate = settings.samplerate
    piece = tmp_path / "piece.flac"
    rng = np.random.default_rng(5)
    soundfile.write(piece, (0.05 * rng.standard_normal(6 * rate)).astype(np.float32), rate)
    program = Program("arc", "Arc", "tests", Provenance("tests"), (Piece("c", "w", 6.0),))
    room = VirtualRoom(
        rate,
        speed=3,
        voice=[
            voice(shared_data / RETURN_SPEECH, rate, 16.0),
            voice(shared_data / POSTLUDE_SPEECH, rate, 30.0),
        ],
    )
    runners: list[SessionRunner] = []

    def make_runner(on_event: Any) -> SessionRunner:
        runners.append(
            SessionRunner(
                settings,
                program,
                SessionPlan(
                    "AR1",
                    consent=Consent.SESSION,
                    transcribe=False,
                    music_start=None,
                    end_with_music=False,
                ),
                room=room,
                files=[piece],
                on_event=on_event,
            )
        )
        return runners[-1]

    app = make_app(lambda app: LiveScreen(make_runner, program))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.session_id is not None)
        runner = runners[0]
        bar = screen.query_one(PhaseBar)
        assert bar.phase is Phase.PRELUDE and not runner.music_started
        assert "s start music" in str(screen.query_one("#live-keys").render())
        await pilot.press("full_stop")  # induction
        await until(pilot, lambda: runner.elapsed >= 2.0)
        assert runner.status().piece is None  # no music in the induction
        await pilot.press("s")
        await until(pilot, lambda: runner.phase is Phase.RETURN)  # the piece ended
        await pilot.pause(0.2)
        assert bar.phase is Phase.RETURN and not runner.done()
        await until(pilot, lambda: runner.elapsed >= 27.0)
        await pilot.press("full_stop")  # postlude
        await until(pilot, lambda: runner.elapsed >= 44.0)
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert not runner.done()  # only the guide's yes ends it
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, EndScreen), 60)
        await until(pilot, lambda: app.screen.final_done, 600)
        session_id = screen.session_id
    with Store.open(settings.db_path) as store:
        session = store.get_session(session_id)
        segments = store.segments(session_id)
    starts = {c.phase: c.time for c in session.phases}
    assert list(starts) == [
        Phase.PRELUDE,
        Phase.INDUCTION,
        Phase.MUSIC,
        Phase.RETURN,
        Phase.POSTLUDE,
    ]
    assert session.audio_seconds >= 44.0
    assert 6.0 <= starts[Phase.RETURN] - starts[Phase.MUSIC] < 7.5  # the 6 s piece played
    assert starts[Phase.RETURN] < 16.0 and starts[Phase.POSTLUDE] < 30.0
    back = " ".join(
        s.text.lower() for s in segments if starts[Phase.RETURN] <= s.start < starts[Phase.POSTLUDE]
    )
    after = " ".join(s.text.lower() for s in segments if s.start >= starts[Phase.POSTLUDE])
    assert re.search(r"printing|arts and crafts", back), back
    assert re.search(r"chinese|wood|relief", after), after
    assert all(s.piece is None for s in segments if s.start >= starts[Phase.RETURN] + 1.0)

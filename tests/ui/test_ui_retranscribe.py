"""Transcribe again from review: the real Whisper model on a real recording, edits kept; a
final pass owed (killed, or never begun) is offered with R, and finishing it clears it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import soundfile

from gim.core.layout import ClientLine
from gim.core.session import Source
from gim.runner.final_mark import final_pass_state, let_go, owe_final_pass
from gim.store.db import Store
from gim.ui.dialogs.confirm import Confirm
from gim.ui.screens.review import ReviewScreen
from gim.ui.widgets.session_tasks import SessionTasks
from gim.ui.widgets.transcript import TranscriptView


@pytest.mark.whisper
@pytest.mark.slow
async def test_transcribe_again_replaces_lines_and_keeps_the_guides_edit(
    make_app: Any, session_id: str, store: Store, settings: Any, shared_data: Path
) -> None:
    speech = shared_data / "speech" / "ljspeech" / "LJ001-0001.wav"
    audio, rate = soundfile.read(speech, dtype="float32")
    folder = settings.sessions_dir / session_id
    folder.mkdir(parents=True)
    soundfile.write(folder / "mic.flac", audio, rate)
    owe_final_pass(folder, hold=False)  # the session's final pass never ran
    before = {s.id: s.text for s in store.segments(session_id)}
    app = make_app(lambda app: ReviewScreen(session_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f", "e")  # the flagged line, corrected by the guide
        await pilot.pause()
        await pilot.press("ctrl+u", *"The sun rises over the hills", "enter")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert not screen.query_one(SessionTasks).retranscribing
        shown = [
            b.text for b in screen.query_one(TranscriptView).blocks if isinstance(b, ClientLine)
        ]
    lines = store.segments(session_id)
    finals = [s for s in lines if s.source is Source.FINAL]
    assert finals and "printing" in " ".join(s.text.lower() for s in finals)
    edited = [s for s in lines if s.source is Source.EDITED]
    assert "The sun rises over the hills" in [s.text for s in edited]
    assert "I see a garden" not in [s.text for s in lines]  # a live line was replaced
    assert "I see a garden" in before.values()
    assert "The sun rises over the hills" in shown  # the screen reloaded
    assert any("printing" in t.lower() for t in shown)
    assert final_pass_state(folder) is None  # finished: the mark is gone


@pytest.mark.parametrize("held", [False, True])
async def test_review_offers_r_only_for_a_final_pass_no_live_process_runs(
    make_app: Any,
    session_id: str,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    held: bool,
) -> None:
    folder = settings.sessions_dir / session_id
    folder.mkdir(parents=True)
    owe_final_pass(folder, hold=held)  # held: a live process runs it (here, this one)
    notes: list[str] = []
    app = make_app(lambda app: ReviewScreen(session_id))
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
    finally:
        let_go(folder)
    offered = [n for n in notes if "final pass: not finished. Press R to finish it" in n]
    assert len(offered) == (0 if held else 1), notes

"""The terminal app in a real terminal (tmux): `gim demo` to the review screen, `gim review`.

The screen is read back with ``tmux capture-pane -p``, as a guide would read it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gim.core.program_parse import program_to_dict
from gim.store.db import Store
from tests.support.sample import sample_program, sample_record
from tests.support.terminal import GIM_BIN, Terminal, require_tmux

pytestmark = pytest.mark.tui


def seed_home(home: Path) -> str:
    """A data home with the sample session stored through the Store API."""
    home.mkdir(parents=True, mode=0o700)
    record = sample_record("AB12")
    session = record.session
    session.program_snapshot = program_to_dict(sample_program())
    with Store.open(home / "gim.db") as store:
        store.create_session(session)
        store.add_playback_events(session.id, record.playback.events)
        for segment in record.segments:
            segment.id = None
            store.add_segment(session.id, segment)
        for note in record.annotations:
            note.segment_id = None
            store.add_annotation(session.id, note)
    return session.id


@pytest.fixture
def terminal_env(home: Path) -> dict[str, str]:
    require_tmux()
    return {"GIM_HOME": str(home), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color"}


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def test_gim_review_shows_the_transcript_and_flags(
    home: Path, terminal_env: dict[str, str], terminals: list[Terminal]
) -> None:
    session_id = seed_home(home)
    gim = GIM_BIN
    term = Terminal(f"gim-review-{session_id}", [gim, "review", session_id], terminal_env)
    terminals.append(term)
    # tmux may capture a frame half drawn: wait for each thing rather than one capture
    for text in (
        "I see a garden",
        "Bach, Air on the G String",
        "G: What do you notice?",
        "[sighs]",
        "1 to check",
    ):
        term.wait_for(text)
    term.press("f")
    shown = term.wait_for("To check:")
    assert "Grieg, Peer Gynt" in shown  # the flagged line's piece, beside the transcript
    term.wait_for("a Confirm")  # the footer offers it on a line to check
    term.press("a")  # the guide heard it: the words are right
    term.wait_for("Checked: now an ordinary line")
    shown = term.wait_gone("to check")
    assert "Transcript · 5 lines" in shown and "To check:" not in shown, shown
    with Store.open(home / "gim.db") as store:
        sun = next(s for s in store.segments(session_id) if s.text.startswith("The sun"))
    assert not sun.flagged and sun.source.value == "edited"
    term.press("C-q")


def test_export_from_review_and_the_clients_series(
    home: Path, terminal_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    session_id = seed_home(home)
    guide = tmp_path / "guide"
    guide.mkdir()  # the guide's home folder exists; gim makes gim-exports in it
    gim = GIM_BIN
    term = Terminal(
        f"gim-export-{session_id}",
        [gim, "review", session_id],
        {**terminal_env, "HOME": str(guide)},
    )
    terminals.append(term)
    term.wait_for("I see a garden")
    term.press("x")
    term.wait_for("Export this session")
    term.press("Tab", "Space", "C-s")  # de-identified Markdown to ~/gim-exports
    shown = term.wait_for("Exported")
    assert "~/gim-exports" in shown and "session-deidentified.md" in shown, shown
    text = (guide / "gim-exports" / "session-deidentified.md").read_text(encoding="utf-8")
    assert "I see a garden" in text and "AB12" not in text
    term.press("Escape")  # review was the first screen: home
    term.wait_for("Recent sessions")
    term.press("s")  # the highlighted session's client
    shown = term.wait_for("Sessions with AB12 · 1 session")  # the titles show before the data
    assert "Recurring images" in shown and "Sample Program" in shown
    term.press("C-q")


def test_gim_review_unknown_session_is_one_line(home: Path) -> None:
    seed_home(home)
    result = subprocess.run(
        [GIM_BIN, "--home", str(home), "review", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("gim: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


DEMO_WORDS = ("forest", "golden", "shoulders", "stream", "water", "bird", "lighter", "flowers")
"""Words of the demo voice's narration (gim/data/demo_voice.json) a listener would catch."""


@pytest.mark.slow
@pytest.mark.whisper
def test_gim_demo_runs_live_then_shows_the_review(
    home: Path, terminal_env: dict[str, str], terminals: list[Terminal]
) -> None:
    gim = GIM_BIN
    term = Terminal("gim-demo-e2e", [gim, "demo"], terminal_env)
    terminals.append(term)
    live = term.wait_for("recording", seconds=120)
    assert "Live transcript" in live and "music" in live
    shown = term.wait_for("Transcript ·", seconds=300)  # the review screen after the music
    assert "♪ J. S. Bach" in shown
    heard = [word for word in DEMO_WORDS if word in shown.lower()]
    assert len(heard) >= 4, f"only {heard} of the narration on the review screen:\n{shown}"
    term.press("C-q")
    listed = subprocess.run(
        [gim, "sessions", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**terminal_env, "PATH": "/usr/bin:/bin"},
    )
    sessions = json.loads(listed.stdout)
    assert len(sessions) == 1 and sessions[0]["status"] == "complete"
    assert sessions[0]["segments"] >= 5


def test_first_start_says_it_is_preparing_and_quitting_says_where_the_data_is(
    home: Path, terminal_env: dict[str, str], terminals: list[Terminal]
) -> None:
    gim = GIM_BIN
    # The shell stays a moment after gim exits, so the lines it printed can be read.
    term = Terminal("gim-first-start", ["sh", "-c", f"'{gim}; sleep 20'"], terminal_env)
    terminals.append(term)
    term.wait_for("No sessions yet")
    term.press("C-q")
    shown = term.wait_for("gim closed.").replace("\n", "")  # long paths wrap
    assert f"Starting gim: preparing the data folder {home} (first start)" in shown
    assert f"Your sessions are kept safe in {home}." in shown

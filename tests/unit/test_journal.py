"""Journal replay: everything listed comes back; a torn last line is ignored."""

from __future__ import annotations

from pathlib import Path

from gim.audio.journal import JOURNAL, Journal, compact, replay


def test_replay_returns_what_was_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s1", rate=48000, mic_channels=1)
    journal.write("playback", frame=0, action="play", piece=0, offset=0, value=None)
    journal.write("chunk", track="mic", file="mic/000000.flac", frame=0, frames=48000)
    journal.write("gap", start=1.0, end=3.5)
    journal.write("delay", frame=96000, lag=5000.5)
    journal.write("segment", start=1.0, end=2.0, text="a meadow")
    journal.write("phase", time=0.0, phase="music")
    journal.close()
    with open(tmp_path / JOURNAL, "ab") as handle:
        handle.write(b'{"kind":"chunk","track":"mic","fi')  # killed mid-line
    got = replay(tmp_path)
    assert got.header["id"] == "s1"
    assert got.playback[0]["action"] == "play"
    assert [c.frames for c in got.track("mic")] == [48000]
    assert got.gaps == [(1.0, 3.5)]
    assert got.delays == [(96000, 5000.5)]
    assert got.segments[0]["text"] == "a meadow"
    assert got.phases == [{"time": 0.0, "phase": "music"}]
    assert not got.ended
    assert (tmp_path / JOURNAL).stat().st_mode & 0o777 == 0o600


def test_missing_journal_is_empty(tmp_path: Path) -> None:
    assert replay(tmp_path).chunks == []


def test_compact_keeps_everything_but_the_text(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.write("session", id="s1", rate=48000, mic_channels=1)
    journal.write("chunk", track="mic", file="mic/000000.flac", frame=0, frames=48000)
    journal.write("segment", start=1.0, end=2.0, text="a meadow of blue flowers")
    journal.write(
        "annotation", time=3.0, annotation_kind="intervention", text="What do you notice?"
    )
    journal.write("end", status="complete")
    journal.close()
    compact(tmp_path)
    body = (tmp_path / JOURNAL).read_text()
    assert "meadow" not in body and "notice" not in body
    got = replay(tmp_path)
    assert got.header["id"] == "s1" and got.ended
    assert [c.file for c in got.track("mic")] == ["mic/000000.flac"]
    assert (tmp_path / JOURNAL).stat().st_mode & 0o777 == 0o600

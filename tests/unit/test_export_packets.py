"""Supervision packet, client copy and client series, from records built in memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf

from gim.core.session import Segment, Source
from gim.export.packet import client_copy, program_as_played, supervision_packet
from gim.export.series import client_series, phrases, series_html, series_markdown
from tests.support.sample import sample_record


def test_packet_is_deidentified_with_excerpts_around_markers(tmp_path: Path) -> None:
    rate = 16000
    audio = tmp_path / "mic.wav"
    # A ramp, so the excerpt's first sample tells where it was cut.
    sf.write(audio, (np.arange(130 * rate) % 30000).astype(np.int16), rate, subtype="PCM_16")
    data = supervision_packet(
        sample_record("AB12"), names=("Anna", "Bob"), audio=audio, around=5.0, mandala=b"png"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"transcript.md", "transcript.html", "program.md", "session-note.md"} <= names
    assert "mandala.png" in names and "README.txt" in names
    excerpts = [n for n in names if n.startswith("excerpts/")]
    assert excerpts == ["excerpts/marker-01-at-0-26.wav"]
    clip, clip_rate = sf.read(io.BytesIO(archive.read(excerpts[0])), dtype="int16")
    assert clip_rate == rate and len(clip) == 10 * rate
    assert clip[0] == (21 * rate) % 30000  # marker at 26 s, minus 5 s
    everything = b"".join(archive.read(n) for n in names if not n.startswith("excerpts/"))
    for secret in (b"AB12", b"Anna", b"Bob"):
        assert secret not in everything
    transcript = archive.read("transcript.md").decode()
    assert "Comment (SUP): Good non-directive pacing" in transcript
    assert "Marker (GD): Person A appears" in transcript


def test_packet_can_name_the_client_and_leave_audio_out() -> None:
    archive = zipfile.ZipFile(io.BytesIO(supervision_packet(sample_record(), deidentified=False)))
    assert not [n for n in archive.namelist() if n.startswith("excerpts/")]
    assert b"AB12" in archive.read("transcript.md")
    assert b"NOT de-identified" in archive.read("README.txt")


def test_program_as_played_lists_plan_play_and_changes() -> None:
    text = program_as_played(sample_record())
    assert "2. Satie, Gymnopédies: No. 1 — Demo Piano (0:50)" in text
    assert "- 0:10 Bach, Air on the G String" in text
    assert "- Skipped: Satie" in text


def test_client_copy_has_mandala_but_no_private_notes() -> None:
    files = client_copy(sample_record(), mandala=b"\x89PNG")
    page = files["transcript.html"].decode()
    assert "data:image/png;base64," in page
    for private in ("Marker", "Comment", "Tags", "non-directive", "Anna appears"):
        assert private not in page and private not in files["transcript.md"].decode()
    assert "G: Stay with that feeling" in page
    # The guide's working notes stay out unless the guide includes them.
    assert "[sighs]" not in page and "⚑" not in files["transcript.md"].decode()
    assert ' flagged"' not in page
    kept = client_copy(sample_record(), observations=True)
    assert "[sighs]" in kept["transcript.html"].decode()
    assert "⚑" in kept["transcript.md"].decode()


def test_packet_says_when_there_are_no_marked_moments(tmp_path: Path) -> None:
    rate = 16000
    audio = tmp_path / "mic.wav"
    sf.write(audio, np.zeros(60 * rate, dtype=np.int16), rate, subtype="PCM_16")
    record = sample_record()
    record.annotations = [a for a in record.annotations if a.kind.value != "marker"]
    archive = zipfile.ZipFile(io.BytesIO(supervision_packet(record, audio=audio)))
    readme = archive.read("README.txt").decode()
    assert "No audio excerpts: the session has no marked moments" in readme


def test_series_orders_sessions_and_finds_recurring_images() -> None:
    first = sample_record("C1")
    second = sample_record("C1")
    second.session.id, second.session.started_at, second.session.number = (
        "s2",
        "2026-03-19T10:00:00",
        4,
    )
    second.segments = [Segment(5.0, 7.0, "The golden gate again, and the sea is calm", id=9)]
    series = client_series([second, first], unchecked=True)
    assert [e.session_id for e in series.entries] == ["s-sample", "s2"]
    themes = {t.text: t for t in series.themes}
    assert "sea" in themes and themes["sea"].sessions == ["s-sample", "s2"]
    assert "golden gate" in themes  # mandala description of both, and said in the second
    assert "the" not in themes and "garden" not in themes
    md = series_markdown(series)
    assert "| 3 | 2026-03-05 | Sample Program |" in md and "**sea**: 2 sessions" in md
    assert "Program: Sample Program (Skipped: Satie" in md
    assert "*Includes 1 line not yet checked.*" in md
    assert "<h1>Series: C1</h1>" in series_html(series)


def test_series_leaves_out_lines_not_yet_checked() -> None:
    """The first session's "sea" is in a flagged line only: not an image until checked."""
    first = sample_record("C1")
    second = sample_record("C1")
    second.session.id, second.session.started_at = "s2", "2026-03-19T10:00:00"
    second.segments = [Segment(5.0, 7.0, "The golden gate again, and the sea is calm", id=9)]
    series = client_series([second, first])
    assert "sea" not in {t.text for t in series.themes} and series.left_out == 1
    assert "1 line flagged for checking and not yet checked left out" in series_markdown(series)
    assert "not yet checked left out" in series_html(series)
    first.segments[3].source = Source.EDITED  # the guide corrected it: an ordinary line
    series = client_series([second, first])
    assert "sea" in {t.text for t in series.themes} and series.left_out == 0
    assert "not yet checked" not in series_markdown(series)


def test_phrases_skip_stopwords() -> None:
    assert phrases("I see the old oak tree") == {"old", "oak", "tree", "old oak", "oak tree"}


def test_phrases_stop_at_punctuation_and_names_keep_their_capital() -> None:
    assert "open bob" not in phrases("The door is open. Bob is there")
    assert "sea birds" not in phrases("I hear the sea, birds above")
    first, second = sample_record("C1"), sample_record("C1")
    second.session.id, second.session.started_at = "s2", "2026-03-19T10:00:00"
    first.segments = [Segment(1.0, 2.0, "I can see Bob by the water. Sea, birds.", id=1)]
    second.segments = [Segment(1.0, 2.0, "Bob waves. The water is open; sea birds fly", id=2)]
    themes = {t.text for t in client_series([first, second]).themes}
    assert "Bob" in themes and "bob" not in themes and "water" in themes
    assert "sea birds" not in themes


def test_a_line_flagged_only_for_its_speaker_is_not_in_the_lane() -> None:
    from gim.core.checking import checked_only, unchecked

    words = Segment(1.0, 2.0, "I see a door", flagged=True, flag_reason="speaker unsure")
    both = Segment(3.0, 4.0, "Thank you.", flagged=True, flag_reason="stock phrase; speaker unsure")
    bare = Segment(5.0, 6.0, "Hm", flagged=True)
    assert [unchecked(s) for s in (words, both, bare)] == [False, True, True]
    record = sample_record("C1")
    record.segments = [words, both, bare]
    shown, left_out = checked_only(record)
    assert [s.text for s in shown.segments] == ["I see a door"] and left_out == 2

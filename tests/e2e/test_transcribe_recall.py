"""Recall first, on real hard voices under real music through the room.

Silero VAD alone hears nothing of a whispered line or a falsetto under strings; gim's
offline pass must give its words or a flagged "possible speech" line covering it, and
still no words where only the music plays. Pieces linked to files are placed from the
reference itself, even gapless.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gim.core.checking import is_marker
from gim.core.program import Piece, Program, Provenance
from gim.passes.offline import RoomRecording, transcribe_file
from gim.transcribe.vad import merge_spans, speech_spans
from tests.support import roommix

HARD = ("speech/mfa_disfluent/whisper2.flac", "speech/mfa_disfluent/falsetto2.flac")


@pytest.mark.whisper
@pytest.mark.slow
def test_hard_voices_give_words_or_a_flagged_line_and_music_gives_none(
    shared_data: Path, tmp_path: Path
) -> None:
    from gim.passes.prepare import prepare

    read = roommix.speech_files(shared_data, 2, seed=3)[:1]
    hard = [
        roommix.Utterance(p, roommix.strip_tags((shared_data / p).with_suffix(".txt").read_text()))
        for p in HARD
    ]
    room = roommix.build_room_mix(shared_data, [read[0], *hard], 0.0, seed=5)
    mic, played = roommix.write_mix(room, tmp_path)

    # The old behaviour: Silero at 0.5 on the cleaned signal hears neither hard voice.
    clean = prepare(room.mic, room.reference).clean
    old = merge_spans(speech_spans(clean, pad=0.35))
    for u in room.utterances[1:]:
        assert not any(s.seconds[0] < u.end and s.seconds[1] > u.start for s in old), u.path

    # Two pieces linked to files, played gapless: the second starts 15 s in.
    cut = 15 * room.rate
    files = [tmp_path / "one.flac", tmp_path / "two.flac"]
    import soundfile as sf

    sf.write(str(files[0]), room.reference[:cut], room.rate)
    sf.write(str(files[1]), room.reference[cut:], room.rate)
    program = Program(
        "two",
        "Two",
        "test",
        Provenance("test"),
        (Piece("A", "One", duration=20.0), Piece("B", "Two", duration=600.0)),
    )

    lines = transcribe_file(RoomRecording(mic, played, program, piece_files=tuple(files)))

    for u in room.utterances:
        near = [s for s in lines if s.start < u.end + 0.3 and s.end > u.start - 0.3]
        words = [w for s in near for w in s.words]
        marked = [s for s in near if is_marker(s) and s.flagged]
        assert words or marked, f"nothing for {u.path}"
        assert all(s.flagged for s in near if not s.words or is_marker(s))
    music = room.music_only()
    in_music = [
        w for s in lines for w in s.words if any(a <= (w.start + w.end) / 2 <= b for a, b in music)
    ]
    assert in_music == []
    assert not [
        s for s in lines if is_marker(s) and any(a <= s.start and s.end <= b for a, b in music)
    ]

    lag = room.delay
    for s in lines:
        expected = (0, s.start - lag) if s.start - lag < 15.0 else (1, s.start - lag - 15.0)
        assert s.piece == expected[0], (s.start, s.piece)
        assert s.piece_offset is not None and abs(s.piece_offset - expected[1]) < 0.05

"""The GIM transcript layout: header, piece headings at mic time, lines, notes, footer."""

from __future__ import annotations

from gim.core.clock import mmss
from gim.core.layout import (
    ClientLine,
    Footer,
    Header,
    Intervention,
    Note,
    Observation,
    PhaseHeading,
    PieceHeading,
    program_changes,
    transcript_blocks,
)
from gim.core.playback import Action, PlaybackEvent, PlaybackLog
from gim.core.session import Phase
from tests.support.sample import RATE, sample_program, sample_record


def test_header_first_footer_last_and_body_in_time_order() -> None:
    blocks = transcript_blocks(sample_record())
    assert isinstance(blocks[0], Header)
    assert isinstance(blocks[-1], Footer)
    times = [b.time for b in blocks[1:-1]]
    assert times == sorted(times)


def test_header_fields_and_skipped_piece() -> None:
    head = transcript_blocks(sample_record())[0]
    assert isinstance(head, Header)
    assert (head.date, head.number, head.client, head.guide) == ("2026-03-05", 3, "AB12", "GD")
    assert head.program == "Sample Program"
    # Bach paused and resumed but played whole; Grieg played whole; Satie skipped.
    assert head.changes == ["Skipped: Satie, Gymnopédies: No. 1"]


def test_piece_headings_at_microphone_time_and_pause_is_not_a_change() -> None:
    record = sample_record(delay_frames=RATE * 0.5)
    headings = [b for b in transcript_blocks(record) if isinstance(b, PieceHeading)]
    assert [(h.index, h.time) for h in headings] == [(0, 10.5), (2, 75.5)]
    assert headings[0].title == "Bach, Air on the G String"
    assert headings[0].recording == "Demo Ensemble"


def test_guide_segments_and_interventions_become_interventions() -> None:
    blocks = transcript_blocks(sample_record())
    texts = [b.text for b in blocks if isinstance(b, Intervention)]
    assert texts == ["What do you notice?", "Stay with that feeling"]
    assert [b.text for b in blocks if isinstance(b, Observation)] == ["sighs"]
    client = [b for b in blocks if isinstance(b, ClientLine)]
    assert len(client) == 4 and client[2].flagged


def test_private_notes_can_be_left_out() -> None:
    with_notes = [b for b in transcript_blocks(sample_record()) if isinstance(b, Note)]
    assert {str(n.kind) for n in with_notes} == {"marker", "tag", "comment"}
    assert not [b for b in transcript_blocks(sample_record(), private=False) if isinstance(b, Note)]


def test_phases_and_footer() -> None:
    blocks = transcript_blocks(sample_record())
    phases = [b.phase for b in blocks if isinstance(b, PhaseHeading)]
    assert phases == [Phase.INDUCTION, Phase.MUSIC, Phase.RETURN, Phase.POSTLUDE]
    foot = blocks[-1]
    assert isinstance(foot, Footer)
    assert foot.return_time == 116.0 and foot.mandala_path == "mandala.png"
    assert foot.mandala_title == "The open gate"


def test_repeat_and_reorder_are_reported() -> None:
    log = PlaybackLog(
        RATE,
        [
            PlaybackEvent(0, Action.PLAY, piece=1, offset=0),
            PlaybackEvent(50 * RATE, Action.PLAY, piece=0, offset=0),
            PlaybackEvent(110 * RATE, Action.PLAY, piece=1, offset=0),
            PlaybackEvent(160 * RATE, Action.PLAY, piece=2, offset=0),
            PlaybackEvent(200 * RATE, Action.END),
        ],
    )
    changes = program_changes(sample_program(), log)
    assert "Repeated: Satie, Gymnopédies: No. 1" in changes
    assert any(c.startswith("Played in the order: Satie") for c in changes)
    assert not any(c.startswith("Skipped") for c in changes)


def test_as_planned_has_no_changes() -> None:
    program = sample_program()
    events = []
    t = 0
    for i, piece in enumerate(program.pieces):
        events.append(PlaybackEvent(t, Action.PLAY, piece=i, offset=0))
        t += int(piece.duration * RATE)
    events.append(PlaybackEvent(t, Action.END))
    assert program_changes(program, PlaybackLog(RATE, events)) == []


def test_clock() -> None:
    assert mmss(0) == "0:00"
    assert mmss(75.9) == "1:15"
    assert mmss(3725) == "1:02:05"

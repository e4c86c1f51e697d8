"""`gim import ID FILE.eaf`: a stored session exported to ELAN, changed with pympi as a
researcher would in ELAN, and imported: exactly those changes come back, as edits."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from pympi.Elan import Eaf

from gim.core.session import AnnotationKind, Segment, Source
from gim.store.db import Store
from tests.e2e.test_cli_export import gim, save
from tests.support.sample import sample_record


@pytest.fixture
def stored(home: Path) -> str:
    home.mkdir(parents=True, mode=0o700)
    return save(home, sample_record("AB12"))


def export_eaf(home: Path, session_id: str, out: Path, *extra: str) -> Path:
    out.parent.mkdir(exist_ok=True)
    result = gim(home, "export", session_id, "-f", "eaf", "-o", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return out


def state(home: Path, session_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with Store.open(home / "gim.db") as store:
        record = store.load_record(session_id)
    return [asdict(s) for s in record.segments], [asdict(a) for a in record.annotations]


def annotation_id(eaf: Eaf, tier: str, start: int) -> tuple[str, str, str]:
    """(annotation id, start slot, end slot) of the annotation starting at ``start`` ms."""
    for aid, (ts1, ts2, _value, _svg) in eaf.tiers[tier][0].items():
        if eaf.timeslots[ts1] == start:
            return aid, ts1, ts2
    raise AssertionError(f"no annotation at {start} on {tier}")


def edit_in_elan(path: Path) -> None:
    """What a researcher does in ELAN: correct one line, drag one boundary, add two."""
    eaf = Eaf(str(path))
    aid, ts1, ts2 = annotation_id(eaf, "client speech", 14000)
    eaf.tiers["client speech"][0][aid] = (ts1, ts2, "I see a walled garden", None)
    _aid, _ts1, end = annotation_id(eaf, "client speech", 90000)
    eaf.timeslots[end] = 93800  # "I feel warm in my chest" ran on
    eaf.add_annotation("observations", 50000, 51000, "tears")
    eaf.add_tier("imagery", ling="default-lt")
    eaf.add_annotation("imagery", 24000, 28000, "threshold image")
    eaf.to_file(str(path))


def test_an_elan_round_trip_gives_exactly_the_changes(
    home: Path, stored: str, tmp_path: Path
) -> None:
    path = export_eaf(home, stored, tmp_path / "elan" / "s.eaf")
    before = state(home, stored)
    same = gim(home, "import", stored, str(path))
    assert same.returncode == 0, same.stderr
    assert same.stdout.strip() == "Nothing changed."
    assert state(home, stored) == before

    edit_in_elan(path)
    result = gim(home, "import", stored, str(path))
    assert result.returncode == 0, result.stderr
    summary = "1 line corrected, 1 boundary moved, 2 annotations added."
    assert result.stdout.strip() == summary, result.stdout
    segments, annotations = state(home, stored)
    old = {s["id"]: s for s in before[0]}
    changed = {s["id"]: s for s in segments if s != old[s["id"]]}
    assert len(segments) == len(before[0]) and len(changed) == 2
    garden = next(s for s in changed.values() if s["start"] == 14.0)
    assert garden["text"] == "I see a walled garden" and garden["source"] == "edited"
    assert {**garden, "text": "I see a garden", "source": "final"} == old[garden["id"]]
    warm = next(s for s in changed.values() if s["start"] == 90.0)
    assert warm["end"] == 93.8 and warm["source"] == "edited"
    assert {**warm, "end": 93.0, "source": "live"} == old[warm["id"]]
    added = [a for a in annotations if a not in before[1]]
    assert [(a["kind"], a["time"], a["text"]) for a in added] == [
        ("comment", 24.0, "imagery: threshold image"),
        ("observation", 50.0, "tears"),
    ]
    assert len(annotations) == len(before[1]) + 2

    again = gim(home, "import", stored, str(path))
    assert again.returncode == 0 and again.stdout.strip() == "Nothing changed."
    assert state(home, stored) == (segments, annotations)


def test_a_later_final_pass_keeps_what_came_from_elan(
    home: Path, stored: str, tmp_path: Path
) -> None:
    path = export_eaf(home, stored, tmp_path / "elan" / "s.eaf")
    edit_in_elan(path)
    assert gim(home, "import", stored, str(path)).returncode == 0
    with Store.open(home / "gim.db") as store:
        final = [Segment(13.9, 16.1, "I see a cart", source=Source.FINAL)]
        final.append(Segment(89.9, 93.5, "I feel warm", source=Source.FINAL))
        lines = store.replace_transcript(stored, final)
        notes = store.annotations(stored)
    texts = {s.text for s in lines}
    assert {"I see a walled garden", "I feel warm in my chest"} <= texts
    assert not {"I see a cart", "I feel warm"} & texts
    assert any(n.kind is AnnotationKind.OBSERVATION and n.text == "tears" for n in notes)


def test_files_of_another_session_or_recording_are_refused(
    home: Path, stored: str, tmp_path: Path
) -> None:
    other = save(home, sample_record("ZZ9"))
    before = state(home, stored)
    theirs = export_eaf(home, other, tmp_path / "elan" / "other.eaf")
    clean = export_eaf(home, stored, tmp_path / "elan" / "clean.eaf", "--deidentify")
    moved = export_eaf(home, stored, tmp_path / "elan" / "moved.eaf")
    eaf = Eaf(str(moved))
    eaf.remove_linked_files()
    eaf.add_linked_file("file:///home/someone/interview-7.wav", "./interview-7.wav")
    eaf.to_file(str(moved))
    (tmp_path / "elan" / "notes.eaf").write_text("these are my notes")
    for path, said in (
        (theirs, f"is from session {other}, not {stored}"),
        (clean, "is a de-identified export"),
        (moved, "not to this session's recording"),
        (tmp_path / "elan" / "notes.eaf", "is not an ELAN file"),
    ):
        result = gim(home, "import", stored, str(path))
        assert result.returncode == 2, (path, result.stderr)
        assert said in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert state(home, stored) == before

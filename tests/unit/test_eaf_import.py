"""Reading back gim's EAF: new lines and tags, lines taken out, older exports, refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pympi.Elan import Eaf

from gim.core.session import AnnotationKind, Speaker
from gim.errors import InputError
from gim.export import ExportOptions, render
from gim.export.eaf_read import changes, check_identity, read_eaf
from tests.support.sample import sample_record

MEDIA = "sessions/s-sample/mic.flac"


def exported(tmp_path: Path) -> Path:
    path = tmp_path / "s.eaf"
    path.write_bytes(render(sample_record(), "eaf", ExportOptions(media=MEDIA)))
    return path


def test_new_lines_tags_and_lines_taken_out(tmp_path: Path) -> None:
    path = exported(tmp_path)
    eaf = Eaf(str(path))
    eaf.add_annotation("client speech", 100000, 103000, "A door in the wall")
    eaf.add_annotation("tags", 100000, 101000, "visual, memory")
    aid = next(a for a, v in eaf.tiers["guide speech"][0].items() if v[2].startswith("What"))
    del eaf.tiers["guide speech"][0][aid]
    eaf.to_file(str(path))
    record = sample_record()
    found = read_eaf(path.read_bytes(), path.name)
    check_identity(found, "s-sample", path.name)
    diff = changes(record, found)
    assert diff.summary() == "1 line added, 1 annotation added; 1 line not in the file kept."
    [line] = diff.lines
    assert (line.start, line.end, line.text) == (100.0, 103.0, "A door in the wall")
    assert line.speaker is Speaker.CLIENT
    assert line.piece == 2  # Grieg was playing: linked like any line
    [tag] = diff.notes
    assert tag.kind is AnnotationKind.TAG and tag.tags == ["visual", "memory"] and tag.time == 100.0
    assert not diff.revised


def test_an_export_from_before_ids_changes_nothing_when_unchanged(tmp_path: Path) -> None:
    path = exported(tmp_path)
    text = path.read_text()
    numbers = iter(range(1, 999))
    text = re.sub(r'ANNOTATION_ID="[^"]+"', lambda _: f'ANNOTATION_ID="a{next(numbers)}"', text)
    text = re.sub(r'\s*<PROPERTY NAME="gim:session">[^<]*</PROPERTY>', "", text)
    found = read_eaf(text.encode(), "old.eaf")
    assert found.session is None
    check_identity(found, "s-sample", "old.eaf")  # the media's folder names the session
    assert changes(sample_record(), found).summary() == "Nothing changed."


def test_refusals_are_one_sentence(tmp_path: Path) -> None:
    found = read_eaf(exported(tmp_path).read_bytes(), "s.eaf")
    with pytest.raises(InputError, match="is from session s-sample, not 20260305-1000-x"):
        check_identity(found, "20260305-1000-x", "s.eaf")
    other = b'<MEDIA_DESCRIPTOR MEDIA_URL="file:///x/sessions/s-other/mic.flac" />'
    linked = render(sample_record(), "eaf").replace(b"<PROPERTY", other + b"<PROPERTY", 1)
    with pytest.raises(InputError, match=r"linked to file:///x/sessions/s-other/mic\.flac"):
        check_identity(read_eaf(linked, "s.eaf"), "s-sample", "s.eaf")
    with pytest.raises(InputError, match="not an ELAN"):
        read_eaf(b"<html/>", "page.eaf")

"""The REFI-QDA export: valid against the published Project schema, and read back by a
plain ElementTree parser (nothing of gim's) into the session's codes, coded lines and memos.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from gim.core.deidentify import deidentify
from gim.core.record import SessionRecord
from gim.export import ExportOptions, Recording, render
from tests.support.sample import sample_record

XSD = Path(__file__).resolve().parent.parent / "data" / "refi-qda-project.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}
AUDIO = Recording("Microphone recording", b"ID3 and the rest of a recording", ".mp3")
PNG = b"\x89PNG\r\n\x1a\n and a picture"


def qdpx(record: SessionRecord, **options: object) -> zipfile.ZipFile:
    data = render(record, "qdpx", ExportOptions(**options))  # type: ignore[arg-type]
    return zipfile.ZipFile(io.BytesIO(data))


def validate(archive: zipfile.ZipFile) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    ok = schema.validate(etree.fromstring(archive.read("project.qde")))
    return [] if ok else [str(e) for e in schema.error_log]


@pytest.mark.parametrize(
    "options",
    [{"recordings": (AUDIO,), "mandala": PNG}, {}, {"private": False}],
    ids=["with-audio-and-mandala", "text-only", "no-private"],
)
def test_project_validates_against_the_refi_qda_schema(options: dict[str, object]) -> None:
    assert validate(qdpx(sample_record(), **options)) == []
    assert validate(qdpx(deidentify(sample_record(), ["Anna"]), **options)) == []


def read_back(archive: zipfile.ZipFile) -> dict[str, object]:
    """Codes, coded lines and memos as a QDA program would see them (ElementTree only)."""
    root = ET.fromstring(archive.read("project.qde"))
    codes: dict[str, str] = {}
    parents: dict[str, str] = {}
    for parent in root.iter(f"{{{NS['q']}}}Code"):
        codes[parent.get("guid", "")] = parent.get("name", "")
        for child in parent.findall("q:Code", NS):
            parents[child.get("guid", "")] = parent.get("name", "")
    notes = {
        n.get("guid"): n.findtext("q:PlainTextContent", "", NS)
        for n in root.findall("q:Notes/q:Note", NS)
    }
    source = root.find("q:Sources/q:TextSource", NS)
    assert source is not None
    path = source.get("plainTextPath", "")
    assert path.startswith("internal://")
    text = archive.read("sources/" + path.removeprefix("internal://")).decode("utf-8")
    coded: dict[str, list[str]] = {}
    memos: dict[str, list[str]] = {}
    for sel in source.findall("q:PlainTextSelection", NS):
        words = text[int(sel.get("startPosition", "")) : int(sel.get("endPosition", ""))]
        for ref in sel.findall("q:Coding/q:CodeRef", NS):
            guid = ref.get("targetGUID", "")
            coded.setdefault(f"{parents.get(guid, '')}/{codes[guid]}", []).append(words)
        memos[words] = [notes[r.get("targetGUID")] for r in sel.findall("q:NoteRef", NS)]
    return {"text": text, "coded": coded, "memos": memos, "notes": notes, "root": root}


def test_every_code_coded_line_and_memo_reads_back() -> None:
    back = read_back(qdpx(sample_record(), recordings=(AUDIO,)))
    coded = back["coded"]
    assert isinstance(coded, dict)
    bach = [
        "I see a garden",
        "G: What do you notice?",
        "Anna's gate is open, Bob is there",
        "[sighs]",
        "G: Stay with that feeling",
    ]
    grieg = ["The sun rises over the sea", "I feel warm in my chest"]
    assert coded["What was playing/Bach, Air on the G String"] == bach
    assert coded["What was playing/Grieg, Peer Gynt: Morning Mood"] == grieg
    assert not [k for k in coded if "Satie" in k]  # skipped: never heard, no code
    assert coded["Session phase/Music"] == bach + grieg
    assert coded["Tags/body"] == coded["Tags/emotional"] == ["I feel warm in my chest"]
    assert coded["/To check"] == ["The sun rises over the sea"]
    memos = back["memos"]
    assert isinstance(memos, dict)
    assert memos["Anna's gate is open, Bob is there"] == ["Marker (GD): Anna appears (at 0:26)"]
    assert memos["I feel warm in my chest"] == [
        "Comment (SUP): Good non-directive pacing (at 1:32)"
    ]
    assert sum(len(m) for m in memos.values()) == 2
    assert "♪ Bach, Air on the G String — Demo Ensemble" in str(back["text"])


def test_the_audio_transcript_is_synced_to_every_line() -> None:
    record = sample_record()
    archive = qdpx(record, recordings=(AUDIO,))
    root = ET.fromstring(archive.read("project.qde"))
    [audio] = root.findall("q:Sources/q:AudioSource", NS)
    assert audio.get("name") == "Microphone recording"
    member = "sources/" + audio.get("path", "").removeprefix("internal://")
    assert member.endswith(".mp3") and archive.read(member) == AUDIO.data
    transcript = audio.find("q:Transcript", NS)
    assert transcript is not None
    text = archive.read(
        "sources/" + transcript.get("plainTextPath", "").removeprefix("internal://")
    ).decode()
    sync = {
        p.get("guid"): (int(p.get("timeStamp", "")), int(p.get("position", "")))
        for p in transcript.findall("q:SyncPoint", NS)
    }
    spans = {}
    for sel in transcript.findall("q:TranscriptSelection", NS):
        (t0, p0), (t1, p1) = sync[sel.get("fromSyncPoint")], sync[sel.get("toSyncPoint")]
        spans[text[p0:p1]] = (t0, t1)
    for segment in record.segments:
        shown = segment.text if segment.speaker == "client" else f"G: {segment.text}"
        assert spans[shown] == (round(segment.start * 1000), round(segment.end * 1000))
    assert spans["[sighs]"] == (30000, 31000)  # an observation: a moment of one second


def test_private_notes_stay_out_and_nothing_is_random() -> None:
    record = sample_record()
    back = read_back(qdpx(record, private=False))
    assert back["notes"] == {} and not [k for k in back["coded"] if k.startswith("Tags/")]  # type: ignore[attr-defined]
    again = render(record, "qdpx")
    assert render(record, "qdpx") == again  # same GUIDs, same zip dates: re-export matches
    with zipfile.ZipFile(io.BytesIO(again)) as archive:
        assert {i.date_time[:3] for i in archive.infolist()} == {(2026, 3, 5)}
        assert sorted(n.split("/")[0] for n in archive.namelist()) == ["project.qde", "sources"]


def test_deidentified_project_names_nobody() -> None:
    clean = deidentify(sample_record("AB12"), ["Anna", "Bob"])
    archive = qdpx(clean)
    every = "".join(n + archive.read(n).decode() for n in archive.namelist())
    for secret in ("AB12", "ab12", "Anna", "Bob", "s-sample"):
        assert secret not in every
    assert "Person A's gate is open, Person B is there" in every


def test_the_mandala_is_a_picture_source() -> None:
    archive = qdpx(sample_record(), mandala=PNG)
    root = ET.fromstring(archive.read("project.qde"))
    [picture] = root.findall("q:Sources/q:PictureSource", NS)
    assert picture.get("name") == "Mandala: The open gate"
    assert picture.findtext("q:Description", "", NS) == "A blue circle with a golden gate"
    assert archive.read("sources/" + picture.get("path", "").removeprefix("internal://")) == PNG

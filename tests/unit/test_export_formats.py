"""Every export format, rendered from a record built in memory and read back."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest

from gim.core.deidentify import deidentify
from gim.errors import InputError
from gim.export import FORMAT_NAMES, ExportOptions, get_format, render
from tests.support.sample import sample_record


def tiny_png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x20\x40\xc0")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_markdown_reads_like_a_gim_transcript() -> None:
    text = render(sample_record(), "md").decode()
    assert "- **Client:** AB12" in text and "- **Session:** 3" in text
    assert "Skipped: Satie" in text
    assert "### 0:10 ♪ Bach, Air on the G String" in text
    assert "**0:20** G: What do you notice?" in text
    assert "**0:30** \\[sighs\\]" in text
    assert "**1:20** The sun rises over the sea ⚑" in text
    assert "> 0:26 Marker (GD): Anna appears" in text
    assert "**Mandala:** The open gate — A blue circle" in text
    assert text.index("Bach") < text.index("I see a garden") < text.index("Peer Gynt")


def test_markdown_carries_the_mandala() -> None:
    text = render(sample_record(), "md", ExportOptions(mandala=tiny_png())).decode()
    assert "![Mandala: The open gate](data:image/png;base64," in text
    assert "data:image" not in render(sample_record(), "md").decode()


def test_client_copy_leaves_out_private_notes() -> None:
    text = render(sample_record(), "md", ExportOptions(private=False)).decode()
    assert "Marker" not in text and "Comment" not in text and "Tags" not in text
    assert "I feel warm in my chest" in text


def test_html_is_self_contained_printable_and_escaped() -> None:
    record = sample_record()
    record.segments[0].text = "<script>alert(1)</script>"
    page = render(record, "html", ExportOptions(mandala=tiny_png())).decode()
    assert "@media print" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page


def test_docx_reads_back() -> None:
    import docx

    data = render(sample_record(), "docx", ExportOptions(mandala=tiny_png()))
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "G: What do you notice?" in text and "[sighs]" in text
    assert "Bach, Air on the G String" in text
    cells = {r.cells[0].text: r.cells[1].text for r in document.tables[0].rows}
    assert cells["Client"] == "AB12" and cells["Program"] == "Sample Program"
    assert len(document.inline_shapes) == 1


def test_docx_is_laid_out_for_a_supervisor() -> None:
    import docx
    from docx.shared import Cm

    data = render(sample_record(), "docx", ExportOptions(mandala=tiny_png(), paper="letter"))
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21.59)) < Cm(0.05)
    assert section.left_margin >= Cm(2)
    header = section.header.paragraphs[0].text
    assert header == "AB12\tSession 3, 2026-03-05\tConfidential"
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert sum(h.startswith("Postlude") for h in headings) == 1
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Mandala: The open gate"]
    label, value = document.tables[0].columns
    assert label.width < value.width / 2
    a4 = docx.Document(io.BytesIO(render(sample_record(), "docx"))).sections[0]
    assert abs(a4.page_height - Cm(29.7)) < Cm(0.05)


def test_a_music_pause_shows_in_every_transcript_format() -> None:
    record = sample_record(delay_frames=0)  # paused 0:40–0:45
    for name in ("md", "html", "srt", "vtt", "audacity", "eaf"):
        assert "music paused" in render(record, name).decode(), name
    import docx

    document = docx.Document(io.BytesIO(render(record, "docx")))
    assert "[music paused 0:40–0:45]" in "\n".join(p.text for p in document.paragraphs)
    assert "00:00:40,000 --> 00:00:45,000\n[music paused]" in render(record, "srt").decode()


def test_html_fits_a_phone() -> None:
    page = render(sample_record(), "html").decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_srt_and_vtt() -> None:
    srt = render(sample_record(), "srt").decode()
    assert srt.startswith("1\n00:00:14,000 --> 00:00:16,000\nI see a garden\n")
    assert "00:00:20,000 --> 00:00:22,000\nG: What do you notice?" in srt
    assert srt.count(" --> ") == 6  # five lines and the music pause
    vtt = render(sample_record(), "vtt").decode()
    assert vtt.startswith("WEBVTT\n\n00:00:14.000 --> 00:00:16.000\nI see a garden\n")
    assert "00:00:20.000 --> 00:00:22.000\n<v Guide>What do you notice?\n" in vtt
    assert "G: " not in vtt


def test_audacity_labels() -> None:
    rows = [r.split("\t") for r in render(sample_record(), "audacity").decode().splitlines()]
    assert all(len(r) == 3 for r in rows)
    starts = [float(r[0]) for r in rows]
    assert starts == sorted(starts)
    assert ["14.000000", "16.000000", "I see a garden"] in rows
    assert ["30.000000", "30.000000", "[sighs]"] in rows


def test_json_holds_everything() -> None:
    data = json.loads(render(sample_record(), "json"))
    assert data["session"]["client"] == "AB12" and data["session"]["status"] == "complete"
    assert data["program"]["pieces"][2]["work"] == "Peer Gynt"
    assert [e["action"] for e in data["playback"]["events"]][:2] == ["play", "pause"]
    assert data["segments"][0]["words"][1]["text"] == "see"
    assert {a["kind"] for a in data["annotations"]} >= {"marker", "comment", "observation"}
    assert data["attachments"][0]["kind"] == "mandala"


def test_eaf_opens_with_pympi(tmp_path: Path) -> None:
    from pympi.Elan import Eaf

    options = ExportOptions(media="sessions/s-sample/mic.wav")
    path = tmp_path / "s.eaf"
    path.write_bytes(render(sample_record(delay_frames=0), "eaf", options))
    eaf = Eaf(str(path))
    assert set(eaf.get_tier_names()) == {
        "client speech",
        "guide speech",
        "interventions",
        "observations",
        "pieces",
        "phases",
        "markers",
        "tags",
        "comments",
        "flagged lines",
    }
    assert eaf.get_annotation_data_for_tier("markers") == [(26000, 27000, "GD: Anna appears")]
    assert eaf.get_annotation_data_for_tier("tags") == [(90000, 91000, "body, emotional")]
    assert eaf.get_annotation_data_for_tier("comments")[0][2] == "SUP: Good non-directive pacing"
    assert eaf.get_annotation_data_for_tier("flagged lines") == [(80000, 84000, "low")]
    client = eaf.get_annotation_data_for_tier("client speech")
    assert (14000, 16000, "I see a garden") in client
    assert [a[2] for a in eaf.get_annotation_data_for_tier("guide speech")] == [
        "What do you notice?"
    ]
    pieces = eaf.get_annotation_data_for_tier("pieces")
    assert (pieces[0][0], pieces[0][2]) == (10000, "Bach, Air on the G String")
    assert len(pieces) == 4  # the pause splits Bach in two
    assert (40000, 45000, "[music paused]") in pieces
    assert eaf.get_annotation_data_for_tier("phases")[0][2] == "induction"
    media = eaf.get_linked_files()[0]
    assert media["RELATIVE_MEDIA_URL"] == "./sessions/s-sample/mic.wav"
    # pympi writes it back out the way ELAN does: our file survives a round trip.
    eaf.to_file(str(tmp_path / "again.eaf"))
    assert Eaf(str(tmp_path / "again.eaf")).get_annotation_data_for_tier("client speech") == client


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_deidentified_exports_hold_no_names(name: str) -> None:
    clean = deidentify(sample_record("AB12"), ["Anna", "Bob"])
    data = render(clean, name)
    if name == "docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(c.text for r in document.tables[0].rows for c in r.cells)
        text += document.sections[0].header.paragraphs[0].text
    elif name == "qdpx":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "".join(n + archive.read(n).decode() for n in archive.namelist())
    else:
        text = data.decode()
    for secret in ("AB12", "Anna", "Bob"):
        assert secret not in text
    assert get_format(name).suffix.startswith(".")


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown export format"):
        get_format("pdf")


def test_eaf_follows_the_eaf_3_structure() -> None:
    """The order and references EAF 3.0's schema demands (the XSD itself is not shipped)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(render(sample_record(), "eaf"))
    order = [child.tag for child in root]
    assert order[:2] == ["HEADER", "TIME_ORDER"]
    tiers = order.index("LINGUISTIC_TYPE")
    assert set(order[2:tiers]) == {"TIER"} and set(order[tiers + 1 :]) == {"CONSTRAINT"}
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", "-1")) for s in root.iter("TIME_SLOT")}
    ids = [a.get("ANNOTATION_ID") for a in root.iter("ALIGNABLE_ANNOTATION")]
    assert len(ids) == len(set(ids))
    for a in root.iter("ALIGNABLE_ANNOTATION"):
        assert slots[a.get("TIME_SLOT_REF1")] < slots[a.get("TIME_SLOT_REF2")]
    last = root.find("HEADER/PROPERTY[@NAME='lastUsedAnnotationId']")
    assert last is not None and int(last.text or 0) == len(ids)
    assert {t.get("LINGUISTIC_TYPE_REF") for t in root.iter("TIER")} == {"default-lt"}

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


def test_srt_and_vtt() -> None:
    srt = render(sample_record(), "srt").decode()
    assert srt.startswith("1\n00:00:14,000 --> 00:00:16,000\nI see a garden\n")
    assert "00:00:20,000 --> 00:00:22,000\nG: What do you notice?" in srt
    assert srt.count(" --> ") == 5
    vtt = render(sample_record(), "vtt").decode()
    assert vtt.startswith("WEBVTT\n\n00:00:14.000 --> 00:00:16.000\nI see a garden\n")


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
        "client speech", "guide speech", "interventions", "observations", "pieces", "phases",
    }  # fmt: skip
    client = eaf.get_annotation_data_for_tier("client speech")
    assert (14000, 16000, "I see a garden") in client
    assert [a[2] for a in eaf.get_annotation_data_for_tier("guide speech")] == [
        "What do you notice?"
    ]
    pieces = eaf.get_annotation_data_for_tier("pieces")
    assert (pieces[0][0], pieces[0][2]) == (10000, "Bach, Air on the G String")
    assert len(pieces) == 3  # the pause splits Bach in two
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
    else:
        text = data.decode()
    for secret in ("AB12", "Anna", "Bob"):
        assert secret not in text
    assert get_format(name).suffix.startswith(".")


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown export format"):
        get_format("pdf")

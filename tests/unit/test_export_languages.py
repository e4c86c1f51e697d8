"""Exports of a session in another language and script: named in the header, the text
intact in UTF-8 (SRT, VTT, EAF, JSON) and marked as its language in Word and HTML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from gim.core.session import Segment
from gim.export import render
from tests.support.sample import sample_record

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def record_in(language: str, *lines: str):  # type: ignore[no-untyped-def]
    record = sample_record()
    record.session.language = language
    for n, text in enumerate(lines):
        record.segments.append(Segment(200.0 + 10 * n, 205.0 + 10 * n, text))
    return record


def test_a_danish_session_says_so_and_keeps_its_letters() -> None:
    record = record_in("da", "Jeg føler en varme i brystet, Søren er her", "Æblet er rødt")
    md = render(record, "md").decode("utf-8")
    assert "Language" in md and "Danish" in md
    assert "Jeg føler en varme i brystet" in md
    for fmt in ("srt", "vtt", "eaf", "json"):
        text = render(record, fmt).decode("utf-8")
        assert "Jeg føler en varme i brystet" in text and "Æblet er rødt" in text, fmt
    html = render(record, "html").decode("utf-8")
    assert '<html lang="da">' in html and "Æblet er rødt" in html


def test_an_english_session_header_does_not_name_its_language() -> None:
    assert "Language" not in render(record_in("en"), "md").decode("utf-8")


@pytest.mark.parametrize(("language", "font"), [("zh", "SimSun"), ("fr", None)])
def test_word_marks_the_language_and_gives_east_asian_text_a_font(
    language: str, font: str | None
) -> None:
    line = "我看见一片森林" if language == "zh" else "Je vois une forêt"
    data = render(record_in(language, line), "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = ET.fromstring(archive.read("word/styles.xml"))
        document = archive.read("word/document.xml").decode("utf-8")
    assert line in document
    normal = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "Normal")
    lang = normal.find(f"{W}rPr/{W}lang")
    assert lang is not None and lang.get(f"{W}val") == language
    fonts = normal.find(f"{W}rPr/{W}rFonts")
    assert (fonts.get(f"{W}eastAsia") if fonts is not None else None) == font

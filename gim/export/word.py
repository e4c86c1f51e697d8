"""The GIM transcript as a Word document (python-docx), laid out for a supervisor.

A4 or Letter with 2.5 cm (1 in) margins, a running header on every page (client code,
session date, "Confidential"), "Page n of m" in the footer, the session details as a
two-column table whose labels take a narrow column, one heading per phase and per piece,
and the postlude with the mandala and its title as a caption kept on one page.
"""

from __future__ import annotations

import io
from typing import Any

from gim.core.layout import Footer, Header, PhaseHeading, transcript_blocks
from gim.core.record import SessionRecord
from gim.core.session import Phase
from gim.export import ExportOptions
from gim.export.docx_properties import set_core_properties
from gim.export.transcript import body_line, footer_items, header_items

PAPER = {"a4": (21.0, 29.7, 2.5), "letter": (21.59, 27.94, 2.54)}
"""Page width, height and margin in centimetres per paper name."""

LABEL_COLUMN_CM = 4.5
"""Width of the labels column of the session details table."""


EAST_ASIAN_FONTS = {
    "zh": "SimSun",
    "yue": "PMingLiU",
    "ja": "MS Mincho",
    "ko": "Malgun Gothic",
}
"""A font Word has for each East Asian script (Word's own choice otherwise shows boxes on
machines set up for Latin text)."""


def _language(document: Any, language: str) -> None:
    """Mark the text as ``language`` (spelling, hyphenation, font fallback) and give East
    Asian text a font that has its characters."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    lang.set(qn("w:bidi"), language)
    rpr.append(lang)
    font = EAST_ASIAN_FONTS.get(language)
    if font:
        fonts = rpr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), font)


def docx_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The transcript as a .docx file: header table, headings per phase and piece, lines."""
    import docx
    from docx.shared import Cm, Pt, RGBColor

    blocks = transcript_blocks(record, private=options.private)
    head, foot = blocks[0], blocks[-1]
    assert isinstance(head, Header) and isinstance(foot, Footer)
    document = docx.Document()
    set_core_properties(document, record, options.title)
    document.styles["Normal"].font.size = Pt(11)
    _language(document, record.session.language)
    text_width = _page(document, options.paper)
    _running_header(document, head)
    _page_numbers(document)
    document.add_heading(options.title, level=0)
    _details(document, header_items(head), text_width)
    grey = RGBColor(0x88, 0x88, 0x88)
    for block in blocks[1:-1]:
        line = body_line(block, options.flags)
        if line is None:
            continue
        if line.style == "phase":
            document.add_heading(f"{line.text} ({line.time})", level=1)
            continue
        if line.style == "piece":
            document.add_heading(f"{line.time}  ♪ {line.text}", level=2)
            if line.detail:
                document.add_paragraph().add_run(line.detail).italic = True
            continue
        paragraph = document.add_paragraph()
        stamp = paragraph.add_run(line.time + "  ")
        stamp.font.size = Pt(8)
        stamp.font.color.rgb = grey
        run = paragraph.add_run(line.text)
        if line.style == "observation":
            run.italic = True
        elif line.style == "note":
            paragraph.paragraph_format.left_indent = Cm(1)
            run.font.color.rgb = RGBColor(0x66, 0x55, 0x44)
        if line.flagged:
            paragraph.add_run("  (check)").font.color.rgb = RGBColor(0xBB, 0x66, 0x00)
    _postlude(document, record, foot, options)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _postlude(document: Any, record: SessionRecord, foot: Footer, options: ExportOptions) -> None:
    """Return, postlude notes and the mandala, under the postlude heading (one, never two).

    The items, the picture and its caption are kept with each other so the mandala never
    lands alone on a page.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    items = footer_items(foot)
    if not items and not options.mandala:
        return
    in_postlude = any(
        isinstance(b, PhaseHeading) and b.phase is Phase.POSTLUDE
        for b in transcript_blocks(record, private=False)
    )
    if not in_postlude:
        document.add_heading("Postlude", level=1).paragraph_format.keep_with_next = True
    for key, value in items:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.keep_with_next = bool(options.mandala)
        paragraph.add_run(f"{key}: ").bold = True
        paragraph.add_run(value)
    if options.mandala:
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(options.mandala), width=Cm(7))
        caption = document.add_paragraph(
            "Mandala" + (f": {foot.mandala_title}" if foot.mandala_title else ""),
            style="Caption",
        )
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _page(document: Any, paper: str) -> float:
    """Set the page size and margins; returns the text width in centimetres."""
    from docx.shared import Cm

    width, height, margin = PAPER.get(paper, PAPER["a4"])
    for section in document.sections:
        section.page_width, section.page_height = Cm(width), Cm(height)
        section.left_margin = section.right_margin = Cm(margin)
        section.top_margin = section.bottom_margin = Cm(margin)
        section.header_distance = section.footer_distance = Cm(1.2)
    return width - 2 * margin


def _running_header(document: Any, head: Header) -> None:
    """Client code (or "Client"), date and "Confidential" at the top of every page."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Pt, RGBColor

    section = document.sections[0]
    paragraph = section.header.paragraphs[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    stops = paragraph.paragraph_format.tab_stops
    stops.add_tab_stop(text_width // 2, WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    session = f"Session {head.number}, {head.date}" if head.number is not None else head.date
    run = paragraph.add_run(f"{head.client or 'Client'}\t{session}\tConfidential")
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _page_numbers(document: Any) -> None:
    """ "Page n of m" centred in the footer of every page (Word fields, filled when shown)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
        if part.isupper():
            _field(paragraph, part)
        else:
            paragraph.add_run(part).font.size = Pt(9)


def _field(paragraph: Any, code: str) -> None:
    """A simple Word field (PAGE, NUMPAGES) with a placeholder value until it is updated."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = f" {code} "
    for element in (char("begin"), instruction, char("separate")):
        run = paragraph.add_run()
        run.font.size = Pt(9)
        run._r.append(element)
    paragraph.add_run("1").font.size = Pt(9)
    run = paragraph.add_run()
    run._r.append(char("end"))


def _details(document: Any, items: list[tuple[str, str]], text_width: float) -> None:
    """The session details as a borderless table: narrow labels, values beside them."""
    from docx.shared import Cm

    table = document.add_table(rows=len(items), cols=2)
    table.autofit = False
    widths = (Cm(LABEL_COLUMN_CM), Cm(text_width - LABEL_COLUMN_CM))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row, (key, value) in zip(table.rows, items, strict=True):
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        row.cells[0].paragraphs[0].add_run(key).bold = True
        row.cells[1].text = value
    document.add_paragraph()

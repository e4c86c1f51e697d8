"""The GIM transcript as a Word document (python-docx)."""

from __future__ import annotations

import io

from gim.core.layout import Footer, Header, transcript_blocks
from gim.core.record import SessionRecord
from gim.export import ExportOptions
from gim.export.docx_properties import set_core_properties
from gim.export.transcript import body_line, footer_items, header_items


def docx_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The transcript as a .docx file: header table, headings per phase and piece, lines."""
    import docx
    from docx.shared import Cm, Pt, RGBColor

    blocks = transcript_blocks(record, private=options.private)
    head, foot = blocks[0], blocks[-1]
    assert isinstance(head, Header) and isinstance(foot, Footer)
    document = docx.Document()
    set_core_properties(document, record, options.title)
    document.add_heading(options.title, level=0)
    items = header_items(head)
    table = document.add_table(rows=len(items), cols=2)
    for row, (key, value) in zip(table.rows, items, strict=True):
        row.cells[0].text = key
        row.cells[1].text = value
    grey = RGBColor(0x88, 0x88, 0x88)
    for block in blocks[1:-1]:
        line = body_line(block)
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
    items = footer_items(foot)
    if items or options.mandala:
        document.add_heading("Postlude", level=1)
    for key, value in items:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{key}: ").bold = True
        paragraph.add_run(value)
    if options.mandala:
        document.add_picture(io.BytesIO(options.mandala), width=Cm(8))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

"""The GIM transcript as Markdown and as printable, self-contained HTML."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from gim.core.clock import mmss
from gim.core.layout import (
    Block,
    ClientLine,
    Footer,
    GapNote,
    Header,
    Intervention,
    MusicPause,
    Note,
    Observation,
    PhaseHeading,
    PieceHeading,
    transcript_blocks,
)
from gim.core.record import SessionRecord
from gim.core.session import AnnotationKind
from gim.export import ExportOptions


@dataclass(frozen=True)
class Line:
    """One rendered transcript line, shared by every document format."""

    style: str
    """phase, piece, client, guide, observation (also a music pause), note."""
    time: str
    """Session time as ``m:ss``."""
    text: str
    """What the line says (plain text)."""
    detail: str = ""
    """Secondary text: the recording under a piece heading."""
    flagged: bool = False
    """A suspect line the guide should check."""


def header_items(head: Header) -> list[tuple[str, str]]:
    """The header as label/value pairs, leaving out empty values."""
    items = [
        ("Date", head.date),
        ("Session", str(head.number) if head.number is not None else ""),
        ("Client", head.client),
        ("Focus", head.focus),
        ("Induction", head.induction),
        ("Program", head.program),
        ("Changes to the program", " / ".join(head.changes)),
        ("Guide", head.guide),
        ("Language", head.language),
        ("Speaker labels", head.speaker_labels),
    ]
    return [(k, v) for k, v in items if v]


def footer_items(foot: Footer) -> list[tuple[str, str]]:
    """The footer as label/value pairs, leaving out empty values."""
    mandala = " — ".join(x for x in (foot.mandala_title, foot.mandala_description) if x)
    items = [
        ("Return", mmss(foot.return_time) if foot.return_time is not None else ""),
        ("Postlude notes", foot.postlude_notes),
        ("Mandala", mandala),
    ]
    return [(k, v) for k, v in items if v]


def body_line(block: Block, flags: bool = True) -> Line | None:
    """The line for one body block (None for header and footer).

    Args:
        block: A body block of the layout.
        flags: Mark suspect lines for the guide to check (False in a client's copy).
    """
    t = mmss(block.time)
    if isinstance(block, PhaseHeading):
        return Line("phase", t, str(block.phase).capitalize())
    if isinstance(block, PieceHeading):
        text = block.title + (" (repeat)" if block.repeat else "")
        if block.offset >= 1:
            text += f", from {mmss(block.offset)}"
        return Line("piece", t, text, block.recording)
    if isinstance(block, ClientLine):
        return Line("client", t, block.text, flagged=flags and block.flagged)
    if isinstance(block, Intervention):
        return Line("guide", t, f"G: {block.text}")
    if isinstance(block, Observation):
        return Line("observation", t, f"[{block.text}]")
    if isinstance(block, MusicPause):
        return Line("observation", t, f"[{block.text}]")
    if isinstance(block, Note):
        return Line("note", t, note_text(block))
    if isinstance(block, GapNote):
        return Line("gap", t, f"[{block.text}]")
    return None


def note_text(note: Note) -> str:
    """A marker, tag or comment as one line."""
    if note.kind is AnnotationKind.TAG:
        label = "Tags: " + ", ".join(note.tags)
        return f"{label} — {note.text}" if note.text else label
    name = {AnnotationKind.MARKER: "Marker", AnnotationKind.COMMENT: "Comment"}.get(
        note.kind, str(note.kind).capitalize()
    )
    if note.author:
        name += f" ({note.author})"
    return f"{name}: {note.text}" if note.text else name


def markdown(record: SessionRecord, options: ExportOptions) -> str:
    """The transcript as Markdown."""
    blocks = transcript_blocks(record, private=options.private)
    head, foot = blocks[0], blocks[-1]
    assert isinstance(head, Header) and isinstance(foot, Footer)
    out = [f"# {options.title}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in header_items(head)]
    out.append("")
    for block in blocks[1:-1]:
        line = body_line(block, options.flags)
        if line is None:
            continue
        if line.style == "phase":
            out += [f"## {line.text} ({line.time})", ""]
        elif line.style == "piece":
            out += [f"### {line.time} ♪ {_md(line.text)}", ""]
            if line.detail:
                out += [f"*{_md(line.detail)}*", ""]
        elif line.style == "note":
            out += [f"> {line.time} {_md(line.text)}", ""]
        else:
            flag = " ⚑ *(check)*" if line.flagged else ""
            out += [f"**{line.time}** {_md(line.text)}{flag}", ""]
    items = footer_items(foot)
    if items or options.mandala:
        out += ["---", ""] + [f"- **{k}:** {_md(v)}" for k, v in items] + [""]
    if options.mandala:
        # Embedded, so the one .md file carries the picture (pandoc and most viewers show it).
        data = base64.b64encode(options.mandala).decode("ascii")
        alt = _md("Mandala" + (f": {foot.mandala_title}" if foot.mandala_title else ""))
        out += [f"![{alt}](data:{options.mandala_type};base64,{data})", ""]
    return "\n".join(out)


def markdown_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The Markdown transcript as UTF-8."""
    return markdown(record, options).encode("utf-8")


def _md(text: str) -> str:
    """Keep Markdown from reading transcript text as markup."""
    text = " ".join(text.split())
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 42em; margin: 2em auto;
  padding: 0 1em; color: #222; line-height: 1.5; background: #fdfcf8; }
h1 { font-weight: normal; font-size: 1.6em; border-bottom: 1px solid #ccc; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.meta dt { color: #666; } dl.meta dd { margin: 0; }
h2.phase { font-size: 1em; text-transform: uppercase; letter-spacing: .1em; color: #777;
  margin-top: 2em; }
h3.piece { font-size: 1.05em; margin: 1.5em 0 .2em; color: #334; }
p.recording { margin: 0 0 .8em; color: #777; font-style: italic; }
p.line { margin: .3em 0; } span.time { color: #999; font-size: .85em; margin-right: .6em;
  font-family: sans-serif; }
p.guide { color: #335; } p.observation { color: #666; font-style: italic; }
p.note { margin: .3em 0 .3em 2em; padding-left: .6em; border-left: 3px solid #d8c8a0;
  color: #654; font-size: .92em; }
p.flagged::after { content: " ⚑"; color: #b60; }
footer { margin-top: 2.5em; border-top: 1px solid #ccc; }
img.mandala { max-width: 60%; display: block; margin: 1em auto; border-radius: 50%; }
@media (max-width: 32em) {
  dl.meta { grid-template-columns: 1fr; gap: 0; }
  dl.meta dd { margin-bottom: .4em; }
}
@media print {
  body { background: white; margin: 0; max-width: none; font-size: 11pt; }
  h2.phase, h3.piece { page-break-after: avoid; break-after: avoid; }
  p.line { page-break-inside: avoid; break-inside: avoid; }
  p.flagged::after { content: " (check)"; color: black; }
  img.mandala { max-width: 50%; page-break-inside: avoid; }
  @page { margin: 2cm; }
}
"""


def html_document(record: SessionRecord, options: ExportOptions) -> str:
    """The transcript as one self-contained HTML page with a print stylesheet."""
    e = html.escape
    blocks = transcript_blocks(record, private=options.private)
    head, foot = blocks[0], blocks[-1]
    assert isinstance(head, Header) and isinstance(foot, Footer)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(record.session.language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(options.title)} {e(head.date)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(options.title)}</h1>",
        '<dl class="meta">',
    ]
    out += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in header_items(head)]
    out.append("</dl><main>")
    for block in blocks[1:-1]:
        line = body_line(block, options.flags)
        if line is None:
            continue
        time = f'<span class="time">{e(line.time)}</span>'
        if line.style == "phase":
            out.append(f'<h2 class="phase">{e(line.text)} {time}</h2>')
        elif line.style == "piece":
            out.append(f'<h3 class="piece">{time}♪ {e(line.text)}</h3>')
            if line.detail:
                out.append(f'<p class="recording">{e(line.detail)}</p>')
        else:
            cls = f"line {line.style}" + (" flagged" if line.flagged else "")
            out.append(f'<p class="{cls}">{time}{e(line.text)}</p>')
    out.append("</main><footer>")
    out += [f"<p><strong>{e(k)}:</strong> {e(v)}</p>" for k, v in footer_items(foot)]
    if options.mandala:
        data = base64.b64encode(options.mandala).decode("ascii")
        alt = e(foot.mandala_title or "Mandala")
        out.append(
            f'<img class="mandala" alt="{alt}" src="data:{e(options.mandala_type)};base64,{data}">'
        )
    out.append("</footer></body></html>")
    return "\n".join(out)


def html_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The HTML transcript as UTF-8."""
    return html_document(record, options).encode("utf-8")

"""An Audacity label track: tab-separated start, end and text in seconds."""

from __future__ import annotations

from gim.core.layout import (
    ClientLine,
    GapNote,
    Intervention,
    MusicPause,
    Note,
    Observation,
    PhaseHeading,
    PieceHeading,
    transcript_blocks,
)
from gim.core.record import SessionRecord
from gim.export import ExportOptions
from gim.export.transcript import note_text


def labels(record: SessionRecord, options: ExportOptions) -> list[tuple[float, float, str]]:
    """(start, end, text) per label: lines as regions, everything else as points."""
    out: list[tuple[float, float, str]] = []
    for block in transcript_blocks(record, private=options.private)[1:-1]:
        if isinstance(block, ClientLine):
            out.append((block.segment.start, block.segment.end, block.text))
        elif isinstance(block, Intervention):
            end = block.segment.end if block.segment else block.time
            out.append((block.time, end, f"G: {block.text}"))
        elif isinstance(block, Observation):
            out.append((block.time, block.time, f"[{block.text}]"))
        elif isinstance(block, MusicPause):
            out.append((block.time, block.end, "[music paused]"))
        elif isinstance(block, PieceHeading):
            out.append((block.time, block.time, f"♪ {block.title}"))
        elif isinstance(block, PhaseHeading):
            out.append((block.time, block.time, str(block.phase).capitalize()))
        elif isinstance(block, Note):
            out.append((block.time, block.time, note_text(block)))
        elif isinstance(block, GapNote):
            out.append((block.time, block.end, f"[{block.text}]"))
    return out


def labels_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """The label track file (tabs and newlines inside text become spaces)."""
    rows = [
        f"{start:.6f}\t{max(start, end):.6f}\t{' '.join(text.split())}\n"
        for start, end, text in labels(record, options)
    ]
    return "".join(rows).encode("utf-8")

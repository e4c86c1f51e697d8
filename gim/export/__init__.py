"""Exports of a session: one module per format, chosen here by name.

Every format is a pure function of a `SessionRecord` and `ExportOptions` returning bytes;
reading audio or pictures and writing files is the caller's job (the CLI, the review
screen), so each format can be tested with records built in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gim.core.record import SessionRecord
from gim.errors import InputError


@dataclass(frozen=True)
class Recording:
    """A recording an export carries inside it (a REFI-QDA project's audio source)."""

    name: str
    """What the QDA program shows ("Microphone recording")."""
    data: bytes
    """The file's bytes."""
    suffix: str = ".flac"
    """Its file name suffix, with the dot."""


@dataclass(frozen=True)
class ExportOptions:
    """What an export includes."""

    private: bool = True
    """Include the guide's private annotations (markers, tags, comments)."""
    media: str | None = None
    """Path of the session's microphone recording relative to the export (EAF links it)."""
    media_url: str | None = None
    """Absolute ``file://`` URL of that recording, when it may appear in the export."""
    mandala: bytes | None = None
    """The mandala picture, embedded by HTML and DOCX."""
    mandala_type: str = "image/png"
    """Its MIME type."""
    title: str = "GIM session transcript"
    """Title at the top of transcript documents."""
    flags: bool = True
    """Mark the lines the guide should check (left out of a client's copy)."""
    paper: str = "a4"
    """Page size of paged documents (DOCX): "a4" or "letter"."""
    recordings: tuple[Recording, ...] = ()
    """Recordings carried inside the export (REFI-QDA); read by the caller."""


@dataclass(frozen=True)
class Format:
    """One export format."""

    name: str
    """Name on the command line (``--format``)."""
    suffix: str
    """File name suffix, with the dot."""
    description: str
    """One line for help texts and menus."""
    render: Callable[[SessionRecord, ExportOptions], bytes]
    """The record as the file's bytes."""


def _formats() -> dict[str, Format]:
    from gim.export import audacity, eaf, qdpx, record_json, subtitles, transcript, word

    items = [
        Format("md", ".md", "GIM transcript as Markdown", transcript.markdown_bytes),
        Format("html", ".html", "GIM transcript, printable HTML", transcript.html_bytes),
        Format("docx", ".docx", "GIM transcript as a Word document", word.docx_bytes),
        Format("srt", ".srt", "Subtitles (SRT) of the session recording", subtitles.srt_bytes),
        Format("vtt", ".vtt", "Subtitles (WebVTT) of the session recording", subtitles.vtt_bytes),
        Format("eaf", ".eaf", "ELAN annotation file linked to the recording", eaf.eaf_bytes),
        Format("audacity", ".txt", "Audacity label track", audacity.labels_bytes),
        Format("json", ".json", "Everything in the session as JSON", record_json.json_bytes),
        Format("qdpx", ".qdpx", "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo)", qdpx.qdpx_bytes),
    ]
    return {f.name: f for f in items}


FORMAT_NAMES = ("md", "html", "docx", "srt", "vtt", "eaf", "audacity", "json", "qdpx")
"""Every format name, in the order menus show them."""


def get_format(name: str) -> Format:
    """The format called ``name``; InputError when there is none."""
    formats = _formats()
    if name not in formats:
        raise InputError(f"Unknown export format {name!r}: use one of {', '.join(FORMAT_NAMES)}.")
    return formats[name]


def render(record: SessionRecord, name: str, options: ExportOptions | None = None) -> bytes:
    """``record`` exported as format ``name``."""
    return get_format(name).render(record, options or ExportOptions())

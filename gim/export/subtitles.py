"""SRT and WebVTT subtitles of the session recording (client and guide lines)."""

from __future__ import annotations

from gim.core.layout import music_pauses
from gim.core.record import SessionRecord
from gim.core.session import Speaker
from gim.export import ExportOptions


def cues(record: SessionRecord) -> list[tuple[float, float, str]]:
    """(start, end, text) per spoken line in session seconds; guide lines start ``G:``.

    A pause in the music is a cue of its own, ``[music paused]``, over the silence.
    """
    out = [(p.time, p.end, "[music paused]") for p in music_pauses(record)]
    for segment in sorted(record.segments, key=lambda s: s.start):
        text = " ".join(segment.text.split())
        if not text:
            continue
        if segment.speaker is Speaker.GUIDE:
            text = f"G: {text}"
        out.append((segment.start, max(segment.end, segment.start + 0.001), text))
    return sorted(out)


def timestamp(seconds: float, separator: str) -> str:
    """``hh:mm:ss<sep>mmm`` as subtitle formats write times."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def srt(record: SessionRecord) -> str:
    """The spoken lines as SRT."""
    parts = []
    for n, (start, end, text) in enumerate(cues(record), 1):
        parts.append(f"{n}\n{timestamp(start, ',')} --> {timestamp(end, ',')}\n{text}\n")
    return "\n".join(parts)


def vtt(record: SessionRecord) -> str:
    """The spoken lines as WebVTT."""
    parts = ["WEBVTT\n"]
    for start, end, text in cues(record):
        # WebVTT names a cue's speaker with a voice tag (players show it; SRT has none)
        if text.startswith("G: "):
            text = "<v Guide>" + _escaped(text[3:])
        elif not text.startswith("[music paused]"):
            text = _escaped(text)
        # "-->" inside a cue would end it early.
        parts.append(
            f"{timestamp(start, '.')} --> {timestamp(end, '.')}\n{text.replace('-->', '->')}\n"
        )
    return "\n".join(parts)


def _escaped(text: str) -> str:
    """Text safe inside a WebVTT cue (``<`` would open a tag, ``&`` an entity)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """SRT as UTF-8."""
    return srt(record).encode("utf-8")


def vtt_bytes(record: SessionRecord, options: ExportOptions) -> bytes:
    """WebVTT as UTF-8."""
    return vtt(record).encode("utf-8")

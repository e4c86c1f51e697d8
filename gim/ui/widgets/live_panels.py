"""The live screen's small panels: what is being recorded, the warnings, the key bar.

Each is a `Static` the live screen updates from its poll or its runner messages; none
talks to the runner itself.
"""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Static

from gim.core.clock import mmss
from gim.core.session import Consent

SHOWN_WARNINGS = 3
"""Warnings the panel shows (newest first); the panel is three lines high."""


def recording_state(
    started: bool, consent: Consent, in_music: bool, recorded: float, silent: float | None
) -> str:
    """What is being recorded now, in the guide's words (consent honoured).

    Args:
        started: the session has started.
        consent: what the client agreed may be recorded.
        in_music: the session is in its music phase.
        recorded: seconds of microphone audio on disk.
        silent: where the microphone stopped sending sound, while it sends none.
    """
    if not started:
        return "○ starting"
    if consent is Consent.NONE:
        return "○ not recording (no consent)"
    if consent is Consent.MUSIC and not in_music:
        return "○ not recording (music only)"
    if silent is not None:
        return f"[b $error]○ not recording since {mmss(silent)}[/]"
    if consent is Consent.MUSIC:
        return f"● recording {mmss(recorded)} (music only)"
    return f"● recording {mmss(recorded)}"


class SessionStatus(Static):
    """The recording state, the session clock, free disk and audio dropouts."""

    def show(self, state: str, elapsed: float, disk_free: int, xruns: int) -> None:
        """Show ``state`` (from `recording_state`) and the session's figures."""
        dropouts = f"\n{xruns} short audio dropout{'s' if xruns != 1 else ''}" if xruns else ""
        self.update(f"{state}\nsession {mmss(elapsed)} · {disk_free / 1e9:.1f} GB free{dropouts}")


class WarningsPanel(Static):
    """The session's warnings, each once, newest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-empty")
        self.warnings: list[str] = []
        """Warnings shown, oldest first."""

    def note(self, text: str) -> None:
        """Show ``text`` unless it was shown already."""
        if not text or text in self.warnings:
            return
        self.warnings.append(text)
        self.remove_class("-empty")
        # newest first: the panel shows three lines, and a long older warning must not
        # hide the newest (the microphone being back below its stall)
        shown = reversed(self.warnings[-SHOWN_WARNINGS:])
        self.update("\n".join(f"• {escape(w)}" for w in shown))


def keys(music_started: bool) -> str:
    """Every key the guide needs, two lines that fit 80 columns; before the music, the
    key that starts it stands out."""
    start = "s music" if music_started else "[reverse] s start music [/]"
    return (
        f"[b]{start}[/]  [b]␣[/] pause  [b]f[/] fade  [b]n[/]/[b]p[/] piece  "
        "[b].[/] next phase  [b],[/] back\n"
        "[b]m[/] mark  [b]g[/] G:  [b]o[/] \\[obs]  [b]t[/] tag line  "
        "[b]^e[/] end session  [b]^p[/] more"
    )


class KeyBar(Static):
    """The key bar (see `keys`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(keys(False), id=id)

    def show(self, music_started: bool) -> None:
        """Show the keys as they stand."""
        self.update(keys(music_started))

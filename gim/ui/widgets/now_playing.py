"""Now playing: the piece, composer and recording, with times in the piece and program."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gim.core.clock import mmss
from gim.core.program import Program


class NowPlaying(Widget):
    """The sounding piece with elapsed/remaining in the piece and in the program."""

    DEFAULT_CSS = """
    NowPlaying { height: 4; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    piece: reactive[int | None] = reactive(None)
    """Index of the piece sounding; None before the music or after it."""
    piece_offset: reactive[float] = reactive(0.0)
    """Seconds into the piece."""
    program_elapsed: reactive[float] = reactive(0.0)
    """Seconds of the program heard so far."""
    paused: reactive[bool] = reactive(False)
    """The music is paused."""
    note: reactive[str] = reactive("No music playing.")
    """What to say when no piece is sounding."""

    def __init__(self, program: Program | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.program = program
        """The program being played."""

    def render(self) -> Text:
        program = self.program
        text = Text(no_wrap=True, overflow="ellipsis")
        if program is None or self.piece is None or self.piece >= len(program.pieces):
            text.append(self.note, style="#8f8476")
            if program is not None:
                text.append(f"\n{program.title} · {mmss(program.duration)}", style="#6f665c")
            return text
        piece = program.pieces[self.piece]
        state = "paused" if self.paused else "playing"
        text.append(f"♪ {self.piece + 1}/{len(program.pieces)} ", style="#8f8476")
        text.append(piece.title, style="bold #d0bfa8")
        text.append(f"\n{piece.performer or 'recording not named'}", style="#8f8476")
        left = max(0.0, piece.duration - self.piece_offset)
        program_left = max(0.0, program.duration - self.program_elapsed)
        # the time left comes first on its line, so a narrow pane never cuts it
        text.append(
            f"\n{mmss(left)} left · {state} at {mmss(self.piece_offset)}"
            f"\n{mmss(program_left)} left in program",
            style="#a0765a" if self.paused else "#8f8476",
        )
        return text

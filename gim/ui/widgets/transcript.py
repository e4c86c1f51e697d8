"""The transcript in the guide's layout: piece headings, client lines, ``G:`` and ``[…]``."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option

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
)

REVERSE = Style(reverse=True)
"""How the word heard is picked out."""


def word_at(block: Block, seconds: float) -> int | None:
    """Which of a client line's timed words sounds at ``seconds`` (None: no word times, or
    words that no longer spell the line, as after an edit)."""
    if not isinstance(block, ClientLine) or not block.segment.words:
        return None
    words = block.segment.words
    if " ".join(w.text.strip() for w in words) != " ".join(block.text.split()):
        return None
    said = [i for i, w in enumerate(words) if w.start <= seconds]
    return said[-1] if said and seconds < words[-1].end + 0.5 else None


def render_block(block: Block, *, piece_times: bool = False) -> str:
    """One block as Textual markup, as a guide reads it on screen.

    Args:
        block: The layout block.
        piece_times: Also show the piece and offset of each client line (live view).
    """
    when = f"[dim]{mmss(block.time):<7}[/] "
    if isinstance(block, Header):
        # Kept to three lines at most: at 80x24 the transcript itself must fill the pane.
        parts = [block.date, f"session {block.number}" if block.number else "", block.client]
        lines = [" · ".join(escape(p) for p in [*parts, block.program, block.language] if p)]
        if block.focus:
            lines.append(f"Focus: {escape(block.focus)}")
        dim = [*block.changes]
        if block.speaker_labels:  # how G: lines were told apart from the client's
            dim.append(f"Speaker labels: {block.speaker_labels}")
        if dim:
            lines.append(f"[dim]{escape(' · '.join(dim))}[/]")
        return "\n".join(lines)
    if isinstance(block, MusicPause):
        return f"[dim]{mmss(block.time):<7}    ‖ {escape(block.text)}[/]"
    if isinstance(block, PhaseHeading):
        return f"[dim]{mmss(block.time):<7} ── {block.phase.value} ──[/]"
    if isinstance(block, PieceHeading):
        extra = " (again)" if block.repeat else ""
        if block.offset >= 1:
            extra += f" from {mmss(block.offset)}"
        recording = f"  [dim]{escape(block.recording)}[/]" if block.recording else ""
        return f"{when}[b $accent]♪ {escape(block.title)}{extra}[/]{recording}"
    if isinstance(block, ClientLine):
        segment = block.segment
        place = ""
        if piece_times and segment.piece is not None:
            offset = mmss(segment.piece_offset or 0.0)
            place = f"[dim]♪{segment.piece + 1} {offset}[/]  "
        text = escape(block.text) or "[dim]…[/]"
        if block.flagged:
            reason = escape(segment.flag_reason or "check this line")
            return f"{when}{place}[$warning]▍[/]{text}  [dim i]· {reason}[/]"
        edited = " [dim]✎ edited[/]" if segment.source.value == "edited" else ""
        return f"{when}{place} {text}{edited}"
    if isinstance(block, Intervention):
        return f"{when} [$secondary]G: {escape(block.text)}[/]"
    if isinstance(block, Observation):
        return f"{when} [i $secondary]{escape('[' + block.text.strip('[]') + ']')}[/]"
    if isinstance(block, Note):
        tags = f"#{' #'.join(block.tags)} " if block.tags else ""
        who = f" — {escape(block.author)}" if block.author else ""
        # A comment's sign differs from an edited line's ✎: they mean different things.
        label = {"marker": "◆ mark", "tag": "", "comment": "❝ comment"}.get(block.kind.value, "")
        return f"[dim]{mmss(block.time):<7}    {label} {escape(tags)}{escape(block.text)}{who}[/]"
    if isinstance(block, GapNote):
        return f"{when} [$warning]{escape('[' + block.text + ']')}[/]"
    if isinstance(block, Footer):
        lines = ["[dim]── end ──[/]"]
        if block.return_time is not None:
            lines.append(f"Return at {mmss(block.return_time)}")
        if block.postlude_notes:
            lines.append(f"Postlude: {escape(block.postlude_notes)}")
        if block.mandala_title or block.mandala_description:
            desc = f" — {escape(block.mandala_description)}" if block.mandala_description else ""
            lines.append(f"Mandala: {escape(block.mandala_title)}{desc}")
        return "\n".join(lines)
    return escape(str(block))


class TranscriptView(OptionList):
    """The transcript as a list the guide moves through; every line is selectable.

    Args:
        piece_times: Show the piece and offset of each client line (live view).
    """

    class LineChosen(Message):
        """The guide pressed enter on a line (review plays that moment)."""

        def __init__(self, view: TranscriptView, block: Block) -> None:
            super().__init__()
            self.view = view
            """The transcript the line belongs to."""
            self.block = block
            """The chosen block."""

    highlighted: reactive[int | None] = reactive(None, repaint=False)
    """The highlighted line (OptionList's, drawn again only where it changed)."""

    def __init__(self, *, piece_times: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.piece_times = piece_times
        """Show piece and offset on client lines."""
        self.blocks: list[Block] = []
        """The blocks shown, in order."""
        self._marked_cells: tuple[int, int, int] | None = None  # the word heard: row, cells
        self._cells: dict[tuple[int, int], list[tuple[int, int, int]] | None] = {}
        self._drawn_highlight: int | None = None  # the line drawn as highlighted
        self._paging = False  # highlighting the line the sound reached (`follow`)

    def set_blocks(self, blocks: Iterable[Block]) -> None:
        """Replace the transcript, keeping the highlighted line where it can."""
        keep = self.highlighted
        self.blocks = list(blocks)
        self._marked_cells = None
        self._cells.clear()
        self.clear_options()
        self.add_options(self._option(i, b) for i, b in enumerate(self.blocks))
        if self.blocks:
            self.highlighted = min(keep or 0, len(self.blocks) - 1)

    def append(self, block: Block, *, follow: bool = True) -> None:
        """Add a block at the end (live view); keep it in sight when ``follow``."""
        self.blocks.append(block)
        self.add_option(self._option(len(self.blocks) - 1, block))
        if follow:
            self.highlighted = len(self.blocks) - 1
            self.scroll_end(animate=False)

    def on_resize(self) -> None:
        """While the newest line is followed (highlighted), a resize keeps it in sight: the
        view stayed where it was until the next line came, the top of the session after a
        window grew and shrank again."""
        if self.blocks and self.highlighted == len(self.blocks) - 1:
            self.call_after_refresh(self.scroll_end, animate=False)

    def insert_by_time(self, block: Block, *, follow: bool = True) -> None:
        """Add a block in time order (after every block at or before its time)."""
        at = len(self.blocks)
        while at > 0 and self.blocks[at - 1].time > block.time:
            at -= 1
        if at == len(self.blocks):
            self.append(block, follow=follow)
            return
        self.blocks.insert(at, block)
        keep = self.highlighted
        self.set_blocks(list(self.blocks))
        if keep is not None and not follow:
            self.highlighted = keep + 1 if keep >= at else keep
        elif follow:
            self.highlighted = len(self.blocks) - 1

    def place(self, block: Block) -> None:
        """Add ``block`` in time order (live lines arrive seconds after they were said),
        following it only when the guide is at the end already."""
        follow = self.highlighted is None or self.highlighted >= len(self.blocks) - 1
        self.insert_by_time(block, follow=follow)

    def chosen_or_latest(self) -> ClientLine | None:
        """The client line highlighted, else the latest one (what a live tag goes on)."""
        if isinstance(self.current, ClientLine):
            return self.current
        lines = [b for b in self.blocks if isinstance(b, ClientLine)]
        return lines[-1] if lines else None

    def mark_word(self, index: int | None, seconds: float) -> None:
        """Pick out the word of line ``index`` sounding at ``seconds`` (None: no line);
        the word picked out before goes back to plain.

        The line's text is not rendered again: `render_line` reverses the word's cells
        on the row it was wrapped to, and only that row (and the row of the word before)
        is drawn again. A word a second or more would otherwise parse, wrap and style the
        line's text each time, the dearest part of a listening pass's frames.
        """
        cells: tuple[int, int, int] | None = None
        if index is not None:
            word = word_at(self.blocks[index], seconds)
            cells = None if word is None else self._word_cells(index, word)
        if cells == self._marked_cells:
            return
        before, self._marked_cells = self._marked_cells, cells
        width = self.scrollable_content_region.width
        top = self.scroll_offset.y
        rows = {c[0] for c in (before, cells) if c is not None}
        self.refresh(*(Region(0, row - top, width, 1) for row in sorted(rows)))

    def follow(self, index: int) -> None:
        """Highlight line ``index``, which the sound has reached. The list scrolls only when
        the line is out of sight, and then by a page (the line at the top): following the
        sound then scrolls once a screenful, where keeping the line just in sight scrolled
        (and drew the whole list again) at every line once the sound passed the bottom."""
        self._paging = True
        try:
            self.highlighted = index
        finally:
            self._paging = False

    def scroll_to_highlight(self, top: bool = False) -> None:
        """OptionList's, or a page turn while following the sound (`follow`)."""
        if not self._paging:
            super().scroll_to_highlight(top=top)
            return
        row = self._index_to_line.get(self.highlighted) if self.highlighted is not None else None
        if row is None:
            return
        top_row, height = self.scroll_offset.y, self.scrollable_content_region.height
        bottom = row + self._heights[self.highlighted or 0]
        if not (top_row <= row and bottom <= top_row + height):
            super().scroll_to_highlight(top=True)

    def watch_highlighted(self, highlighted: int | None) -> None:
        """Scroll to the line and say so (OptionList's), then draw again only the rows of
        the line left and the line reached: the selection following the sound moves
        every few seconds, and the whole list need not be drawn for it (a scroll draws
        it anyway)."""
        super().watch_highlighted(highlighted)
        before, self._drawn_highlight = self._drawn_highlight, highlighted
        if not self.is_mounted:
            return
        top, width = self.scroll_offset.y, self.scrollable_content_region.width
        rows = self._index_to_line
        changed = [i for i in (before, highlighted) if i is not None and i in rows]
        if changed:
            heights = self._heights
            self.refresh(*(Region(0, rows[i] - top, width, heights[i]) for i in changed))
        else:
            self.refresh()

    def _word_cells(self, index: int, word: int) -> tuple[int, int, int] | None:
        """(virtual row, first cell, end cell) of word ``word`` of line ``index`` as wrapped
        on screen, None when it cannot be told (not laid out yet, a word split by the wrap)."""
        key = (index, self.scrollable_content_region.width)
        if key not in self._cells:
            self._cells[key] = self._place_words(index)
        placed = self._cells[key]
        return placed[word] if placed is not None and word < len(placed) else None

    def _place_words(self, index: int) -> list[tuple[int, int, int]] | None:
        """Where each timed word of line ``index`` sits in its wrapped rows, found in order
        in the rows' text (after the time column)."""
        block = self.blocks[index]
        row = self._index_to_line.get(index)
        if row is None or not isinstance(block, ClientLine):
            return None
        style = self.get_visual_style("option-list--option")
        texts = [strip.text for strip in self._get_option_render(self.options[index], style)]
        line, column, placed = 0, len(mmss(block.time)) + 1, []
        for timed in block.segment.words:
            text = timed.text.strip()
            found = texts[line].find(text, column) if line < len(texts) else -1
            while found < 0 and line + 1 < len(texts):
                line, column = line + 1, 0
                found = texts[line].find(text, column)
            if found < 0:
                return None
            column = found + len(text)
            placed.append(
                (row + line, cell_len(texts[line][:found]), cell_len(texts[line][:column]))
            )
        return placed

    def render_line(self, y: int) -> Strip:
        """A row of the list, with the word heard picked out (reverse video) on its row."""
        strip = super().render_line(y)
        marked = self._marked_cells
        if marked is None or marked[0] != self.scroll_offset.y + y:
            return strip
        _, first, end = marked
        left, word, right = strip.divide([first, end, strip.cell_length])
        picked = Strip(Segment.apply_style(list(word), post_style=REVERSE), word.cell_length)
        return Strip.join([left, picked, right])

    def _prompt(self, block: Block) -> str:
        return render_block(block, piece_times=self.piece_times)

    def _option(self, index: int, block: Block) -> Option:
        return Option(self._prompt(block), id=str(index))

    @property
    def current(self) -> Block | None:
        """The highlighted block."""
        if self.highlighted is None or not self.blocks:
            return None
        return self.blocks[self.highlighted]

    def select_segment(self, segment_id: int) -> bool:
        """Highlight the line of ``segment_id``; False if it is not shown."""
        for i, block in enumerate(self.blocks):
            if isinstance(block, ClientLine) and block.segment.id == segment_id:
                self.highlighted = i
                return True
            if isinstance(block, Intervention) and block.segment and block.segment.id == segment_id:
                self.highlighted = i
                return True
        return False

    def centre_highlight(self) -> None:
        """Scroll so the highlighted line sits mid-pane, with what came before it in sight.

        Used when jumping to a search hit: at the bottom edge a guide sees the line but
        not what led to it.
        """
        highlighted = self.highlighted
        if highlighted is None or not self.is_mounted:
            return
        self._update_lines()
        y = self._index_to_line.get(highlighted)
        if y is None:
            return
        middle = y + self._heights[highlighted] // 2 - self.scrollable_content_region.height // 2
        self.scroll_to(y=max(0, middle), animate=False, immediate=True)

    def next_flagged(self) -> bool:
        """Move to the next flagged line after the highlighted one (wrapping)."""
        start = (self.highlighted or 0) + 1
        count = len(self.blocks)
        for step in range(count):
            i = (start + step) % count
            block = self.blocks[i]
            if isinstance(block, ClientLine) and block.flagged:
                self.highlighted = i
                return True
        return False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.LineChosen(self, self.blocks[int(event.option.id)]))

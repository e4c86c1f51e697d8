"""The transcript in the guide's layout: piece headings, client lines, ``G:`` and ``[…]``."""

from __future__ import annotations

from collections.abc import Iterable

from textual.geometry import Region
from textual.markup import escape
from textual.message import Message
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


def marked_text(block: ClientLine, word: int) -> str:
    """The line's text as markup with word ``word`` picked out (reverse video)."""
    words = [escape(w.text.strip()) for w in block.segment.words]
    words[word] = f"[reverse]{words[word]}[/]"
    return " ".join(words)


def render_block(block: Block, *, piece_times: bool = False, word: int | None = None) -> str:
    """One block as Textual markup, as a guide reads it on screen.

    Args:
        block: The layout block.
        piece_times: Also show the piece and offset of each client line (live view).
        word: A client line's word sounding now, picked out (review while playing).
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
        if word is not None:
            text = marked_text(block, word)
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

    def __init__(self, *, piece_times: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.piece_times = piece_times
        """Show piece and offset on client lines."""
        self.blocks: list[Block] = []
        """The blocks shown, in order."""
        self._marked: tuple[int, int] | None = None  # (line, word) picked out

    def set_blocks(self, blocks: Iterable[Block]) -> None:
        """Replace the transcript, keeping the highlighted line where it can."""
        keep = self.highlighted
        self.blocks = list(blocks)
        self._marked = None
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
        the word picked out before goes back to plain."""
        marked: tuple[int, int] | None = None
        if index is not None:
            word = word_at(self.blocks[index], seconds)
            marked = None if word is None else (index, word)
        if marked == self._marked:
            return
        if self._marked is not None and self._marked[0] < len(self.blocks):
            before = self._marked[0]
            self._restyle(before, self._prompt(self.blocks[before]))
        if marked is not None:
            line, picked = marked
            block = self.blocks[line]
            self._restyle(line, render_block(block, piece_times=self.piece_times, word=picked))
        self._marked = marked

    def _restyle(self, index: int, prompt: str) -> None:
        """Show line ``index`` as ``prompt``, the same text differently styled.

        OptionList's own `replace_option_prompt_at_index` measures every line again (it
        clears all its caches): a word a second over a long session's hundreds of lines
        would cost more than playing the sound. The text and so the height stay the same,
        so only that line's rendering is dropped, a private cache of OptionList (Textual
        is pinned below 9; the public way is the fallback), and only its rows are drawn.
        """
        option = self.get_option_at_index(index)
        cache = getattr(self, "_option_render_cache", None)
        if cache is None or not hasattr(option, "_set_prompt"):
            self.replace_option_prompt_at_index(index, prompt)
            return
        option._set_prompt(prompt)
        for key in [k for k in cache.keys() if k[0] is option]:  # noqa: SIM118 (no iter)
            cache.discard(key)
        # only the rows of that line are drawn again, not the whole visible list
        row = self._index_to_line.get(index)
        if row is None:  # not laid out yet
            self.refresh()
        else:
            # the text's width, not the scrollbar's column (which would be drawn again too)
            width = self.scrollable_content_region.width
            self.refresh(Region(0, row - self.scroll_offset.y, width, self._heights[index]))

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

"""A compositor that draws, for a small update, only the rows of the widgets it touches.

Textual's compositor (8.x) renders, for every partial update, each visible widget whose
*clip* (its container's visible area) meets the box around all the update's regions,
and throws away the rows outside the regions afterwards. The header, the footer, every
pane and their titles are children of containers as wide as the screen, and a word picked
out in review's transcript with the player's clock turning at the bottom right makes a box
over most of the screen: every widget in it was rendered whole, each through its
ancestors' background colours, most of a listening frame's cost (docs/design-notes.md,
issue 24). Here a widget is rendered only when its own visible area meets one of the
update's regions, and then only the rows where it does (whole rows of the widget: the
screen's cuts start at widget edges). The chops Textual keeps for the rows it writes are
the same ones, so the screen shows the same (tests/ui/test_ui_compositor.py).

It replaces two methods of a private class (`textual._compositor.Compositor`), so it is
used only on the Textual it was written for: `review_compositor` gives Textual's own
compositor when the installed version or the methods' signatures differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from importlib import metadata

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

WRITTEN_FOR = ((8, 0), (9, 0))
"""Textual versions (from, up to) whose `Compositor` this one was written for and tested on."""
SIGNATURES = {
    "_get_renders": ["self", "crop"],
    "render_partial_update": ["self"],
    "_render_chops": ["self", "crop", "is_rendered_line"],
}
"""The replaced and relied-on methods, as they were written for."""


def textual_version() -> tuple[int, int]:
    """The installed Textual's (major, minor); (0, 0) when it cannot be told."""
    try:
        parts = metadata.version("textual").split(".")
        return int(parts[0]), int(parts[1])
    except (metadata.PackageNotFoundError, ValueError, IndexError):
        return (0, 0)


def fits(compositor: type = Compositor, version: tuple[int, int] | None = None) -> bool:
    """Whether `TightCompositor` was written for ``compositor`` (Textual's) at ``version``
    (the installed one when None): its version and the methods it replaces or calls."""
    low, high = WRITTEN_FOR
    if not low <= (version or textual_version()) < high:
        return False
    for name, parameters in SIGNATURES.items():
        method = getattr(compositor, name, None)
        if method is None or list(inspect.signature(method).parameters) != parameters:
            return False
    probe = compositor()
    return isinstance(getattr(probe, "_dirty_regions", None), set) and hasattr(
        probe, "visible_widgets"
    )


class TightCompositor(Compositor):
    """`Compositor`, rendering for a partial update only the rows each widget shows of it."""

    def __init__(self) -> None:
        super().__init__()
        self._updates: list[Region] = []  # the regions of the partial update being drawn

    def render_partial_update(self) -> ChopsUpdate | None:
        """Textual's, with the update's regions kept for `_get_renders`."""
        self._updates = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._updates = []

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        updates = self._updates
        if not crop or not updates:
            yield from super()._get_renders(crop)
            return
        wanted: dict[int, list[tuple[int, int]]] = {}  # row: the update's columns there
        for update in updates:
            for y in range(update.y, update.bottom):
                wanted.setdefault(y, []).append((update.x, update.right))
        covered: dict[int, list[tuple[int, int]]] = {}  # row: columns drawn by widgets in front
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            shown = region.intersection(clip)
            if not crop.overlaps(shown):
                continue
            left, right = shown.x, shown.right
            rows = [y for top, bottom in rows_met(shown, updates) for y in range(top, bottom)]
            needed = (
                y
                for y in rows
                if not all(
                    covers(covered.get(y, []), (max(first, left), min(last, right)))
                    for first, last in wanted[y]
                    if first < right and last > left
                )
            )
            for top, bottom in runs(needed):
                band = Region(left, top, shown.width, bottom - top)
                lines = widget.render_lines(band.translate((-region.x, -region.y)))
                yield band, band, lines
            for y in rows:  # a widget behind this one need not draw these cells
                covered.setdefault(y, []).append((left, right))


def rows_met(shown: Region, updates: list[Region]) -> list[tuple[int, int]]:
    """The rows (top, bottom), merged, where ``shown`` meets any of ``updates``."""
    bands = sorted(
        (max(shown.y, u.y), min(shown.bottom, u.bottom)) for u in updates if shown.overlaps(u)
    )
    merged: list[tuple[int, int]] = []
    for top, bottom in bands:
        if merged and top <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def covers(spans: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    """Whether ``spans`` (columns, end excluded) together cover all of ``span``."""
    start, end = span
    for first, last in sorted(spans):
        if first > start:
            return False
        start = max(start, last)
        if start >= end:
            return True
    return start >= end


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Ascending ``rows`` as runs of neighbours (top, bottom)."""
    found: list[tuple[int, int]] = []
    for y in rows:
        if found and found[-1][1] == y:
            found[-1] = (found[-1][0], y + 1)
        else:
            found.append((y, y + 1))
    return found


def review_compositor() -> Compositor:
    """`TightCompositor` on the Textual it was written for, else Textual's own."""
    return TightCompositor() if fits() else Compositor()

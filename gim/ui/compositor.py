"""A compositor that draws, for a small update, only the widgets the update touches.

Textual's compositor (8.x) renders, for every partial update, each visible widget whose
*clip* (its container's visible area) meets the update, and throws away the rows outside
it afterwards. The header, the footer, every pane and their titles are children of
containers as wide as the screen, so a word picked out in review's transcript rendered
them all again, each through its ancestors' background colours: a third of a frame's
cost while listening (docs/design-notes.md, issue 24). Here a widget is rendered only when
its own region meets the update too; what it would have drawn lies outside the update,
so the screen shows the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class TightCompositor(Compositor):
    """`Compositor`, skipping widgets whose own region misses a partial update."""

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:
            yield from super()._get_renders(crop)
            return
        overlaps = crop.overlaps
        for widget, (region, clip) in self.visible_widgets.items():
            if not (overlaps(clip) and overlaps(region)):
                continue
            x, y, width, height = region.intersection(clip)
            if width and height:
                lines = widget.render_lines(Region(x - region.x, y - region.y, width, height))
                yield region, clip, lines

"""Bases of gim's screens and dialogs: ``self.app`` typed as the `GimApp` they run in, and
the one line a screen shows when the terminal is too small for anything else.

Textual types ``app`` as any App; every gim screen runs inside `GimApp`, whose store,
settings, program library and navigation they use. Declaring that once here, the way
Textual documents (`textual.getters.app`), replaces an ``ignore`` on every such line. It is
for the type checker only: at run time ``app`` is Textual's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen, Screen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp

ResultT = TypeVar("ResultT")

TOO_SMALL = "Make window larger"
"""Shown alone below 40x12 (it fits in 20 columns; the session goes on meanwhile)."""


class TooSmall(Static):
    """The one line a screen shows below its smallest size; hidden otherwise (app.tcss)."""


class GimScreen(Screen[ResultT]):
    """A full screen of the gim app.

    Below 40x12 (the app's ``-w-tiny``/``-h-tiny`` breakpoints) every widget of the screen
    is hidden and only `TooSmall` shows: laying out panes a few cells wide helps nobody and
    is where Textual's text wrapping fails. Nothing else changes, so the screen comes back
    intact when the window grows.
    """

    if TYPE_CHECKING:
        app = getters.app(GimApp)

    def on_mount(self) -> None:
        self.mount(TooSmall(TOO_SMALL, id="too-small"))


class GimModal(ModalScreen[ResultT]):
    """A dialog of the gim app."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)

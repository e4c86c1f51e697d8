"""Bases of gim's screens and dialogs: ``self.app`` typed as the `GimApp` they run in.

Textual types ``app`` as any App; every gim screen runs inside `GimApp`, whose store,
settings, program library and navigation they use. Declaring that once here, the way
Textual documents (`textual.getters.app`), replaces an ``ignore`` on every such line. It is
for the type checker only: at run time ``app`` is Textual's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual import getters

    from gim.ui.app import GimApp

ResultT = TypeVar("ResultT")


class GimScreen(Screen[ResultT]):
    """A full screen of the gim app."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)


class GimModal(ModalScreen[ResultT]):
    """A dialog of the gim app."""

    if TYPE_CHECKING:
        app = getters.app(GimApp)

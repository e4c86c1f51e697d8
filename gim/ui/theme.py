"""The dim theme: readable in a dark therapy room, warm and muted, nothing that flashes."""

from __future__ import annotations

from textual.theme import Theme

DUSK = Theme(
    name="gim-dusk",
    primary="#a07a5c",
    secondary="#7f8c78",
    accent="#b39a6e",
    warning="#b08a52",
    error="#a5665c",
    success="#7d9470",
    foreground="#b9ad9d",
    background="#131110",
    surface="#1a1715",
    panel="#24201c",
    boost="#2a2521",
    dark=True,
    luminosity_spread=0.08,
    text_alpha=0.9,
    variables={
        "footer-key-foreground": "#c9a27a",
        "footer-description-foreground": "#8f8476",
        "block-cursor-background": "#3a302a",
        "block-cursor-foreground": "#d8c8b4",
        "block-cursor-text-style": "none",
        "input-selection-background": "#4a3c32",
        "scrollbar": "#2e2823",
        "scrollbar-hover": "#3a322b",
        "scrollbar-active": "#4a3f36",
        "border": "#4a3f36",
        "border-blurred": "#2e2823",
    },
)
"""The default theme: dark warm background, low contrast, muted amber and sage accents."""

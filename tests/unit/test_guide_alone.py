"""The runner tells the live labels where only the guide speaks: the induction, recorded
with whole-session consent (`GuideControls.set_phase` -> `AudioPath.guide_alone`)."""

from __future__ import annotations

from typing import Any

from gim.core.session import Consent, Phase
from gim.runner.controls import GuideControls
from gim.runner.events import Reporter


class Heard:
    """The audio path as the controls see it: its clock, and what it was told."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.capturing = True
        self.told: list[tuple[float, bool]] = []

    def guide_alone(self, at: float, alone: bool) -> None:
        self.told.append((at, alone))


def phases(consent: Consent) -> list[tuple[float, bool]]:
    controls = GuideControls(consent, 48000, "Ann", Reporter(None))
    heard: Any = Heard()
    controls.audio = heard
    for at, phase in ((0.0, Phase.PRELUDE), (65.0, Phase.INDUCTION), (300.5, Phase.MUSIC)):
        heard.elapsed = at
        controls.set_phase(phase)
    return heard.told


def test_the_induction_is_the_guide_alone_with_whole_session_consent() -> None:
    assert phases(Consent.SESSION) == [(0.0, False), (65.0, True), (300.5, False)]


def test_an_induction_not_recorded_is_not_told() -> None:
    assert phases(Consent.MUSIC) == []
    assert phases(Consent.NONE) == []

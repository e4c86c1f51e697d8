"""Click parameter types that check numbers at the edge: finite and within a range."""

from __future__ import annotations

import math
from typing import Any

import click

DAY = 24 * 3600.0
"""No session, recording or offset is longer than a day."""


class FiniteFloat(click.FloatRange):
    """A float within [min, max] that is a real number (not nan, inf or -inf)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The checked float (click reports a bad one as a usage error: exit status 2)."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        return number


def seconds(low: float = 0.0, high: float = DAY) -> FiniteFloat:
    """Seconds from ``low`` to ``high`` (inclusive), finite."""
    return FiniteFloat(low, high)

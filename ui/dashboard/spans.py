"""Where things are on the trend chart's x axis, and the range that shows the whole session.

Pure (no Qt): the window computes :class:`Spans` from the session on every
refresh and :class:`~ui.dashboard.trend_chart.TrendChart` draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_SPAN_MIN = 10.0
RIGHT_PAD = 0.03  # share of the span left free right of "now", at least
RIGHT_STEP_SHARE = 0.05  # the right edge of the view moves in steps of about this share of the span
RIGHT_STEPS_MIN = (0.5, 1, 2, 5, 10, 15, 30, 60, 120)  # ... of one of these many minutes


@dataclass(frozen=True, slots=True)
class Spans:
    """Where things are on the x axis, in session minutes (computed by the window)."""

    start: float  # session start
    now: float
    infusion_start: float | None = None
    infusion_stop: float | None = None
    end: float | None = None
    planned_end: float | None = None  # infusion start + planned length

    def phase_regions(self) -> dict[str, tuple[float, float] | None]:
        """Shaded spans; "planned" is what is left of the infusion plan while it runs."""
        last = self.end if self.end is not None else self.now
        if self.infusion_start is None:
            return {"baseline": (self.start, last), "infusion": None, "recovery": None, "planned": None}
        stop = self.infusion_stop
        planned = None
        if stop is None and self.planned_end is not None and self.planned_end > last:
            planned = (last, self.planned_end)
        return {
            "baseline": (self.start, self.infusion_start),
            "infusion": (self.infusion_start, stop if stop is not None else last),
            "recovery": None if stop is None else (stop, last),
            "planned": planned,
        }

    def whole_session(self) -> tuple[float, float]:
        """The x range showing everything so far, with at least :data:`RIGHT_PAD` free right of it.

        The right edge moves in whole steps of about 1/20 of the span (a nice number of
        minutes), not with every pixel of "now": while it stays, a refresh only moves the
        now line, and the axes (their ticks, labels and grid) are not drawn again. Redrawing
        them for every pixel was most of the dashboard's CPU (docs/BENCHMARKS.md).
        """
        right = max(self.now, self.end if self.end is not None else self.now)
        if self.planned_end is not None and self.infusion_stop is None:
            right = max(right, self.planned_end)
        span = max(right - self.start, MIN_SPAN_MIN)
        step = next((s for s in RIGHT_STEPS_MIN if s >= span * RIGHT_STEP_SHARE), RIGHT_STEPS_MIN[-1])
        edge = math.ceil((right + span * RIGHT_PAD) / step - 1e-9) * step
        left = min(self.start, edge - MIN_SPAN_MIN * (1 + RIGHT_PAD))
        return left, edge

"""Trend panels' y axes: the range that shows every value, and tick steps. Pure (numpy only).

One rule for the live chart, the review chart and the PDF report's plot: a
panel's default range (catalogue, ``TrendPanel.default_y``) is always in view, so
a normal session never rescales; a value or a limit line outside it widens the
axis to whole steps, never beyond where the panel's parameters can be measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from monitor.parameters import PARAMETERS, TrendPanel, charted


def fit_y(values: Iterable[np.ndarray], panel: TrendPanel, *, margin: float | None = None,
          default: tuple[float, float] | None = None, step: float | None = None) -> tuple[float, float]:
    """The y range for ``values`` (NaN ignored): ``default`` (the panel's) always in view,
    widened to whole ``step`` (the panel's) with ``margin`` (half a step) beyond the extreme
    values, never beyond where any of the panel's parameters can be measured (the default aside)."""
    low, high = default or panel.default_y
    arrays = [np.asarray(v, dtype=float).ravel() for v in values]
    data = np.concatenate(arrays) if arrays else np.empty(0)
    data = data[np.isfinite(data)]
    if not data.size:
        return low, high
    step = step or panel.step
    margin = step / 2 if margin is None else margin
    bottom = step * math.floor((float(data.min()) - margin) / step)
    top = step * math.ceil((float(data.max()) + margin) / step)
    can_be = [PARAMETERS[p].plausible for p in charted(panel.key)] or [(bottom, top)]
    bottom = max(bottom, min(lo for lo, _ in can_be))
    top = min(top, max(hi for _, hi in can_be))
    return min(low, bottom), max(high, top)


def tick_step(at_least: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``at_least``."""
    power = 10.0 ** math.floor(math.log10(at_least)) if at_least > 0 else 1.0
    return next(m * power for m in (1, 2, 5, 10) if m * power >= at_least)

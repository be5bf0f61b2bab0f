"""Physiological plausibility: a number no monitor can measure is never shown as a number.

The Datex and Masimo sessions pass what they decode through :func:`screen`
(their checksum is weak or absent), and the driver passes everything any
session decodes through it again before it is shown or recorded, so no
protocol can bypass it. A value
outside what any supported monitor can display for any patient can only be
damage on the line (Datex's 8-bit checksum lets about 1 in 256 random
corruptions through; Masimo's text lines have no checksum at all) or a fault
in the monitor. It becomes ``value=None`` with ``Quality.INVALID``, so the
display shows dashes and the INVALID_MEASUREMENT technical alarm sees it,
instead of a wrong number that could raise, or hide, a physiological alarm.

The ranges are deliberately wide, at or beyond the monitors' own measurement
ranges: this guard must never hide a real extreme value (an asystole's HR 0,
an SpO2 of 40 %). ``monitor.readings`` has no dedicated flag yet, so
``Quality.INVALID`` carries the verdict (docs/RELIABILITY.md proposes an
``IMPLAUSIBLE`` flag and tighter rate limits).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable

from monitor.parameters import PARAMETERS
from monitor.readings import DeviceStatus, Observation, Parameter, Quality

log = logging.getLogger(__name__)

# (lowest, highest) plausible value, in product units: the catalogue's ``plausible`` column.
PLAUSIBLE: dict[Parameter, tuple[float, float]] = {p: row.plausible for p, row in PARAMETERS.items()}


def is_plausible(parameter: Parameter, value: float) -> bool:
    low, high = PLAUSIBLE[parameter]
    return math.isfinite(value) and low <= value <= high


def screen(decoded: Iterable[Observation | DeviceStatus]) -> list[Observation | DeviceStatus]:
    """``decoded`` with every implausible number replaced by None + ``Quality.INVALID``."""
    screened: list[Observation | DeviceStatus] = []
    for item in decoded:
        if (
            isinstance(item, Observation)
            and item.value is not None
            and not is_plausible(item.parameter, item.value)
        ):
            log.debug("implausible %s %r: shown as invalid", item.parameter.value, item.value)
            item = dataclasses.replace(item, value=None, quality=item.quality | Quality.INVALID)
        screened.append(item)
    return screened

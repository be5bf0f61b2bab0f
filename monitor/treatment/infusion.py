"""What the pump has delivered: the planned rate, then every logged rate change, over time.

A change of rate during the infusion (slowed for a side effect, paused at 0 mL/h,
resumed) is an event with its time (:class:`RateChange`, table
``infusion_rate_changes``). The infused volume at any moment is the integral of the
rate over time, piecewise::

    infused (mL) = sum over each interval of  rate (mL/h) x length (h)

from the infusion start to now (or to the stop), and never more than the infusion
volume: the bag is then empty and the pump stops. The infused dose is that volume
times the infused concentration (mg/mL). Hand example (in the tests): 150 mL/h for
20 min then 75 mL/h for 20 min = 50 + 25 = 75 mL; at 0.4 mg/mL that is 30 mg.

The pump is the authority on what was given; this is the program's reckoning from
what the nurse logged, shown so a forgotten change or an early stop stands out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.treatment.dose import DosePlan, Override


@dataclass(frozen=True, slots=True)
class RateChange:
    """The pump rate changed at ``at`` (0 mL/h: paused); the ``infusion_rate_changes`` row."""

    at: datetime
    rate_ml_per_h: float
    by: str
    reason: str = ""
    overrides: tuple[Override, ...] = ()  # a rate above the plan's, confirmed by the nurse

    def describe(self) -> str:
        what = "Infusion paused (0 mL/h)" if self.rate_ml_per_h == 0 else f"Pump rate {self.rate_ml_per_h:g} mL/h"
        return f"{what}: {self.reason}" if self.reason else what

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "infusion_rate_changes", {
            "host_time": self.at.timestamp(), "rate_ml_per_h": self.rate_ml_per_h, "reason": self.reason,
            "by": self.by, "confirmations": json.dumps([o.as_dict() for o in self.overrides]),
        }


def infused_ml(start_rate_ml_per_h: float, changes: Sequence[tuple[float, float]], elapsed_s: float,
               capacity_ml: float) -> float:
    """Millilitres delivered ``elapsed_s`` after the start (formula in the module docstring).

    ``changes`` are ``(seconds after the start, new rate mL/h)`` in time order; a change at
    or after ``elapsed_s`` has not happened yet. Never more than ``capacity_ml``.
    """
    total, rate, since = 0.0, start_rate_ml_per_h, 0.0
    for at_s, new_rate in changes:
        if at_s >= elapsed_s:
            break
        at_s = max(at_s, 0.0)
        total += rate * (at_s - since) / 3600.0
        rate, since = new_rate, at_s
    total += rate * (max(elapsed_s, since) - since) / 3600.0
    return min(max(total, 0.0), capacity_ml)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The infusion so far, as the header and the report show it."""

    infused_ml: float
    infused_mg: float
    rate_ml_per_h: float  # now (0 once stopped or the bag is empty)
    remaining_ml: float
    empty_at: datetime | None  # when the bag runs empty at the current rate (None: paused or stopped)


def delivery(plan: DosePlan, changes: Sequence[RateChange], start: datetime, stop: datetime | None,
             now: datetime) -> Delivery:
    """The delivery at ``now`` for an infusion started at ``start`` (stopped at ``stop``)."""
    until = min(now, stop) if stop is not None else now
    offsets = [((c.at - start).total_seconds(), c.rate_ml_per_h) for c in sorted(changes, key=lambda c: c.at)]
    elapsed = max((until - start).total_seconds(), 0.0)
    volume = infused_ml(plan.rate_ml_per_h, offsets, elapsed, plan.volume_ml)
    remaining = plan.volume_ml - volume
    current = next((r for t, r in reversed(offsets) if t <= elapsed), plan.rate_ml_per_h)
    if (stop is not None and now >= stop) or remaining <= 0:
        current = 0.0
    empty_at = until + timedelta(hours=remaining / current) if current > 0 else None
    return Delivery(volume, volume * plan.infused_mg_per_ml, current, remaining, empty_at)

"""The session summary a clinician reads first: baseline, peak, end values, limits, alarms.

Rules (also in ``docs/exports.md``, "Summary"):

* **Baseline:** the live rule of :mod:`monitor.baseline` (median of the last 5 min
  of trusted readings; NIBP: median of the last 3 cuff results), applied to the
  readings of the recorded baseline phase and frozen at the infusion start, exactly
  as the dashboard froze it. A session that ended from baseline freezes it at the
  end; one that stopped unexpectedly in baseline, at the end of the data. A
  recording without phase changes (headless ``record``) has no baseline.
* **Highest / lowest:** over the infusion and the observation after it (the whole
  session when no infusion was recorded), trusted values only (no artefact flags,
  see :data:`monitor.baseline.UNTRUSTED`); NIBP counts each cuff result once.
* **End of observation:** the value current (:mod:`monitor.review.resample`) at the
  moment the session ended, or where the data ends if it ended unexpectedly.
* **Time beyond a limit:** for each (condition, limit) the alarm log mentions, the
  time the held value was above (``HIGH``/``RISE``) or below (``LOW``/``FALL``) it.
* **Alarms:** alarms counted by the highest priority each reached: a medium alarm that
  escalated counts as high. An old recording's per-parameter alarms of one measurement
  that overlap (``NIBP_SYS_HIGH`` with ``NIBP_DIA_HIGH``) count as one.
* **Back to baseline:** minutes from the infusion stop until the parameter is
  within ±:data:`RETURN_BAND` of its baseline and stays there for the next
  period as well: per-minute medians for continuous parameters, consecutive cuff
  results for NIBP (the last value in the recording counts on its own).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

import numpy as np

from monitor.baseline import BASELINE_WINDOW_S, BaselineCollector
from monitor.readings import NIBP_PARAMETERS, UNITS, Parameter, Quality, Reading
from monitor.review.events import AlarmRecord, Event, utc
from monitor.review.occurrences import alarm_counts as count_occurrences
from monitor.review.occurrences import PRIORITIES, alarm_occurrences
from monitor.review.resample import (
    MEASURING,
    UNTRUSTED_NAMES,
    held_intervals,
    hold,
    measured_at,
    measurements,
)
from monitor.review.samples import PhaseSpan, Samples


class Recording(Protocol):
    """What the summary reads of a recording (:class:`monitor.review.reader.Recording` is one)."""

    start: float

    def parameters(self) -> tuple[Parameter, ...]: ...
    def samples(self, parameter: Parameter) -> Samples: ...
    def events(self, categories: frozenset[str] | None = None) -> tuple[Event, ...]: ...
    def phases(self) -> tuple[PhaseSpan, ...]: ...
    def end_of_observation(self) -> float: ...


RETURN_BAND = 0.10  # back to baseline: within ±10 % of it
RETURN_BIN_S = 60.0


@dataclass(frozen=True, slots=True)
class ParameterSummary:
    parameter: Parameter
    unit: str
    baseline: float | None
    peak: float | None
    peak_time: float | None
    lowest: float | None
    lowest_time: float | None
    end_value: float | None  # current at the end of observation, else None
    end_time: float | None  # when that value was measured
    return_min: float | None  # minutes after the infusion stop; None: not back, or see below
    recovery_values: int = 0  # trusted measurements after the infusion stop (0: cannot tell)


@dataclass(frozen=True, slots=True)
class LimitExposure:
    condition: str  # e.g. NIBP_SYS_HIGH
    parameter: Parameter
    direction: str  # HIGH, LOW, RISE, FALL
    limit: float
    seconds: float

    @property
    def upward(self) -> bool:
        return self.direction in ("HIGH", "RISE")


@dataclass(frozen=True, slots=True)
class Summary:
    parameters: tuple[ParameterSummary, ...]
    limits: tuple[LimitExposure, ...]
    alarm_counts: Mapping[str, int]
    end_of_observation: float
    baseline_frozen_at: float | None
    infusion_start: float | None
    recovery_start: float | None

    def get(self, parameter: Parameter | str) -> ParameterSummary | None:
        return next((p for p in self.parameters if p.parameter == Parameter(parameter)), None)


def _quality(flags: frozenset[str]) -> Quality:
    quality = Quality.NONE
    for name in flags:
        if name in Quality.__members__:
            quality |= Quality[name]
    return quality


def _baseline(samples: Samples, since: float, until: float) -> float | None:
    """The live baseline rule over the readings received in [since, until]."""
    collector = BaselineCollector()
    if samples.parameter not in NIBP_PARAMETERS:  # only the last window can count (same result)
        since = max(since, until - BASELINE_WINDOW_S)
    lo = int(np.searchsorted(samples.times, since, side="left"))
    hi = int(np.searchsorted(samples.times, until, side="right"))
    unit = UNITS[samples.parameter]
    for i in range(lo, hi):
        value = samples.values[i]
        collector.add(Reading(
            samples.parameter, None if math.isnan(value) else float(value), unit,
            utc(float(samples.times[i])), "", _quality(samples.flags[i]),
        ))
    return collector.compute(utc(until)).get(samples.parameter)


def _trusted(samples: Samples) -> Samples:
    """The same readings with artefact-flagged values blanked (a cuff inflating is kept)."""
    bad = samples.flagged(UNTRUSTED_NAMES - {MEASURING})
    return samples.with_values(np.where(bad, np.nan, samples.values))


def _extremes(samples: Samples, since: float, until: float):
    times, values = measurements(samples)
    window = (times >= since) & (times <= until)
    times, values = times[window], values[window]
    if not len(values):
        return None, None, None, None
    hi, lo = int(np.argmax(values)), int(np.argmin(values))
    return float(values[hi]), float(times[hi]), float(values[lo]), float(times[lo])


def _end_value(samples: Samples, at: float) -> tuple[float | None, float | None]:
    value = float(hold(samples, np.array([at]))[0])
    if math.isnan(value):
        return None, None
    index = int(np.searchsorted(samples.times, at, side="right")) - 1
    return value, float(measured_at(samples)[index])


def _first_sustained(starts: list[float], values: list[float], baseline: float) -> float | None:
    within = [abs(v - baseline) <= RETURN_BAND * abs(baseline) for v in values]
    for i, ok in enumerate(within):
        if ok and (i + 1 == len(within) or within[i + 1]):
            return starts[i]
    return None


def binned_medians(times: np.ndarray, values: np.ndarray, since: float) -> tuple[list[float], list[float]]:
    """``(bin starts, medians)`` of the values in each :data:`RETURN_BIN_S` bin from ``since`` that
    has any, in order; ``times`` sorted, ``values`` finite.

    The same numbers as ``np.median`` of each bin (the middle value, or the mean of the two
    middle ones), for all bins at once: a 24-hour recovery has 1440 bins per parameter, and
    one ``np.median`` call each was a third of opening its review (docs/BENCHMARKS.md).
    """
    if not len(values):
        return [], []
    bins = ((times - since) // RETURN_BIN_S).astype(int)  # times are sorted: so are bins
    first = np.concatenate(([0], np.flatnonzero(np.diff(bins)) + 1))
    lengths = np.diff(np.append(first, len(values)))
    ordered = values[np.lexsort((values, np.repeat(np.arange(len(first)), lengths)))]
    medians = (ordered[first + (lengths - 1) // 2] + ordered[first + lengths // 2]) / 2
    return (since + bins[first] * RETURN_BIN_S).tolist(), medians.tolist()


def _return_minutes(samples: Samples, baseline: float, since: float, until: float) -> tuple[float | None, int]:
    """``(minutes back to baseline or None, trusted measurements in recovery)``."""
    times, values = measurements(samples)
    window = (times >= since) & (times <= until)
    times, values = times[window], values[window]
    if not len(values):
        return None, 0
    if samples.parameter in NIBP_PARAMETERS:
        starts, medians = times.tolist(), values.tolist()
    else:
        starts, medians = binned_medians(times, values, since)
    back = _first_sustained(starts, medians, baseline)
    return (None if back is None else (back - since) / 60.0), len(values)


def _limit_exposures(recording: Recording, end: float) -> tuple[LimitExposure, ...]:
    seen: dict[tuple[str, float], AlarmRecord] = {}
    for event in recording.events(frozenset({"alarm"})):
        assert isinstance(event, AlarmRecord)
        if event.limit is not None and event.parameter is not None:  # a parameter's limit, by its name
            seen.setdefault((event.condition, float(event.limit)), event)
    exposures = []
    for (condition, limit), event in seen.items():
        parameter = Parameter(event.parameter)
        starts, ends, values = held_intervals(_trusted(recording.samples(parameter)), end)
        starts, ends = np.maximum(starts, recording.start), np.minimum(ends, end)
        direction = event.direction or ""
        beyond = values > limit if direction in ("HIGH", "RISE") else values < limit
        seconds = float(np.clip(ends - starts, 0.0, None)[beyond].sum())
        exposures.append(LimitExposure(condition, parameter, direction, limit, seconds))
    exposures.sort(key=lambda e: (list(Parameter).index(e.parameter), e.condition, e.limit))
    return tuple(exposures)


def alarm_counts(events: Iterable[Event]) -> dict[str, int]:
    """Alarms by the highest priority each reached (rules: :func:`monitor.review.occurrences.alarm_counts`)."""
    return count_occurrences(alarm_occurrences(events)[0])


def summarize(recording: Recording) -> Summary:
    end = recording.end_of_observation()
    phases = {span.phase: span for span in reversed(recording.phases())}  # first of each
    baseline_span = phases.get("baseline")
    infusion = phases.get("infusion")
    recovery = phases.get("recovery")
    frozen_at = None
    if baseline_span is not None:
        frozen_at = infusion.start if infusion else baseline_span.end
    peak_from = infusion.start if infusion else recording.start
    rows = []
    for parameter in recording.parameters():
        samples = recording.samples(parameter)
        baseline = (
            _baseline(samples, baseline_span.start, frozen_at)
            if baseline_span is not None and frozen_at is not None else None
        )
        peak, peak_t, low, low_t = _extremes(samples, peak_from, end)
        end_value, end_time = _end_value(samples, end)
        back, in_recovery = (
            _return_minutes(samples, baseline, recovery.start, end)
            if recovery is not None and baseline is not None else (None, 0)
        )
        rows.append(ParameterSummary(
            parameter, UNITS[parameter], baseline, peak, peak_t, low, low_t, end_value, end_time, back,
            in_recovery,
        ))
    return Summary(
        parameters=tuple(rows),
        limits=_limit_exposures(recording, end),
        alarm_counts=MappingProxyType(alarm_counts(recording.events())),
        end_of_observation=end,
        baseline_frozen_at=frozen_at,
        infusion_start=infusion.start if infusion else None,
        recovery_start=recovery.start if recovery else None,
    )

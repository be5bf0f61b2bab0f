"""Which value was current when: sample-and-hold within each parameter's staleness limit.

A recording stores readings as they arrived, at the device's own pace (Datex
every 5 s or 10 s, Masimo every second, NIBP as a repeated cuff result). The
EDF+ export needs a value on a fixed 1 Hz grid and the summary needs "the value
at the end of observation" and "time above a limit"; all three use one rule,
the one the live tiles use (:mod:`monitor.latest`):

* A value is current from the reading that carried it until the next reading of
  that parameter, and never longer than the parameter's staleness limit
  (:data:`monitor.latest.STALE_AFTER_S`: 15 s for continuous parameters,
  20 min for NIBP) after it was *measured*.
* A reading without a value (absent, invalid, sensor off, ...) ends the hold at once.
* NIBP is measured when the cuff produces a result, not when the monitor repeats
  it: a measurement begins at the first reading of a new value or the first value
  after the cuff was seen inflating. A result whose first reading already says
  "older than 60 s" was measured at an unknown time (possibly before this session,
  on another patient), so it is never held as a current value.
"""

from __future__ import annotations

import numpy as np

from monitor.baseline import UNTRUSTED
from monitor.latest import STALE_AFTER_S
from monitor.readings import NIBP_PARAMETERS, Parameter
from monitor.review.samples import Samples

UNTRUSTED_NAMES = frozenset(UNTRUSTED.names)
MEASURING = "NIBP_MEASURING"
OLDER = "OLDER_THAN_60S"


def stale_after_s(parameter: Parameter) -> float:
    return STALE_AFTER_S[Parameter(parameter)]


def measured_at(samples: Samples) -> np.ndarray:
    """For each reading, when its value was measured; NaN when it has none (or unknown).

    NIBP, reading by reading (the rule of the module docstring): a reading without a
    value is skipped and changes nothing; while the cuff is measuring, the reading
    keeps the previous result's time; any other reading starts a new measurement if
    the cuff was seen measuring since the last such reading or its value differs
    from that reading's, at its own time (unknown, NaN, if flagged older than 60 s),
    and otherwise keeps the current one. Worked out with numpy over the whole series,
    because a review computes it for every NIBP series several times (about 60x faster
    than the loop over readings it replaced; tests/test_review_resample.py holds both).
    """
    times, values = samples.times, samples.values
    if samples.parameter not in NIBP_PARAMETERS:
        return np.where(np.isfinite(values), times, np.nan)
    measured = np.full(len(times), np.nan)
    rows = np.flatnonzero(~np.isnan(values))  # readings with a value, in order
    if not len(rows):
        return measured
    measuring = samples.flagged(frozenset({MEASURING}))[rows]
    older = samples.flagged(frozenset({OLDER}))[rows]
    results = np.flatnonzero(~measuring)  # positions (in rows) of readings that show a result
    if len(results):
        cycles_before = np.cumsum(measuring)[results]  # measuring readings before each result reading
        result_values = values[rows[results]]
        new = np.ones(len(results), dtype=bool)  # the first result is new: nothing came before it
        new[1:] = (cycles_before[1:] != cycles_before[:-1]) | (result_values[1:] != result_values[:-1])
        started = np.where(older[results], np.nan, times[rows[results]])
        latest_new = np.maximum.accumulate(np.where(new, np.arange(len(results)), 0))
        measured[rows[results]] = started[latest_new]
    if measuring.any():  # a cuff inflating shows the result before it, if there was one
        last_result = np.maximum.accumulate(np.where(~measuring, np.arange(len(rows)), -1))
        at = np.flatnonzero(measuring)
        before = last_result[at]
        shown = before >= 0
        measured[rows[at[shown]]] = measured[rows[before[shown]]]
    return measured


def hold(samples: Samples, at: np.ndarray) -> np.ndarray:
    """The current value at each time in ``at`` (sorted or not); NaN where there was none."""
    at = np.asarray(at, dtype=float)
    result = np.full(at.shape, np.nan)
    if not len(samples):
        return result
    measured = measured_at(samples)
    index = np.searchsorted(samples.times, at, side="right") - 1
    valid = index >= 0
    picked = np.where(valid, index, 0)
    value = samples.values[picked]
    since = measured[picked]
    with np.errstate(invalid="ignore"):
        current = valid & np.isfinite(value) & np.isfinite(since) & (
            at - since <= stale_after_s(samples.parameter)
        )
    result[current] = value[current]
    return result


def held_intervals(samples: Samples, until: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, ends, values)``: when each value was current, as half-open intervals."""
    if not len(samples):
        empty = np.empty(0)
        return empty, empty, empty
    times = samples.times
    measured = measured_at(samples)
    next_times = np.append(times[1:], max(until, times[-1]))
    with np.errstate(invalid="ignore"):
        ends = np.minimum(next_times, measured + stale_after_s(samples.parameter))
        keep = np.isfinite(samples.values) & np.isfinite(measured) & (ends > times)
    return times[keep], ends[keep], samples.values[keep]


def measurements(samples: Samples, trusted_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(times, values)`` of each distinct measurement (each reading, except for NIBP).

    NIBP: one entry per cuff result, at the time it was first received.
    ``trusted_only`` drops readings flagged as artefacts (see :mod:`monitor.baseline`).
    """
    measured = measured_at(samples)
    keep = np.isfinite(samples.values) & np.isfinite(measured)
    if samples.parameter in NIBP_PARAMETERS:
        keep &= samples.times == measured  # the reading that carried the new result
    if trusted_only:
        keep &= ~samples.flagged(UNTRUSTED_NAMES)
    return samples.times[keep], samples.values[keep]


def gaps(values: np.ndarray) -> list[tuple[int, int]]:
    """``[(first, stop), ...]`` index ranges of consecutive NaN in a gridded signal."""
    missing = np.isnan(values).astype(np.int8)
    edges = np.diff(np.concatenate(([0], missing, [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist()))

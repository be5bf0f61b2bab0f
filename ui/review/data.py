"""What the review window draws and reads out, computed once from a recording with numpy (no Qt).

* x is **minutes from the infusion start** (baseline negative), as on the live
  chart and the PDF report; without an infusion, minutes from the session start.
* Continuous parameters are drawn as recorded, NaN where there was no value, and
  the line breaks where the monitor was silent for longer than the live chart's
  gap (:data:`monitor.trends.GAP_MINUTES`), so a lost link is never bridged.
* NIBP is one sys/dia pair per cuff measurement (:func:`monitor.review.resample.measurements`).
* The cursor reads the value *current* at a moment: the last reading's value
  while it is within the parameter's staleness limit, the rule of the live tiles
  and the exports (:func:`monitor.review.resample.hold`), with each
  parameter's measurement times computed once so following the mouse is cheap.
* Limit lines are the alarm limits the alarm log mentions, each drawn from when it
  was in force (a limit change, or the session start for a limit from the
  profile) until it was changed or the data ends, in the trend panel of its
  parameter and named by its ``chart_label`` (catalogue); a parameter that is
  not charted has no line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from monitor.parameters import NIBP_PARAMETERS, PARAMETERS, Parameter
from monitor.review import ActionRecord, AlarmRecord, Recording
from monitor.review.resample import measured_at, measurements, stale_after_s
from monitor.trends import GAP_MINUTES
from ui.limit_labels import LimitLabel, merge_limits



def plot_origin(recording: Recording) -> float:
    """UTC time of x = 0: the infusion start, else the session start."""
    start = recording.phase_start("infusion")
    return recording.start if start is None else start


def axis_title(recording: Recording) -> str:
    if recording.phase_start("infusion") is None:
        return "minutes from session start"
    return "minutes from infusion start"


def line_xy(times: np.ndarray, values: np.ndarray, origin: float,
            gap_min: float = GAP_MINUTES) -> tuple[np.ndarray, np.ndarray]:
    """``(minutes, values)`` for a ``connect="finite"`` line, NaN inserted at every silence."""
    x = (np.asarray(times, dtype=float) - origin) / 60.0
    y = np.asarray(values, dtype=float)
    if len(x) < 2:
        return x.copy(), y.copy()
    breaks = np.flatnonzero(np.diff(x) > gap_min) + 1
    if len(breaks):
        x = np.insert(x, breaks, x[breaks - 1] + gap_min / 2)
        y = np.insert(y, breaks, np.nan)
    return x, y


@dataclass(frozen=True, slots=True)
class NibpPoints:
    """One entry per cuff measurement: x in minutes; dia/mean NaN where not in the same record."""

    minutes: np.ndarray
    sys: np.ndarray
    dia: np.ndarray
    mean: np.ndarray


def nibp_points(recording: Recording, origin: float, reader: CursorReader | None = None) -> NibpPoints:
    """Each cuff measurement once (the rule of :func:`monitor.review.resample.measurements`,
    artefact-flagged ones included: the chart shows what was measured). ``reader`` lends its
    measurement times so they are not worked out twice."""
    found = {}
    for parameter in NIBP_PARAMETERS:
        if reader is not None and parameter in reader.parameters:
            times, values, measured, _ = reader.data(parameter)
            keep = np.isfinite(values) & np.isfinite(measured) & (times == measured)
            found[parameter] = (times[keep], values[keep])
        else:
            found[parameter] = measurements(recording.samples(parameter), trusted_only=False)
    times = np.union1d(found[Parameter.NIBP_SYS][0], found[Parameter.NIBP_DIA][0])
    columns = []
    for parameter in NIBP_PARAMETERS:
        t, v = found[parameter]
        column = np.full(len(times), np.nan)
        _, into, source = np.intersect1d(times, t, assume_unique=False, return_indices=True)
        column[into] = v[source]
        columns.append(column)
    return NibpPoints((times - origin) / 60.0, *columns)


class CursorReader:
    """The value current at any moment, for every recorded parameter (see module docstring)."""

    def __init__(self, recording: Recording) -> None:
        self.parameters = recording.parameters()
        self._data = {}
        for parameter in self.parameters:
            samples = recording.samples(parameter)
            self._data[parameter] = (samples.times, samples.values, measured_at(samples), stale_after_s(parameter))

    def data(self, parameter: Parameter) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """``(times, values, measured at, staleness limit s)`` of a recorded parameter."""
        return self._data[Parameter(parameter)]

    def reading_at(self, parameter: Parameter, t: float) -> tuple[float | None, float | None]:
        """``(value, measured at)`` current at ``t``; ``(None, None)`` when none was."""
        data = self._data.get(Parameter(parameter))
        if data is None:
            return None, None
        times, values, measured, stale = data
        index = int(np.searchsorted(times, t, side="right")) - 1
        if index < 0:
            return None, None
        value, since = float(values[index]), float(measured[index])
        if math.isnan(value) or math.isnan(since) or t - since > stale:
            return None, None
        return value, since

    def values_at(self, t: float) -> dict[Parameter, float | None]:
        return {p: self.reading_at(p, t)[0] for p in self.parameters}


@dataclass(frozen=True, slots=True)
class LimitSegment:
    """One alarm limit while it was in force."""

    condition: str  # e.g. NIBP_SYS_HIGH
    parameter: Parameter
    direction: str  # HIGH, LOW, RISE, FALL
    limit: float
    start: float  # UTC s
    end: float

    @property
    def name(self) -> str:
        base = PARAMETERS[self.parameter].chart_label
        return f"{base} {self.direction.lower()}" if self.direction in ("RISE", "FALL") else base

    @property
    def panel(self) -> str | None:
        """The trend panel its line is drawn in; None: its parameter is not charted."""
        return PARAMETERS[self.parameter].trend


def limit_segments(recording: Recording) -> list[LimitSegment]:
    """Every physiological alarm limit the log mentions, from when to when it was in force.

    A limit change is either the alarm engine's ``limit_changed`` alarm event (value = old
    limit, limit = new) or an operator action ``limit_changed`` with ``parameter``, ``old``
    and ``new`` in its detail; a limit first met in an alarm was in force from the start.
    """
    start, end = recording.start, recording.end_of_observation()
    events = recording.events(frozenset({"alarm", "action"}))
    alarms = [e for e in events if isinstance(e, AlarmRecord) and e.parameter is not None]  # limit names
    conditions: dict[str, dict[str, AlarmRecord]] = {}  # parameter -> condition -> an event of it
    for event in alarms:
        conditions.setdefault(event.parameter or "", {}).setdefault(event.condition, event)
    active: dict[tuple[str, float], tuple[float, AlarmRecord]] = {}
    seen: set[tuple[str, float]] = set()
    segments: list[LimitSegment] = []

    def change(event: AlarmRecord, old: float | None, new: float | None) -> None:
        if old is not None:
            key = (event.condition, old)
            if key in active:  # replaced: it ends now
                since, first = active.pop(key)
                segments.append(_segment(first, old, since, event.time))
            elif key not in seen:  # the profile's limit, in force since the start
                segments.append(_segment(event, old, start, event.time))
            seen.add(key)
        if new is not None:
            active.setdefault((event.condition, new), (event.time, event))
            seen.add((event.condition, new))

    for event in events:
        if isinstance(event, ActionRecord):
            found = _action_change(event, conditions, active, alarms)
            if found is not None:
                change(*found)
        elif isinstance(event, AlarmRecord) and event.parameter is not None:
            if event.event == "limit_changed":
                change(event, _float(event.value), _float(event.limit))
            elif event.limit is not None:
                key = (event.condition, float(event.limit))
                if key not in active:
                    active[key] = (start if key not in seen else event.time, event)
                    seen.add(key)
    for key, (since, first) in list(active.items()):
        segments.append(_segment(first, key[1], since, max(end, since)))
    segments.sort(key=lambda s: (list(Parameter).index(s.parameter), s.limit, s.start))
    return segments


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _action_change(action: ActionRecord, conditions: dict[str, dict[str, AlarmRecord]],
                   active: dict[tuple[str, float], tuple[float, AlarmRecord]], alarms: list[AlarmRecord]):
    """``(an event of the condition at the action's time, old, new)`` for an operator's limit change
    whose condition can be told (the one with the old limit in force, else the one whose alarms
    name the new limit, else the parameter's only condition); None otherwise."""
    details = action.details
    if action.action != "limit_changed":
        return None
    old, new = _float(details.get("old")), _float(details.get("new"))
    candidates = conditions.get(str(details.get("parameter", "")), {})
    chosen = next((c for c in candidates if (c, old) in active), None)
    if chosen is None:
        chosen = next((c for c in candidates if any(a.condition == c and a.limit == new for a in alarms)), None)
    if chosen is None and len(candidates) == 1:
        chosen = next(iter(candidates))
    if chosen is None:
        return None
    template = candidates[chosen]
    event = AlarmRecord(action.time, chosen, template.priority, "limit_changed", old, new, None, None, "")
    return event, old, new


def _segment(event: AlarmRecord, limit: float, since: float, until: float) -> LimitSegment:
    return LimitSegment(event.condition, Parameter(event.parameter), event.direction or "", limit, since, until)


def limit_labels(segments: list[LimitSegment], origin: float) -> list[LimitLabel]:
    """One label per whole limit value (:func:`ui.limit_labels.merge_limits`), names of a value
    in direction order (``DBP 110, DBP rise 110``)."""
    ordered = sorted(segments, key=lambda s: s.direction)
    return merge_limits((s.limit, s.name, (s.end - origin) / 60.0) for s in ordered)


def segments_xy(segments: list[LimitSegment], origin: float) -> tuple[np.ndarray, np.ndarray]:
    """x/y for one ``connect="pairs"`` item: each segment a horizontal line."""
    x = np.array([[(s.start - origin) / 60.0, (s.end - origin) / 60.0] for s in segments]).ravel()
    y = np.repeat([s.limit for s in segments], 2).astype(float)
    return x, y

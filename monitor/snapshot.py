"""One chair at a glance: the value a room panel and the central station both draw.

Why a value of its own: the infusion room (several chairs on one screen) builds
it from a bed in this process, the central station from messages a bedside
published over MQTT. If both draw the same :class:`ChairSnapshot`, a nurse sees
the same panel in both places, and the central station can only ever show what
a bedside actually sent: :func:`snapshot_from_json` refuses anything that is not
a valid snapshot instead of guessing.

What it holds is what a nurse reads from across a room: chair and patient, the
phase and its clock, each measurement present with its age and its change from
baseline, the link, and the alarms in priority order. The staleness rule is
applied when the snapshot is made (:class:`monitor.latest.LatestValues`), so a
value that was not current then is never carried as current.

Pure and immutable: it crosses threads and processes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.alarms import AlarmState
from monitor.latest import Freshness, LatestValues
from monitor.parameters import MEASUREMENTS, PARAMETERS, Parameter
from monitor.readings import LinkEvent
from monitor.session import Phase, SessionView

SNAPSHOT_VERSION = 1
MAX_TEXT = 500  # a message longer than this is not one a bedside wrote
MAX_ITEMS = 64  # measurements or alarms in one snapshot


class SnapshotError(ValueError):
    """A payload that is not a valid snapshot; ``str()`` says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class MeasurementSnapshot:
    """One measurement (a catalogue MEASUREMENTS row) as a panel shows it."""

    key: str  # "HR", "NIBP", ...
    values: tuple[float | None, ...]  # in the measurement's parameter order; None: no number
    baseline: tuple[float | None, ...]
    freshness: Freshness  # of the first parameter (systolic for a pressure)
    age_s: float | None  # for NIBP: since the cuff measured
    reason: str  # why there is no number, or notes ("measuring")

    @property
    def current(self) -> bool:
        return self.freshness is Freshness.CURRENT

    def deltas(self) -> tuple[float | None, ...]:
        """Change from baseline per value; None where either is missing or the value is not current."""
        if not self.current:
            return tuple(None for _ in self.values)
        return tuple(None if v is None or b is None else v - b
                     for v, b in zip(self.values, self.baseline, strict=True))


@dataclass(frozen=True, slots=True)
class AlarmSnapshot:
    """One active alarm as the bar and the panel show it."""

    condition: str
    priority: str  # "high" | "medium" | "low"
    status: str  # "active" | "acknowledged"
    message: str
    raised_at: datetime | None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""


@dataclass(frozen=True, slots=True)
class ChairSnapshot:
    """Everything a room panel or the central station draws for one chair, at ``at``."""

    bed: str
    patient: str
    at: datetime
    phase: Phase
    phase_elapsed_s: float
    infusion_elapsed_s: float | None
    planned_infusion_s: float
    recovery_elapsed_s: float | None
    link: str  # a LinkState value, or "offline" when the central station lost the bedside
    link_message: str
    measurements: tuple[MeasurementSnapshot, ...]
    alarms: tuple[AlarmSnapshot, ...]  # highest priority first
    sounding: str | None = None  # the priority the bedside sounds now, None when silent
    notice: str = ""  # one line the chair wants seen (e.g. "ready for discharge")

    @property
    def top_priority(self) -> str | None:
        """The highest priority of an unacknowledged alarm: what the panel flashes."""
        ranks = {"high": 3, "medium": 2, "low": 1}
        sounding = [a.priority for a in self.alarms if a.status == "active"]
        return max(sounding, key=ranks.__getitem__) if sounding else None

    def measurement(self, key: str) -> MeasurementSnapshot | None:
        return next((m for m in self.measurements if m.key == key), None)


def make_snapshot(
    bed: str, patient: str, view: SessionView, latest: LatestValues, alarms: Iterable[AlarmState],
    link: LinkEvent | None, now: datetime, *, sounding: object = None, notice: str = "",
    acknowledged_by: Mapping[str, str] | None = None,
) -> ChairSnapshot:
    """The snapshot of a bed in this process (the room's panels, the bedside's published state)."""
    measurements = tuple(
        _measurement(key, latest, view.baseline, now)
        for key, row in MEASUREMENTS.items()
        if row.always_shown or any(latest.has_seen(p) for p in row.parameters)
    )
    by = acknowledged_by or {}
    return ChairSnapshot(
        bed=bed, patient=patient, at=now, phase=view.phase, phase_elapsed_s=view.phase_elapsed_s,
        infusion_elapsed_s=view.infusion_elapsed_s, planned_infusion_s=view.planned_infusion_s,
        recovery_elapsed_s=view.recovery_elapsed_s,
        link=link.state.value if link is not None else "connecting",
        link_message=link.message if link is not None else "",
        measurements=measurements,
        alarms=tuple(_alarm(state, by.get(state.condition.value, "")) for state in alarms),
        sounding=getattr(sounding, "value", sounding), notice=notice,
    )


def _measurement(key: str, latest: LatestValues, baseline: Mapping[Parameter, float], now: datetime
                 ) -> MeasurementSnapshot:
    parameters = MEASUREMENTS[key].parameters
    views = [latest.view(p, now) for p in parameters]
    first = views[0]
    shown = tuple(v.value if v.freshness in (Freshness.CURRENT, Freshness.STALE) else None for v in views)
    return MeasurementSnapshot(
        key=key, values=shown, baseline=tuple(baseline.get(p) for p in parameters),
        freshness=first.freshness, age_s=first.age_s, reason=first.reason,
    )


def _alarm(state: AlarmState, by: str) -> AlarmSnapshot:
    return AlarmSnapshot(
        condition=state.condition.value, priority=state.priority.value, status=state.status.value,
        message=state.message, raised_at=state.raised_at, acknowledged_at=state.acknowledged_at,
        acknowledged_by=by,
    )


# -- JSON (the central station's "state" payload) ------------------------------------------

def snapshot_to_json(snapshot: ChairSnapshot) -> dict[str, object]:
    """A plain, versioned JSON object (times as ISO-8601 UTC)."""
    return {
        "version": SNAPSHOT_VERSION,
        "bed": snapshot.bed, "patient": snapshot.patient, "at": _time(snapshot.at),
        "phase": snapshot.phase.value, "phase_elapsed_s": snapshot.phase_elapsed_s,
        "infusion_elapsed_s": snapshot.infusion_elapsed_s, "planned_infusion_s": snapshot.planned_infusion_s,
        "recovery_elapsed_s": snapshot.recovery_elapsed_s,
        "link": snapshot.link, "link_message": snapshot.link_message,
        "measurements": [
            {"key": m.key, "values": list(m.values), "baseline": list(m.baseline),
             "freshness": m.freshness.value, "age_s": m.age_s, "reason": m.reason}
            for m in snapshot.measurements
        ],
        "alarms": [
            {"condition": a.condition, "priority": a.priority, "status": a.status, "message": a.message,
             "raised_at": _time(a.raised_at), "acknowledged_at": _time(a.acknowledged_at),
             "acknowledged_by": a.acknowledged_by}
            for a in snapshot.alarms
        ],
        "sounding": snapshot.sounding, "notice": snapshot.notice,
    }


def snapshot_from_json(data: object) -> ChairSnapshot:
    """The snapshot in ``data``, checked field by field; :class:`SnapshotError` if anything is off.

    Every number must be finite and every measured value inside its parameter's
    plausible range (the catalogue), so a damaged or forged message can never put
    a number on the central station's screen.
    """
    d = _object(data, "snapshot")
    if d.get("version") != SNAPSHOT_VERSION:
        raise SnapshotError(f"snapshot version {d.get('version')!r} is not {SNAPSHOT_VERSION}")
    try:
        phase = Phase(_text(d, "phase"))
    except ValueError:
        raise SnapshotError(f"unknown phase {d.get('phase')!r}") from None
    return ChairSnapshot(
        bed=_text(d, "bed", empty=False), patient=_text(d, "patient"), at=_required_time(d, "at"),
        phase=phase, phase_elapsed_s=_seconds(d, "phase_elapsed_s"),
        infusion_elapsed_s=_seconds(d, "infusion_elapsed_s", optional=True),
        planned_infusion_s=_seconds(d, "planned_infusion_s"),
        recovery_elapsed_s=_seconds(d, "recovery_elapsed_s", optional=True),
        link=_text(d, "link", empty=False), link_message=_text(d, "link_message"),
        measurements=tuple(_measurement_from(m) for m in _list(d, "measurements")),
        alarms=tuple(_alarm_from(a) for a in _list(d, "alarms")),
        sounding=_priority(d.get("sounding"), optional=True), notice=_text(d, "notice"),
    )


def _measurement_from(data: object) -> MeasurementSnapshot:
    m = _object(data, "measurement")
    key = _text(m, "key", empty=False)
    row = MEASUREMENTS.get(key)
    if row is None:
        raise SnapshotError(f"unknown measurement {key!r}")
    values = _values(m, "values", row.parameters)
    try:
        freshness = Freshness(_text(m, "freshness"))
    except ValueError:
        raise SnapshotError(f"{key}: unknown freshness {m.get('freshness')!r}") from None
    return MeasurementSnapshot(key=key, values=values, baseline=_values(m, "baseline", row.parameters),
                               freshness=freshness, age_s=_seconds(m, "age_s", optional=True),
                               reason=_text(m, "reason"))


def _alarm_from(data: object) -> AlarmSnapshot:
    a = _object(data, "alarm")
    status = _text(a, "status")
    if status not in ("active", "acknowledged"):
        raise SnapshotError(f"unknown alarm status {status!r}")
    return AlarmSnapshot(
        condition=_text(a, "condition", empty=False), priority=_priority(a.get("priority")) or "",
        status=status, message=_text(a, "message"), raised_at=_optional_time(a, "raised_at"),
        acknowledged_at=_optional_time(a, "acknowledged_at"), acknowledged_by=_text(a, "acknowledged_by"),
    )


def _object(data: object, what: str) -> dict:
    if not isinstance(data, dict):
        raise SnapshotError(f"a {what} must be a JSON object")
    return data


def _text(d: dict, key: str, empty: bool = True) -> str:
    value = d.get(key, "" if empty else None)
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not empty and not value.strip()):
        raise SnapshotError(f"{key} must be a text of at most {MAX_TEXT} characters")
    return value


def _list(d: dict, key: str) -> list:
    value = d.get(key)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise SnapshotError(f"{key} must be a list of at most {MAX_ITEMS} items")
    return value


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SnapshotError(f"{key} must be a finite number")
    return float(value)


def _seconds(d: dict, key: str, optional: bool = False) -> float | None:
    value = d.get(key)
    if value is None and optional:
        return None
    seconds = _number(value, key)
    if seconds < 0:
        raise SnapshotError(f"{key} must not be negative")
    return seconds


def _values(d: dict, key: str, parameters: tuple[Parameter, ...]) -> tuple[float | None, ...]:
    raw = d.get(key)
    if not isinstance(raw, list) or len(raw) != len(parameters):
        raise SnapshotError(f"{key} must list one value per parameter of {'/'.join(parameters)}")
    values: list[float | None] = []
    for parameter, value in zip(parameters, raw, strict=True):
        if value is None:
            values.append(None)
            continue
        number = _number(value, f"{key} of {parameter.value}")
        low, high = PARAMETERS[parameter].plausible
        if not low <= number <= high:
            raise SnapshotError(f"{parameter.value} {number:g} is outside the plausible {low:g}-{high:g}")
        values.append(number)
    return tuple(values)


def _priority(value: object, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if value not in ("high", "medium", "low"):
        raise SnapshotError(f"unknown priority {value!r}")
    return str(value)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _optional_time(d: dict, key: str) -> datetime | None:
    return None if d.get(key) is None else _required_time(d, key)


def _required_time(d: dict, key: str) -> datetime:
    text = d.get(key)
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise SnapshotError(f"{key} must be an ISO-8601 time") from None
    if not isinstance(text, str) or moment.tzinfo is None:
        raise SnapshotError(f"{key} must be an ISO-8601 time with its zone")
    return moment

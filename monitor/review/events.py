"""What happened during a recorded session, as immutable values read from the file.

One dataclass per table of the recording (``docs/recording-format.md``): phase
changes, annotations, alarm events, link events and operator actions. Every
event has ``time`` (UTC Unix seconds, like the readings), a ``category`` and a
one-line ``describe()`` so the review window, the CSV, the EDF+ annotations and
the PDF report all word an event the same way.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from monitor.parameters import MEASUREMENTS, PARAMETERS
from monitor.readings import Parameter

_DIRECTIONS = ("HIGH", "LOW", "RISE", "FALL")


def number_text(value: float | None) -> str:
    """72.0 -> "72", 98.25 -> "98.25", None -> "": monitors mostly send whole numbers."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True, slots=True)
class PhaseRecord:
    """A session phase beginning: ``baseline``, ``infusion``, ``recovery``, ``ended``."""

    category: ClassVar[str] = "phase"
    time: float
    phase: str
    by: str

    def describe(self) -> str:
        what = {
            "baseline": "Baseline period started",
            "infusion": "Infusion started",
            "recovery": "Infusion stopped; observation started",
            "ended": "Session ended",
        }.get(self.phase, f"Phase {self.phase}")
        return f"{what} (by {self.by})" if self.by else what


@dataclass(frozen=True, slots=True)
class AnnotationRecord:
    """A note the nurse made: ``quick`` (one-touch button) or ``free`` (typed text)."""

    category: ClassVar[str] = "annotation"
    time: float
    kind: str
    text: str

    def describe(self) -> str:
        return f"Note: {self.text}"


def alarm_of(condition: str) -> str:
    """The alarm condition a logged name belongs to, one per measurement and direction
    (``NIBP_SYS_HIGH`` -> ``NIBP_HIGH``, ``HR_HIGH`` -> ``HR_HIGH``); technical ones are themselves.

    Recordings made before issue 14 raised NIBP's and ART's alarms per parameter
    (``NIBP_SYS_HIGH``); counted by their measurement they compare with newer ones."""
    head, _, tail = condition.rpartition("_")
    if tail not in _DIRECTIONS:
        return condition
    if head in Parameter.__members__:
        return f"{PARAMETERS[Parameter(head)].measurement}_{tail}"
    return condition


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One line of the alarm log (raised, escalated, acknowledged, cleared, ...)."""

    category: ClassVar[str] = "alarm"
    time: float
    condition: str
    priority: str
    event: str
    value: float | None
    limit: float | None
    baseline: float | None
    phase: str | None
    detail: str

    @property
    def direction(self) -> str | None:
        """HIGH, LOW, RISE or FALL for a physiological name (``NIBP_HIGH``, ``HR_HIGH``), else None."""
        tail = self.condition.rpartition("_")[2]
        return tail if self.measurement is not None else None

    @property
    def parameter(self) -> str | None:
        """The parameter of a limit name (``NIBP_SYS_HIGH`` -> ``NIBP_SYS``, ``HR_HIGH`` -> ``HR``);
        None for a measurement's alarm of several parameters (``NIBP_HIGH``) and the others."""
        head, _, tail = self.condition.rpartition("_")
        if tail in _DIRECTIONS and head in Parameter.__members__:
            return head
        return None

    @property
    def measurement(self) -> str | None:
        """The measurement of a physiological name (``NIBP_SYS_HIGH`` and ``NIBP_HIGH`` -> ``NIBP``)."""
        head = alarm_of(self.condition).rpartition("_")[0]
        return head if head in MEASUREMENTS and self.condition.rpartition("_")[2] in _DIRECTIONS else None

    @property
    def alarm(self) -> str:
        return alarm_of(self.condition)

    def describe(self) -> str:
        parts = [f"Alarm {self.condition} ({self.priority}) {self.event.replace('_', ' ')}"]
        if self.value is not None:
            parts.append(f"value {number_text(self.value)}")
        if self.limit is not None:
            parts.append(f"limit {number_text(self.limit)}")
        if self.detail:
            parts.append(self.detail)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A change of the connection to the monitor; explains gaps in the readings."""

    category: ClassVar[str] = "link"
    time: float
    state: str
    message: str

    def describe(self) -> str:
        return f"Link {self.state}: {self.message}" if self.message else f"Link {self.state}"


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """Something an operator did that matters for the record (limit change, profile load)."""

    category: ClassVar[str] = "action"
    time: float
    action: str
    detail: str  # a JSON object as stored

    @property
    def details(self) -> dict[str, object]:
        """The JSON detail as a dict ({} when it is not a JSON object)."""
        try:
            parsed = json.loads(self.detail)
        except (TypeError, ValueError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def describe(self) -> str:
        details = self.details
        what = self.action.replace("_", " ").capitalize()
        if details:
            return what + ": " + ", ".join(f"{k} {v}" for k, v in details.items())
        return f"{what}: {self.detail}" if self.detail else what


Event = PhaseRecord | AnnotationRecord | AlarmRecord | LinkRecord | ActionRecord
CATEGORIES = ("phase", "annotation", "alarm", "link", "action")

_QUERIES: tuple[tuple[str, type], ...] = (
    ("SELECT id, host_time, phase, by FROM phase_changes", PhaseRecord),
    ("SELECT id, host_time, kind, text FROM annotations", AnnotationRecord),
    (
        (
            "SELECT id, host_time, condition, priority, event, value, limit_value, baseline, phase,"
            " detail FROM alarm_events"
        ),
        AlarmRecord,
    ),
    ("SELECT id, host_time, state, message FROM link_events", LinkRecord),
    ("SELECT id, host_time, action, detail FROM operator_actions", ActionRecord),
)


def load_events(conn: sqlite3.Connection) -> tuple[Event, ...]:
    """Every event of the recording, oldest first; ties keep table order, then arrival."""
    keyed = []
    for rank, (query, cls) in enumerate(_QUERIES):
        for row_id, host_time, *rest in conn.execute(query):
            if cls is AlarmRecord:
                rest[-1] = rest[-1] or ""  # detail
            keyed.append(((float(host_time), rank, row_id), cls(float(host_time), *rest)))
    keyed.sort(key=lambda item: item[0])
    return tuple(event for _, event in keyed)


def utc(t: float) -> datetime:
    """UTC Unix seconds as an aware datetime."""
    return datetime.fromtimestamp(t, UTC)

"""The alarm vocabulary: priorities, conditions, states and logged events.

Names follow IEC 60601-1-8 as summarised in the reference
(``/work/shared/reference/alarm-system-and-ketamine-thresholds.md``): three
priorities (§1.1), physiological and technical alarm conditions (§1.4), the
states pending -> active -> acknowledged -> cleared (§1.5-§1.7) and a log that
keeps every transition with time, limit and value (§1.9, clause 6.12).

Everything here is immutable: states and events cross from the engine to the
GUI thread and the recorder.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from monitor.parameters import MEASUREMENTS, PARAMETERS
from monitor.readings import Parameter


class Priority(enum.Enum):
    """Alarm priority (reference §1.1 Table 1). Ordered: LOW < MEDIUM < HIGH."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def stars(self) -> str:
        """Message prefix used by every major monitor (reference §1.2)."""
        return "*" * self.rank

    def __lt__(self, other: Priority) -> bool:
        return self.rank < other.rank

    def __le__(self, other: Priority) -> bool:
        return self.rank <= other.rank

    def __gt__(self, other: Priority) -> bool:
        return self.rank > other.rank

    def __ge__(self, other: Priority) -> bool:
        return self.rank >= other.rank


_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}


class Direction(enum.StrEnum):
    """Which way a physiological value violates its limit."""

    HIGH = "HIGH"  # above an absolute upper limit
    LOW = "LOW"  # below an absolute lower limit
    RISE = "RISE"  # above the session baseline by more than the allowed amount
    FALL = "FALL"  # below the session baseline by more than the allowed amount

    @property
    def upward(self) -> bool:
        return self in (Direction.HIGH, Direction.RISE)


class AlarmKind(enum.StrEnum):
    """Grouping disclosed in docs/alarms.md (reference §1.1: groups must be disclosed)."""

    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"


class AlarmStatus(enum.StrEnum):
    PENDING = "pending"  # beyond a limit, condition delay still running: no signal yet
    ACTIVE = "active"  # alarm condition exists (or is latched), not acknowledged: sounds
    ACKNOWLEDGED = "acknowledged"  # silenced by the operator; shown steadily while it lasts
    CLEARED = "cleared"  # over; kept only in the log


class EventType(enum.StrEnum):
    """What the log records (reference §1.9 recommended schema)."""

    RAISED = "raised"
    ESCALATED = "escalated"  # priority went up: worsening, confirmation, or not acknowledged in time
    ACKNOWLEDGED = "acknowledged"
    LATCHED = "latched"  # the condition ended, the alarm is held until acknowledged
    RECURRED = "recurred"  # the condition of a latched alarm is back before anyone acknowledged
    REMINDED = "reminded"  # an acknowledged, persisting condition is announced again
    CROSSED = "crossed"  # one parameter crossed one of its limits (named by its limit name, NIBP_DIA_HIGH)
    CLEARED = "cleared"
    AUDIO_PAUSED = "audio_paused"
    AUDIO_RESUMED = "audio_resumed"
    LIMIT_CHANGED = "limit_changed"
    PROFILE_LOADED = "profile_loaded"


class AlarmCondition(enum.StrEnum):
    """Every alarm condition the engine can raise, the names of the limits it judges them by,
    and ``ALARM_SYSTEM`` for events about the alarm system itself (audio pause, profile loaded).

    Physiological alarm conditions are one per measurement and direction,
    ``<MEASUREMENT>_<DIRECTION>`` (``NIBP_HIGH``, ``HR_LOW``; the measurement is a row of
    ``monitor.parameters.MEASUREMENTS``): a cuff result over its systolic and diastolic
    limits is one alarm, not two. A limit belongs to one parameter and is named
    ``<PARAMETER>_<DIRECTION>`` (``NIBP_SYS_HIGH``): those names appear in ``limit_changed``
    and ``crossed`` log rows, and were the alarm conditions of recordings made before
    the grouping (issue 14). Where a measurement has one parameter (HR) both names are
    the same. docs/alarms.md discloses the rule.
    """

    HR_HIGH = "HR_HIGH"
    HR_LOW = "HR_LOW"
    HR_RISE = "HR_RISE"
    HR_FALL = "HR_FALL"
    PR_HIGH = "PR_HIGH"
    PR_LOW = "PR_LOW"
    PR_RISE = "PR_RISE"
    PR_FALL = "PR_FALL"
    NIBP_HIGH = "NIBP_HIGH"
    NIBP_LOW = "NIBP_LOW"
    NIBP_RISE = "NIBP_RISE"
    NIBP_FALL = "NIBP_FALL"
    ART_HIGH = "ART_HIGH"
    ART_LOW = "ART_LOW"
    ART_RISE = "ART_RISE"
    ART_FALL = "ART_FALL"
    SPO2_HIGH = "SPO2_HIGH"
    SPO2_LOW = "SPO2_LOW"
    SPO2_RISE = "SPO2_RISE"
    SPO2_FALL = "SPO2_FALL"
    RR_HIGH = "RR_HIGH"
    RR_LOW = "RR_LOW"
    RR_RISE = "RR_RISE"
    RR_FALL = "RR_FALL"
    ETCO2_HIGH = "ETCO2_HIGH"
    ETCO2_LOW = "ETCO2_LOW"
    ETCO2_RISE = "ETCO2_RISE"
    ETCO2_FALL = "ETCO2_FALL"
    TEMP_HIGH = "TEMP_HIGH"
    TEMP_LOW = "TEMP_LOW"
    TEMP_RISE = "TEMP_RISE"
    TEMP_FALL = "TEMP_FALL"
    # limits of the parameters of a measurement of several (their alarm is the measurement's)
    NIBP_SYS_HIGH = "NIBP_SYS_HIGH"
    NIBP_SYS_LOW = "NIBP_SYS_LOW"
    NIBP_SYS_RISE = "NIBP_SYS_RISE"
    NIBP_SYS_FALL = "NIBP_SYS_FALL"
    NIBP_DIA_HIGH = "NIBP_DIA_HIGH"
    NIBP_DIA_LOW = "NIBP_DIA_LOW"
    NIBP_DIA_RISE = "NIBP_DIA_RISE"
    NIBP_DIA_FALL = "NIBP_DIA_FALL"
    NIBP_MEAN_HIGH = "NIBP_MEAN_HIGH"
    NIBP_MEAN_LOW = "NIBP_MEAN_LOW"
    NIBP_MEAN_RISE = "NIBP_MEAN_RISE"
    NIBP_MEAN_FALL = "NIBP_MEAN_FALL"
    ART_SYS_HIGH = "ART_SYS_HIGH"
    ART_SYS_LOW = "ART_SYS_LOW"
    ART_SYS_RISE = "ART_SYS_RISE"
    ART_SYS_FALL = "ART_SYS_FALL"
    ART_DIA_HIGH = "ART_DIA_HIGH"
    ART_DIA_LOW = "ART_DIA_LOW"
    ART_DIA_RISE = "ART_DIA_RISE"
    ART_DIA_FALL = "ART_DIA_FALL"
    ART_MEAN_HIGH = "ART_MEAN_HIGH"
    ART_MEAN_LOW = "ART_MEAN_LOW"
    ART_MEAN_RISE = "ART_MEAN_RISE"
    ART_MEAN_FALL = "ART_MEAN_FALL"
    # technical (reference §1.4)
    LINK_LOST = "LINK_LOST"
    SENSOR_OFF = "SENSOR_OFF"
    INVALID_MEASUREMENT = "INVALID_MEASUREMENT"
    NOISY_LINE = "NOISY_LINE"
    NIBP_OVERDUE = "NIBP_OVERDUE"
    AUDIO_UNAVAILABLE = "AUDIO_UNAVAILABLE"
    RECORDING_FAILED = "RECORDING_FAILED"
    DISPLAY_FROZEN = "DISPLAY_FROZEN"  # the display stopped responding (the sound process's watchdog)
    CENTRAL_UNREACHABLE = "CENTRAL_UNREACHABLE"  # the central station's broker does not take our messages
    # not an alarm: the subject of audio-pause and profile events in the log
    ALARM_SYSTEM = "ALARM_SYSTEM"

    @classmethod
    def physiological(cls, parameter: Parameter, direction: Direction) -> AlarmCondition:
        """The name of one parameter's limit: ``NIBP_SYS_HIGH``, ``HR_HIGH``."""
        return cls(f"{parameter.value}_{direction.value}")

    @classmethod
    def grouped(cls, measurement: str, direction: Direction) -> AlarmCondition:
        """The alarm condition of a measurement in one direction: ``NIBP_HIGH``, ``HR_HIGH``."""
        return cls(f"{measurement}_{direction.value}")

    @property
    def parameter(self) -> Parameter | None:
        """The parameter a limit name belongs to (``NIBP_SYS_HIGH``: NIBP_SYS; ``HR_HIGH``: HR);
        None for a measurement's condition of several parameters (``NIBP_HIGH``) and the others."""
        return _names(self.value)[0]

    @property
    def measurement(self) -> str | None:
        """The measurement (a ``MEASUREMENTS`` key: its tile) of a physiological name, else None."""
        return _names(self.value)[1]

    @property
    def direction(self) -> Direction | None:
        return Direction(self.value.rpartition("_")[2]) if self.measurement else None

    @property
    def group(self) -> AlarmCondition | None:
        """The alarm condition a limit name alarms as (``NIBP_SYS_HIGH`` -> ``NIBP_HIGH``)."""
        measurement, direction = self.measurement, self.direction
        return None if measurement is None or direction is None else AlarmCondition.grouped(measurement, direction)

    @property
    def kind(self) -> AlarmKind:
        return AlarmKind.PHYSIOLOGICAL if self.measurement else AlarmKind.TECHNICAL


def _names(name: str) -> tuple[Parameter | None, str | None]:
    """``(parameter, measurement)`` of a physiological name; (None, None) for the others."""
    head, _, tail = name.rpartition("_")
    if tail not in Direction.__members__:
        return None, None
    if head in Parameter.__members__:
        return Parameter(head), PARAMETERS[Parameter(head)].measurement
    return None, (head if head in MEASUREMENTS else None)


# A parameter or measurement added to the catalogue must get its names here too: fail at import.
assert all(
    f"{p.value}_{d.value}" in AlarmCondition.__members__ for p in Parameter for d in Direction
), "every catalogue parameter needs its <PARAMETER>_<DIRECTION> limit names"
assert all(
    f"{m}_{d.value}" in AlarmCondition.__members__ for m in MEASUREMENTS for d in Direction
), "every catalogue measurement needs its <MEASUREMENT>_<DIRECTION> alarm conditions"

TECHNICAL_CONDITIONS = (
    AlarmCondition.LINK_LOST,
    AlarmCondition.SENSOR_OFF,
    AlarmCondition.INVALID_MEASUREMENT,
    AlarmCondition.NOISY_LINE,
    AlarmCondition.NIBP_OVERDUE,
    AlarmCondition.AUDIO_UNAVAILABLE,
    AlarmCondition.RECORDING_FAILED,
    AlarmCondition.DISPLAY_FROZEN,
    AlarmCondition.CENTRAL_UNREACHABLE,
)

# How alarm messages name a parameter: "HR 134 > 130", "EtCO2 55 > 50" (the catalogue's label).
LABELS: dict[Parameter, str] = {p: row.label for p, row in PARAMETERS.items()}


def number(value: float | None, places: int = 1) -> float | int | None:
    """72.0 is shown and stored as 72: monitors send whole numbers for most parameters."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, places)


def utc_text(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z``, as ``record --jsonl`` prints every time."""
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class MemberState:
    """One parameter's part in a physiological alarm (NIBP dia in NIBP_HIGH): the chart draws
    each member's violated limit, and the message names each."""

    parameter: Parameter
    priority: Priority  # the highest tier this parameter reached in the occurrence
    value: float | None  # its latest value
    worst_value: float | None
    limit: float | None  # its violated limit at that tier
    beyond: bool  # beyond its limit now (not yet back inside by the hysteresis)


@dataclass(frozen=True, slots=True)
class AlarmState:
    """One alarm as the alarm bar and the numeric tiles show it."""

    condition: AlarmCondition
    priority: Priority
    status: AlarmStatus
    kind: AlarmKind
    message: str  # e.g. "HR 134 > 130"; the bar prefixes the priority stars
    value: float | None  # latest value of the parameter (physiological only)
    worst_value: float | None  # most extreme value of this occurrence
    limit: float | None  # the violated limit
    raised_at: datetime | None  # None while pending
    acknowledged_at: datetime | None = None
    latched: bool = False  # condition over, held until acknowledged (reference §1.6)
    members: tuple[MemberState, ...] = ()  # physiological: each parameter that crossed a limit, worst first

    @property
    def bar_text(self) -> str:
        """``*** HR 134 > 130``: priority stars, then the message (reference §1.2)."""
        return f"{self.priority.stars} {self.message}"

    @property
    def silenced(self) -> bool:
        return self.status is AlarmStatus.ACKNOWLEDGED


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One line of the alarm log; ``SessionRecorder.add`` stores it via ``to_record``."""

    time: datetime  # timezone-aware UTC
    condition: AlarmCondition
    priority: Priority
    event: EventType
    value: float | None = None  # worst value of the occurrence so far, or the old limit
    limit: float | None = None  # the violated limit, or the new limit
    baseline: float | None = None
    phase: str | None = None
    detail: str = ""

    def to_record(self) -> tuple[str, dict[str, object]]:
        """Columns of the recording's ``alarm_events`` table."""
        return "alarm_events", {
            "host_time": self.time.timestamp(),
            "condition": self.condition.value,
            "priority": self.priority.value,
            "event": self.event.value,
            "value": self.value,
            "limit_value": self.limit,
            "baseline": self.baseline,
            "phase": self.phase,
            "detail": self.detail,
        }

    def as_json(self) -> dict[str, object]:
        """The ``record --jsonl`` line: the issue's fields first, context after."""
        return {
            "type": "alarm",
            "time": utc_text(self.time),
            "condition": self.condition.value,
            "priority": self.priority.value,
            "event": self.event.value,
            "value": number(self.value),
            "limit": number(self.limit),
            "baseline": number(self.baseline),
            "phase": self.phase,
            "detail": self.detail,
        }

"""One alarm occurrence and its transitions, each returning the event it logs.

States (reference §1.6-§1.8, issue 5):

- ACTIVE: the condition exists and nobody has acknowledged it: it sounds.
- ACKNOWLEDGED: silenced; shown steadily while the condition lasts. If it
  persists for the reminder interval it becomes ACTIVE again (``remind``).
- Latching: a high-priority physiological alarm, and LINK_LOST, stay ACTIVE
  after their condition ended until someone acknowledges them (Dräger practice,
  §1.6: "signals continue until the operator acknowledges"). Medium, low and
  the other technical alarms clear with their condition.
- The priority of an occurrence never goes down; it goes up when the value
  worsens, when a repeat NIBP confirms it, or when a medium physiological alarm
  is not acknowledged in time (§1.8), and each rise sounds again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.alarms.model import (
    AlarmCondition,
    AlarmEvent,
    AlarmKind,
    AlarmState,
    AlarmStatus,
    EventType,
    MemberState,
    Priority,
)


@dataclass(frozen=True, slots=True)
class Moment:
    """When something happens: clock seconds, the wall time logged, and the session phase."""

    t: float
    time: datetime
    phase: str | None


class Alarm:
    """A raised alarm from ``raised`` until ``cleared``; mutable, owned by the engine."""

    def __init__(self, condition: AlarmCondition, priority: Priority, at: Moment, message: str) -> None:
        self.condition = condition
        self.kind = condition.kind
        self.priority = priority
        self.status = AlarmStatus.ACTIVE
        self.message = message
        self.present = True  # the condition exists now; False while latched
        self.raised_at = at.time
        self.unacknowledged_since = at.t  # escalation counts from here
        self.acknowledged_t: float | None = None
        self.acknowledged_at: datetime | None = None
        self.value: float | None = None
        self.worst: float | None = None
        self.limit: float | None = None
        self.baseline: float | None = None
        self.members: tuple[MemberState, ...] = ()  # physiological: set by ``physiological`` from its group

    @property
    def latches(self) -> bool:
        if self.condition is AlarmCondition.LINK_LOST:
            return True
        return self.kind is AlarmKind.PHYSIOLOGICAL and self.priority is Priority.HIGH

    # -- transitions ------------------------------------------------------------
    def raised(self, at: Moment, detail: str) -> AlarmEvent:
        return self.event(EventType.RAISED, at, detail)

    def worsen(self, priority: Priority, at: Moment, detail: str) -> AlarmEvent:
        """Higher priority: sounds again, even if it had been acknowledged."""
        self.priority = priority
        self.status = AlarmStatus.ACTIVE
        self.unacknowledged_since = at.t
        return self.event(EventType.ESCALATED, at, detail)

    def acknowledge(self, at: Moment, by: str) -> list[AlarmEvent]:
        """Silence it; a latched alarm (condition already over) is cleared at once."""
        self.status = AlarmStatus.ACKNOWLEDGED
        self.acknowledged_t = at.t
        self.acknowledged_at = at.time
        events = [self.event(EventType.ACKNOWLEDGED, at, _by(by))]
        if not self.present:
            events.append(self.clear(at, "latched alarm acknowledged"))
        return events

    def end(self, at: Moment, detail: str) -> AlarmEvent:
        """The condition is over: latch if it must be seen, else clear."""
        self.present = False
        if self.status is AlarmStatus.ACTIVE and self.latches:
            return self.event(EventType.LATCHED, at, f"{detail}; held until acknowledged")
        return self.clear(at, detail)

    def resume(self, at: Moment) -> AlarmEvent:
        """The condition came back while latched: the same occurrence goes on, logged."""
        self.present = True
        return self.event(EventType.RECURRED, at, "condition present again before acknowledgement")

    def remind(self, at: Moment) -> AlarmEvent:
        self.status = AlarmStatus.ACTIVE
        self.unacknowledged_since = at.t
        return self.event(EventType.REMINDED, at, "acknowledged condition still present")

    def clear(self, at: Moment, detail: str) -> AlarmEvent:
        self.present = False
        self.status = AlarmStatus.CLEARED
        return self.event(EventType.CLEARED, at, detail)

    # -- timing -----------------------------------------------------------------
    def escalation_due(self, escalation_s: float) -> float | None:
        """Medium physiological alarms not acknowledged in time become high (reference §1.8)."""
        if (
            self.kind is AlarmKind.PHYSIOLOGICAL
            and self.priority is Priority.MEDIUM
            and self.status is AlarmStatus.ACTIVE
        ):
            return self.unacknowledged_since + escalation_s
        return None

    def reminder_due(self, reminder_s: float) -> float | None:
        if self.status is AlarmStatus.ACKNOWLEDGED and self.present and self.acknowledged_t is not None:
            return self.acknowledged_t + reminder_s
        return None

    # -- output -----------------------------------------------------------------
    def event(self, kind: EventType, at: Moment, detail: str = "") -> AlarmEvent:
        return AlarmEvent(
            time=at.time,
            condition=self.condition,
            priority=self.priority,
            event=kind,
            value=self.worst,
            limit=self.limit,
            baseline=self.baseline,
            phase=at.phase,
            detail=detail,
        )

    def state(self) -> AlarmState:
        return AlarmState(
            condition=self.condition,
            priority=self.priority,
            status=self.status,
            kind=self.kind,
            message=self.message if self.present else f"{self.message} (ended)",
            value=self.value,
            worst_value=self.worst,
            limit=self.limit,
            raised_at=self.raised_at,
            acknowledged_at=self.acknowledged_at,
            latched=not self.present,
            members=self.members,
        )


def _by(operator: str) -> str:
    return f"by {operator}" if operator else ""

"""The alarm log folded into alarms: one occurrence per raise, with its acknowledgement and end.

The recording keeps every transition (``raised``, ``escalated``, ``acknowledged``,
``latched``, ``reminded``, ``cleared``, ...). A clinician asks "which alarms
fired, how bad, who acknowledged them and when did they end", so the review
window and the PDF report show occurrences. Events that belong to no raised
alarm (audio paused, a limit changed, a profile loaded, or a log that starts
mid-alarm) are kept as ``other`` so nothing in the log is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from monitor.review.events import AlarmRecord, Event

_RANK = {"low": 1, "medium": 2, "high": 3}
_ENDS = frozenset({"cleared"})


@dataclass(frozen=True, slots=True)
class AlarmOccurrence:
    condition: str
    priority: str  # the highest it reached
    raised: float
    worst_value: float | None = None
    limit: float | None = None
    phase: str | None = None  # session phase when it was raised
    acknowledged: float | None = None  # first acknowledgement
    acknowledged_detail: str = ""  # who / how, as logged
    cleared: float | None = None  # None: still active when the recording ends
    events: tuple[AlarmRecord, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        return self.events[0].detail if self.events else ""


def _update(occurrence: AlarmOccurrence, event: AlarmRecord) -> AlarmOccurrence:
    changes: dict[str, object] = {"events": occurrence.events + (event,)}
    if _RANK.get(event.priority, 0) > _RANK.get(occurrence.priority, 0):
        changes["priority"] = event.priority
    if event.value is not None:
        changes["worst_value"] = event.value  # the log carries the worst value so far
    if event.limit is not None and occurrence.limit is None:
        changes["limit"] = event.limit
    if event.event == "acknowledged" and occurrence.acknowledged is None:
        changes["acknowledged"] = event.time
        changes["acknowledged_detail"] = event.detail
    if event.event in _ENDS:
        changes["cleared"] = event.time
    return replace(occurrence, **changes)


def alarm_occurrences(events: Iterable[Event]) -> tuple[tuple[AlarmOccurrence, ...], tuple[AlarmRecord, ...]]:
    """``(occurrences by raise time, other alarm-log events)``."""
    open_: dict[str, AlarmOccurrence] = {}
    done: list[AlarmOccurrence] = []
    other: list[AlarmRecord] = []
    for event in events:
        if not isinstance(event, AlarmRecord):
            continue
        current = open_.get(event.condition)
        if event.event == "raised":
            if current is not None:
                done.append(current)
            open_[event.condition] = _update(
                AlarmOccurrence(event.condition, event.priority, event.time, phase=event.phase), event
            )
        elif current is not None and event.event not in ("limit_changed", "profile_loaded"):
            current = _update(current, event)
            if current.cleared is not None:
                done.append(current)
                del open_[event.condition]
            else:
                open_[event.condition] = current
        else:
            other.append(event)
    done.extend(open_.values())
    done.sort(key=lambda o: o.raised)
    return tuple(done), tuple(other)

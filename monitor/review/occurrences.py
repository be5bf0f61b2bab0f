"""The alarm log folded into alarms: one occurrence per raise, with its acknowledgement and end.

The recording keeps every transition (``raised``, ``escalated``, ``acknowledged``,
``latched``, ``reminded``, ``cleared``, ...). A clinician asks "which alarms
fired, how bad, who acknowledged them and when did they end", so the review
window and the PDF report show occurrences. A ``crossed`` row (one parameter's
limit, ``NIBP_DIA_HIGH``) belongs to the occurrence of its measurement's alarm
(``NIBP_HIGH``, or ``NIBP_HIGH`` for a rise folded into it). Events that belong
to no raised alarm (audio paused, a limit changed, a profile loaded, or a log
that starts mid-alarm) are kept as ``other`` so nothing in the log is hidden.

:func:`alarm_counts` counts alarms by the highest priority each reached, and
counts the per-parameter alarms of recordings made before issue 14
(``NIBP_SYS_HIGH`` and ``NIBP_DIA_HIGH`` at once) as the one alarm of their
measurement they would be now, so sessions old and new compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from monitor.review.events import AlarmRecord, Event, alarm_of

_RANK = {"low": 1, "medium": 2, "high": 3}
PRIORITIES = ("high", "medium", "low")
_COVERED_BY = {"RISE": "HIGH", "FALL": "LOW"}
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
        if event.event == "crossed":
            key = _crossed_in(event, open_)
            if key is not None:  # kept with it; the alarm's own worst value and limit stay
                open_[key] = replace(open_[key], events=open_[key].events + (event,))
            else:
                other.append(event)
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


def _crossed_in(event: AlarmRecord, open_: dict[str, AlarmOccurrence]) -> str | None:
    """The open occurrence a crossed limit belongs to: its measurement's alarm, or the high (low)
    alarm a rise (fall) was folded into."""
    alarm = alarm_of(event.condition)
    if alarm in open_:
        return alarm
    head, _, direction = alarm.rpartition("_")
    covering = f"{head}_{_COVERED_BY[direction]}" if direction in _COVERED_BY else None
    return covering if covering in open_ else None


def alarm_counts(occurrences: Iterable[AlarmOccurrence]) -> dict[str, int]:
    """Alarms by the highest priority each reached (a medium one that escalated is high).

    Occurrences of one measurement and direction that overlap in time are one alarm: in a
    recording made before issue 14 a cuff result over its systolic and diastolic limits
    raised two (``NIBP_SYS_HIGH``, ``NIBP_DIA_HIGH``); it counts once, as ``NIBP_HIGH`` now would.
    """
    counts = dict.fromkeys(PRIORITIES, 0)
    merged: list[list] = []  # [alarm, end (None: still active), highest priority]
    latest: dict[str, list] = {}
    for occurrence in sorted(occurrences, key=lambda o: o.raised):
        alarm = alarm_of(occurrence.condition)
        current = latest.get(alarm)
        if current is not None and (current[1] is None or occurrence.raised <= current[1]):
            if current[1] is not None:
                current[1] = None if occurrence.cleared is None else max(current[1], occurrence.cleared)
            if _RANK.get(occurrence.priority, 0) > _RANK.get(current[2], 0):
                current[2] = occurrence.priority
            continue
        latest[alarm] = [alarm, occurrence.cleared, occurrence.priority]
        merged.append(latest[alarm])
    for _, _, priority in merged:
        counts[priority] = counts.get(priority, 0) + 1
    return counts

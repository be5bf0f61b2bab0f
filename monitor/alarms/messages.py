"""Texts for the alarm bar and the log, and the order alarms are shown in.

Messages follow the Philips numeric style the reference quotes (§1.2: "the worst
value reached, then the limit", e.g. ``SpO2 84 < 90``); the bar adds the
priority stars.
"""

from __future__ import annotations

from monitor.alarms.detect import Finding
from monitor.alarms.grouping import Group
from monitor.alarms.lifecycle import Alarm, Moment
from monitor.alarms.model import (
    LABELS,
    AlarmCondition,
    AlarmEvent,
    AlarmState,
    AlarmStatus,
    Direction,
    EventType,
    Priority,
    number,
)
from monitor.alarms.settings import ParameterLimits, Profile
from monitor.parameters import PARAMETERS, Parameter


def by(operator: str) -> str:
    return f" by {operator}" if operator else ""


def text(value: float | None) -> str:
    return "---" if value is None else f"{number(value)}"


def display_order(alarm: Alarm) -> tuple[int, int, object, str]:
    """Highest priority first, then unacknowledged, then oldest."""
    unacknowledged = 0 if alarm.status is AlarmStatus.ACTIVE else 1
    return (-alarm.priority.rank, unacknowledged, alarm.raised_at, alarm.condition.value)


def _sign(direction: Direction) -> str:
    return ">" if direction.upward else "<"


def grouped(group: Group, profile: Profile) -> str:
    """``NIBP sys 172 > 160, dia 104 > 100``: the worst parameter in full (a relative limit with
    its baseline), then each other one that crossed a limit; a note (e.g. "repeat NIBP to
    confirm") once at the end. Values are each parameter's worst of the occurrence."""
    direction = group.direction
    parts = []
    for i, member in enumerate(group.shown()):
        row = PARAMETERS[member.parameter]
        label = LABELS[member.parameter] if i == 0 or row.role == "value" else row.role
        part = f"{label} {text(member.worst)} {_sign(direction)} {text(member.limit)}"
        if i == 0:
            part += _relative(profile, member.parameter, direction, member.baseline)
        parts.append(part)
    note = next((m.note for m in group.shown() if m.note), "")
    message = ", ".join(parts)
    return f"{message} ({note})" if note else message


def _relative(profile: Profile, parameter: Parameter, direction: Direction, baseline: float | None) -> str:
    """`` (baseline 105 +40)`` for a rise or fall limit; "" for the others."""
    limits = profile.limits(parameter)
    relative = None
    if limits is not None:
        relative = limits.rise if direction is Direction.RISE else limits.fall if direction is Direction.FALL else None
    if relative is None or baseline is None:
        return ""
    return f" (baseline {text(baseline)} {relative.describe(direction.upward)})"


def worsened(group: Group) -> str:
    worst = group.worst()
    if worst is None or worst.level is None:
        return "worse"
    return (f"worse: {LABELS[worst.parameter]} {text(worst.value)} is beyond the "
            f"{worst.level.value}-priority limit {text(worst.limit)}")


def crossed(finding: Finding, at: Moment, shown_as: AlarmCondition) -> AlarmEvent:
    """The log row of one parameter crossing one tier of one limit, named by that limit."""
    parameter = finding.condition.parameter
    assert parameter is not None and finding.level is not None
    detail = f"{LABELS[parameter]} {text(finding.value)} {_sign(finding.direction)} {text(finding.limit)}"
    if finding.note:
        detail += f" ({finding.note})"
    return AlarmEvent(
        at.time, finding.condition, finding.level, EventType.CROSSED, finding.value, finding.limit,
        finding.baseline, at.phase, f"{detail}; in {shown_as.value}",
    )


def pending_state(finding: Finding, condition: AlarmCondition) -> AlarmState:
    parameter = finding.condition.parameter
    assert parameter is not None
    message = f"{LABELS[parameter]} {text(finding.value)} {_sign(finding.direction)} {text(finding.limit)}"
    return AlarmState(
        condition=condition,
        priority=finding.beyond or Priority.LOW,
        status=AlarmStatus.PENDING,
        kind=condition.kind,
        message=message,
        value=finding.value,
        worst_value=finding.value,
        limit=finding.limit,
        raised_at=None,
    )


def limit_events(
    old: ParameterLimits, new: ParameterLimits, at: Moment, baseline: float | None, operator: str
) -> list[AlarmEvent]:
    """One ``limit_changed`` per changed limit: value = old limit, limit = new limit."""
    events = []
    for side, direction, before, after in (
        ("above", Direction.HIGH, old.above, new.above),
        ("below", Direction.LOW, old.below, new.below),
    ):
        condition = AlarmCondition.physiological(new.parameter, direction)
        for priority in Priority:
            was, now = before.get(priority), after.get(priority)
            if was == now:
                continue
            detail = (
                f"{LABELS[new.parameter]} {side} ({priority.value}) limit {text(was)} -> {text(now)}"
                f"{by(operator)}"
            )
            events.append(AlarmEvent(
                at.time, condition, priority, EventType.LIMIT_CHANGED, was, now, baseline, at.phase, detail,
            ))
    return events


def baseline_events(limits: ParameterLimits, baseline: float, at: Moment) -> list[AlarmEvent]:
    """Setting the baseline sets the relative limits: each is logged as a limit change."""
    events = []
    for direction, relative in ((Direction.RISE, limits.rise), (Direction.FALL, limits.fall)):
        if relative is None:
            continue
        limit = relative.limit(baseline, direction.upward)
        condition = AlarmCondition.physiological(limits.parameter, direction)
        detail = (
            f"baseline {LABELS[limits.parameter]} {text(baseline)}: "
            f"{direction.value.lower()} limit {text(limit)} ({relative.describe(direction.upward)})"
        )
        events.append(AlarmEvent(
            at.time, condition, relative.priority, EventType.LIMIT_CHANGED, None, limit, baseline, at.phase, detail,
        ))
    return events

"""Texts for the alarm bar and the log, and the order alarms are shown in.

Messages follow the Philips numeric style the reference quotes (§1.2: "the worst
value reached, then the limit", e.g. ``SpO2 84 < 90``); the bar adds the
priority stars.
"""

from __future__ import annotations

from monitor.alarms.detect import Finding
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


def physiological(alarm: Alarm, note: str, profile: Profile) -> str:
    """``HR 134 > 130``; relative limits add the baseline; NIBP adds "repeat to confirm"."""
    condition = alarm.condition
    parameter, direction = condition.parameter, condition.direction
    assert parameter is not None and direction is not None
    message = f"{LABELS[parameter]} {text(alarm.worst)} {_sign(direction)} {text(alarm.limit)}"
    limits = profile.limits(parameter)
    relative = None
    if limits is not None:
        relative = limits.rise if direction is Direction.RISE else limits.fall if direction is Direction.FALL else None
    if relative is not None and alarm.baseline is not None:
        message += f" (baseline {text(alarm.baseline)} {relative.describe(direction.upward)})"
    return f"{message} ({note})" if note else message


def worsened(finding: Finding) -> str:
    level = finding.level.value if finding.level else "?"
    return f"worse: {text(finding.value)} is beyond the {level}-priority limit {text(finding.limit)}"


def pending_state(finding: Finding, profile: Profile) -> AlarmState:
    parameter = finding.condition.parameter
    assert parameter is not None
    message = f"{LABELS[parameter]} {text(finding.value)} {_sign(finding.direction)} {text(finding.limit)}"
    return AlarmState(
        condition=finding.condition,
        priority=finding.beyond or Priority.LOW,
        status=AlarmStatus.PENDING,
        kind=finding.condition.kind,
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

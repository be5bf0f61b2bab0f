"""The alarms that exist now, the audio pause, and the timed transitions they imply.

Both physiological and technical alarms live here, so acknowledge, escalation,
reminders, the audio pause and its break-through treat them alike and a
technical alarm is never hidden behind a physiological one (issue 5).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from monitor.alarms import messages
from monitor.alarms.lifecycle import Alarm, Moment
from monitor.alarms.model import AlarmCondition, AlarmEvent, AlarmStatus, EventType, Priority
from monitor.alarms.settings import Timing
from monitor.alarms.technical import Onset

Action = Callable[[Moment], list[AlarmEvent]]
Due = tuple[Onset, int, Action]  # when, tie-break order, what to do


class AlarmBoard:
    """Current alarm occurrences keyed by condition, plus the global audio pause."""

    def __init__(self, timing: Callable[[], Timing]) -> None:
        self._timing = timing
        self._alarms: dict[AlarmCondition, Alarm] = {}
        self.pause_until: float | None = None

    # -- queries ------------------------------------------------------------------
    def get(self, condition: AlarmCondition) -> Alarm | None:
        return self._alarms.get(condition)

    def sorted(self) -> list[Alarm]:
        """Display order: highest priority, then unacknowledged, then oldest."""
        return sorted(self._alarms.values(), key=messages.display_order)

    def sounding(self) -> Priority | None:
        """Highest priority not acknowledged, ignoring any audio pause."""
        priorities = [a.priority for a in self._alarms.values() if a.status is AlarmStatus.ACTIVE]
        return max(priorities) if priorities else None

    # -- transitions ----------------------------------------------------------------
    def add(self, alarm: Alarm, at: Moment) -> list[AlarmEvent]:
        self._alarms[alarm.condition] = alarm
        return [alarm.raised(at, alarm.message), *self.break_through(alarm, at)]

    def worsen(self, alarm: Alarm, priority: Priority, at: Moment, detail: str) -> list[AlarmEvent]:
        return [alarm.worsen(priority, at, detail), *self.break_through(alarm, at)]

    def end(self, alarm: Alarm, at: Moment, detail: str) -> list[AlarmEvent]:
        event = alarm.end(at, detail)
        self._forget_if_cleared(alarm)
        return [event]

    def acknowledge(self, condition: AlarmCondition | None, at: Moment, by: str) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for alarm in self.sorted():
            if condition in (None, alarm.condition) and alarm.status is AlarmStatus.ACTIVE:
                events += alarm.acknowledge(at, by)
                self._forget_if_cleared(alarm)
        return events

    # -- audio pause ------------------------------------------------------------------
    def pause(self, length: float, at: Moment, by: str) -> list[AlarmEvent]:
        self.pause_until = at.t + length
        detail = f"for {length:g} s{messages.by(by)}; sounding: {self._sounding_text()}"
        return [self.system_event(EventType.AUDIO_PAUSED, at, detail)]

    def end_pause(self, at: Moment, detail: str) -> list[AlarmEvent]:
        if self.pause_until is None:
            return []
        self.pause_until = None
        return [self.system_event(EventType.AUDIO_RESUMED, at, detail)]

    def break_through(self, alarm: Alarm, at: Moment) -> list[AlarmEvent]:
        """A new or newly worse alarm of the break-through priority ends an audio pause (§1.7)."""
        if self.pause_until is None or alarm.priority < self._timing().breakthrough:
            return []
        return self.end_pause(at, f"{alarm.condition.value} ({alarm.priority.value}) broke through the pause")

    # -- time -------------------------------------------------------------------------------
    def dues(self) -> list[Due]:
        """Escalations, reminders and the end of the pause, each with its time."""
        timing = self._timing()
        dues: list[Due] = []
        for order, alarm in enumerate(self.sorted(), start=100):
            escalation = alarm.escalation_due(timing.escalation_s)
            if escalation is not None:
                dues.append((Onset(escalation), order, partial(self._escalate, alarm)))
            reminder = alarm.reminder_due(timing.reminder_s)
            if reminder is not None:
                dues.append((Onset(reminder), order, partial(self._remind, alarm)))
        if self.pause_until is not None:  # over at its end, as should_sound() already says then
            dues.append((Onset(self.pause_until, immediate=True), 1000,
                         lambda at: self.end_pause(at, "pause time over")))
        return dues

    @staticmethod
    def _remind(alarm: Alarm, at: Moment) -> list[AlarmEvent]:
        return [alarm.remind(at)]

    def _escalate(self, alarm: Alarm, at: Moment) -> list[AlarmEvent]:
        detail = f"not acknowledged within {self._timing().escalation_s:g} s"
        return self.worsen(alarm, Priority.HIGH, at, detail)

    # -- helpers ------------------------------------------------------------------------------
    def system_event(self, kind: EventType, at: Moment, detail: str) -> AlarmEvent:
        """Audio pause and profile events: logged under ALARM_SYSTEM with the top active priority."""
        priorities = [a.priority for a in self._alarms.values()]
        return AlarmEvent(
            time=at.time,
            condition=AlarmCondition.ALARM_SYSTEM,
            priority=max(priorities) if priorities else Priority.LOW,
            event=kind,
            phase=at.phase,
            detail=detail,
        )

    def _forget_if_cleared(self, alarm: Alarm) -> None:
        if alarm.status is AlarmStatus.CLEARED:
            self._alarms.pop(alarm.condition, None)

    def _sounding_text(self) -> str:
        sounding = [a for a in self.sorted() if a.status is AlarmStatus.ACTIVE]
        return ", ".join(f"{a.condition.value} ({a.priority.value})" for a in sounding) or "nothing"

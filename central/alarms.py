"""The central station's own technical alarms: it cannot see a bed, or it cannot trust what it hears.

IEC 60601-1-8 §6.11 treats a central station as part of a distributed alarm
system: a failure of the communication must itself be alarmed where it can
still be signalled. The bedside alarms its side (CENTRAL_UNREACHABLE); these are
the central station's: the broker lost, a bed silent for 5 s, two bedsides under
one name, messages refused as invalid, more beds than it will track, and, as at a
bedside, its own sound or screen failing. Each names
the bed(s) concerned. Acknowledging one here silences it here; a bed's own alarms
are acknowledged at its bedside only.

Not thread-safe: the station calls it under its lock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.alarms import Priority
from monitor.alarms.model import utc_text


class CentralCondition(enum.StrEnum):
    BROKER_LOST = "BROKER_LOST"
    BED_SILENT = "BED_SILENT"
    BED_NAME_CONFLICT = "BED_NAME_CONFLICT"
    INVALID_MESSAGES = "INVALID_MESSAGES"
    TOO_MANY_BEDS = "TOO_MANY_BEDS"
    AUDIO_UNAVAILABLE = "AUDIO_UNAVAILABLE"  # the station's own sound cannot play
    DISPLAY_FROZEN = "DISPLAY_FROZEN"  # the station's screen stopped responding (the sound process's watchdog)


PRIORITY = {
    CentralCondition.BROKER_LOST: Priority.MEDIUM,  # no bed is watched from here
    CentralCondition.BED_SILENT: Priority.MEDIUM,  # this bed is not watched from here
    CentralCondition.BED_NAME_CONFLICT: Priority.MEDIUM,  # a panel may show the wrong patient
    CentralCondition.INVALID_MESSAGES: Priority.LOW,  # refused, nothing shown: someone must look
    CentralCondition.TOO_MANY_BEDS: Priority.LOW,
    CentralCondition.AUDIO_UNAVAILABLE: Priority.MEDIUM,  # as at the bedside: no alarm can be heard
    CentralCondition.DISPLAY_FROZEN: Priority.HIGH,  # as at the bedside: no alarm can be seen
}


@dataclass(frozen=True, slots=True)
class CentralAlarm:
    """One active central alarm (immutable: it crosses to the window's thread)."""

    condition: CentralCondition
    bed: str | None  # None: about the station itself (BROKER_LOST names its beds in ``beds``)
    beds: tuple[str, ...]
    message: str
    raised_at: datetime
    acknowledged_at: datetime | None = None

    @property
    def priority(self) -> Priority:
        return PRIORITY[self.condition]

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True, slots=True)
class CentralAlarmEvent:
    """One line of the central station's alarm log: raised, acknowledged or cleared."""

    time: datetime
    alarm: CentralAlarm
    event: str
    site: str | None

    def as_json(self) -> dict[str, object]:
        """Like a bedside's alarm line, with ``source`` "central" and the bed(s) it names."""
        a = self.alarm
        return {"type": "alarm", "source": "central", "time": utc_text(self.time), "condition": a.condition.value,
                "priority": a.priority.value, "event": self.event, "bed": a.bed, "beds": list(a.beds),
                "site": self.site, "late": False, "detail": a.message}


Key = tuple[CentralCondition, str | None]


class CentralAlarms:
    """Which central alarms exist now; every change comes back as events to log and show."""

    def __init__(self, site: str | None) -> None:
        self._site = site
        self._active: dict[Key, CentralAlarm] = {}

    def set(self, condition: CentralCondition, bed: str | None, present: bool, message: str, now: datetime,
            beds: tuple[str, ...] = ()) -> list[CentralAlarmEvent]:
        key = (condition, bed)
        alarm = self._active.get(key)
        if present and alarm is None:
            alarm = CentralAlarm(condition, bed, beds or ((bed,) if bed else ()), message, now)
            self._active[key] = alarm
            return [CentralAlarmEvent(now, alarm, "raised", self._site)]
        if present and alarm is not None:
            self._active[key] = replace(alarm, message=message, beds=beds or alarm.beds)
        if not present and alarm is not None:
            del self._active[key]
            return [CentralAlarmEvent(now, alarm, "cleared", self._site)]
        return []

    def acknowledge_all(self, now: datetime) -> list[CentralAlarmEvent]:
        events = []
        for key, alarm in list(self._active.items()):
            if not alarm.acknowledged:
                self._active[key] = replace(alarm, acknowledged_at=now)
                events.append(CentralAlarmEvent(now, self._active[key], "acknowledged", self._site))
        return events

    def active(self) -> tuple[CentralAlarm, ...]:
        """Highest priority first, unacknowledged first, then oldest."""
        return tuple(sorted(self._active.values(),
                            key=lambda a: (-a.priority.rank, a.acknowledged, a.raised_at, a.bed or "")))

    def sounding(self) -> Priority | None:
        loud = [a.priority for a in self._active.values() if not a.acknowledged]
        return max(loud) if loud else None

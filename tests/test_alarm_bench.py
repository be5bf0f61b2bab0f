"""A test bench for the alarm engine (used by the other test_alarm_* modules), and the
engine's contract with the recording: events go into ``alarm_events`` and print as JSON lines."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alarms import (
    AlarmCondition,
    AlarmEngine,
    AlarmEvent,
    AlarmState,
    EventType,
    Priority,
    Profile,
    load_profile,
)
from monitor.clock import ManualClock
from monitor.readings import NOT_A_NUMBER, UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class Bench:
    """An engine on a ManualClock that keeps every event it returns, in order."""

    def __init__(self, profile: Profile | str = "ketamine-infusion") -> None:
        self.clock = ManualClock(T0)
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.engine = AlarmEngine(self.profile, self.clock)
        self.log: list[AlarmEvent] = []

    @property
    def t(self) -> float:
        return self.clock.monotonic()

    def take(self, events: list[AlarmEvent]) -> list[AlarmEvent]:
        self.log += events
        return events

    def read(self, parameter: Parameter, value: float | None, quality: Quality = Quality.NONE) -> list[AlarmEvent]:
        if value is None and not quality & NOT_A_NUMBER:
            quality |= Quality.INVALID
        reading = Reading(parameter, value, UNITS[parameter], self.clock.now(), "datex", quality)
        return self.take(self.engine.on_reading(reading))

    def hold(self, parameter: Parameter, value: float | None, seconds: float, every: float = 1.0,
             quality: Quality = Quality.NONE) -> None:
        """Send ``value`` every ``every`` s, starting now, for ``seconds`` (the clock ends there)."""
        for _ in range(round(seconds / every)):
            self.read(parameter, value, quality)
            self.advance(every)

    def advance(self, seconds: float, tick: bool = True) -> list[AlarmEvent]:
        self.clock.advance(seconds)
        return self.take(self.engine.tick()) if tick else []

    def do(self, method: str, *args: object, **kwargs: object) -> list[AlarmEvent]:
        return self.take(getattr(self.engine, method)(*args, **kwargs))

    def events(self, condition: AlarmCondition | None = None) -> list[tuple[str, str]]:
        """The alarm's life (``crossed`` rows left out: :meth:`crossings` has them)."""
        return [(e.event.value, e.priority.value) for e in self.log
                if condition in (None, e.condition) and e.event is not EventType.CROSSED]

    def crossings(self) -> list[tuple[str, str, float | None, float | None]]:
        """Every limit crossed, as logged: ``(limit name, tier, value, limit)``."""
        return [(e.condition.value, e.priority.value, e.value, e.limit) for e in self.log
                if e.event is EventType.CROSSED]

    def at(self, condition: AlarmCondition, event: EventType, nth: int = 0) -> float:
        """Seconds after T0 of the nth such event."""
        times = [e.time for e in self.log if e.condition == condition and e.event == event]
        return (times[nth] - T0).total_seconds()

    def state(self, condition: AlarmCondition) -> AlarmState | None:
        return next((s for s in self.engine.active() if s.condition == condition), None)


def test_event_is_stored_in_the_recordings_alarm_events_table(tmp_path: Path):
    event = AlarmEvent(
        T0, AlarmCondition.NIBP_SYS_HIGH, Priority.HIGH, EventType.RAISED, 182.0, 180.0, 131.0,
        "infusion", "NIBP sys 182 > 180",
    )
    path = tmp_path / "s.irm.sqlite"
    recorder = SessionRecorder(path, {"program": "test"})
    recorder.add(event)
    recorder.close()
    row = sqlite3.connect(path).execute(
        "SELECT host_time, condition, priority, event, value, limit_value, baseline, phase, detail FROM alarm_events"
    ).fetchone()
    assert row == (T0.timestamp(), "NIBP_SYS_HIGH", "high", "raised", 182.0, 180.0, 131.0, "infusion",
                   "NIBP sys 182 > 180")


def test_json_line_has_the_fields_the_issue_names():
    event = AlarmEvent(T0, AlarmCondition.NIBP_SYS_HIGH, Priority.HIGH, EventType.RAISED, 182.0, 180.0)
    line = json.loads(json.dumps(event.as_json()))
    assert {k: line[k] for k in ("type", "time", "condition", "priority", "event", "value", "limit")} == {
        "type": "alarm", "time": "2026-11-22T08:00:00Z", "condition": "NIBP_SYS_HIGH",
        "priority": "high", "event": "raised", "value": 182, "limit": 180,
    }


def test_a_whole_episode_goes_into_the_recording_in_order(tmp_path: Path):
    bench = Bench()
    bench.do("set_phase", "infusion")
    bench.hold(Parameter.HR, 135, 12)
    bench.do("acknowledge", None, "nurse A")
    bench.hold(Parameter.HR, 80, 3)
    path = tmp_path / "s.irm.sqlite"
    recorder = SessionRecorder(path, {"program": "test"})
    for event in bench.log:
        recorder.add(event)
    recorder.close()
    rows = sqlite3.connect(path).execute("SELECT event, phase, detail FROM alarm_events ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["raised", "crossed", "acknowledged", "cleared"]
    assert all(r[1] == "infusion" for r in rows)
    assert rows[1][2] == "HR 135 > 130; in HR_HIGH"
    assert rows[2][2] == "by nurse A"


def test_bench_times_are_clock_times():
    bench = Bench()
    bench.hold(Parameter.HR, 135, 11)
    assert bench.at(AlarmCondition.HR_HIGH, EventType.RAISED) == 10
    assert bench.log[0].time == T0 + timedelta(seconds=10)

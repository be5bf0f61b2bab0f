"""A bed as one object: events judged at arrival, listeners, commands, lifecycle, independence.

Driven without the bed's thread (post, process_pending, tick) on a ManualClock, so
every instant is exact; one test runs the thread and waits on what it delivers.
Expected times come from the alarm profile's text (HR > 110 for 10 s: medium) and
the ketamine-typical scenario file (infusion starts at 5 min), not from the code.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest

from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.alarms import DEFAULT_PROFILE, AlarmCondition, AlarmEngine, AlarmEvent, EventType, Priority, load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ManualClock
from monitor.core import OperatorAction, RecordingStatus
from monitor.readings import DeviceStatus, LinkEvent, LinkState, Parameter, Reading
from monitor.recording import SessionRecorder
from monitor.session import Annotation, Phase, PhaseChange, SessionError

PROFILE = load_profile(DEFAULT_PROFILE)  # ketamine-infusion: HR above medium 110, delay_s 10


def make_bed(clock: ManualClock | None = None, connect=None, name: str = "bed") -> tuple[Bed, list[object]]:
    clock = clock or ManualClock()
    bed = Bed(BedConfig(name, "sim:stable", "datex", clock, PROFILE), connect)
    seen: list[object] = []
    bed.subscribe(seen.append)
    return bed, seen


def hr(clock: ManualClock, value: float) -> Reading:
    return Reading(Parameter.HR, value, "/min", clock.now(), "datex")


def alarms(seen: list[object], condition: AlarmCondition, what: EventType) -> list[AlarmEvent]:
    return [e for e in seen if isinstance(e, AlarmEvent) and e.condition is condition and e.event is what]


def test_readings_are_recorded_and_judged_at_arrival_even_when_taken_a_minute_late():
    clock = ManualClock()
    bed, seen = make_bed(clock)
    t0 = clock.now()
    for _ in range(30):  # HR 120 once a second for 30 s, nobody takes them
        bed.post(hr(clock, 120))
        clock.advance(1)
    clock.advance(60)  # the stall
    bed.process_pending()
    readings = [e for e in seen if isinstance(e, Reading)]
    assert [r.received_at for r in readings] == [t0 + timedelta(seconds=i) for i in range(30)]
    raised = alarms(seen, AlarmCondition.HR_HIGH, EventType.RAISED)
    # beyond 110 from the first reading, for the profile's 10 s: raised 10 s after it, not at the take
    assert [(e.time, e.priority) for e in raised] == [(t0 + timedelta(seconds=10), Priority.MEDIUM)]
    assert seen.index(readings[10]) < seen.index(raised[0])  # the reading is kept before it is judged


def test_the_first_listeners_see_the_session_open():
    bed, seen = make_bed()
    bed.process_pending()
    assert [(e.phase, e.by) for e in seen if isinstance(e, PhaseChange)] == [(Phase.BASELINE, "nurse")]


def test_a_failing_listener_is_logged_and_stops_neither_the_bed_nor_the_others(caplog):
    clock = ManualClock()
    bed = Bed(BedConfig("bed", "sim:stable", "datex", clock, PROFILE))

    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    seen: list[object] = []
    bed.subscribe(broken)
    bed.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="monitor.bed"):
        bed.post(hr(clock, 72))
        bed.process_pending()
        clock.advance(1)
        bed.post(hr(clock, 73))
        bed.process_pending()
    assert [e.value for e in seen if isinstance(e, Reading)] == [72, 73]
    assert "a listener failed" in caplog.text


def test_a_reading_is_recorded_even_when_judging_it_fails(monkeypatch, caplog):
    clock = ManualClock()
    bed, seen = make_bed(clock)

    def fails(self, reading):
        raise ValueError("engine bug")

    monkeypatch.setattr(AlarmEngine, "on_reading", fails)
    with caplog.at_level(logging.ERROR, logger="monitor.bed"):
        bed.post(hr(clock, 72))
        bed.process_pending()
    assert [e.value for e in seen if isinstance(e, Reading)] == [72]
    assert "judging Reading failed" in caplog.text


def test_a_device_status_is_stamped_with_the_moment_it_arrived():
    clock = ManualClock()
    bed, seen = make_bed(clock)
    clock.advance(5)
    arrived = clock.now()
    bed.post(DeviceStatus(("sensor off",)))
    clock.advance(30)
    bed.process_pending()
    assert [e.received_at for e in seen if isinstance(e, DeviceStatus)] == [arrived]


def test_commands_publish_every_event_they_cause():
    clock = ManualClock()
    bed, seen = make_bed(clock)
    for _ in range(12):
        bed.post(hr(clock, 120))
        clock.advance(1)
    bed.tick()
    assert bed.alarms.should_sound() is Priority.MEDIUM

    returned = bed.alarms.acknowledge(by="nurse")
    assert returned and all(e in seen for e in returned)
    assert alarms(seen, AlarmCondition.HR_HIGH, EventType.ACKNOWLEDGED)
    assert bed.alarms.should_sound() is None
    bed.alarms.pause_audio()
    assert bed.alarms.audio_pause_remaining_s() == pytest.approx(120)  # the profile's audio_pause_s
    bed.alarms.resume_audio()
    assert [e.event for e in seen if isinstance(e, AlarmEvent) and e.condition is AlarmCondition.ALARM_SYSTEM] == [
        EventType.AUDIO_PAUSED, EventType.AUDIO_RESUMED]
    bed.alarms.set_limits(Parameter.HR, above={Priority.MEDIUM: 125})
    assert bed.alarms.profile.limits(Parameter.HR).above.medium == 125
    assert any(e.event is EventType.LIMIT_CHANGED for e in seen if isinstance(e, AlarmEvent))

    note = bed.session.annotate("Nausea", "quick")
    assert isinstance(note, Annotation) and note in seen


def test_a_start_despite_the_pre_start_check_asks_and_is_logged():
    clock = ManualClock()
    bed, seen = make_bed(clock)
    asked: list[str] = []
    with pytest.raises(SessionError, match="No baseline blood pressure"):
        bed.session.start_infusion()  # no baseline BP and nobody to ask: refused

    assert bed.session.start_infusion(lambda check, s, d: asked.append(check.decision.value) or False) is None
    assert bed.session.phase is Phase.BASELINE and not [e for e in seen if isinstance(e, OperatorAction)]

    change = bed.session.start_infusion(lambda check, s, d: asked.append(check.decision.value) or True)
    assert asked == ["caution", "caution"]
    assert change is not None and change.phase is Phase.INFUSION and change in seen
    action = [e for e in seen if isinstance(e, OperatorAction)]
    assert [a.action for a in action] == ["start_confirmed_despite_caution"]
    assert seen.index(action[0]) < seen.index(change)


def test_a_refused_command_raises_what_the_session_says():
    bed, seen = make_bed()
    with pytest.raises(SessionError, match="infusion"):
        bed.session.stop_infusion()  # nothing to stop in the baseline phase
    assert bed.session.phase is Phase.BASELINE


def test_the_scenario_timeline_starts_the_infusion_of_a_simulated_bed():
    clock = ManualClock()

    @dataclass
    class Simulated:  # the scenario of an in-process simulator, without its socket
        scenario_run: ScenarioRun

        def stop(self) -> None:
            pass

    run = ScenarioRun(load_scenario("ketamine-typical"), seed=1, start=clock.now())
    bed, seen = make_bed(clock, connect=lambda sink: (None, Simulated(run)))
    clock.advance(299)
    bed.tick()
    assert bed.session.phase is Phase.BASELINE
    clock.advance(2)  # the scenario file: infusion_start at 300 s
    bed.tick()
    assert bed.session.phase is Phase.INFUSION
    assert [(e.phase, e.by) for e in seen if isinstance(e, PhaseChange)][-1] == (Phase.INFUSION, "scenario")


class Goodbye:
    """A driver that, like the real one, says goodbye through its sink when stopped."""

    def __init__(self, sink, clock: ManualClock) -> None:
        self.sink, self.clock, self.stops = sink, clock, 0

    def start(self) -> None:
        self.sink(LinkEvent(LinkState.RECEIVING, "receiving", self.clock.now()))

    def stop(self) -> None:
        self.stops += 1
        self.clock.advance(30)  # stopping takes time: at a high --speed, long
        self.sink(hr(self.clock, 75))
        self.sink(LinkEvent(LinkState.CLOSED, "Stopped reading.", self.clock.now()))


def test_stop_records_the_goodbye_without_alarming_and_closes_the_recording_once(tmp_path):
    clock = ManualClock()
    drivers: list[Goodbye] = []
    bed, seen = make_bed(clock, connect=lambda sink: (drivers.append(Goodbye(sink, clock)) or drivers[-1], None))
    path = tmp_path / "bed.irm.sqlite"
    bed.record_to(SessionRecorder(path, {"patient_id": "P-1"}))
    bed.open_link()
    bed.post(hr(clock, 72))
    bed.process_pending()
    bed.stop("program closed")
    bed.stop("ended normally")  # again, from anyone: nothing changes
    assert drivers[0].stops == 1
    assert [e.state for e in seen if isinstance(e, LinkEvent)] == [LinkState.RECEIVING, LinkState.CLOSED]
    assert not [e for e in seen if isinstance(e, AlarmEvent) and e.condition is AlarmCondition.LINK_LOST]
    db = sqlite3.connect(path)
    assert dict(db.execute("SELECT key, value FROM session_info"))["end_reason"] == "program closed"
    assert [v for (v,) in db.execute("SELECT value FROM readings ORDER BY id")] == [72, 75]
    assert [s for (s,) in db.execute("SELECT state FROM link_events ORDER BY id")] == ["receiving", "closed"]


def test_a_failing_recording_raises_its_high_alarm_and_views_hear_of_it():
    bed, seen = make_bed()
    bed.post(RecordingStatus(True, "disk full"))  # as the recorder's on_failure posts it
    bed.process_pending()
    raised = alarms(seen, AlarmCondition.RECORDING_FAILED, EventType.RAISED)
    assert [e.priority for e in raised] == [Priority.HIGH]  # docs/alarms.md: always high
    assert RecordingStatus(True, "disk full") in seen  # the window says NOT RECORDING


def test_two_beds_in_one_process_share_nothing():
    clock = ManualClock()
    first, seen_first = make_bed(clock, name="Chair 1")
    second, seen_second = make_bed(clock, name="Chair 2")
    for _ in range(12):
        first.post(hr(clock, 120))
        second.post(hr(clock, 70))
        clock.advance(1)
    first.tick()
    second.tick()
    first.session.annotate("Chair 1 only")
    assert [s.condition for s in first.alarms.active()] == [AlarmCondition.HR_HIGH]
    assert second.alarms.active() == ()
    assert [e.value for e in seen_second if isinstance(e, Reading)] == [70] * 12
    assert not [e for e in seen_second if isinstance(e, Annotation | AlarmEvent)]
    first.alarms.set_limits(Parameter.HR, above={Priority.MEDIUM: 125})
    assert second.alarms.profile.limits(Parameter.HR).above.medium == 110


def test_the_bed_thread_judges_and_ticks_on_its_own():
    clock = ManualClock()
    bed, _ = make_bed(clock)
    lost: list[AlarmEvent] = []
    link_lost = threading.Event()
    first_reading = threading.Event()

    def watch(event: object) -> None:
        if isinstance(event, Reading):
            first_reading.set()
        if isinstance(event, AlarmEvent) and event.condition is AlarmCondition.LINK_LOST:
            lost.append(event)
            link_lost.set()

    bed.subscribe(watch)
    t0 = clock.now()
    bed.start()
    try:
        bed.post(hr(clock, 72))
        assert first_reading.wait(5)
        clock.advance(15)  # nothing more arrives: only the bed's own tick can notice (README: after 10 s)
        assert link_lost.wait(5)
    finally:
        bed.stop()
    assert [(e.event, e.time) for e in lost] == [(EventType.RAISED, t0 + timedelta(seconds=10))]


def test_views_and_commands_from_another_thread_while_the_bed_runs_lose_and_reorder_nothing():
    clock = ManualClock()
    bed, seen = make_bed(clock)
    done = threading.Event()
    values = [60.0 + i % 40 for i in range(2000)]

    def driver() -> None:  # the driver thread: as fast as it can
        for value in values:
            bed.post(hr(clock, value))
        done.set()

    bed.start()
    worker = threading.Thread(target=driver)
    worker.start()
    try:
        notes = 0
        while not done.is_set() or notes < 20:  # the GUI thread meanwhile: reads and commands
            bed.session.view()
            bed.alarms.active()
            bed.session.annotate(f"note {notes}")
            notes += 1
        worker.join(10)
    finally:
        bed.stop()  # what the thread had not taken yet is recorded by stop
    assert [e.value for e in seen if isinstance(e, Reading)] == values
    assert [e.text for e in seen if isinstance(e, Annotation)] == [f"note {i}" for i in range(notes)]

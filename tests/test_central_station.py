"""The central station's judgement, fed message by message (no broker): what it shows, drops and alarms.

Payloads are written here as a bedside sends them (docs/central-station.md); the
bad ones are the issue's list: malformed, oversized, another bed's name, values
no monitor can measure, two bedsides under one name, a flood of new names.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central import station as station_module
from central.alarms import CentralAlarmEvent
from central.ledger import IntervalSet
from central.station import BedMessage, BedState, Station
from monitor.clock import ManualClock
from monitor.latest import Freshness

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def reading(bed="Chair-1", seq=1, value=72, session="s1", late=False, **extra) -> bytes:
    data = {"type": "reading", "time": "2026-12-07T09:00:01.5Z", "device_time": None, "parameter": "HR",
            "value": value, "unit": "/min", "source": "datex", "quality": [], "v": 1, "bed": bed, "site": "clinic",
            "session": session, "seq": seq, "late": late, **extra}
    return json.dumps(data).encode()


def heartbeat(bed="Chair-1", session="s1") -> bytes:
    return json.dumps({"v": 1, "bed": bed, "site": "clinic", "session": session, "type": "heartbeat",
                       "time": "2026-12-07T09:00:01Z", "backlog": 0, "last": {"reading": 1}}).encode()


def state(bed="Chair-1", session="s1", hr=72, freshness="current", alarms=()) -> bytes:
    snapshot = {"version": 1, "bed": bed, "patient": "K-0142", "at": "2026-12-07T09:00:01Z", "phase": "infusion",
                "phase_elapsed_s": 60, "infusion_elapsed_s": 60, "planned_infusion_s": 2400,
                "recovery_elapsed_s": None, "link": "receiving", "link_message": "",
                "measurements": [{"key": "HR", "values": [hr], "baseline": [70], "freshness": freshness,
                                  "age_s": 1, "reason": ""}],
                "alarms": list(alarms), "sounding": None, "notice": ""}
    return json.dumps({"v": 1, "bed": bed, "site": "clinic", "session": session, "type": "state",
                       "time": "2026-12-07T09:00:01Z", "snapshot": snapshot,
                       "limits": {"HR": {"above": {"medium": 120}, "below": {"medium": 45}}}}).encode()


T = "irm/clinic/{}/{}"


@pytest.fixture
def central():
    clock = ManualClock(T0)
    station = Station(None, "clinic", clock)
    events: list = []
    station.subscribe(events.append)
    station.connection_state(True, "")
    return station, clock, events


def shown(events) -> list:
    return [e.message for e in events if isinstance(e, BedMessage)]


def alarms(events) -> list[tuple[str, str | None, str]]:
    return [(e.alarm.condition.value, e.alarm.bed, e.event) for e in events if isinstance(e, CentralAlarmEvent)]


def test_a_reading_is_shown_once_however_often_it_arrives(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "reading"), reading(seq=1))
    station.receive(T.format("Chair-1", "reading"), reading(seq=1, late=True))  # the replay's copy
    station.receive(T.format("Chair-1", "reading"), reading(seq=2, value=75, late=True))
    assert [(m.seq, m.late, m.data["value"]) for m in shown(events)] == [(1, False, 72), (2, True, 75)]
    assert station.duplicates == 1
    assert station.trend("clinic", "Chair-1").series["HR"] == ((1796634001.5, 1796634001.5), (72, 75))


def test_a_new_session_of_a_bed_starts_its_numbers_again(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "reading"), reading(seq=1))
    station.receive(T.format("Chair-1", "online"), json.dumps(
        {"v": 1, "bed": "Chair-1", "site": "clinic", "session": "s1", "type": "online",
         "time": "2026-12-07T09:00:02Z", "online": False, "reason": "stopped"}).encode())
    station.receive(T.format("Chair-1", "reading"), reading(seq=1, session="s2", value=80))
    assert [(m.session, m.seq) for m in shown(events)] == [("s1", 1), ("s2", 1)]
    assert not alarms(events)


@pytest.mark.parametrize(("payload", "why"), [
    (b"\x00\xff not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b"[" * 100_000, "deeply nested"),
    (reading(value=999), "HR above the plausible range"),
    (reading(value=float("nan")), "NaN"),
    (reading(value=None), "a missing value without a reason flag"),
    (reading(unit="mmHg"), "the wrong unit"),
    (reading(parameter="GLUCOSE"), "an unknown parameter"),
    (reading(bed="Chair-2"), "another bed's name than its topic's"),
    (reading(seq=0), "no sequence number"),
    (reading(v=2), "another version"),
    (reading() + b" " * 70_000, "oversized"),
])
def test_an_invalid_message_is_refused_counted_and_alarmed_never_shown(central, payload, why):
    station, clock, events = central
    station.receive(T.format("Chair-1", "reading"), payload)
    assert shown(events) == [], why
    assert station.beds() == ()
    assert station.refused == 1
    assert alarms(events) == [("INVALID_MESSAGES", "Chair-1", "raised")]
    clock.advance(61)
    station.tick()
    assert alarms(events)[-1] == ("INVALID_MESSAGES", "Chair-1", "cleared")


def test_fields_a_bedside_does_not_send_are_not_shown(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "reading"), reading(comment="<script>", value=72))
    assert "comment" not in shown(events)[0].data


def test_a_topic_that_is_no_bed_is_refused(central):
    station, clock, events = central
    station.receive("irm/clinic/Chair+1/reading", reading())
    station.receive("irm/clinic/Chair-1/reading/extra", reading())
    assert station.refused == 2 and shown(events) == []
    assert alarms(events)[0][:2] == ("INVALID_MESSAGES", "(unknown)")


def test_a_bed_whose_heartbeat_stops_for_5_s_is_alarmed_by_name(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "state"), state())
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2"))
    clock.advance(4)
    station.receive(T.format("Chair-2", "heartbeat"), heartbeat(bed="Chair-2"))
    station.tick()
    assert alarms(events) == []
    clock.advance(1.5)
    station.tick()
    assert alarms(events) == [("BED_SILENT", "Chair-1", "raised")]
    view = next(v for v in station.beds() if v.bed == "Chair-1")
    assert view.status == "silent" and view.snapshot.link == "offline"
    assert view.snapshot.measurement("HR").freshness is Freshness.STALE  # never shown as current
    assert view.snapshot.measurement("HR").age_s == 6.5  # 1 s old when it came, 5.5 s ago: not "0 s"
    station.receive(T.format("Chair-1", "heartbeat"), heartbeat())
    station.tick()
    assert alarms(events)[-1] == ("BED_SILENT", "Chair-1", "cleared")


def test_a_retained_state_of_unknown_age_shows_no_number_as_current_and_no_age(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "state"), state(), retained=True)  # kept by the broker, for how long?
    hr = station.beds()[0].snapshot.measurement("HR")
    assert station.beds()[0].status == "waiting" and hr.freshness is Freshness.STALE and hr.age_s is None


def test_a_lost_broker_names_every_bed_it_can_no_longer_see(central):
    station, clock, events = central
    for bed in ("Chair-1", "Chair-2"):
        station.receive(T.format(bed, "state"), state(bed=bed))
    station.connection_state(False, "Lost the connection to the broker at 127.0.0.1:1883.")
    event = [e for e in events if isinstance(e, CentralAlarmEvent)][-1]
    assert (event.alarm.condition.value, event.event, event.alarm.beds) == ("BROKER_LOST", "raised",
                                                                           ("Chair-1", "Chair-2"))
    assert "Chair-1, Chair-2" in event.alarm.message
    clock.advance(10)
    station.tick()
    assert ("BED_SILENT", "Chair-1", "raised") not in alarms(events)  # the broker is the cause: one alarm
    assert station.sounding().value == "medium"
    station.acknowledge()
    assert station.sounding() is None


def test_two_live_bedsides_under_one_name_are_alarmed_and_only_the_first_is_shown(central):
    station, clock, events = central
    station.receive(T.format("Chair-1", "reading"), reading(seq=1, session="first"))
    station.receive(T.format("Chair-1", "reading"), reading(seq=1, session="other", value=99))
    station.receive(T.format("Chair-1", "reading"), reading(seq=2, session="first", value=74))
    assert [(m.session, m.data["value"]) for m in shown(events)] == [("first", 72), ("first", 74)]
    assert ("BED_NAME_CONFLICT", "Chair-1", "raised") in alarms(events)
    clock.advance(31)
    station.receive(T.format("Chair-1", "heartbeat"), heartbeat(session="first"))
    station.tick()
    assert ("BED_NAME_CONFLICT", "Chair-1", "cleared") in alarms(events)


def test_a_flood_of_new_bed_names_is_bounded(central, monkeypatch):
    monkeypatch.setattr(station_module, "MAX_BEDS", 10)
    station, clock, events = central
    for i in range(200):
        station.receive(T.format(f"Rogue-{i}", "heartbeat"), heartbeat(bed=f"Rogue-{i}"))
    assert len(station.beds()) == 10
    assert [a for a in alarms(events) if a[0] == "TOO_MANY_BEDS"] == [("TOO_MANY_BEDS", None, "raised")]


def test_who_acknowledged_at_the_bedside_is_shown_and_silences_the_bed_here(central):
    station, clock, events = central
    alarm = {"condition": "NIBP_SYS_HIGH", "priority": "medium", "status": "active", "message": "NIBP sys 172 > 160",
             "raised_at": "2026-12-07T09:00:00Z", "acknowledged_at": None, "acknowledged_by": ""}
    station.receive(T.format("Chair-1", "state"), state(alarms=[alarm]))
    assert station.sounding().value == "medium"
    acked = {**alarm, "status": "acknowledged", "acknowledged_at": "2026-12-07T09:00:30Z",
             "acknowledged_by": "nurse Ana"}
    station.receive(T.format("Chair-1", "state"), state(alarms=[acked]))
    assert station.sounding() is None
    latest = [e.view for e in events if isinstance(e, BedState)][-1]
    assert latest.snapshot.alarms[0].acknowledged_by == "nurse Ana"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(0, 6)), max_size=40))
def test_the_interval_set_is_a_set(ranges):
    """Checked against Python's own set (an independent truth)."""
    intervals, truth = IntervalSet(), set()
    for start, length in ranges:
        intervals.add_range(start, start + length)
        truth |= set(range(start, start + length + 1))
    assert len(intervals) == len(truth)
    assert all((n in intervals) == (n in truth) for n in range(0, 70))
    flat = [n for s, e in intervals.ranges() for n in range(s, e + 1)]
    assert flat == sorted(truth)
    taken = intervals.take_first(3)
    if truth:
        low = min(truth)
        assert taken[0] == low and all(n in truth for n in range(taken[0], taken[1] + 1))


def test_a_station_that_cannot_sound_says_so(central):
    station, clock, events = central
    station.on_audio(False, "No audio output device: watch the screen.")
    station.on_audio(True)
    assert alarms(events) == [("AUDIO_UNAVAILABLE", None, "raised"), ("AUDIO_UNAVAILABLE", None, "cleared")]


def test_chairs_are_listed_as_a_nurse_counts_them(central):
    station, clock, events = central
    for bed in ("Chair-10", "Chair-2", "Chair-1"):
        station.receive(T.format(bed, "state"), state(bed=bed))
    assert [v.bed for v in station.beds()] == ["Chair-1", "Chair-2", "Chair-10"]

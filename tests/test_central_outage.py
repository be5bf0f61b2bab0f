"""Nothing lost: a real bed, its real recording, the real publisher and station, a real Mosquitto.

The broker is stopped while the bed goes on taking readings; when it returns,
every reading the central station missed arrives from the recording, marked
late, exactly once, and the n-th reading of the session is row n of the
recording (checked against the file, not against the publisher).
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest

from central import publisher as publisher_module
from central.broker import broker_settings
from central.publisher import BedPublisher, recording_path
from central.state import ChairState
from central.station import BedMessage, Station
from monitor.alarms import DEFAULT_PROFILE, AlarmCondition, AlarmEvent, load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ScaledClock
from monitor.readings import Parameter, Reading
from monitor.recording import SessionRecorder
from tests.broker import Broker, broker, wait_for  # noqa: F401  (fixture)

SITE = "clinic"


class Collector:
    """A station listener that keeps every event (thread-safe)."""

    def __init__(self) -> None:
        self.events: list = []
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        with self._lock:
            self.events.append(event)

    def messages(self, kind: str = "reading") -> list:
        with self._lock:
            return [e.message for e in self.events if isinstance(e, BedMessage) and e.message.type == kind]

    def central_alarms(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(e.alarm.condition.value, e.event) for e in self.events if hasattr(e, "alarm")]


def a_bed(tmp_path, url: str, name: str = "Chair-1"):
    clock = ScaledClock(speed=10)  # CENTRAL_UNREACHABLE's 5 s delay passes in half a second
    bed = Bed(BedConfig(name, "test:", "datex", clock, load_profile(DEFAULT_PROFILE)))
    bed.record_to(SessionRecorder(tmp_path / f"{name}.irm.sqlite", {"program": "test"}))
    state = ChairState(name, "P-1", bed.session, bed.alarms)
    pub = BedPublisher(bed, broker_settings(url), SITE, name, state, recording=lambda: recording_path(bed))
    bed.subscribe(pub)
    return bed, pub, clock


def post_readings(bed: Bed, clock, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        bed.post(Reading(Parameter.HR, 60 + i % 50, "/min", clock.now() + timedelta(microseconds=i), "datex"))


def recorded_readings(path) -> list[tuple[int, str, float]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, parameter, value FROM readings ORDER BY id").fetchall()


def recorded_alarms(path, condition: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT event FROM alarm_events WHERE condition = ? ORDER BY id",
                                         (condition,))]


@pytest.fixture
def station(broker):  # noqa: F811
    station = Station(broker_settings(broker.url), SITE)
    seen = Collector()
    station.subscribe(seen)
    station.start()
    yield station, seen
    station.stop()


def test_readings_taken_while_the_broker_is_down_arrive_late_once_each(tmp_path, broker, station):  # noqa: F811
    outage(tmp_path, broker, *station)


def test_without_the_brokers_persistence_the_station_still_gets_everything(tmp_path):
    """``mosquitto -p 1883`` for a try keeps no session across its restart: the bedside's settling
    pause after a reconnection lets the station subscribe again before anything numbered is sent."""
    plain = Broker(tmp_path, "listener {port} 127.0.0.1\nallow_anonymous true\n").start()
    station = Station(broker_settings(plain.url), SITE)
    seen = Collector()
    station.subscribe(seen)
    station.start()
    try:
        outage(tmp_path, plain, station, seen)
    finally:
        station.stop()
        plain.stop()


def outage(tmp_path, broker: Broker, station: Station, seen: Collector) -> None:  # noqa: F811
    """20 readings live, 30 during an outage, then every one at the station once (see the module)."""
    bed, pub, clock = a_bed(tmp_path, broker.url)
    pub.start()
    wait_for(lambda: pub._connection.connected, 10, "the publisher connected")
    bed.start()
    try:
        post_readings(bed, clock, 20)
        wait_for(lambda: len(seen.messages()) == 20, 20, "20 live readings at the central station")
        broker.stop()
        wait_for(lambda: ("BROKER_LOST", "raised") in seen.central_alarms(), 10, "BROKER_LOST at the station")
        post_readings(bed, clock, 30, start=20)
        wait_for(lambda: AlarmCondition.CENTRAL_UNREACHABLE in [a.condition for a in bed.alarms.active()], 10,
                 "CENTRAL_UNREACHABLE at the bedside")
        broker.start()
        wait_for(lambda: len(seen.messages()) >= 50 and pub.owed() == 0, 30, "the backlog delivered")
        wait_for(lambda: AlarmCondition.CENTRAL_UNREACHABLE not in [a.condition for a in bed.alarms.active()],
                 10, "CENTRAL_UNREACHABLE over")
    finally:
        bed.stop()
        pub.stop()
    wait_for(lambda: [m.data["event"] for m in seen.messages("alarm")].count("cleared") == 1, 10,
             "the bedside's CENTRAL_UNREACHABLE cleared, at the station")
    got = seen.messages()
    rows = recorded_readings(bed.recorder.path)
    assert len(rows) == 50
    assert sorted(m.seq for m in got) == [r[0] for r in rows]  # each once, numbered as the recording
    assert all(m.data["value"] == rows[m.seq - 1][2] for m in got)
    assert sorted(m.seq for m in got if m.late) == list(range(21, 51))  # taken during the outage: late
    assert ("BROKER_LOST", "cleared") in seen.central_alarms()
    assert recorded_alarms(bed.recorder.path, "CENTRAL_UNREACHABLE") == ["raised", "cleared"]
    alarm_lines = seen.messages("alarm")
    own = sorted((m.seq, m.data["event"]) for m in alarm_lines if m.data["condition"] == "CENTRAL_UNREACHABLE")
    assert [event for _, event in own] == ["raised", "cleared"]  # the bedside's own alarm, told afterwards


def test_a_full_window_sends_the_rest_from_the_recording(tmp_path, broker, station, monkeypatch):  # noqa: F811
    """A broker slower than the bed: what the client cannot take now is counted and sent later."""
    station, seen = station
    monkeypatch.setattr(publisher_module, "WINDOW", 2)
    bed, pub, clock = a_bed(tmp_path, broker.url)
    pub.start()
    wait_for(lambda: pub._connection.connected, 10, "the publisher connected")
    bed.start()
    try:
        post_readings(bed, clock, 300)
        wait_for(lambda: len(seen.messages()) >= 300 and pub.owed() == 0, 30, "every reading delivered")
    finally:
        bed.stop()
        pub.stop()
    got = seen.messages()
    assert sorted(m.seq for m in got) == list(range(1, 301))
    assert any(m.late for m in got), "with a window of 2 some readings must have come from the recording"
    assert station.duplicates >= 0 and len(got) == 300


def test_a_clean_stop_says_goodbye_and_the_station_does_not_alarm(tmp_path, broker, station):  # noqa: F811
    station, seen = station
    bed, pub, clock = a_bed(tmp_path, broker.url)
    pub.start()
    bed.start()
    post_readings(bed, clock, 3)
    wait_for(lambda: len(seen.messages()) == 3, 20, "3 readings")
    bed.stop()
    pub.stop()
    wait_for(lambda: [v.status for v in station.beds()] == ["ended"], 10, "the bed ended")
    station.tick()
    assert ("BED_SILENT", "raised") not in seen.central_alarms()

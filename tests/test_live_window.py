"""The minimal live window, with real widgets offscreen and the in-process simulator."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from devices import registry
from devices.driver import Driver
from devices.simulator.inprocess import start_simulator
from monitor.clock import ManualClock, ScaledClock
from monitor.latest import LatestValues
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from ui.app import start_live_session
from ui.bridge import EventBridge
from ui.live_values import LiveValuesWindow

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def reading(parameter: Parameter, value: float | None, at: datetime, quality: Quality = Quality.NONE) -> Reading:
    return Reading(parameter, value, UNITS[parameter], at, "datex", quality)


def test_numbers_show_and_a_stale_value_is_greyed_and_labelled(qtbot):
    clock = ManualClock(T0)
    window = LiveValuesWindow(LatestValues(), clock.now, "test")
    qtbot.addWidget(window)
    window.on_event(reading(Parameter.HR, 72, T0))
    window.refresh()
    assert window.tiles["HR"].value.text() == "72"
    assert "#6b6b6b" not in window.tiles["HR"].value.styleSheet()

    clock.advance(60)
    window.refresh()
    assert "NOT CURRENT" in window.tiles["HR"].note.text()
    assert "#6b6b6b" in window.tiles["HR"].value.styleSheet()


def test_absent_spo2_shows_dashes_and_the_reason(qtbot):
    window = LiveValuesWindow(LatestValues(), lambda: T0, "test")
    qtbot.addWidget(window)
    window.on_event(reading(Parameter.SPO2, None, T0, Quality.SENSOR_OFF))
    window.refresh()
    assert window.tiles["SPO2"].value.text() == "---"
    assert window.tiles["SPO2"].note.text() == "sensor off"


def test_nibp_shows_sys_dia_mean_and_when_it_was_measured(qtbot):
    window = LiveValuesWindow(LatestValues(), lambda: T0 + timedelta(minutes=4), "test")
    qtbot.addWidget(window)
    for parameter, value in ((Parameter.NIBP_SYS, 131), (Parameter.NIBP_DIA, 84), (Parameter.NIBP_MEAN, 100)):
        window.on_event(reading(parameter, value, T0))
    window.refresh()
    assert window.tiles["NIBP"].value.text() == "131/84"
    assert window.tiles["NIBP"].note.text() == "mean 100 · measured 4 min ago"


def test_live_session_on_the_simulator_shows_values_and_records_them(qtbot, tmp_path):
    clock = ScaledClock(speed=20)
    bridge = EventBridge()
    window = LiveValuesWindow(LatestValues(), clock.now, "sim")
    qtbot.addWidget(window)
    path = tmp_path / "live.irm.sqlite"

    def connect(sink):
        sim = start_simulator("sim:ketamine-typical", "datex", clock)
        return Driver(sim.url, registry.session_factory("datex"), clock, sink), sim

    session = start_live_session(
        clock, connect, lambda fail, ok: SessionRecorder(path, {"protocol": "datex"}, fail, ok), window, bridge
    )
    try:
        qtbot.waitUntil(lambda: window.tiles["HR"].value.text().isdigit(), timeout=15000)
        qtbot.waitUntil(lambda: "/" in window.tiles["NIBP"].value.text() and "---" not in window.tiles["NIBP"].value.text(), timeout=15000)
        assert "Receiving" in window.link.text()
    finally:
        session.stop()
    count = sqlite3.connect(path).execute("SELECT count(*) FROM readings WHERE parameter='HR'").fetchone()[0]
    assert count > 0

"""The central station's window (offscreen, real widgets): chairs from the broker's messages, the station's
alarms, the sound, a chair's trend on a click."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from central.station import Station
from central.station_sound import StationSound
from monitor.clock import ManualClock
from tests.test_annunciator import ToldSound
from tests.test_central_station import T, reading, state
from ui.central.window import CentralWindow
from ui.sound.annunciator import Annunciator

T0 = datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC)
HIGH_SBP = {"condition": "NIBP_SYS_HIGH", "priority": "medium", "status": "active", "message": "NIBP sys 172 > 160",
            "raised_at": "2026-12-07T09:00:00Z", "acknowledged_at": None, "acknowledged_by": ""}


@pytest.fixture
def window(qtbot):
    """As main.py wires it: the annunciator follows the station, the window only displays."""
    station = Station(None, "clinic", ManualClock(T0))
    station.connection_state(True, "")
    speaker = ToldSound()  # stands in for the sound process (tested on its own in test_sound_*)
    Annunciator(lambda report: speaker).follow(StationSound(station))
    win = CentralWindow(station)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    return win, station, speaker


def test_both_chairs_are_shown_with_their_numbers_and_the_alarming_one_sounds(window, tmp_path):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state(hr=72))
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", hr=96, alarms=[HIGH_SBP]))
    win.refresh()
    panels = win.overview.panels  # the infusion room's panels
    assert [p.text.chair for p in panels] == ["Chair-1", "Chair-2"]
    assert [p.text.big[0].value for p in panels] == ["72", "96"]
    assert panels[1].text.alarm == "** NIBP sys 172 > 160" and panels[1].flashing == "medium"
    assert panels[0].flashing is None
    assert win.overview.alarm_bar.message.text() == "** Chair-2: NIBP sys 172 > 160"
    assert not win.overview.alarm_bar.acknowledge.isVisible()  # a chair's alarm: acknowledged at its bedside
    assert speaker.played[-1] == "medium"
    win.grab().save(str(tmp_path / "central.png"))
    acked = {**HIGH_SBP, "status": "acknowledged", "acknowledged_at": "2026-12-07T09:00:40Z",
             "acknowledged_by": "Ana"}
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", hr=96, alarms=[acked]))
    win.refresh()
    ana = datetime(2026, 12, 7, 9, 0, 40, tzinfo=UTC).astimezone().strftime("%H:%M")  # shown in local time
    assert panels[1].text.alarm == f"** NIBP sys 172 > 160 (ack. Ana {ana})" and panels[1].flashing is None
    assert win.overview.alarm_bar.message.text() == "** Chair-2: NIBP sys 172 > 160 (acknowledged)"
    assert speaker.played[-1] is None  # acknowledged at the bedside: silent here too


def test_a_silent_chair_is_alarmed_in_the_bar_and_its_numbers_are_not_current(window):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state(hr=72))
    station.clock.advance(6)
    station.tick()
    win.refresh()
    bar = win.overview.alarm_bar
    assert bar.message.text().startswith("** Central: Chair-1: no heartbeat for 6 s")
    panel = win.overview.panels[0]
    assert panel.text.link_word == "NO CONTACT"
    hr = panel.text.big[0]
    assert hr.value == "72" and hr.stale and hr.note.startswith("NOT CURRENT") and hr.colour == "stale"
    assert speaker.played[-1] == "medium"
    assert bar.acknowledge.isVisible() and bar.acknowledge.text().startswith("Silence station alarms")
    bar.acknowledge.click()
    assert bar.message.text().startswith("** Central: Chair-1: no heartbeat")
    assert "(acknowledged)" in bar.message.text() and not bar.acknowledge.isVisible()
    assert speaker.played[-1] is None


def test_panels_follow_the_beds_heard(window, qtbot):
    win, station, speaker = window
    assert win.overview.panels == [] and "Waiting for the bedsides" in win.status.text()
    station.receive(T.format("Chair-1", "state"), state())
    win.refresh()
    assert [p.text.chair for p in win.overview.panels] == ["Chair-1"]
    for bed in ("Chair-10", "Chair-2"):
        station.receive(T.format(bed, "state"), state(bed=bed))
    win.refresh()
    assert [p.text.chair for p in win.overview.panels] == ["Chair-1", "Chair-2", "Chair-10"]
    assert not any(p.shortcut for p in win.overview.panels)  # no Ctrl+number here: the dashboard is at the bedside
    assert win.status.text() == "3 chairs"
    qtbot.mouseClick(win.overview.panels[2], Qt.MouseButton.LeftButton)
    assert win.trends[-1].windowTitle() == "Chair-10: trend"


def test_clicking_a_chair_opens_its_trend_since_the_session_began(window, qtbot):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state())
    for seq in range(1, 6):
        payload = json.loads(reading(seq=seq, value=70 + seq))
        payload["time"] = f"2026-12-07T09:0{seq}:00Z"
        station.receive(T.format("Chair-1", "reading"), json.dumps(payload).encode())
    win.refresh()
    qtbot.mouseClick(win.overview.panels[0], Qt.MouseButton.LeftButton)
    assert len(win.trends) == 1
    dialog = win.trends[0]
    assert "Chair-1 (clinic): 5 readings since" in dialog.heading.text()
    curves = [item for item in dialog.plot.getPlotItem().listDataItems() if item.name() == "HR"]
    x, y = curves[0].getData()
    assert list(y) == [71, 72, 73, 74, 75] and list(x) == [0, 1, 2, 3, 4]  # minutes from the first

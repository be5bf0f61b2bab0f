"""The central station's window (offscreen, real widgets): chairs from the broker's messages, the station's
alarms, the sound, a chair's trend on a click."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from central.station import Station
from monitor.clock import ManualClock
from tests.test_central_station import T, reading, state
from ui.central.window import CentralWindow

T0 = datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC)
HIGH_SBP = {"condition": "NIBP_SYS_HIGH", "priority": "medium", "status": "active", "message": "NIBP sys 172 > 160",
            "raised_at": "2026-12-07T09:00:00Z", "acknowledged_at": None, "acknowledged_by": ""}


class Speaker:
    """Stands in for the sound process (tested on its own in test_sound_*): what was asked to play."""

    def __init__(self) -> None:
        self.played: list = []

    def play(self, priority: object) -> None:
        self.played.append(getattr(priority, "value", priority))


@pytest.fixture
def window(qtbot):
    station = Station(None, "clinic", ManualClock(T0))
    station.connection_state(True, "")
    speaker = Speaker()
    win = CentralWindow(station, speaker)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    return win, station, speaker


def test_both_chairs_are_shown_with_their_numbers_and_the_alarming_one_sounds(window, tmp_path):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state(hr=72))
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", hr=96, alarms=[HIGH_SBP]))
    win.refresh()
    tiles = [t for t in win.overview._tiles if t.isVisible()]
    assert [t._bed for t in tiles] == ["Chair-1", "Chair-2"]
    assert ">72<" in tiles[0].values[0].text() and ">96<" in tiles[1].values[0].text()
    assert "NIBP sys 172 &gt; 160" in tiles[1].alarm.text() or "NIBP sys 172 > 160" in tiles[1].alarm.text()
    assert "#ffd000" in tiles[1].alarm.styleSheet()  # medium: IEC yellow
    assert speaker.played[-1] == "medium"
    win.grab().save(str(tmp_path / "central.png"))
    acked = {**HIGH_SBP, "status": "acknowledged", "acknowledged_at": "2026-12-07T09:00:40Z",
             "acknowledged_by": "Ana"}
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", hr=96, alarms=[acked]))
    win.refresh()
    assert "ack. Ana 09:00" in tiles[1].alarm.text() or "ack. Ana" in tiles[1].alarm.text()
    assert speaker.played[-1] is None  # acknowledged at the bedside: silent here too


def test_a_silent_chair_is_alarmed_at_the_top_and_its_numbers_are_not_current(window):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state(hr=72))
    station.clock.advance(6)
    station.tick()
    win.refresh()
    assert "Chair-1: no heartbeat" in win.alarm_bar.text()
    tile = win.overview._tiles[0]
    assert "not current" in tile.captions[0].text() and "OFFLINE" in tile.link.text()
    assert tile.values[0].text().count("#5d646d") == 1  # the theme's grey for a value that is not current
    assert speaker.played[-1] == "medium"
    win.silence.click()
    win.refresh()
    assert "(silenced)" in win.alarm_bar.text() and speaker.played[-1] is None


def test_clicking_a_chair_opens_its_trend_since_the_session_began(window, qtbot):
    win, station, speaker = window
    station.receive(T.format("Chair-1", "state"), state())
    for seq in range(1, 6):
        payload = json.loads(reading(seq=seq, value=70 + seq))
        payload["time"] = f"2026-12-07T09:0{seq}:00Z"
        station.receive(T.format("Chair-1", "reading"), json.dumps(payload).encode())
    win.refresh()
    qtbot.mouseClick(win.overview._tiles[0], Qt.MouseButton.LeftButton)
    assert len(win.trends) == 1
    dialog = win.trends[0]
    assert "Chair-1 (clinic): 5 readings since" in dialog.heading.text()
    curves = [item for item in dialog.plot.getPlotItem().listDataItems() if item.name() == "HR"]
    x, y = curves[0].getData()
    assert list(y) == [71, 72, 73, 74, 75] and list(x) == [0, 1, 2, 3, 4]  # minutes from the first

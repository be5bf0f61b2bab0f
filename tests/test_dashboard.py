"""The bedside dashboard, real widgets offscreen: what a nurse would see and what her actions ask for.

Time is a ManualClock shared by the session and the window, so staleness,
phase clocks and "measured N min ago" are exact without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QSettings, Qt

from monitor.clock import ManualClock
from monitor.latest import LatestValues
from monitor.readings import UNITS, LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.session import QUICK_ANNOTATIONS, InfusionSession
from monitor.trends import TrendStore
from ui.dashboard.theme import DARK, LIGHT
from ui.dashboard.window import DashboardWindow

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def reading(parameter: Parameter, value: float | None, at: datetime, quality: Quality = Quality.NONE) -> Reading:
    return Reading(parameter, value, UNITS[parameter], at, "datex", quality)


class Bedside:
    """A window on a real session and models, driven by a manual clock."""

    def __init__(self, qtbot, tmp_path, confirm=lambda *_: True, **kwargs) -> None:
        self.clock = ManualClock(T0)
        self.session = InfusionSession(self.clock)
        self.latest = LatestValues()
        self.trends = TrendStore()
        self.settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
        self.window = DashboardWindow(
            self.latest, self.trends, self.session, self.clock.now, kwargs.pop("theme", "dark"),
            patient_id="K-0142", link_description="datex on /dev/ttyUSB0",
            settings=self.settings, confirm=confirm, **kwargs,
        )
        qtbot.addWidget(self.window)

    def send(self, parameter: Parameter, value: float | None, quality: Quality = Quality.NONE) -> None:
        r = reading(parameter, value, self.clock.now(), quality)
        self.session.on_reading(r)
        self.window.on_event(r)

    def nibp(self, sys: float, dia: float, mean: float, quality: Quality = Quality.NONE) -> None:
        for parameter, value in ((Parameter.NIBP_SYS, sys), (Parameter.NIBP_DIA, dia), (Parameter.NIBP_MEAN, mean)):
            self.send(parameter, value, quality)

    def run(self, seconds: int, hr: float = 72, every: int = 5) -> None:
        """Let time pass with HR arriving every ``every`` seconds."""
        for _ in range(seconds // every):
            self.clock.advance(every)
            self.send(Parameter.HR, hr)

    def refresh(self):
        self.window.refresh()
        return self.window


@pytest.fixture
def bed(qtbot, tmp_path) -> Bedside:
    return Bedside(qtbot, tmp_path)


# -- numerics ------------------------------------------------------------------------------

def test_a_reading_shows_as_a_large_current_number(bed):
    bed.send(Parameter.HR, 72)
    tile = bed.refresh().tiles["HR"]
    assert tile.value.text() == "72"
    assert tile.value_colour == DARK.colour("hr")
    assert not tile.marked_not_current and tile.note.text() == ""
    assert tile.value.pixel_size() >= 40  # sized to its tile, not a default font


def test_a_value_is_greyed_and_marked_not_current_once_it_is_stale(bed):
    bed.send(Parameter.HR, 72)
    bed.clock.advance(10)
    assert bed.refresh().tiles["HR"].value_colour == DARK.colour("hr")  # 10 s: still current
    bed.clock.advance(40)
    tile = bed.refresh().tiles["HR"]
    assert tile.value.text() == "72"  # still visible, but never as current:
    assert tile.value_colour == DARK.stale
    assert tile.marked_not_current and DARK.stale in tile.note.styleSheet()
    assert tile.note.text() == "NOT CURRENT: last value 50 s ago"


def test_the_display_timer_greys_a_stale_value_without_any_new_event(bed, qtbot):
    bed.send(Parameter.HR, 72)
    bed.refresh()
    bed.clock.advance(30)
    qtbot.waitUntil(lambda: bed.window.tiles["HR"].value_colour == DARK.stale, timeout=3000)


def test_an_absent_value_shows_dashes_and_the_reason(bed):
    bed.send(Parameter.SPO2, 97)
    bed.send(Parameter.SPO2, None, Quality.SENSOR_OFF)
    tile = bed.refresh().tiles["SPO2"]
    assert tile.isVisibleTo(bed.window)
    assert tile.value.text() == "---" and tile.note.text() == "sensor off"
    assert tile.value_colour == DARK.stale


def test_nothing_received_yet_shows_dashes_and_says_so(bed):
    window = bed.refresh()
    assert window.tiles["HR"].value.text() == "---"
    assert window.tiles["HR"].note.text() == "no data yet"
    assert window.tiles["NIBP"].value.text() == "---/---"


def test_nibp_shows_sys_dia_mean_and_how_long_ago_the_cuff_measured(bed):
    bed.nibp(131, 84, 100)
    bed.clock.advance(4 * 60 + 10)
    bed.nibp(131, 84, 100, Quality.OLDER_THAN_60S)  # the monitor repeating the result
    tile = bed.refresh().tiles["NIBP"]
    assert tile.value.text() == "131/84" and tile.mean.text() == "(100)"
    assert tile.note.text() == "measured 4 min ago"
    assert tile.value_colour == DARK.colour("nibp")


def test_nibp_older_than_its_period_is_greyed_with_its_age(bed):
    bed.nibp(131, 84, 100)
    bed.clock.advance(25 * 60)
    tile = bed.refresh().tiles["NIBP"]
    assert tile.value_colour == DARK.stale
    assert tile.note.text() == "NOT CURRENT: measured 25 min ago"


def test_the_cuff_inflating_is_said_on_the_tile(bed):
    bed.nibp(131, 84, 100)
    bed.clock.advance(60)
    bed.nibp(131, 84, 100, Quality.NIBP_MEASURING)
    assert "cuff measuring" in bed.refresh().tiles["NIBP"].note.text()


def test_baseline_forms_before_the_infusion_and_the_change_shows_after(bed):
    bed.nibp(124, 78, 93)
    bed.run(240, hr=72)
    window = bed.refresh()
    assert window.tiles["HR"].baseline.text() == "baseline so far 72"
    assert window.tiles["NIBP"].baseline.text() == "baseline so far 124/78"
    bed.session.start_infusion()
    bed.run(600, hr=84)
    bed.nibp(136, 84, 101)
    window = bed.refresh()
    assert window.tiles["HR"].baseline.text() == "baseline 72 \u00b7 +12"
    assert window.tiles["NIBP"].baseline.text() == "baseline 124/78 \u00b7 +12/+6"


def test_a_fall_from_baseline_has_a_visible_minus_sign(bed):
    bed.run(120, hr=80)
    bed.session.start_infusion()
    bed.run(60, hr=75)
    assert bed.refresh().tiles["HR"].baseline.text() == "baseline 80 \u00b7 \u22125"


def test_art_spo2_and_pr_tiles_appear_only_once_the_monitor_sends_them(bed):
    window = bed.refresh()
    assert all(window.tiles[k].isHidden() for k in ("ART", "SPO2", "PR"))
    assert not window.tiles["HR"].isHidden() and not window.tiles["NIBP"].isHidden()
    bed.send(Parameter.ART_SYS, 141)
    bed.send(Parameter.ART_DIA, 84)
    bed.send(Parameter.ART_MEAN, 103)
    bed.send(Parameter.PR, 80)
    window = bed.refresh()
    assert not window.tiles["ART"].isHidden() and not window.tiles["PR"].isHidden()
    assert window.tiles["ART"].value.text() == "141/84" and window.tiles["ART"].mean.text() == "(103)"
    assert window.tiles["SPO2"].isHidden()


def test_limits_line_and_alarm_flashing_on_a_tile(bed, qtbot):
    tile = bed.window.tiles["HR"]
    assert tile.limits.text() == "limits not set"
    bed.window.tiles["HR"].set_limits(50, 110)
    bed.window.tiles["NIBP"].set_limits("90", "160/100")
    assert tile.limits.text() == "limits 50\u00a0\u2013\u2060\u00a0110"
    assert bed.window.tiles["NIBP"].limits.text() == "limits 90\u00a0\u2013\u2060\u00a0160/100"
    bed.window.tiles["HR"].set_alarming("high")
    assert tile.flasher.flashing and tile.flasher.interval_ms == 250
    with qtbot.waitSignal(tile.flasher.changed, timeout=2000):
        pass  # it really toggles
    tile.set_alarming("medium")
    assert tile.flasher.interval_ms == 833
    tile.set_alarming("low")
    assert not tile.flasher.flashing and tile.flasher.on  # steady cyan
    assert DARK.alarm_low in tile.styleSheet()
    tile.set_alarming(None)
    assert not tile.flasher.on and tile.alarm_priority is None


# -- header ------------------------------------------------------------------------------------

def test_header_counts_the_baseline_then_the_infusion_with_progress(bed):
    bed.run(300)
    header = bed.refresh().header
    assert header.phase.text() == "BASELINE" and header.clock.text() == "05:00"
    assert header.progress.isHidden()
    bed.session.start_infusion()
    bed.run(30 * 60)
    header = bed.refresh().header
    assert header.phase.text() == "INFUSION"
    assert header.clock.text() == "30:00 / 40:00"
    assert header.detail.text() == "10:00 left"
    assert not header.progress.isHidden() and header.progress.value() == 750


def test_header_shows_an_overrun_in_its_own_colour(bed):
    bed.session.start_infusion()
    bed.run(42 * 60 + 5)
    header = bed.refresh().header
    assert header.clock.text() == "42:05 / 40:00"
    assert header.detail.text() == "OVERRUN +02:05"
    assert DARK.overrun in header.detail.styleSheet()
    assert header.progress.value() == header.progress.maximum()
    assert header.progress.property("overrun") is True


def test_header_recovery_clock_and_ended(bed):
    bed.session.start_infusion()
    bed.run(40 * 60)
    bed.session.stop_infusion()
    bed.run(15 * 60)
    header = bed.refresh().header
    assert header.phase.text() == "RECOVERY" and header.clock.text() == "15:00"
    assert header.detail.text() == "infusion ran 40:00 of 40:00"
    bed.session.end_session()
    assert bed.refresh().header.phase.text() == "SESSION ENDED"


def test_header_link_state_age_and_recording(bed):
    bed.window.on_event(LinkEvent(LinkState.RECEIVING, "Receiving datex data.", T0, "/dev/ttyUSB0", "datex"))
    bed.send(Parameter.HR, 72)
    bed.clock.advance(3)
    header = bed.refresh().header
    assert header.link.text() == "\u25cf Monitor connected \u00b7 datex \u00b7 /dev/ttyUSB0 \u00b7 last data 3 s ago"
    assert header.link_colour == DARK.link[LinkState.RECEIVING]
    bed.window.on_event(LinkEvent(LinkState.DISCONNECTED, "Lost the connection.", bed.clock.now(), "/dev/ttyUSB0", "datex"))
    header = bed.refresh().header
    assert "LINK LOST" in header.link.text() and header.link_colour == DARK.link[LinkState.DISCONNECTED]
    bed.window.set_recording("\u25cf NOT RECORDING: disk full", ok=False)
    assert DARK.recording_bad in header.recording.styleSheet()


def test_what_the_monitor_reports_about_itself_is_shown(bed):
    from monitor.readings import DeviceStatus

    bed.window.on_event(DeviceStatus(("sensor off", "low perfusion")))
    header = bed.refresh().header
    assert not header.device.isHidden() and header.device.text() == "Monitor reports: sensor off, low perfusion"
    bed.window.on_event(DeviceStatus(()))
    assert bed.refresh().header.device.isHidden()


def test_patient_and_simulated_data_are_shown(qtbot, tmp_path):
    bed = Bedside(qtbot, tmp_path, simulated=True)
    assert bed.window.header.patient.text() == "Patient K-0142"
    assert not bed.window.header.simulated.isHidden()


# -- alarm bar -----------------------------------------------------------------------------------

def test_alarm_bar_shows_the_highest_priority_first_with_prefixes(bed):
    bar = bed.window.alarm_bar
    assert bar.message.text().startswith("Alarms not active")  # until an alarm engine reports
    bed.window.alarm_bar.set_alarms([])
    assert bar.message.text() == "No alarms"
    bed.window.alarm_bar.set_alarms([("low", "NIBP overdue"), ("high", "HR HIGH 135"), ("medium", "SpO2 sensor off")])
    assert bar.message.text() == "*** HR HIGH 135"
    assert bar.others.text() == "** SpO2 sensor off\n* NIBP overdue"  # one line each, never a paragraph
    many = [("high", "HR HIGH 135")] + [("low", f"alarm {n}") for n in range(4)]
    bed.window.alarm_bar.set_alarms(many)
    assert bar.others.text() == "* alarm 0\n+3 more:  * alarm 1   * alarm 2   * alarm 3"
    assert bar.flasher.interval_ms == 250
    bed.window.alarm_bar.set_alarms([("medium", "SpO2 sensor off")])
    assert bar.message.text() == "** SpO2 sensor off" and bar.others.isHidden()
    bed.window.alarm_bar.set_alarms([])
    assert bar.message.text() == "No alarms" and not bar.flasher.on
    with pytest.raises(ValueError):
        bed.window.alarm_bar.set_alarms([("urgent", "x")])


def test_alarm_places_take_the_alarm_engines_priority_enum_too(bed):
    from enum import Enum

    class Priority(Enum):  # the shape of monitor.alarms' Priority
        LOW, MEDIUM, HIGH = "low", "medium", "high"

    bed.window.alarm_bar.set_alarms([(Priority.MEDIUM, "SpO2 sensor off"), (Priority.HIGH, "HR 134 > 130")])
    assert bed.window.alarm_bar.message.text() == "*** HR 134 > 130"
    bed.window.tiles["HR"].set_alarming(Priority.MEDIUM)
    assert bed.window.tiles["HR"].alarm_priority == "medium"


# -- theme, keys, state --------------------------------------------------------------------------

def test_theme_toggles_and_is_remembered(bed, qtbot):
    with qtbot.waitSignal(bed.window.theme_toggled) as signal:
        bed.window.toggle_theme()
    assert signal.args == ["light"]
    bed.send(Parameter.HR, 72)
    assert bed.refresh().tiles["HR"].value_colour == LIGHT.colour("hr")
    assert bed.settings.value("theme") == "light"


def test_dark_is_the_default_theme(bed):
    assert bed.window.theme_name == "dark"
    assert DARK.background in bed.window.styleSheet()


def test_window_geometry_and_full_screen_are_remembered(qtbot, tmp_path):
    first = Bedside(qtbot, tmp_path)
    first.window.resize(1234, 777)
    first.window.toggle_fullscreen()
    first.window.close()
    second = Bedside(qtbot, tmp_path)
    assert second.window.isFullScreen() or bool(second.window.windowState() & Qt.WindowState.WindowFullScreen)
    second.window.toggle_fullscreen()
    assert not second.window.windowState() & Qt.WindowState.WindowFullScreen


def test_every_control_has_a_shortcut_listed_in_the_help(bed):
    window = bed.window
    help_text = window.help_text.text()
    for key_, what in (("F2", "Start infusion"), ("F3", "Stop infusion"), ("F4", "End session"),
                       ("F5", "Acknowledge"), ("F6", "Pause alarm sound"), ("F7", "Alarm limits"),
                       ("F8", "theme"), ("F11", "Full screen"), ("Alt+1", QUICK_ANNOTATIONS[0])):
        assert key_ in help_text and what in help_text
    assert "F2" in window.controls.start.text() and "F5" in window.alarm_bar.acknowledge.toolTip()
    window.toggle_help()
    assert window.help_overlay.isVisible() or not window.isVisible()

"""The alarm signals on the real dashboard, offscreen (issue 5, "Signals"): what the nurse
sees in the bar and on the tiles, what she hears, and what her buttons do.

The engine runs on a ManualClock and is driven with readings; the sound is the sound
process's burst player (ui/sound/player.py), run here in the test's own process, and
goes to a fake output that records each burst, except where the test is about the real
sound system being unavailable (tests/test_sound_process.py runs the real process). Flashing is checked on the real timers with qtbot.waitUntil.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from monitor.alarms import (
    AlarmCondition,
    AlarmEvent,
    EventType,
    Priority,
    ProfileError,
    StartDecision,
    check_start,
    load_profile,
    tones,
)
from monitor.alarms.rules import PLAUSIBLE
from monitor.bed import Bed, BedConfig
from monitor.clock import ManualClock
from monitor.core import RecordingStatus
from monitor.latest import LatestValues
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.trends import TrendStore
from ui.alarm_dialogs import StartConfirmDialog, confirm_start_despite, start_question
from ui.alarm_presenter import AlarmPresenter, countdown_text, tile_limits
from ui.limits_dialog import LimitsDialog
from ui.sound.annunciator import Annunciator
from ui.sound.player import AudioUnavailable, BurstPlayer
from ui.sound.supervisor import SoundEvent
from ui.sound.qt_output import encode
from ui.dashboard.theme import DARK, LIGHT
from ui.dashboard.window import DashboardWindow

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
HR, SPO2 = Parameter.HR, Parameter.SPO2
SYS, DIA, MEAN = Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN


class FakeOutput:
    """Stands in for the sound card: keeps every burst it is asked to play."""

    sample_rate = 44100
    description = "test output"

    def __init__(self) -> None:
        self.played: list[np.ndarray] = []
        self.stops = 0
        self.fail_with: str | None = None

    def play(self, samples: np.ndarray) -> None:
        if self.fail_with:
            raise AudioUnavailable(self.fail_with)
        self.played.append(samples)

    def stop(self) -> None:
        self.stops += 1

    def last_burst(self) -> Priority | None:
        """Which priority's burst was played last (test_alarm_tones measures the bursts)."""
        last = self.played[-1]
        return next((p for p in Priority if np.array_equal(last, tones.burst(p, self.sample_rate))), None)


class PlayerSound:
    """The sound process's burst player, run in this process, in the supervisor's place."""

    def __init__(self, player: BurstPlayer) -> None:
        self.player = player

    def play(self, priority: object) -> None:
        self.player.play(priority)

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def heartbeat(self) -> None: ...


class Room:
    """An infusion room: a real bed (judged here, without its thread), the dashboard, the
    presenter, and the annunciator sounding the bed on a burst player with a recording card."""

    def __init__(self, qtbot, tmp_path, output_factory=None, theme: str = "dark") -> None:
        self.clock = ManualClock(T0)
        self.bed = Bed(BedConfig("room", "sim:stable", "datex", self.clock, load_profile("ketamine-infusion")))
        self.engine = self.bed.alarms  # what the dashboard reads and commands
        self.session = self.bed.session
        self.log: list = []
        self.bed.subscribe(lambda event: self.log.append(event) if isinstance(event, AlarmEvent) else None)
        settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
        self.window = DashboardWindow(
            LatestValues(), TrendStore(), self.session, self.clock.now, theme,
            patient_id="K-0142", link_description="datex on /dev/ttyUSB0", settings=settings,
        )
        qtbot.addWidget(self.window)
        self.output = FakeOutput()
        self.sound = BurstPlayer(output_factory=output_factory or (lambda _fail, _parent: self.output))
        self.annunciator = Annunciator(lambda report: PlayerSound(self.sound))
        self.sound.unavailable.connect(lambda text: self.annunciator.report(SoundEvent("unavailable", text)))
        self.sound.restored.connect(lambda: self.annunciator.report(SoundEvent("restored")))
        self.annunciator.follow(self.bed)
        self.presenter = AlarmPresenter(self.engine, self.window, operator="nurse A")
        self.sound.check()

    @property
    def bar(self):
        return self.window.alarm_bar

    def record(self, events: list) -> list:
        """The bed keeps what commands cause (``self.log`` has it)."""
        return events

    def post(self, event: object) -> None:
        self.bed.post(event)
        self.bed.process_pending()

    def send(self, parameter: Parameter, value: float) -> None:
        reading = Reading(parameter, value, UNITS[parameter], self.clock.now(), "datex", Quality.NONE)
        self.window.on_event(reading)
        self.post(reading)

    def tick(self) -> None:
        self.bed.tick()

    def hold(self, values: dict[Parameter, float], seconds: int) -> None:
        """Send these values every second for ``seconds`` s, then refresh the signals."""
        for _ in range(seconds):
            for parameter, value in values.items():
                self.send(parameter, value)
            self.clock.advance(1)
            self.tick()
        self.refresh()

    def nibp(self, sys: float, dia: float, mean: float) -> None:
        for parameter, value in ((SYS, sys), (DIA, dia), (MEAN, mean)):
            self.send(parameter, value)
        self.refresh()

    def refresh(self) -> DashboardWindow:
        self.bed.process_pending()
        self.presenter.refresh()
        self.window.refresh()
        return self.window


@pytest.fixture
def room(qtbot, tmp_path) -> Room:
    return Room(qtbot, tmp_path)


def high_hr(room: Room, value: float = 135) -> None:
    room.hold({HR: value}, 11)  # HR > 130 for the 10 s delay


# -- the bar ----------------------------------------------------------------------------------------

def test_before_any_alarm_the_bar_says_no_alarms_once_the_engine_is_shown(room):
    assert room.bar.message.text().startswith("Alarms not active")
    room.refresh()
    assert room.bar.message.text() == "No alarms"
    assert room.sound.playing is None and room.output.played == []


def test_bar_shows_the_highest_priority_first_with_stars(room):
    room.hold({SPO2: 91}, 16)  # low (advisory) after 15 s
    room.nibp(165, 88, 110)  # medium at once: NIBP has no delay
    high_hr(room)
    assert [item[0] for item in room.bar.items] == ["high", "medium", "low"]
    assert room.bar.message.text() == "*** HR 135 > 130"  # one set of stars: the bar adds them
    assert room.bar.others.text() == "** NIBP sys 165 > 160\n* SpO2 91 < 92"  # a line each
    assert room.bar.top_priority == "high"


def test_technical_alarms_are_listed_with_the_physiological_ones(room):
    high_hr(room)
    room.post(RecordingStatus(True, "disk full"))
    room.refresh()
    assert room.bar.message.text() == "*** HR 135 > 130"
    assert "*** disk full" in room.bar.others.text()  # RECORDING_FAILED is high and never hidden
    assert room.bar.items[1] == ("high", "disk full")


def test_high_alarm_flashes_red_at_2_hz_on_the_bar_and_its_tile(room, qtbot):
    high_hr(room)
    tile = room.window.tiles["HR"]
    assert room.bar.flasher.interval_ms == 250 and tile.flasher.interval_ms == 250  # 2 Hz, 50 % on
    assert tile.alarm_priority == "high"
    assert all(t.alarm_priority is None for key, t in room.window.tiles.items() if key != "HR")
    seen: list[bool] = []
    room.bar.flasher.changed.connect(seen.append)
    qtbot.waitUntil(lambda: True in seen and False in seen, timeout=2000)
    assert DARK.alarm_high in room.bar.styleSheet()
    assert DARK.alarm_high in tile.styleSheet()


def test_medium_alarm_flashes_yellow_at_about_0_6_hz(room, qtbot):
    room.hold({HR: 115}, 11)
    tile = room.window.tiles["HR"]
    assert room.bar.top_priority == "medium" and tile.alarm_priority == "medium"
    assert room.bar.flasher.interval_ms == tile.flasher.interval_ms == 833  # 0.6 Hz
    toggles: list[bool] = []
    tile.flasher.changed.connect(toggles.append)
    qtbot.waitUntil(lambda: len(toggles) >= 1, timeout=2000)
    assert DARK.alarm_medium in room.bar.styleSheet() and DARK.alarm_medium in tile.styleSheet()


def test_low_alarm_is_steady_cyan(room):
    room.hold({SPO2: 91}, 16)
    tile = room.window.tiles["SPO2"]
    assert room.bar.message.text() == "* SpO2 91 < 92"
    assert not room.bar.flasher.flashing and room.bar.flasher.on
    assert DARK.alarm_low in room.bar.styleSheet()
    assert tile.alarm_priority == "low" and not tile.flasher.flashing and DARK.alarm_low in tile.styleSheet()


def test_the_tile_shows_the_worst_value_and_the_violated_limit(room):
    room.hold({HR: 133}, 11)
    room.hold({HR: 139}, 2)
    room.hold({HR: 134}, 2)
    badge = room.window.tiles["HR"].badge
    assert not badge.isHidden()
    assert badge.text() == "*** HR 139 > 130"  # the worst value of this occurrence, then the limit
    assert DARK.alarm_high in badge.styleSheet()
    assert room.window.tiles["HR"].value.text() == "134"  # the number itself stays the current value
    assert room.window.tiles["NIBP"].badge.isHidden()


def test_nibp_and_art_alarms_go_to_their_tiles(room):
    room.nibp(172, 104, 120)
    badge = room.window.tiles["NIBP"].badge
    assert room.window.tiles["NIBP"].alarm_priority == "medium"
    assert badge.text() == "** sys 172 > 160 +1 more"  # one line beside the title: the number keeps its size
    assert room.window.tiles["HR"].alarm_priority is None


def test_when_the_alarm_ends_the_tile_and_bar_return_to_normal(room):
    room.hold({HR: 115}, 11)
    room.hold({HR: 80}, 2)  # medium is not latching: over once back inside by the hysteresis
    assert room.bar.message.text() == "No alarms"
    assert room.window.tiles["HR"].alarm_priority is None
    assert room.window.tiles["HR"].badge.isHidden()
    assert room.sound.playing is None


# -- sound -----------------------------------------------------------------------------------------

def test_the_sound_plays_the_burst_of_the_highest_sounding_priority(room):
    room.hold({SPO2: 91}, 16)
    assert room.sound.playing is Priority.LOW and room.output.last_burst() is Priority.LOW
    room.hold({HR: 115}, 11)
    assert room.sound.playing is Priority.MEDIUM and room.output.last_burst() is Priority.MEDIUM
    assert room.sound.repeat_interval_ms == 20_000
    high_hr(room)
    assert room.sound.playing is Priority.HIGH and room.output.last_burst() is Priority.HIGH
    assert np.array_equal(room.output.played[-1], tones.burst(Priority.HIGH))
    assert room.sound.repeat_interval_ms == 10_000


def test_refreshing_does_not_restart_the_rhythm_and_the_timer_repeats_the_burst(room):
    high_hr(room)
    count = len(room.output.played)
    for _ in range(5):
        room.refresh()
    assert len(room.output.played) == count
    room.sound.repeat_timer.timeout.emit()  # 10 s later
    assert len(room.output.played) == count + 1 and room.output.last_burst() is Priority.HIGH


# -- acknowledge --------------------------------------------------------------------------------------

def test_acknowledge_silences_at_once_while_the_visual_indication_stays(room):
    high_hr(room)
    assert room.engine.should_sound() is Priority.HIGH
    stops = room.output.stops
    events = room.presenter.acknowledge()
    assert [(e.condition, e.event) for e in events] == [(AlarmCondition.HR_HIGH, EventType.ACKNOWLEDGED)]
    assert events[0].detail == "by nurse A"
    assert room.engine.should_sound() is None
    assert room.sound.playing is None and room.output.stops > stops and not room.sound.repeat_timer.isActive()
    # still shown while HR stays high: steady, in its colour
    room.hold({HR: 135}, 2)
    assert room.bar.message.text() == "*** HR 135 > 130 (acknowledged)"
    assert not room.bar.flasher.flashing and room.bar.flasher.on
    assert DARK.alarm_high in room.bar.styleSheet()
    tile = room.window.tiles["HR"]
    assert not tile.flasher.flashing
    assert room.window.tiles["HR"].badge.text() == "*** HR 135 > 130"


def test_a_new_alarm_after_acknowledging_sounds_and_flashes_again(room):
    high_hr(room)
    room.presenter.acknowledge()
    room.hold({HR: 135, SPO2: 84}, 11)  # a new high condition
    assert room.sound.playing is Priority.HIGH
    assert room.window.tiles["SPO2"].alarm_priority == "high" and room.window.tiles["SPO2"].flasher.flashing
    assert room.window.tiles["HR"].alarm_priority is None  # still acknowledged: badge only
    assert room.bar.flasher.flashing  # the unacknowledged SpO2 alarm is at the top


def test_an_acknowledged_condition_that_persists_is_announced_again(room):
    high_hr(room)
    room.presenter.acknowledge()
    room.hold({HR: 135}, 119)
    assert room.sound.playing is None and not room.bar.flasher.flashing
    room.hold({HR: 135}, 2)  # the 120 s reminder
    assert any(e.event is EventType.REMINDED for e in room.log)
    assert room.sound.playing is Priority.HIGH
    assert room.bar.flasher.flashing and room.bar.message.text() == "*** HR 135 > 130"


def test_a_latched_high_alarm_stays_until_acknowledged(room):
    high_hr(room)
    room.hold({HR: 80}, 3)
    assert room.bar.message.text() == "*** HR 135 > 130 (ended)"
    assert room.bar.flasher.flashing and room.sound.playing is Priority.HIGH
    room.presenter.acknowledge()
    assert room.bar.message.text() == "No alarms" and room.window.tiles["HR"].badge.isHidden()
    assert room.sound.playing is None


def test_the_presenter_refreshes_four_times_a_second(room, qtbot):
    room.presenter.start()
    assert room.presenter.timer.interval() == 250 and room.presenter.timer.isActive()
    for _ in range(11):
        room.send(HR, 135)
        room.clock.advance(1)
    room.tick()
    qtbot.waitUntil(lambda: room.bar.top_priority == "high", timeout=1000)  # no explicit refresh
    room.presenter.stop()
    assert room.sound.playing is Priority.HIGH  # the display stopping does not silence the alarm


def test_the_acknowledge_key_goes_through_the_presenter(room, qtbot):
    room.window.acknowledge_requested.connect(lambda: room.record(room.presenter.acknowledge()))
    high_hr(room)
    room.window.show()
    qtbot.waitExposed(room.window)
    room.window.activateWindow()
    qtbot.waitUntil(room.window.isActiveWindow, timeout=3000)
    qtbot.keyClick(room.window, Qt.Key.Key_F5)
    assert room.log[-1].event is EventType.ACKNOWLEDGED and room.sound.playing is None


# -- audio pause ---------------------------------------------------------------------------------------

def test_audio_pause_shows_a_countdown_and_symbol_and_a_new_high_alarm_breaks_through(room):
    room.hold({HR: 115}, 11)
    indicator = room.window.alarm_bar.pause_indicator
    assert indicator.isHidden()
    events = room.presenter.pause_audio()
    assert [e.event for e in events] == [EventType.AUDIO_PAUSED]
    assert not indicator.isHidden() and indicator.text.text() == "AUDIO PAUSED 2:00"
    assert indicator.parentWidget() is room.bar  # in the bar, next to the alarm text
    assert room.bar.audio_pause.text().startswith("End audio pause")
    assert room.sound.playing is None
    assert room.bar.flasher.flashing  # pausing the sound does not acknowledge anything
    room.hold({HR: 115}, 30)
    assert indicator.text.text() == "AUDIO PAUSED 1:30" and room.sound.playing is None
    room.hold({HR: 115, SPO2: 84}, 11)  # SpO2 < 85 for 10 s: a new high alarm
    assert room.engine.should_sound() is Priority.HIGH
    assert room.sound.playing is Priority.HIGH and room.output.last_burst() is Priority.HIGH
    assert indicator.isHidden() and room.bar.audio_pause.text().startswith("Audio pause")
    resumed = [e for e in room.log if e.event is EventType.AUDIO_RESUMED]
    assert len(resumed) == 1 and "SPO2_LOW" in resumed[0].detail


def test_the_pause_ends_by_itself_and_the_alarm_sounds_again(room):
    room.hold({SPO2: 91}, 16)
    room.presenter.pause_audio()
    room.hold({SPO2: 91}, 120)
    assert room.window.alarm_bar.pause_indicator.isHidden()
    assert room.sound.playing is Priority.LOW


def test_pressing_audio_pause_again_ends_the_pause_early(room):
    room.hold({HR: 115}, 11)
    room.presenter.pause_audio()
    room.hold({HR: 115}, 5)
    events = room.presenter.pause_audio()
    assert [(e.event, e.detail) for e in events] == [(EventType.AUDIO_RESUMED, "ended early by nurse A")]
    assert room.window.alarm_bar.pause_indicator.isHidden() and room.sound.playing is Priority.MEDIUM


@pytest.mark.parametrize(("seconds", "text"), [(120, "2:00"), (119.2, "2:00"), (61, "1:01"), (0.3, "0:01")])
def test_countdown_text(seconds, text):
    assert countdown_text(seconds) == text


# -- limits on tiles and chart ------------------------------------------------------------------------

def test_tiles_and_chart_show_the_session_limits(room):
    room.refresh()
    tiles = room.window.tiles
    assert tiles["HR"].limits.text() == "limits 50\u00a0\u2013\u2060\u00a0110"
    assert tiles["SPO2"].limits.text() == "limits 92\u00a0\u2013\u2060\u00a0off"
    assert tiles["NIBP"].limits.text() == "limits 90\u00a0\u2013\u2060\u00a0160/100"
    chart = room.window.chart
    assert [line.value() for line in chart.thresholds] == [160.0, 100.0, 110.0]
    assert [(label.value, label.text) for _, label, _ in chart.threshold_labels] == [
        (100.0, "DBP 100"), (110.0, "HR 110"), (160.0, "SBP 160"),
    ]
    high_hr(room)
    assert (130.0, "HR 130") in [(label.value, label.text) for _, label, _ in chart.threshold_labels]


# -- limits dialog ---------------------------------------------------------------------------------------

@pytest.fixture
def dialog(room, qtbot) -> LimitsDialog:
    dialog = room.presenter.limits_dialog(on_events=room.record)
    qtbot.addWidget(dialog)
    return dialog


def test_limits_dialog_shows_the_limits_within_the_plausible_bounds(dialog):
    row = dialog.row(HR)
    assert row.box("above", "medium").limit == 110 and row.box("above", "high").limit == 130
    assert row.box("below", "medium").limit == 50 and row.box("above", "low").limit is None
    assert row.box("above", "low").text() == "off"
    box = row.box("above", "high")
    assert box.maximum() == PLAUSIBLE[HR].high and box.minimum() < PLAUSIBLE[HR].low
    assert "delay 10 s" in row.details.text() and "hysteresis 5" in row.details.text()
    assert set(dialog.rows) == set(load_profile("ketamine-infusion").parameters)


def test_limits_dialog_applies_a_valid_change_and_it_is_logged(room, dialog, qtbot):
    row = dialog.row(HR)
    row.box("above", "medium").setValue(115)
    qtbot.mouseClick(row.apply, Qt.MouseButton.LeftButton)
    assert room.engine.profile.limits(HR).above.medium == 115
    changes = [e for e in room.log if e.event is EventType.LIMIT_CHANGED]
    assert [(e.condition, e.priority, e.value, e.limit) for e in changes] == [
        (AlarmCondition.HR_HIGH, Priority.MEDIUM, 110, 115)
    ]
    assert changes[0].detail.endswith("by nurse A")
    assert not row.message.isHidden() and row.message.text().startswith("Applied")
    assert room.window.tiles["HR"].limits.text() == "limits 50\u00a0\u2013\u2060\u00a0115"
    room.hold({HR: 113}, 11)
    assert room.bar.message.text() == "No alarms"  # 113 no longer alarms


def test_limits_dialog_shows_the_error_and_changes_nothing(room, dialog, qtbot):
    before = room.engine.profile.limits(HR)
    row = dialog.row(HR)
    row.box("above", "high").setValue(100)  # below the medium limit 110
    qtbot.mouseClick(row.apply, Qt.MouseButton.LeftButton)
    assert room.engine.profile.limits(HR) == before
    assert not [e for e in room.log if e.event is EventType.LIMIT_CHANGED]
    assert not row.message.isHidden()
    assert "HR above, high priority: 100 must be above the medium-priority limit 110" in row.message.text()
    assert row.message.text().startswith("Not changed")
    assert row.box("above", "high").limit == 130  # the boxes show what is in force


def test_limits_dialog_can_remove_a_limit(room, dialog):
    row = dialog.row(SPO2)
    row.box("below", "low").set_limit(None)
    assert dialog.apply_changes(SPO2)
    assert room.engine.profile.limits(SPO2).below.low is None


def test_limits_dialog_with_an_injected_apply(room, qtbot):
    calls = []

    def apply(parameter, above, below):
        calls.append((parameter, dict(above), dict(below)))
        raise ProfileError("session limits", f"parameters.{parameter.value}", "refused for the test")

    dialog = LimitsDialog(lambda: room.engine.profile, apply)
    qtbot.addWidget(dialog)
    dialog.row(SYS).box("above", "medium").setValue(150)
    assert not dialog.apply_changes(SYS)
    assert calls == [(SYS, {Priority.MEDIUM: 150}, {})]
    assert dialog.row(SYS).message.text() == "Not changed: NIBP sys: refused for the test"
    assert dialog.apply_changes(SYS)  # nothing changed now: nothing is sent
    assert len(calls) == 1 and dialog.row(SYS).message.text() == "No change."


# -- pre-start check --------------------------------------------------------------------------------------

def test_pre_start_ok_starts_without_a_question():
    asked = []
    result = check_start(load_profile("ketamine-infusion").start, 128, 80)
    assert confirm_start_despite(result, 128, 80, ask=lambda q, p: asked.append(q) or False)
    assert asked == []


@pytest.mark.parametrize("answer", [True, False])
def test_pre_start_caution_asks_for_an_explicit_confirmation(answer):
    asked = []
    result = check_start(load_profile("ketamine-infusion").start, 146, 88)
    assert result.decision is StartDecision.CAUTION
    decision = confirm_start_despite(result, 146, 88, ask=lambda q, p: asked.append(q) or answer)
    assert decision is answer
    question = asked[0]
    assert question.tick is None and "146/88" in question.text
    assert question.confirm == "Prescriber approved: start infusion" and question.cancel == "Do not start"


def test_pre_start_do_not_start_asks_a_stronger_question_naming_the_values():
    result = check_start(load_profile("ketamine-infusion").start, 184, 112)
    assert result.decision is StartDecision.DO_NOT_START
    question = start_question(result, 184, 112)
    assert question.confirm == "Start despite 184/112 mmHg"
    assert "184/112 mmHg" in question.tick and "prescriber" in question.tick
    assert start_question(result).confirm == "Start despite 184/112 mmHg"  # values found in the message too
    asked = []
    assert not confirm_start_despite(result, 184, 112, ask=lambda q, p: asked.append(q) or False)
    assert asked[0].title.startswith("DO NOT START")


def test_do_not_start_dialog_only_starts_after_the_tick(qtbot):
    result = check_start(load_profile("ketamine-infusion").start, 184, 112)
    dialog = StartConfirmDialog(start_question(result, 184, 112))
    qtbot.addWidget(dialog)
    assert not dialog.confirm_button.isEnabled() and dialog.cancel_button.isDefault()
    dialog.tick.setChecked(True)
    assert dialog.confirm_button.isEnabled()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == StartConfirmDialog.DialogCode.Accepted


def test_the_real_caution_dialog_returns_the_nurses_answer(qtbot):
    result = check_start(load_profile("ketamine-infusion").start, 150, 92)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, StartConfirmDialog)
        dialog.cancel_button.click()

    QTimer.singleShot(0, answer)
    assert confirm_start_despite(result, 150, 92) is False


# -- sound unavailable ------------------------------------------------------------------------------------

def has_audio_device() -> bool:
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return False
    return not QMediaDevices.defaultAudioOutput().isNull()


def test_offscreen_there_is_no_sound_and_that_is_reported(qtbot):
    """The real sound system: CI and offscreen runs have no audio device (or no Qt Multimedia)."""
    sound = BurstPlayer()
    if has_audio_device():
        pytest.skip("this machine has an audio output device")
    assert not sound.available
    with qtbot.waitSignal(sound.unavailable, timeout=1000) as signal:
        assert sound.check() is False
    message = signal.args[0]
    assert message.startswith("No alarm sound: ") and message.endswith("Watch the screen.")
    sound.play(Priority.HIGH)  # does not raise, plays nothing, says nothing more
    assert sound.playing is Priority.HIGH


def test_unavailable_sound_becomes_a_technical_alarm_on_the_dashboard(qtbot, tmp_path):
    def no_device(_fail, _parent):
        raise AudioUnavailable("no audio output device")

    room = Room(qtbot, tmp_path, output_factory=no_device)
    room.refresh()
    assert [(e.condition, e.event) for e in room.log] == [(AlarmCondition.AUDIO_UNAVAILABLE, EventType.RAISED)]
    assert room.bar.message.text() == "** No alarm sound: no audio output device. Watch the screen."
    room.refresh()
    room.refresh()
    assert len(room.log) == 1  # reported once, not on every refresh


def test_without_qt_multimedia_the_sound_still_constructs_and_reports(qtbot, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # import fails as without the Addons wheel
    sound = BurstPlayer()
    assert not sound.available
    with qtbot.waitSignal(sound.unavailable, timeout=1000) as signal:
        sound.play("high")
    assert "Qt Multimedia cannot load" in signal.args[0]


def test_a_failure_while_playing_is_reported_and_sound_comes_back(qtbot):
    output = FakeOutput()
    sound = BurstPlayer(output_factory=lambda _fail, _parent: output)
    assert sound.check()
    output.fail_with = "playing failed on 'USB speaker' (IOError)"
    with qtbot.waitSignal(sound.unavailable, timeout=1000) as signal:
        sound.play(Priority.MEDIUM)
    assert signal.args[0] == "No alarm sound: playing failed on 'USB speaker' (IOError). Watch the screen."
    assert not sound.available
    output.fail_with = None
    with qtbot.waitSignal(sound.restored, timeout=1000):
        sound.repeat_timer.timeout.emit()  # the next burst tries again
    assert sound.available and len(output.played) == 1


def test_a_failure_reported_by_the_device_is_reported(qtbot):
    failures = []

    def factory(fail, _parent):
        failures.append(fail)
        return FakeOutput()

    sound = BurstPlayer(output_factory=factory)
    sound.check()
    with qtbot.waitSignal(sound.unavailable, timeout=1000) as signal:
        failures[0]("playing failed on 'Speakers' (FatalError)")  # as the sink's error check would
    assert "FatalError" in signal.args[0] and not sound.available


@pytest.mark.parametrize(("fmt", "dtype", "channels"), [
    ("Int16", np.int16, 1), ("Int32", np.int32, 2), ("Float", np.float32, 2), ("UInt8", np.uint8, 1),
])
def test_bursts_are_encoded_for_what_the_device_accepts(fmt, dtype, channels):
    samples = tones.burst(Priority.LOW, 48000)
    data = np.frombuffer(encode(samples, fmt, channels), dtype=dtype)
    assert len(data) == len(samples) * channels
    first = data[::channels].astype(float)
    scale = {"Int16": 1, "Int32": 65536, "Float": 1 / 32768, "UInt8": 1 / 256}[fmt]
    centred = first - (128 if fmt == "UInt8" else 0)
    assert np.allclose(centred / scale, samples, atol=256 if fmt == "UInt8" else 1)
    with pytest.raises(AudioUnavailable):
        encode(samples, "Unknown", 1)


# -- theme ---------------------------------------------------------------------------------------------------

def test_light_theme_keeps_the_alarm_colours_and_the_steady_acknowledged_bar(room):
    high_hr(room)
    room.presenter.acknowledge()
    room.window.toggle_theme()
    room.refresh()
    assert LIGHT.alarm_high in room.bar.styleSheet() and not room.bar.flasher.flashing
    assert LIGHT.alarm_high in room.window.tiles["HR"].badge.styleSheet()


def test_tile_limits_for_a_pressure_tile_name_both_values():
    profile = load_profile("adult-generic")
    assert tile_limits(profile, "NIBP") == ("90/50", "160/90")

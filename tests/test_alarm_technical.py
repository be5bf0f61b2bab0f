"""Technical alarms: link lost, sensor off, invalid measurement, noisy line, NIBP overdue,
audio unavailable, recording failed (issue 5; reference §1.4, §2.7), display frozen (issue 14)."""

from __future__ import annotations

import pytest

from monitor.alarms import AlarmCondition, AlarmKind, AlarmStatus, EventType, Priority
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, LinkState, Parameter, Quality
from tests.test_alarm_bench import Bench

HR, SPO2, PR, SYS = Parameter.HR, Parameter.SPO2, Parameter.PR, Parameter.NIBP_SYS
LINK_LOST = AlarmCondition.LINK_LOST
SENSOR_OFF = AlarmCondition.SENSOR_OFF
INVALID = AlarmCondition.INVALID_MEASUREMENT


def link(bench: Bench, state: LinkState, message: str = "") -> None:
    bench.do("on_link", LinkEvent(state, message or state.value, bench.clock.now(), "sim", "datex"))


def receiving(bench: Bench) -> None:
    link(bench, LinkState.CONNECTING)
    link(bench, LinkState.WAITING)
    link(bench, LinkState.RECEIVING)


# -- link lost -------------------------------------------------------------------------
def test_link_lost_when_the_driver_reports_silence_after_the_delay():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 72, 50, every=5)  # Datex: a record every 5 s; the last one at 45 s
    bench.advance(7.5)  # the driver says SILENT 2.5 intervals after it (devices/driver.py)
    link(bench, LinkState.SILENT, "No valid data from the monitor for 13 s.")
    assert bench.events(LINK_LOST) == [("raised", "medium")]
    assert bench.at(LINK_LOST, EventType.RAISED) == 45 + 12.5
    assert "No valid data from the monitor" in bench.state(LINK_LOST).message


def test_link_lost_not_before_10_s_even_if_the_driver_reports_silence_sooner():
    bench = Bench()
    receiving(bench)
    bench.hold(SPO2, 97, 10)  # Masimo: a line every second
    bench.advance(3)
    link(bench, LinkState.SILENT)  # 3 s: the driver's minimum
    assert bench.events(LINK_LOST) == []
    bench.advance(10)
    assert bench.at(LINK_LOST, EventType.RAISED) == 9 + 10


def test_short_silence_raises_nothing():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 72, 20, every=5)
    bench.advance(5)
    bench.hold(HR, 72, 20, every=5)
    assert bench.events(LINK_LOST) == []


def test_link_lost_latches_until_acknowledged():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 72, 5)
    link(bench, LinkState.DISCONNECTED, "Lost the connection to /dev/ttyUSB0. Reconnecting.")
    bench.advance(60)
    link(bench, LinkState.CONNECTING)
    bench.read(HR, 72)
    link(bench, LinkState.RECEIVING)
    state = bench.state(LINK_LOST)
    assert state and state.latched and state.status is AlarmStatus.ACTIVE
    bench.do("acknowledge", LINK_LOST)
    assert bench.events(LINK_LOST) == [
        ("raised", "medium"), ("latched", "medium"), ("acknowledged", "medium"), ("cleared", "medium"),
    ]
    assert bench.at(LINK_LOST, EventType.RAISED) == 4 + 10


def test_no_valid_frames_from_the_start_is_link_lost():
    bench = Bench()
    link(bench, LinkState.CONNECTING)
    link(bench, LinkState.WAITING)
    bench.advance(5)
    link(bench, LinkState.NO_VALID_FRAMES, "No valid datex frames at 19200 8E1 after 5 s.")
    bench.advance(10)
    assert bench.at(LINK_LOST, EventType.RAISED) == 10


def test_watchdog_raises_link_lost_when_even_the_driver_goes_quiet():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 72, 5)
    bench.advance(60)
    assert bench.at(LINK_LOST, EventType.RAISED) == 4 + 30


def test_closing_the_link_ends_supervision():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 72, 5)
    link(bench, LinkState.CLOSED)
    bench.advance(120)
    assert bench.events(LINK_LOST) == []


# -- sensor off and invalid measurements ---------------------------------------------------
def test_sensor_off_after_its_delay_medium_during_infusion():
    bench = Bench()
    bench.do("set_phase", "infusion")
    bench.hold(SPO2, 97, 5)
    bench.hold(SPO2, None, 6, quality=Quality.SENSOR_OFF)  # 6 s: shorter than the delay
    bench.hold(SPO2, 97, 5)
    assert bench.events(SENSOR_OFF) == []
    bench.hold(SPO2, None, 12, quality=Quality.SENSOR_OFF)
    assert bench.events(SENSOR_OFF) == [("raised", "medium")]
    assert "SpO2 (sensor off)" in bench.state(SENSOR_OFF).message
    bench.hold(SPO2, 97, 1)
    assert bench.events(SENSOR_OFF) == [("raised", "medium"), ("cleared", "medium")]


def test_sensor_off_is_low_priority_in_recovery():
    bench = Bench()
    bench.do("set_phase", "recovery")
    bench.hold(SPO2, 97, 5)
    bench.hold(SPO2, None, 12, quality=Quality.SENSOR_OFF)
    assert bench.events(SENSOR_OFF) == [("raised", "low")]


def test_no_sensor_alarm_before_the_parameter_ever_had_a_value():
    bench = Bench()
    bench.hold(SPO2, None, 60, quality=Quality.SENSOR_OFF)
    bench.hold(SYS, None, 60, quality=Quality.INVALID)  # Datex: NIBP not measured yet
    assert bench.events(SENSOR_OFF) == [] and bench.events(INVALID) == []


def test_device_reported_sensor_off_and_faults():
    bench = Bench()
    bench.hold(SPO2, 97, 3)
    bench.do("on_device_status", DeviceStatus(("sensor off", "low perfusion")))
    bench.advance(10)
    assert bench.events(SENSOR_OFF) == []  # longer than the delay, not just as long
    bench.advance(1)
    assert bench.events(SENSOR_OFF) == [("raised", "medium")]
    assert "monitor reports sensor off" in bench.state(SENSOR_OFF).message
    bench.do("on_device_status", DeviceStatus(("defective sensor",)))
    bench.advance(11)
    assert bench.events(SENSOR_OFF)[-1] == ("cleared", "medium")
    assert bench.events(INVALID) == [("raised", "medium")]
    bench.do("on_device_status", DeviceStatus(()))
    assert bench.events(INVALID)[-1] == ("cleared", "medium")


def test_quality_notes_from_the_device_are_not_alarms():
    bench = Bench()
    bench.hold(SPO2, 97, 3)
    bench.do("on_device_status", DeviceStatus(("low perfusion", "interference")))
    bench.advance(60)
    assert bench.events(SENSOR_OFF) == [] and bench.events(INVALID) == []


def test_invalid_values_after_valid_ones_raise_invalid_measurement():
    bench = Bench()
    bench.hold(SPO2, 97, 5)
    bench.hold(PR, 80, 5)
    for _ in range(11):
        bench.read(SPO2, None, Quality.INVALID)
        bench.read(PR, None, Quality.INVALID)
        bench.advance(1)
    assert bench.events(INVALID) == [("raised", "medium")]
    assert bench.state(INVALID).message.startswith("No valid measurement: Pulse (invalid), SpO2 (invalid)")
    bench.hold(SPO2, 97, 1)
    assert bench.state(INVALID) is not None  # PR is still invalid
    bench.hold(PR, 80, 1)
    assert bench.events(INVALID)[-1] == ("cleared", "medium")


def test_a_cuff_cycle_is_not_an_invalid_measurement():
    bench = Bench()
    bench.read(SYS, 120)
    bench.hold(SYS, None, 40, quality=Quality.NIBP_MEASURING | Quality.ABSENT)
    assert bench.events(INVALID) == []


# -- noisy line ------------------------------------------------------------------------------
def test_noisy_line_over_the_error_rate_and_clearing_below_half_of_it():
    bench = Bench()
    ok = bad = 0
    for _ in range(12):  # a frame every 5 s, every second one damaged
        ok, bad = ok + 1, bad + 1
        bench.do("on_frame_stats", FrameStats(ok, bad))
        bench.advance(5)
    assert bench.events(AlarmCondition.NOISY_LINE) == [("raised", "low")]
    assert "damaged" in bench.state(AlarmCondition.NOISY_LINE).message
    for _ in range(13):  # a clean minute
        ok += 1
        bench.do("on_frame_stats", FrameStats(ok, bad))
        bench.advance(5)
    assert bench.events(AlarmCondition.NOISY_LINE) == [("raised", "low"), ("cleared", "low")]


def test_a_few_bad_frames_are_not_a_noisy_line():
    bench = Bench()
    bench.do("on_frame_stats", FrameStats(2, 3))  # under min_frames
    bench.advance(5)
    bench.do("on_frame_stats", FrameStats(100, 4))  # 4 % over the window
    assert bench.events(AlarmCondition.NOISY_LINE) == []


def test_a_decoder_that_starts_counting_again_is_handled():
    bench = Bench()
    bench.do("on_frame_stats", FrameStats(500, 0))
    bench.advance(5)
    bench.do("on_frame_stats", FrameStats(20, 0))  # reopened port: new counts
    assert bench.events(AlarmCondition.NOISY_LINE) == []


# -- NIBP overdue ------------------------------------------------------------------------------
def test_nibp_overdue_one_cycle_plus_60_s_after_the_last_result():
    bench = Bench()
    bench.do("set_phase", "infusion")
    bench.read(SYS, 120)
    bench.advance(500, tick=False)
    bench.do("tick")
    assert bench.events(AlarmCondition.NIBP_OVERDUE) == [("raised", "medium")]
    assert bench.at(AlarmCondition.NIBP_OVERDUE, EventType.RAISED) == 360
    bench.read(SYS, 121)
    assert bench.events(AlarmCondition.NIBP_OVERDUE)[-1] == ("cleared", "medium")


def test_nibp_overdue_uses_the_longer_recovery_cycle():
    bench = Bench()
    bench.do("set_phase", "recovery")
    bench.read(SYS, 120)
    bench.advance(900)
    assert bench.events(AlarmCondition.NIBP_OVERDUE) == []
    bench.advance(100)
    assert bench.at(AlarmCondition.NIBP_OVERDUE, EventType.RAISED) == 960


def test_repeats_of_the_last_result_do_not_reset_the_overdue_timer():
    bench = Bench()
    bench.read(SYS, 120)
    for _ in range(80):
        bench.advance(5)
        bench.read(SYS, 120, Quality.OLDER_THAN_60S)
    assert bench.at(AlarmCondition.NIBP_OVERDUE, EventType.RAISED) == 360


def test_no_overdue_after_the_session_ended():
    bench = Bench()
    bench.read(SYS, 120)
    bench.advance(60)
    bench.do("set_phase", "ended")
    bench.advance(1000)
    assert bench.events(AlarmCondition.NIBP_OVERDUE) == []


def test_no_nibp_no_overdue():
    bench = Bench()
    bench.hold(SPO2, 97, 1200, every=5)
    assert bench.events(AlarmCondition.NIBP_OVERDUE) == []


# -- audio and recording ---------------------------------------------------------------------
def test_audio_unavailable_is_raised_at_once_and_says_so():
    bench = Bench()
    bench.do("on_audio", False, "No audio output device.")
    assert bench.events(AlarmCondition.AUDIO_UNAVAILABLE) == [("raised", "medium")]
    assert bench.state(AlarmCondition.AUDIO_UNAVAILABLE).message == "No audio output device."
    bench.do("acknowledge")
    bench.advance(121)
    assert bench.events(AlarmCondition.AUDIO_UNAVAILABLE)[-1] == ("reminded", "medium")
    assert bench.at(AlarmCondition.AUDIO_UNAVAILABLE, EventType.REMINDED) == 120
    bench.do("on_audio", True)
    assert bench.events(AlarmCondition.AUDIO_UNAVAILABLE)[-1] == ("cleared", "medium")


def test_recording_failure_is_high_priority_and_clears_when_writing_resumes():
    bench = Bench()
    bench.do("on_recording", True, "Cannot write the recording s.irm.sqlite (disk full).")
    state = bench.state(AlarmCondition.RECORDING_FAILED)
    assert state.priority is Priority.HIGH and state.kind is AlarmKind.TECHNICAL
    assert "disk full" in state.message
    bench.do("on_recording", True, "Recording has failed for too long: 10 oldest readings were dropped.")
    assert "dropped" in bench.state(AlarmCondition.RECORDING_FAILED).message
    assert bench.events(AlarmCondition.RECORDING_FAILED) == [("raised", "high")]
    bench.do("on_recording", False)
    assert bench.events(AlarmCondition.RECORDING_FAILED) == [("raised", "high"), ("cleared", "high")]


def test_a_frozen_display_is_a_high_alarm_that_breaks_through_a_pause_and_says_how_long_it_lasted():
    bench = Bench()
    bench.do("pause_audio")
    bench.do("on_display", True, 2.1)  # the sound process's watchdog: no heartbeat for 2.1 s
    state = bench.state(AlarmCondition.DISPLAY_FROZEN)
    assert state.priority is Priority.HIGH and state.kind is AlarmKind.TECHNICAL
    assert state.message == "Display frozen for 2.1 s: check the patient."
    assert bench.engine.should_sound() is Priority.HIGH  # a pause does not silence it
    bench.advance(3)
    bench.do("on_display", False, 5.23)
    assert bench.events(AlarmCondition.DISPLAY_FROZEN) == [("raised", "high"), ("cleared", "high")]
    cleared = [e for e in bench.log if e.condition is AlarmCondition.DISPLAY_FROZEN][-1]
    assert cleared.detail == "display was frozen for 5.2 s" and bench.at(AlarmCondition.DISPLAY_FROZEN,
                                                                          EventType.CLEARED) == 3
    assert bench.state(AlarmCondition.DISPLAY_FROZEN) is None  # like the other technical alarms: no latching


def test_a_profile_cannot_make_a_frozen_display_less_than_high():
    from monitor.alarms import ProfileError, profile_from_dict

    with pytest.raises(ProfileError, match="technical.DISPLAY_FROZEN.priority: must be at least high"):
        profile_from_dict({"technical": {"DISPLAY_FROZEN": {"priority": "medium"}}}, "lower.toml")


def test_technical_high_alarm_does_not_latch():
    bench = Bench()
    bench.do("on_recording", True)
    bench.do("on_recording", False)
    assert bench.state(AlarmCondition.RECORDING_FAILED) is None


def test_technical_alarms_are_never_hidden_by_physiological_ones():
    bench = Bench()
    receiving(bench)
    bench.hold(HR, 135, 11)
    bench.hold(SPO2, 84, 11)
    bench.do("on_audio", False)
    bench.do("on_recording", True)
    conditions = {s.condition for s in bench.engine.active()}
    assert {AlarmCondition.AUDIO_UNAVAILABLE, AlarmCondition.RECORDING_FAILED} <= conditions
    assert [s.condition for s in bench.engine.active(AlarmKind.TECHNICAL)] == [
        AlarmCondition.RECORDING_FAILED, AlarmCondition.AUDIO_UNAVAILABLE,
    ]

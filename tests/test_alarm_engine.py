"""Physiological alarms: delays, hysteresis, latching, acknowledge, escalation, reminders,
NIBP confirmation and baseline-relative limits (issue 5; reference §1.5-§1.8, §2.7)."""

from __future__ import annotations

import pytest

from monitor.alarms import (
    AlarmCondition,
    AlarmEngine,
    AlarmKind,
    AlarmStatus,
    EventType,
    ParameterLimits,
    Priority,
    ProfileError,
    load_profile,
    profile_from_dict,
)
from monitor.clock import ManualClock
from monitor.readings import Parameter, Quality
from tests.test_alarm_bench import Bench

HR, SPO2, PR = Parameter.HR, Parameter.SPO2, Parameter.PR
SYS, DIA = Parameter.NIBP_SYS, Parameter.NIBP_DIA
HR_HIGH = AlarmCondition.HR_HIGH


# -- pending -> active: the alarm-condition delay -----------------------------------
def test_value_beyond_limit_is_pending_until_the_delay_has_passed():
    bench = Bench()
    bench.hold(HR, 115, 9)  # readings at 0..8 s
    assert bench.events(HR_HIGH) == []
    pending = bench.engine.pending()
    assert [(p.condition, p.status, p.priority) for p in pending] == [
        (HR_HIGH, AlarmStatus.PENDING, Priority.MEDIUM)
    ]
    bench.hold(HR, 115, 2)  # readings at 9, 10 s
    assert bench.events(HR_HIGH) == [("raised", "medium")]
    assert bench.at(HR_HIGH, EventType.RAISED) == 10
    assert bench.engine.pending() == ()


def test_a_value_back_inside_restarts_the_delay():
    bench = Bench()
    bench.hold(HR, 115, 8)
    bench.hold(HR, 100, 1)
    bench.hold(HR, 115, 8)
    assert bench.events(HR_HIGH) == []


def test_a_reading_without_a_number_restarts_the_delay():
    bench = Bench()
    bench.hold(HR, 115, 8)
    bench.read(HR, None, Quality.INVALID)
    bench.advance(1)
    bench.hold(HR, 115, 9)
    assert bench.events(HR_HIGH) == []
    bench.hold(HR, 115, 2)
    assert bench.events(HR_HIGH) == [("raised", "medium")]


def test_a_value_equal_to_the_limit_does_not_alarm():
    bench = Bench()
    bench.hold(HR, 110, 60)
    assert bench.events(HR_HIGH) == []


def test_the_high_tier_has_its_own_delay():
    """SpO2: < 90 MEDIUM after 15 s, < 85 HIGH after only 10 s (reference §2.7)."""
    bench = Bench()
    bench.hold(SPO2, 84, 11)
    assert bench.events(AlarmCondition.SPO2_LOW) == [("raised", "high")]
    assert bench.at(AlarmCondition.SPO2_LOW, EventType.RAISED) == 10


def test_desaturation_walks_up_the_three_spo2_tiers():
    bench = Bench()
    bench.hold(SPO2, 97, 5)
    bench.hold(SPO2, 91, 20)  # LOW after 15 s
    bench.hold(SPO2, 88, 20)  # MEDIUM after 15 s
    bench.hold(SPO2, 84, 12)  # HIGH after 10 s
    assert bench.events(AlarmCondition.SPO2_LOW) == [
        ("raised", "low"), ("escalated", "medium"), ("escalated", "high"),
    ]
    state = bench.state(AlarmCondition.SPO2_LOW)
    assert state and state.worst_value == 84 and state.limit == 85
    assert state.bar_text == "*** SpO2 84 < 85"


# -- active -> cleared: hysteresis and latching -------------------------------------
def test_medium_alarm_clears_only_back_inside_the_limit_by_the_hysteresis():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.hold(HR, 108, 30)  # inside 110, but not by 5
    assert bench.state(HR_HIGH) is not None
    bench.hold(HR, 105, 1)
    assert bench.events(HR_HIGH) == [("raised", "medium"), ("cleared", "medium")]
    assert bench.state(HR_HIGH) is None


def test_medium_and_low_alarms_do_not_latch():
    bench = Bench()
    bench.hold(SPO2, 91, 16)
    bench.hold(SPO2, 95, 1)
    assert bench.events(AlarmCondition.SPO2_LOW) == [("raised", "low"), ("cleared", "low")]


def test_high_physiological_alarm_latches_until_acknowledged():
    bench = Bench()
    bench.hold(HR, 135, 11)
    bench.hold(HR, 80, 60)
    state = bench.state(HR_HIGH)
    assert state and state.latched and state.status is AlarmStatus.ACTIVE
    assert state.message.endswith("(ended)")
    assert bench.engine.should_sound() is Priority.HIGH
    bench.do("acknowledge", HR_HIGH, "nurse")
    assert bench.events(HR_HIGH) == [
        ("raised", "high"), ("latched", "high"), ("acknowledged", "high"), ("cleared", "high"),
    ]
    assert bench.state(HR_HIGH) is None and bench.engine.should_sound() is None


def test_latched_alarm_whose_condition_returns_is_the_same_occurrence():
    bench = Bench()
    bench.hold(HR, 135, 11)
    bench.hold(HR, 80, 5)
    bench.hold(HR, 140, 11)
    state = bench.state(HR_HIGH)
    assert state and not state.latched and state.worst_value == 140
    assert bench.events(HR_HIGH) == [("raised", "high"), ("latched", "high"), ("recurred", "high")]


def test_acknowledged_high_alarm_clears_when_its_condition_ends():
    bench = Bench()
    bench.hold(HR, 135, 11)
    bench.do("acknowledge")
    bench.hold(HR, 80, 1)
    assert bench.events(HR_HIGH) == [("raised", "high"), ("acknowledged", "high"), ("cleared", "high")]


# -- acknowledge, reminder, worsening ---------------------------------------------------
def test_acknowledge_silences_but_keeps_the_alarm_visible():
    bench = Bench()
    bench.hold(HR, 115, 11)
    assert bench.engine.should_sound() is Priority.MEDIUM
    bench.do("acknowledge", HR_HIGH)
    state = bench.state(HR_HIGH)
    assert state and state.status is AlarmStatus.ACKNOWLEDGED and state.silenced
    assert bench.engine.should_sound() is None


def test_acknowledge_all_and_acknowledge_one():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.hold(SPO2, 91, 16)
    bench.do("acknowledge", AlarmCondition.SPO2_LOW)
    assert bench.state(HR_HIGH).status is AlarmStatus.ACTIVE
    bench.do("acknowledge")
    assert {s.status for s in bench.engine.active()} == {AlarmStatus.ACKNOWLEDGED}
    assert bench.do("acknowledge") == []  # nothing left to acknowledge


def test_acknowledged_condition_that_persists_is_reminded_after_the_interval():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.do("acknowledge")
    acked = bench.t
    bench.hold(HR, 115, 125)
    assert bench.at(HR_HIGH, EventType.REMINDED) == acked + 120
    assert bench.state(HR_HIGH).status is AlarmStatus.ACTIVE
    assert bench.engine.should_sound() is Priority.MEDIUM


def test_worsening_of_an_acknowledged_alarm_sounds_again():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.do("acknowledge")
    bench.hold(HR, 135, 11)
    assert bench.events(HR_HIGH) == [("raised", "medium"), ("acknowledged", "medium"), ("escalated", "high")]
    assert bench.state(HR_HIGH).status is AlarmStatus.ACTIVE
    assert bench.state(HR_HIGH).limit == 130
    assert bench.engine.should_sound() is Priority.HIGH


def test_priority_of_an_occurrence_never_goes_down():
    bench = Bench()
    bench.hold(HR, 135, 11)
    bench.hold(HR, 115, 30)
    assert bench.state(HR_HIGH).priority is Priority.HIGH


# -- escalation ----------------------------------------------------------------------
def test_unacknowledged_medium_escalates_to_high_after_120_s():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.hold(HR, 115, 125)
    assert bench.events(HR_HIGH) == [("raised", "medium"), ("escalated", "high")]
    assert bench.at(HR_HIGH, EventType.ESCALATED) == 10 + 120
    assert "not acknowledged within 120 s" in bench.log[-1].detail


def test_escalation_is_logged_at_its_due_time_even_if_tick_comes_late():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.advance(300, tick=False)
    bench.read(HR, 100)  # the next input finds the escalation due at 130 s
    assert bench.events(HR_HIGH) == [("raised", "medium"), ("escalated", "high"), ("latched", "high")]
    assert bench.at(HR_HIGH, EventType.ESCALATED) == 130


def test_acknowledged_medium_does_not_escalate():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.hold(HR, 115, 60)
    bench.do("acknowledge")
    bench.hold(HR, 115, 100)
    assert ("escalated", "high") not in bench.events(HR_HIGH)


def test_low_priority_and_technical_alarms_do_not_escalate():
    bench = Bench()
    bench.hold(SPO2, 91, 200)
    bench.do("on_audio", False)
    bench.hold(SPO2, 91, 200)
    assert all(e != "escalated" for e, _ in bench.events())


# -- NIBP: no delay, one result per cuff cycle, confirmation ---------------------------
def test_nibp_alarms_on_the_completed_reading_without_delay():
    bench = Bench()
    bench.read(SYS, 165)
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "medium")]
    assert bench.at(AlarmCondition.NIBP_HIGH, EventType.RAISED) == 0


def test_nibp_alarm_lasts_until_the_next_normal_result():
    bench = Bench()
    bench.read(SYS, 165)
    for _ in range(20):  # the monitor repeats the result every record (100 s: before escalation)
        bench.advance(5)
        bench.read(SYS, 165, Quality.OLDER_THAN_60S)
    assert bench.state(AlarmCondition.NIBP_HIGH) is not None
    bench.read(SYS, 157)  # inside 160 but not by 5
    assert bench.state(AlarmCondition.NIBP_HIGH) is not None
    bench.read(SYS, 150)
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "medium"), ("cleared", "medium")]


def test_single_nibp_over_the_high_limit_counts_as_medium_until_a_repeat_confirms_it():
    bench = Bench()
    bench.read(SYS, 186)
    state = bench.state(AlarmCondition.NIBP_HIGH)
    assert state.priority is Priority.MEDIUM and "repeat NIBP to confirm" in state.message
    for _ in range(10):  # repeats of the same result are not a second measurement
        bench.advance(5)
        bench.read(SYS, 186)
    assert bench.state(AlarmCondition.NIBP_HIGH).priority is Priority.MEDIUM
    bench.read(SYS, 186, Quality.NIBP_MEASURING)  # cuff cycle ...
    bench.advance(30)
    bench.read(SYS, 184)  # ... and its result
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "medium"), ("escalated", "high")]
    assert bench.state(AlarmCondition.NIBP_HIGH).limit == 180


def test_a_cuff_cycle_with_the_same_value_is_a_new_result():
    bench = Bench()
    bench.read(SYS, 186)
    bench.read(SYS, 186, Quality.NIBP_MEASURING)
    bench.read(SYS, 186)
    assert bench.state(AlarmCondition.NIBP_HIGH).priority is Priority.HIGH


def test_unconfirmed_high_followed_by_a_normal_result_never_becomes_high():
    bench = Bench()
    bench.read(SYS, 186)
    bench.read(SYS, 140)
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "medium"), ("cleared", "medium")]


def test_generic_profile_takes_a_single_nibp_over_the_high_limit_at_once():
    bench = Bench("adult-generic")
    bench.read(SYS, 205)
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "high")]


def test_a_failed_cuff_measurement_does_not_clear_a_bp_alarm():
    bench = Bench()
    bench.read(SYS, 165)
    bench.read(SYS, None, Quality.INVALID)
    assert bench.state(AlarmCondition.NIBP_HIGH) is not None


# -- baseline-relative limits ------------------------------------------------------------
def test_relative_rise_needs_a_baseline_and_logs_its_limit():
    bench = Bench()
    bench.read(SYS, 150)
    assert bench.events(AlarmCondition.NIBP_RISE) == []
    events = bench.do("set_baseline", {SYS: 105, DIA: 70})
    rise = [e for e in events if e.condition is AlarmCondition.NIBP_SYS_RISE and e.event is EventType.LIMIT_CHANGED]
    assert [(e.event, e.limit, e.baseline) for e in rise] == [(EventType.LIMIT_CHANGED, 145, 105)]
    # the last result (150) is re-evaluated against the new limit at once
    assert bench.events(AlarmCondition.NIBP_SYS_RISE) == [("limit_changed", "low")]
    assert bench.events(AlarmCondition.NIBP_RISE) == [("raised", "low")]
    state = bench.state(AlarmCondition.NIBP_RISE)
    assert state.message == "NIBP sys 150 > 145 (baseline 105 +40)"


def test_relative_rise_in_percent_alongside_absolute_limits():
    profile = profile_from_dict({"parameters": {"NIBP_SYS": {
        "above": {"medium": 160}, "rise": {"percent": 20, "priority": "medium"}, "hysteresis": 5,
    }}}, "test.toml")
    bench = Bench(profile)
    bench.do("set_baseline", {SYS: 120})
    bench.read(SYS, 150)
    assert bench.events(AlarmCondition.NIBP_RISE)[-1] == ("raised", "medium")
    assert bench.state(AlarmCondition.NIBP_RISE).limit == 144
    assert bench.state(AlarmCondition.NIBP_HIGH) is None
    assert bench.log[-1].baseline == 120


def test_relative_fall_on_a_continuous_parameter_uses_its_delay():
    profile = profile_from_dict({"parameters": {"HR": {
        "below": {"medium": 40}, "fall": {"amount": 20, "priority": "low"}, "delay_s": 10,
    }}}, "test.toml")
    bench = Bench(profile)
    bench.do("set_baseline", {HR: 80})
    bench.hold(HR, 55, 10)
    assert bench.events(AlarmCondition.HR_FALL) == [("limit_changed", "low")]
    bench.hold(HR, 55, 1)
    assert bench.events(AlarmCondition.HR_FALL)[-1] == ("raised", "low")


# -- pulse rate as a backup for HR -------------------------------------------------------
def test_pulse_rate_stands_by_while_ecg_hr_is_available():
    bench = Bench()
    for _ in range(30):
        bench.read(HR, 90)
        bench.read(PR, 140)
        bench.advance(1)
    assert bench.events(AlarmCondition.PR_HIGH) == []


def test_pulse_rate_alarms_when_there_is_no_hr():
    bench = Bench()
    bench.hold(PR, 140, 11)
    assert bench.events(AlarmCondition.PR_HIGH) == [("raised", "high")]
    for _ in range(3):
        bench.read(HR, 90)
        bench.read(PR, 90)
        bench.advance(1)
    assert bench.events(AlarmCondition.PR_HIGH)[-1][0] in ("latched", "cleared")


# -- session limits --------------------------------------------------------------------
def test_changing_a_limit_is_validated_logged_and_applied():
    bench = Bench()
    bench.read(SYS, 165)
    events = bench.do("set_limits", SYS, above={Priority.MEDIUM: 175}, by="Dr B")
    changed = [e for e in events if e.event is EventType.LIMIT_CHANGED]
    assert [(e.condition, e.priority, e.value, e.limit) for e in changed] == [
        (AlarmCondition.NIBP_SYS_HIGH, Priority.MEDIUM, 160, 175)
    ]
    assert "160 -> 175 by Dr B" in changed[0].detail
    # the last result is judged by the new limit at once: 165 <= 175 - 5
    assert bench.events(AlarmCondition.NIBP_HIGH)[-1] == ("cleared", "medium")
    assert bench.engine.profile.limits(SYS).above.medium == 175


def test_an_invalid_limit_change_is_refused_and_changes_nothing():
    bench = Bench()
    with pytest.raises(ProfileError) as error:
        bench.do("set_limits", HR, above={Priority.HIGH: 100})
    assert "parameters.HR.above.high" in str(error.value) and "session limits" in str(error.value)
    assert bench.engine.profile.limits(HR).above.high == 130
    assert bench.log == []


def test_removing_a_limit_ends_its_alarm_with_the_next_reading():
    bench = Bench()
    bench.hold(SPO2, 91, 16)
    bench.do("set_limits", SPO2, below={Priority.LOW: None})
    bench.read(SPO2, 91)
    assert bench.events(AlarmCondition.SPO2_LOW)[-1] == ("cleared", "low")


# -- queries ---------------------------------------------------------------------------
def test_active_lists_highest_priority_first_and_technical_alarms_too():
    bench = Bench()
    bench.hold(SPO2, 91, 16)
    bench.do("on_audio", False)
    bench.hold(HR, 135, 11)
    bench.read(SPO2, 91)
    order = [(s.condition, s.priority) for s in bench.engine.active()]
    assert order == [
        (HR_HIGH, Priority.HIGH),
        (AlarmCondition.AUDIO_UNAVAILABLE, Priority.MEDIUM),
        (AlarmCondition.SPO2_LOW, Priority.LOW),
    ]
    technical = bench.engine.active(AlarmKind.TECHNICAL)
    assert [s.condition for s in technical] == [AlarmCondition.AUDIO_UNAVAILABLE]


def test_unacknowledged_alarms_come_before_acknowledged_ones_of_the_same_priority():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.do("acknowledge")
    bench.hold(SPO2, 88, 16)
    assert [s.condition for s in bench.engine.active()] == [AlarmCondition.SPO2_LOW, HR_HIGH]


def test_events_carry_the_session_phase_and_baseline():
    bench = Bench()
    bench.do("set_baseline", {HR: 72})
    bench.do("set_phase", "infusion")
    bench.hold(HR, 115, 11)
    raised = bench.log[-1]
    assert (raised.phase, raised.baseline, raised.value, raised.limit) == ("infusion", 72, 115, 110)


def test_engine_refuses_an_invalid_profile_at_construction():
    broken = load_profile("ketamine-infusion").with_limits(ParameterLimits(HR))  # no limits at all
    with pytest.raises(ProfileError, match="parameters.HR: has no limits"):
        AlarmEngine(broken, ManualClock())

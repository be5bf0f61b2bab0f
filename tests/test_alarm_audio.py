"""Audio pause and what should sound (issue 5; reference §1.7 rules 1-2: 120 s default,
180 s at most, a new high alarm breaks through, no permanent audio off)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.alarms import AlarmCondition, EventType, Priority
from monitor.readings import Parameter
from tests.test_alarm_bench import T0, Bench

HR, SPO2 = Parameter.HR, Parameter.SPO2
SYSTEM = AlarmCondition.ALARM_SYSTEM


def test_nothing_sounds_without_alarms():
    assert Bench().engine.should_sound() is None


def test_should_sound_plays_the_highest_unacknowledged_priority():
    bench = Bench()
    bench.hold(SPO2, 91, 16)
    assert bench.engine.should_sound() is Priority.LOW
    bench.hold(HR, 115, 11)
    assert bench.engine.should_sound() is Priority.MEDIUM
    bench.do("acknowledge", AlarmCondition.HR_HIGH)
    assert bench.engine.should_sound() is Priority.LOW


def test_audio_pause_lasts_120_s_by_default_with_a_countdown():
    bench = Bench()
    bench.hold(HR, 115, 11)
    events = bench.do("pause_audio", by="nurse A")
    assert [(e.condition, e.event, e.priority) for e in events] == [
        (SYSTEM, EventType.AUDIO_PAUSED, Priority.MEDIUM)
    ]
    assert "for 120 s by nurse A; sounding: HR_HIGH (medium)" == events[0].detail
    assert bench.engine.should_sound() is None
    assert bench.engine.audio_pause_remaining_s() == 120
    assert bench.engine.audio_paused_until == T0 + timedelta(seconds=11 + 120)
    bench.do("acknowledge")  # acknowledging keeps the pause
    bench.hold(HR, 115, 60)
    assert bench.engine.audio_pause_remaining_s() == 60


def test_audio_resumes_by_itself_and_the_alarm_sounds_again():
    bench = Bench()
    bench.hold(SPO2, 91, 16)  # LOW from 15 s: never escalates
    bench.do("pause_audio")
    bench.hold(SPO2, 91, 125)
    resumed = [e for e in bench.log if e.event is EventType.AUDIO_RESUMED]
    assert [(e.time - T0).total_seconds() for e in resumed] == [16 + 120]
    assert resumed[0].detail == "pause time over"
    assert bench.engine.should_sound() is Priority.LOW
    assert bench.engine.audio_paused_until is None


def test_a_pause_longer_than_the_maximum_is_shortened_to_180_s():
    bench = Bench()
    events = bench.do("pause_audio", 600)
    assert "for 180 s" in events[0].detail
    assert bench.engine.audio_pause_remaining_s() == 180


def test_a_shorter_pause_may_be_chosen_and_ended_early():
    bench = Bench()
    bench.do("pause_audio", 60)
    assert bench.engine.audio_pause_remaining_s() == 60
    bench.advance(10)
    events = bench.do("resume_audio", by="nurse A")
    assert [(e.event, e.detail) for e in events] == [(EventType.AUDIO_RESUMED, "ended early by nurse A")]
    assert bench.engine.audio_pause_remaining_s() is None
    assert bench.do("resume_audio") == []  # nothing to end


def test_a_pause_must_have_a_positive_length():
    with pytest.raises(ValueError):
        Bench().engine.pause_audio(0)


def test_a_new_high_alarm_breaks_through_the_pause():
    bench = Bench()
    bench.do("pause_audio")  # pre-emptive pause, nothing sounding
    bench.hold(HR, 135, 11)
    assert [(e.condition, e.event) for e in bench.log] == [
        (SYSTEM, EventType.AUDIO_PAUSED),
        (AlarmCondition.HR_HIGH, EventType.RAISED),
        (SYSTEM, EventType.AUDIO_RESUMED),
        (AlarmCondition.HR_HIGH, EventType.CROSSED),
    ]
    assert "HR_HIGH (high) broke through" in bench.log[-2].detail
    assert bench.engine.should_sound() is Priority.HIGH


def test_a_new_medium_alarm_stays_silent_during_the_pause_by_default():
    bench = Bench()
    bench.do("pause_audio")
    bench.hold(HR, 115, 11)
    assert bench.engine.should_sound() is None
    assert bench.engine.active()[0].condition is AlarmCondition.HR_HIGH  # but it is shown


def test_a_medium_alarm_escalating_to_high_breaks_through():
    bench = Bench()
    bench.hold(HR, 115, 11)
    bench.do("pause_audio", 180)
    bench.hold(HR, 115, 125)
    assert [e.event for e in bench.log if e.condition is SYSTEM] == [
        EventType.AUDIO_PAUSED, EventType.AUDIO_RESUMED,
    ]
    assert bench.at(SYSTEM, EventType.AUDIO_RESUMED) == 130  # with the escalation at 10 + 120 s


def test_a_high_technical_alarm_breaks_through_too():
    bench = Bench()
    bench.do("pause_audio")
    bench.do("on_recording", True)
    assert bench.engine.should_sound() is Priority.HIGH


def test_pausing_again_restarts_the_countdown():
    bench = Bench()
    bench.do("pause_audio")
    bench.advance(100)
    bench.do("pause_audio")
    assert bench.engine.audio_pause_remaining_s() == 120


def test_breakthrough_priority_is_set_by_the_profile():
    from monitor.alarms import profile_from_dict
    profile = profile_from_dict({
        "timing": {"breakthrough": "medium"},
        "parameters": {"HR": {"above": {"medium": 110}, "delay_s": 10}},
    }, "test.toml")
    bench = Bench(profile)
    bench.do("pause_audio")
    bench.hold(HR, 115, 11)
    assert bench.engine.should_sound() is Priority.MEDIUM

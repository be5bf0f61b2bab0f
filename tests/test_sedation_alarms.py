"""Alarms on respiration rate, end-tidal CO2 and temperature (docs/alarms.md section 2).

The ketamine profile's proposed limits (RR < 8 MEDIUM, < 5 HIGH, > 30 MEDIUM; EtCO2 > 50
MEDIUM; 15 s delays; no temperature limit) as a nurse would meet them, and a profile that
sets temperature limits of its own.
"""

from __future__ import annotations

import tomllib

import pytest

from monitor.alarms import AlarmCondition, EventType, ProfileError, load_profile, profile_from_dict
from monitor.readings import Parameter, Quality
from tests.conftest import ROOT
from tests.test_alarm_bench import Bench

RR, ETCO2, TEMP = Parameter.RR, Parameter.ETCO2, Parameter.TEMP


def test_the_ketamine_profile_proposes_rr_and_etco2_limits_and_none_for_temperature():
    profile = load_profile("ketamine-infusion")
    rr, etco2 = profile.limits(RR), profile.limits(ETCO2)
    assert (rr.below.medium, rr.below.high, rr.above.medium, rr.delay_s) == (8, 5, 30, 15)
    assert (etco2.above.medium, etco2.above.high, etco2.below.medium, etco2.delay_s) == (50, None, None, 15)
    assert profile.limits(TEMP) is None


def test_etco2_above_50_for_15_s_is_a_medium_alarm_with_its_number():
    bench = Bench()
    bench.hold(ETCO2, 55, 14, every=5)  # readings at 0, 5, 10 s: the delay still runs
    assert bench.events(AlarmCondition.ETCO2_HIGH) == []
    bench.hold(ETCO2, 55, 10, every=5)
    assert bench.events(AlarmCondition.ETCO2_HIGH) == [("raised", "medium")]
    assert bench.state(AlarmCondition.ETCO2_HIGH).message == "EtCO2 55 > 50"


def test_etco2_of_exactly_50_does_not_alarm():
    bench = Bench()
    bench.hold(ETCO2, 50, 60, every=5)
    assert bench.events() == []


def test_slowing_breathing_walks_up_to_a_high_rr_alarm():
    bench = Bench()
    bench.hold(RR, 14, 10, every=5)
    bench.hold(RR, 7, 20, every=5)
    assert bench.events(AlarmCondition.RR_LOW) == [("raised", "medium")]
    bench.hold(RR, 4, 20, every=5)
    assert bench.events(AlarmCondition.RR_LOW) == [("raised", "medium"), ("escalated", "high")]
    assert bench.state(AlarmCondition.RR_LOW).message.startswith("RR 4 < 5")


def test_fast_breathing_is_a_medium_alarm():
    bench = Bench()
    bench.hold(RR, 34, 20, every=5)
    assert bench.events(AlarmCondition.RR_HIGH) == [("raised", "medium")]


def test_a_capnograph_line_that_comes_off_raises_the_measurement_alarm():
    bench = Bench()
    bench.hold(ETCO2, 38, 10, every=5)
    bench.hold(ETCO2, None, 20, every=5, quality=Quality.INVALID)
    assert bench.events(AlarmCondition.INVALID_MEASUREMENT) == [("raised", "medium")]
    assert "EtCO2" in bench.state(AlarmCondition.INVALID_MEASUREMENT).message
    assert bench.events(AlarmCondition.ETCO2_HIGH) == []


def temperature_profile(above: float, below: float) -> dict:
    with open(ROOT / "monitor" / "alarms" / "profiles" / "ketamine-infusion.toml", "rb") as f:
        data = tomllib.load(f)
    data["parameters"]["TEMP"] = {"above": {"medium": above}, "below": {"low": below}, "delay_s": 30,
                                  "hysteresis": 0.2}
    return data


def test_a_profile_may_set_temperature_limits_to_a_tenth_of_a_degree():
    bench = Bench(profile_from_dict(temperature_profile(38.0, 35.5), "clinic.toml"))
    bench.hold(TEMP, 38.0, 60, every=10)
    assert bench.events(AlarmCondition.TEMP_HIGH) == []
    bench.hold(TEMP, 38.4, 40, every=10)
    assert bench.events(AlarmCondition.TEMP_HIGH) == [("raised", "medium")]
    assert bench.state(AlarmCondition.TEMP_HIGH).message == "Temp 38.4 > 38"
    bench.hold(TEMP, 37.9, 20, every=10)  # back inside, but not by the 0.2 hysteresis
    assert bench.at(AlarmCondition.TEMP_HIGH, EventType.RAISED) == 90
    assert bench.events(AlarmCondition.TEMP_HIGH) == [("raised", "medium")]


@pytest.mark.parametrize(("above", "below", "rule"), [(48.0, 35.5, "outside the plausible range"),
                                                     (38.0, 29.0, "outside the plausible range")])
def test_a_temperature_limit_outside_the_catalogue_bounds_is_refused(above, below, rule):
    with pytest.raises(ProfileError, match=rule):
        profile_from_dict(temperature_profile(above, below), "clinic.toml")

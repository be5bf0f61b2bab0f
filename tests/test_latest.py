"""What the display may show as current: stale and absent values never look like measurements."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.latest import Freshness, LatestValues
from monitor.readings import UNITS, Parameter, Quality, Reading

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def reading(parameter: Parameter, value: float | None, at_s: float, quality: Quality = Quality.NONE) -> Reading:
    return Reading(parameter, value, UNITS[parameter], T0 + timedelta(seconds=at_s), "datex", quality)


def test_fresh_hr_is_current_and_goes_stale_when_updates_stop():
    model = LatestValues()
    model.update(reading(Parameter.HR, 72, 0))
    assert model.view(Parameter.HR, T0 + timedelta(seconds=5)).showable
    late = model.view(Parameter.HR, T0 + timedelta(seconds=60))
    assert late.freshness is Freshness.STALE and not late.showable


def test_absent_value_is_never_a_number():
    model = LatestValues()
    model.update(reading(Parameter.SPO2, 97, 0))
    model.update(reading(Parameter.SPO2, None, 1, Quality.SENSOR_OFF))
    view = model.view(Parameter.SPO2, T0 + timedelta(seconds=1))
    assert view.freshness is Freshness.ABSENT and view.value is None
    assert view.reason == "sensor off"


def test_nibp_ages_from_the_measurement_not_from_each_repeat_of_it():
    model = LatestValues()
    model.update(reading(Parameter.NIBP_SYS, 120, 0))
    for t in range(5, 600, 5):  # the monitor repeats the same result every record
        model.update(reading(Parameter.NIBP_SYS, 120, t))
    view = model.view(Parameter.NIBP_SYS, T0 + timedelta(seconds=600))
    assert view.showable and view.age_s == 600


def test_nibp_older_than_its_cycle_allows_is_not_current():
    model = LatestValues()
    model.update(reading(Parameter.NIBP_SYS, 120, 0))
    assert not model.view(Parameter.NIBP_SYS, T0 + timedelta(minutes=25)).showable


def test_nothing_received_yet_is_distinguished_from_absent():
    assert LatestValues().view(Parameter.ART_SYS, T0).freshness is Freshness.NEVER

"""Discharge readiness: each criterion met or not with its sentence and its earliest time, worked
out by hand on a session driven by a ManualClock; an active alarm always keeps the patient not ready."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from monitor.alarms import load_profile
from monitor.clock import ManualClock
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.session import InfusionSession
from monitor.treatment.checks import scored_check
from monitor.treatment.discharge import DischargeCriteria, evaluate_discharge, limits_from_profile
from monitor.treatment.scales import MOAAS
from monitor.treatment.vitals import VitalsHistory

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HR, SYS, DIA = Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA
LIMITS = {HR: (50.0, 110.0), SYS: (90.0, 160.0), DIA: (None, 100.0)}
BASELINE = MappingProxyType({HR: 70.0, SYS: 120.0, DIA: 80.0})


@dataclass(frozen=True)
class Alarm:
    bar_text: str


class Room:
    """A session that has had its 40-minute infusion, and the vitals since, on a manual clock."""

    def __init__(self, criteria: DischargeCriteria = DischargeCriteria()) -> None:
        self.clock = ManualClock(T0)
        self.session = InfusionSession(self.clock)
        self.criteria = criteria
        self.vitals = VitalsHistory(criteria.vitals)
        self.checks = []
        self.alarms = []

    def run_infusion(self) -> None:
        self.session.start_infusion()
        self.clock.advance(2400)
        self.session.stop_infusion()

    @property
    def stop(self) -> datetime:
        return self.session.view().infusion_stopped_at

    def hr(self, value: float, seconds: int, every: int = 5) -> None:
        """HR ``value`` every ``every`` s for ``seconds``, the clock moving with it."""
        for _ in range(0, seconds, every):
            self.vitals.add(Reading(HR, value, UNITS[HR], self.clock.now(), "datex"))
            self.clock.advance(every)

    def cuff(self, systolic: float, diastolic: float) -> None:
        """A cuff cycle: an inflating record, then the result."""
        for parameter, value in ((SYS, systolic), (DIA, diastolic)):
            self.vitals.add(Reading(parameter, None, UNITS[parameter], self.clock.now(), "datex",
                                    Quality.NIBP_MEASURING | Quality.ABSENT))
            self.vitals.add(Reading(parameter, value, UNITS[parameter], self.clock.now(), "datex"))

    def status(self, signed_off: bool = False):
        view = replace(self.session.view(), baseline=BASELINE)
        return evaluate_discharge(self.criteria, view, self.vitals, self.checks, MOAAS, self.alarms, LIMITS,
                                  self.clock.now(), signed_off)


def test_before_the_infusion_nothing_can_be_met_or_foreseen():
    room = Room()
    status = room.status()
    assert not status.ready and status.earliest is None
    assert status.get("observation").text == "Observation of 60 min after the infusion: no infusion given yet"
    assert status.get("vitals:HR").text.endswith("for 15 min: counted once the infusion has ended")


def test_during_the_infusion_the_earliest_discharge_is_the_planned_end_plus_the_observation():
    room = Room()
    room.session.start_infusion()
    room.clock.advance(600)
    observation = room.status().get("observation")
    assert observation.text == "Observation of 60 min after the infusion: the infusion is running"
    assert observation.earliest == T0 + timedelta(minutes=40 + 60)


def test_hr_within_its_band_counts_up_to_15_minutes_and_says_so():
    room = Room()
    room.run_infusion()
    stop = room.stop
    room.hr(76, 6 * 60 + 5)  # 06:05 of values from the stop; the clock stands at stop + 6:05
    hr = room.status().get("vitals:HR")
    # By hand: 20 % of 70 is 14, so 56-84 /min; the alarm limits 50-110 count as well.
    assert hr.text == ("HR within 20 % of baseline (56-84 /min) or inside the alarm limits (50-110) for 15 min: "
                       "6 min so far")
    assert not hr.met and hr.earliest == stop + timedelta(minutes=15)
    room.hr(76, 9 * 60)
    hr = room.status().get("vitals:HR")
    assert hr.met and hr.text == "HR within 20 % of baseline (56-84 /min) or inside the alarm limits (50-110) for 15 min"


def test_a_value_outside_both_bands_starts_the_count_again():
    room = Room()
    room.run_infusion()
    room.hr(76, 10 * 60)
    room.hr(115, 5)  # above 84 and above the 110 limit
    hr = room.status().get("vitals:HR")
    assert not hr.met and hr.text.endswith("for 15 min: now 115 /min") and hr.earliest is None
    restart = room.clock.now()
    room.hr(100, 60)  # outside 20 % of baseline, but inside the alarm limits: acceptable
    hr = room.status().get("vitals:HR")
    assert hr.text.endswith("1 min so far") and hr.earliest == restart + timedelta(minutes=15)


def test_a_silence_longer_than_the_staleness_breaks_the_run():
    room = Room()
    room.run_infusion()
    room.hr(76, 10 * 60)
    room.clock.advance(20)  # HR is stale after 15 s
    assert "no current HR" in room.status().get("vitals:HR").text
    room.hr(76, 60)
    assert room.status().get("vitals:HR").text.endswith(": 1 min so far")


def test_the_cuff_needs_two_acceptable_measurements_and_goes_stale_after_20_minutes():
    room = Room()
    room.run_infusion()
    first = room.clock.now()
    room.cuff(130, 85)
    room.clock.advance(16 * 60)
    systolic = room.status().get("vitals:NIBP_SYS")
    assert systolic.text == ("NIBP sys within 20 % of baseline (96-144 mmHg) or inside the alarm limits (90-160) "
                             "for 15 min: 16 min so far, 1 more cuff measurement needed")
    assert systolic.earliest == first + timedelta(minutes=15)
    room.cuff(128, 84)
    assert room.status().get("vitals:NIBP_SYS").met
    diastolic = room.status().get("vitals:NIBP_DIA")
    assert diastolic.met and "inside the alarm limits (no limit-100)" in diastolic.text
    room.clock.advance(21 * 60)
    assert room.status().get("vitals:NIBP_SYS").text.endswith("no current NIBP sys (last 21 min ago)")


def test_sedation_must_be_back_to_awake_on_a_check_after_the_infusion():
    room = Room()
    room.checks.append(scored_check(room.clock.now(), MOAAS, "AB", score=5))  # before the infusion: no use
    room.run_infusion()
    sedation = room.status().get("sedation")
    assert sedation.text == "Sedation back to MOAA/S 5 (Alert): no sedation check since the infusion ended"
    room.checks.append(scored_check(room.clock.now(), MOAAS, "AB", score=4))
    assert room.status().get("sedation").text == "Sedation back to MOAA/S 5 (Alert): last check MOAA/S 4 (Lethargic)"
    room.clock.advance(60)
    room.checks.append(scored_check(room.clock.now(), MOAAS, "AB", score=5))
    assert room.status().get("sedation").met


def all_met(room: Room) -> None:
    room.run_infusion()
    for _ in range(4):  # a cuff cycle every 15 min, the last one 16 min before the end
        room.cuff(125, 82)
        room.hr(72, 15 * 60)
    room.hr(72, 60)
    room.checks.append(scored_check(room.clock.now(), MOAAS, "AB", score=5))


def test_ready_when_everything_but_the_sign_off_is_met():
    room = Room()
    all_met(room)
    status = room.status()
    assert status.ready and status.earliest == room.clock.now()
    assert status.missing == ("The nurse's sign-off",)
    assert room.status(signed_off=True).missing == ()


def test_an_active_alarm_keeps_the_patient_not_ready_however_good_the_rest():
    room = Room()
    all_met(room)
    room.alarms.append(Alarm("*** SpO2 84 < 85"))
    status = room.status()
    assert not status.ready and status.earliest is None
    assert status.get("alarms").text == "Active alarm: *** SpO2 84 < 85"
    assert all(c.met for c in status.criteria if c.id not in ("alarms", "sign_off"))
    room.alarms.append(Alarm("** LINK_LOST"))
    assert room.status().get("alarms").text == "Active alarms: *** SpO2 84 < 85; ** LINK_LOST"


def test_the_earliest_time_is_the_latest_of_the_criteria_when_each_can_be_known():
    room = Room(replace(DischargeCriteria(), sedation_awake=False, vitals=(HR,)))
    room.run_infusion()
    stop = room.stop
    room.hr(72, 20 * 60)
    status = room.status()
    assert status.get("vitals:HR").met and not status.get("observation").met
    assert status.earliest == stop + timedelta(minutes=60)


def test_limits_come_from_the_least_severe_limit_of_the_alarm_profile():
    limits = limits_from_profile(load_profile("ketamine-infusion"))
    assert limits[HR] == (50.0, 110.0)
    assert limits[SYS] == (90.0, 160.0)
    assert limits[DIA] == (None, 100.0)
    assert limits[Parameter.SPO2] == (92.0, None)


@pytest.mark.parametrize("percent", [None, 20.0])
def test_without_a_baseline_only_the_alarm_limits_count(percent):
    room = Room(replace(DischargeCriteria(), within_percent=percent))
    room.run_infusion()
    room.hr(105, 60)
    view = replace(room.session.view(), baseline=MappingProxyType({}))
    status = evaluate_discharge(room.criteria, view, room.vitals, [], MOAAS, [], LIMITS, room.clock.now())
    assert status.get("vitals:HR").text.startswith("HR inside the alarm limits (50-110) for 15 min: 1 min so far")

"""One alarm condition per measurement and direction (issue 14): NIBP_HIGH carries every violated
NIBP limit and shows the worst; every limit crossed is still logged; rises fold into the high
alarm; a profile whose parameters of one measurement cannot share one condition is refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.alarms import AlarmCondition, AlarmEngine, EventType, Priority, ProfileError, profile_from_dict
from monitor.alarms.model import Direction
from monitor.clock import ManualClock
from monitor.parameters import MEASUREMENTS
from monitor.readings import Parameter, Quality
from tests.test_alarm_bench import T0, Bench
from tests.test_alarm_properties import reading

SYS, DIA, MEAN = Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN
ART_SYS, ART_DIA = Parameter.ART_SYS, Parameter.ART_DIA
NIBP_HIGH, NIBP_RISE, ART_HIGH = AlarmCondition.NIBP_HIGH, AlarmCondition.NIBP_RISE, AlarmCondition.ART_HIGH


def cuff(bench: Bench, sys: float, dia: float, mean: float) -> None:
    """One cuff result: the three values arrive one after another, as a monitor sends them."""
    for parameter, value in ((SYS, sys), (DIA, dia), (MEAN, mean)):
        bench.read(parameter, value, Quality.NIBP_MEASURING)
    for parameter, value in ((SYS, sys), (DIA, dia), (MEAN, mean)):
        bench.read(parameter, value)


# -- examples ---------------------------------------------------------------------------------
def test_one_hypertensive_cuff_result_is_one_alarm_that_names_every_limit_it_crossed():
    bench = Bench()
    cuff(bench, 172, 104, 125)
    assert bench.events() == [("raised", "medium")]
    state = bench.state(NIBP_HIGH)
    assert state.message == "NIBP sys 172 > 160, dia 104 > 100"
    assert [(m.parameter, m.limit) for m in state.members] == [(SYS, 160), (DIA, 100)]
    assert bench.crossings() == [("NIBP_SYS_HIGH", "medium", 172, 160), ("NIBP_DIA_HIGH", "medium", 104, 100)]
    assert all(e.detail.endswith("; in NIBP_HIGH") for e in bench.log if e.event is EventType.CROSSED)


def test_the_condition_takes_the_highest_tier_any_parameter_reached_and_shows_that_one_first():
    bench = Bench()
    cuff(bench, 172, 112, 125)  # dia over its high limit once: medium until confirmed
    assert bench.state(NIBP_HIGH).priority is Priority.MEDIUM
    cuff(bench, 170, 114, 126)  # confirmed
    assert bench.events(NIBP_HIGH) == [("raised", "medium"), ("escalated", "high")]
    escalated = next(e for e in bench.log if e.event is EventType.ESCALATED)
    assert "NIBP dia 114 is beyond the high-priority limit 110" in escalated.detail
    assert (escalated.value, escalated.limit) == (114, 110)  # the worst parameter's
    assert bench.state(NIBP_HIGH).message.startswith("NIBP dia 114 > 110, sys 172 > 160")
    assert ("NIBP_DIA_HIGH", "high", 114, 110) in bench.crossings()


def test_the_condition_ends_only_when_every_parameter_is_back_inside_by_its_hysteresis():
    bench = Bench()
    cuff(bench, 172, 104, 125)
    cuff(bench, 150, 97, 110)  # sys inside by 5; dia inside 100 but not by 5
    assert bench.state(NIBP_HIGH) is not None
    cuff(bench, 150, 95, 110)
    assert bench.events(NIBP_HIGH) == [("raised", "medium"), ("cleared", "medium")]


def test_a_parameter_crossing_again_within_the_occurrence_is_logged_again():
    bench = Bench()
    cuff(bench, 172, 104, 125)
    cuff(bench, 150, 104, 110)  # sys back inside, dia keeps the alarm
    cuff(bench, 168, 104, 110)  # sys crosses again: same alarm, a new crossed row
    assert bench.events(NIBP_HIGH) == [("raised", "medium")]
    assert [c[0] for c in bench.crossings()] == ["NIBP_SYS_HIGH", "NIBP_DIA_HIGH", "NIBP_SYS_HIGH"]


def test_a_rise_is_folded_into_the_high_alarm_and_raised_again_if_it_outlasts_it():
    profile = profile_from_dict({"parameters": {"NIBP_SYS": {
        "above": {"medium": 160}, "rise": {"amount": 20, "priority": "low"}, "hysteresis": 5,
    }}}, "test.toml")
    bench = Bench(profile)
    bench.do("set_baseline", {SYS: 120})
    bench.read(SYS, 150)  # rise (> 140) only
    assert bench.events(NIBP_RISE) == [("raised", "low")]
    bench.read(SYS, 170)  # now high: the rise ends into it
    assert bench.events(NIBP_RISE) == [("raised", "low"), ("cleared", "low")]
    cleared = [e for e in bench.log if e.condition is NIBP_RISE and e.event is EventType.CLEARED]
    assert cleared[0].detail == "included in NIBP_HIGH"
    assert [s.condition for s in bench.engine.active()] == [NIBP_HIGH]
    bench.read(SYS, 150)  # high over (150 <= 155), rise still there
    assert bench.events(NIBP_HIGH)[-1] == ("cleared", "medium")
    assert bench.events(NIBP_RISE)[-1] == ("raised", "low")


def test_arterial_line_parameters_alarm_together_after_the_delay():
    bench = Bench()
    for _ in range(11):
        bench.read(ART_SYS, 170)
        bench.read(ART_DIA, 105)
        bench.advance(1)
    assert bench.events(ART_HIGH) == [("raised", "medium")]
    assert bench.state(ART_HIGH).message == "ART sys 170 > 160, dia 105 > 100"


# -- refused profiles ----------------------------------------------------------------------------
ART = {"above": {"medium": 160}, "delay_s": 10, "hysteresis": 5}


@pytest.mark.parametrize(("dia", "where", "says"), [
    ({"above": {"medium": 100}, "delay_s": 20, "hysteresis": 5}, "parameters.ART_DIA.delay_s",
     "20 s differs from ART_SYS's 10 s"),
    ({"above": {"medium": 100}, "delay_s": 10, "high_delay_s": 5, "hysteresis": 5},
     "parameters.ART_DIA.high_delay_s", "5 s differs from ART_SYS's none"),
    ({"above": {"medium": 100}, "delay_s": 10, "hysteresis": 5, "backup_for": "ART_SYS"},
     "parameters.ART_DIA.backup_for", "ART_SYS is part of the same measurement"),
])
def test_a_profile_whose_measurement_cannot_be_one_condition_is_refused(dia: dict, where: str, says: str):
    with pytest.raises(ProfileError) as refused:
        profile_from_dict({"parameters": {"ART_SYS": ART, "ART_DIA": dia}}, "clinic.toml")
    assert refused.value.source == "clinic.toml" and refused.value.where == where
    assert says in str(refused.value) and "ART_HIGH" in str(refused.value)


def test_confirmation_must_be_the_same_for_every_parameter_with_a_high_limit():
    data = {"parameters": {
        "NIBP_SYS": {"above": {"medium": 160, "high": 180}, "confirm_high_on_repeat": True},
        "NIBP_DIA": {"above": {"medium": 100, "high": 110}},
        "NIBP_MEAN": {"above": {"medium": 130}},  # no high limit: nothing to confirm
    }}
    with pytest.raises(ProfileError, match=r"clinic.toml: parameters.NIBP_DIA.confirm_high_on_repeat: "
                                           r"differs from NIBP_SYS's"):
        profile_from_dict(data, "clinic.toml")
    data["parameters"]["NIBP_DIA"]["confirm_high_on_repeat"] = True
    profile_from_dict(data, "clinic.toml")


def test_a_measurement_named_as_a_parameter_says_which_parameters_to_set():
    with pytest.raises(ProfileError, match=r"parameters.NIBP: NIBP is a measurement: set the limits of "
                                           r"its parameters NIBP_SYS, NIBP_DIA, NIBP_MEAN"):
        profile_from_dict({"parameters": {"NIBP": {"above": {"medium": 160}}}}, "clinic.toml")


# -- properties -----------------------------------------------------------------------------------
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PRESSURE = st.integers(30, 230).map(float)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("cuff"), st.tuples(PRESSURE, PRESSURE, PRESSURE)),
    st.tuples(st.just("art"), st.tuples(PRESSURE, PRESSURE, PRESSURE)),
    st.tuples(st.just("wait"), st.sampled_from([1.0, 5.0, 30.0, 150.0])),
    st.tuples(st.just("ack"), st.none()),
    st.tuples(st.just("baseline"), st.tuples(st.integers(90, 150), st.integers(50, 100))),
), max_size=40)
FAMILIES = {(m, d) for m in MEASUREMENTS for d in ("up", "down")}


def _family(condition: AlarmCondition) -> tuple[str | None, str]:
    return condition.measurement, "up" if condition.direction and condition.direction.upward else "down"


def _drive(engine: AlarmEngine, clock: ManualClock, step: tuple) -> list:
    kind, arg = step
    if kind == "cuff":
        events = []
        for parameter, value in zip((SYS, DIA, MEAN), arg, strict=True):
            events += engine.on_reading(reading(clock, parameter, None, Quality.NIBP_MEASURING | Quality.ABSENT))
            events += engine.on_reading(reading(clock, parameter, value))
        return events
    if kind == "art":
        return [e for p, v in zip((ART_SYS, ART_DIA, Parameter.ART_MEAN), arg, strict=True)
                for e in engine.on_reading(reading(clock, p, v))]
    if kind == "wait":
        clock.advance(arg)
        return engine.tick()
    if kind == "ack":
        return engine.acknowledge(by="prop")
    return engine.set_baseline({SYS: float(arg[0]), DIA: float(arg[1]), ART_SYS: float(arg[0])})


@PROPERTY
@given(steps=STEPS)
def test_never_more_than_one_present_condition_per_measurement_and_direction(steps: list) -> None:
    """With the shipped profile (rises of low priority, folded into the high alarm)."""
    from monitor.alarms import load_profile

    clock = ManualClock(T0)
    engine = AlarmEngine(load_profile("ketamine-infusion"), clock)
    for step in steps:
        _drive(engine, clock, step)
        clock.advance(1)
        present = [_family(s.condition) for s in engine.active() if not s.latched and s.kind.value == "physiological"]
        assert len(present) == len(set(present)), present


# A profile without confirmation or delays, so what "beyond" means can be worked out here by hand.
LIMITS = {
    SYS: {"above": {"medium": 160, "high": 180}, "below": {"medium": 90, "high": 80}, "hysteresis": 5},
    DIA: {"above": {"medium": 100, "high": 110}, "below": {"medium": 50}, "hysteresis": 5},
    MEAN: {"above": {"medium": 130}, "below": {"medium": 60}, "hysteresis": 5},
}


def _tier(parameter: Parameter, value: float, side: str) -> str | None:
    """The most severe tier ``value`` is strictly beyond, by hand from LIMITS."""
    tiers = LIMITS[parameter].get(side, {})
    beyond = [t for t, limit in tiers.items() if (value > limit if side == "above" else value < limit)]
    return max(beyond, key=("low", "medium", "high").index) if beyond else None


def _inside(parameter: Parameter, value: float, side: str) -> bool:
    tiers = LIMITS[parameter].get(side, {})
    if not tiers:
        return True
    hysteresis = LIMITS[parameter]["hysteresis"]
    return value <= min(tiers.values()) - hysteresis if side == "above" else value >= max(tiers.values()) + hysteresis


@PROPERTY
@given(results=st.lists(st.tuples(PRESSURE, PRESSURE, PRESSURE), max_size=25),
       acks=st.lists(st.booleans(), min_size=25, max_size=25))
def test_every_crossed_limit_is_logged_and_a_condition_lasts_while_any_parameter_is_beyond(
    results: list, acks: list
) -> None:
    data = {"parameters": {p.value: limits for p, limits in LIMITS.items()}}
    clock = ManualClock(T0)
    engine = AlarmEngine(profile_from_dict(data, "generated.toml"), clock)
    highest: dict[tuple[Parameter, str], int] = {}  # tier logged since the excursion began
    excursions: set[tuple[Parameter, str]] = set()  # beyond a limit, not yet back inside by the hysteresis
    rank = {"low": 1, "medium": 2, "high": 3}
    for result, ack in zip(results, acks, strict=False):
        log = _drive(engine, clock, ("cuff", result))
        for event in log:
            if event.event is EventType.CROSSED:
                key = (event.condition.parameter, "above" if event.condition.direction is Direction.HIGH else "below")
                highest[key] = max(highest.get(key, 0), rank[event.priority.value])
        active = {s.condition: s for s in engine.active()}
        for parameter, value in zip((SYS, DIA, MEAN), result, strict=True):
            for side, condition in (("above", AlarmCondition.NIBP_HIGH), ("below", AlarmCondition.NIBP_LOW)):
                tier = _tier(parameter, value, side)
                if tier is not None:  # beyond now: logged at this tier or higher, and alarming at it
                    excursions.add((parameter, side))
                    assert highest.get((parameter, side), 0) >= rank[tier], (parameter, side, value)
                    assert active[condition].priority.rank >= rank[tier]
                elif _inside(parameter, value, side):  # back inside: its excursion is over
                    excursions.discard((parameter, side))
                    highest.pop((parameter, side), None)
        for side, condition in (("above", AlarmCondition.NIBP_HIGH), ("below", AlarmCondition.NIBP_LOW)):
            # the condition lasts while any parameter is beyond (or within its hysteresis), and only then
            state = active.get(condition)
            present = state is not None and not state.latched
            assert present == any(s == side for _, s in excursions), (condition, excursions, result)
        if ack:
            engine.acknowledge(by="prop")
        clock.advance(60)
        engine.tick()


def test_the_command_line_refuses_such_a_profile_in_one_line_naming_file_and_parameter(tmp_path, capsys):
    import main

    profile = tmp_path / "clinic.toml"
    profile.write_text("[parameters.ART_SYS]\nabove = { medium = 160 }\ndelay_s = 10\nhysteresis = 5\n"
                       "[parameters.ART_DIA]\nabove = { medium = 100 }\ndelay_s = 20\nhysteresis = 5\n")
    status = main.main(["record", "--port", "sim:stable", "--protocol", "datex", "--profile", str(profile),
                        "--out", str(tmp_path / "x.irm.sqlite")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert f"{profile}: parameters.ART_DIA.delay_s: 20 s differs from ART_SYS's 10 s" in err
    assert not (tmp_path / "x.irm.sqlite").exists()

"""Alarm profiles: the shipped presets, validation with messages naming file, place and rule,
the previous profile kept when a new one is refused, and the pre-infusion BP gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.alarms import (
    TECHNICAL_CONDITIONS,
    AlarmCondition,
    EventType,
    ParameterLimits,
    Priority,
    ProfileError,
    StartDecision,
    builtin_profiles,
    check_start,
    load_profile,
    profile_from_dict,
)
from monitor.alarms.settings import StartLevels
from monitor.parameters import MEASUREMENTS
from monitor.readings import Parameter
from tests.test_alarm_bench import Bench

ROOT = Path(__file__).resolve().parent.parent
KETAMINE = ROOT / "monitor" / "alarms" / "profiles" / "ketamine-infusion.toml"


# -- the shipped presets ---------------------------------------------------------------
def test_builtin_profiles_are_listed_and_load():
    assert builtin_profiles() == ("adult-generic", "ketamine-infusion")
    for name in builtin_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert Path(profile.source).is_file()


def test_default_profile_is_ketamine_infusion():
    assert load_profile().name == "ketamine-infusion"


def test_ketamine_profile_follows_the_reference_table():
    """Reference §2.7, row by row."""
    p = load_profile("ketamine-infusion")
    hr, spo2 = p.limits(Parameter.HR), p.limits(Parameter.SPO2)
    sys, dia, mean = (p.limits(x) for x in (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN))
    assert (hr.above.medium, hr.above.high, hr.below.medium, hr.below.high, hr.delay_s) == (110, 130, 50, 40, 10)
    assert (spo2.below.low, spo2.below.medium, spo2.below.high) == (92, 90, 85)
    assert (spo2.delay_s, spo2.high_delay_s, spo2.hysteresis) == (15, 10, 1)
    assert (sys.above.medium, sys.above.high, sys.below.medium, sys.below.high) == (160, 180, 90, 80)
    assert sys.confirm_high_on_repeat and sys.delay_s == 0 and sys.hysteresis == 5
    assert (dia.above.medium, dia.above.high, dia.confirm_high_on_repeat) == (100, 110, True)
    assert (mean.above.medium, mean.below.medium) == (130, 60)
    assert (sys.rise.amount, dia.rise.amount, sys.rise.priority) == (40, 25, Priority.LOW)
    t = p.timing
    assert (t.escalation_s, t.reminder_s, t.audio_pause_s, t.audio_pause_max_s) == (120, 120, 120, 180)
    s = p.start
    assert (s.caution_sys, s.caution_dia, s.do_not_start_sys, s.do_not_start_dia) == (140, 90, 180, 110)
    link = p.technical_for(AlarmCondition.LINK_LOST)
    assert (link.priority, link.delay_s) == (Priority.MEDIUM, 10)
    sensor = p.technical_for(AlarmCondition.SENSOR_OFF)
    assert (sensor.priority_in("infusion"), sensor.priority_in("recovery")) == (Priority.MEDIUM, Priority.LOW)
    assert p.technical_for(AlarmCondition.RECORDING_FAILED).priority is Priority.HIGH


def test_ketamine_profile_says_it_needs_the_medical_directors_approval():
    header = KETAMINE.read_text(encoding="utf-8").split("[profile]")[0]
    assert "PROPOSED DEFAULTS" in header and "medical director must" in header
    assert "approve" in header and "section 2.7" in header and "NPSG.06.01.01" in header


def test_every_technical_alarm_is_configured_in_both_presets():
    for name in builtin_profiles():
        text = (KETAMINE.parent / f"{name}.toml").read_text(encoding="utf-8")
        for condition in TECHNICAL_CONDITIONS:
            assert f"[technical.{condition.value}]" in text, (name, condition)


def test_a_minimal_profile_takes_the_documented_defaults():
    p = profile_from_dict({"parameters": {"HR": {"above": {"medium": 120}}}}, "minimal.toml")
    assert p.name == "minimal" and p.timing.escalation_s == 120 and p.start.caution_sys == 140
    assert p.technical_for(AlarmCondition.NIBP_OVERDUE).after_s == 360


# -- validation -----------------------------------------------------------------------------
BAD_PROFILES = [
    ("[parameters.HRR]\nabove = { medium = 110 }", "parameters.HRR", "unknown parameter 'HRR'"),
    ("[parameters.HR]\nabove = { medium = 110 }\nhysteresys = 5", "parameters.HR.hysteresys", "unknown key"),
    ("[parameters.HR]\nabove = { medium = 60 }\nbelow = { medium = 70 }", "parameters.HR",
     "low limit 70 must be below high limit 60"),
    ("[parameters.HR]\nabove = { medium = 110, high = 100 }", "parameters.HR.above.high",
     "higher-priority limits lie outside lower-priority ones"),
    ("[parameters.SPO2]\nbelow = { medium = 90, high = 92 }", "parameters.SPO2.below.high",
     "must be below the medium-priority limit 90"),
    ("[parameters.HR]\nabove = { medium = 1800 }", "parameters.HR.above.medium",
     "outside the plausible range 20-250 /min"),
    ("[parameters.SPO2]\nbelow = { medium = 40 }", "parameters.SPO2.below.medium", "plausible range 50-100"),
    ("[parameters.NIBP_SYS]\nabove = { medium = 160 }\ndelay_s = 10", "parameters.NIBP_SYS.delay_s",
     "NIBP is a discrete measurement"),
    ("[parameters.HR]\nabove = { medium = 110 }\ndelay_s = 100", "parameters.HR.delay_s", "0-60 s"),
    ("[parameters.SPO2]\nbelow = { medium = 90 }\ndelay_s = 10\nhigh_delay_s = 15",
     "parameters.SPO2.high_delay_s", "must not exceed delay_s"),
    ("[parameters.HR]\nabove = { high = 130 }\nconfirm_high_on_repeat = true",
     "parameters.HR.confirm_high_on_repeat", "only NIBP"),
    ("[parameters.NIBP_SYS]\nabove = { medium = 160 }\nconfirm_high_on_repeat = true",
     "parameters.NIBP_SYS.confirm_high_on_repeat", "needs above.high"),
    ('[parameters.HR]\nabove = { medium = "110" }', "parameters.HR.above.medium", "must be a number"),
    ("[parameters.HR]\nabove = { medium = true }", "parameters.HR.above.medium", "must be a number"),
    ('[parameters.NIBP_SYS]\nrise = { amount = 40, priority = "urgent" }', "parameters.NIBP_SYS.rise.priority",
     "unknown priority 'urgent'"),
    ("[parameters.NIBP_SYS]\nrise = { amount = 40, percent = 20 }", "parameters.NIBP_SYS.rise",
     "exactly one of amount or percent"),
    ("[parameters.NIBP_SYS]\nrise = { percent = 300 }", "parameters.NIBP_SYS.rise.percent", "1-100"),
    ("[parameters.HR]\nabove = { medium = 110 }\nhysteresis = 50", "parameters.HR.hysteresis", "between 0 and 20"),
    ("[parameters.HR]\nabove = { medium = 60 }\nbelow = { medium = 55 }\nhysteresis = 5",
     "parameters.HR.hysteresis", "wider than twice the hysteresis"),
    ("[parameters.HR]\ndelay_s = 10", "parameters.HR", "has no limits"),
    ('[parameters.PR]\nabove = { medium = 110 }\nbackup_for = "PR"', "parameters.PR.backup_for", "own backup"),
    ('[parameters.PR]\nabove = { medium = 110 }\nbackup_for = "ECG"', "parameters.PR.backup_for",
     "unknown parameter 'ECG'"),
    ("[timing]\naudio_pause_max_s = 300", "timing.audio_pause_max_s", "audio pause at most 180 s"),
    ("[timing]\naudio_pause_s = 200", "timing.audio_pause_s", "10-180 s"),
    ("[timing]\nreminder_s = 30", "timing.reminder_s", "60-180 s"),
    ("[timing]\nescalation_s = 5", "timing.escalation_s", "30-600 s"),
    ('[timing]\nbreakthrough = "low"', "timing.breakthrough", "must be high or medium"),
    ("[start_check]\ncaution_sys = 190", "start_check.caution_sys", "must be below do_not_start_sys (180)"),
    ("[technical.BATTERY_LOW]\npriority = \"high\"", "technical.BATTERY_LOW", "unknown technical alarm"),
    ('[technical.RECORDING_FAILED]\npriority = "low"', "technical.RECORDING_FAILED.priority",
     "must be at least high: data is being lost"),
    ('[technical.LINK_LOST]\npriority = "low"', "technical.LINK_LOST.priority", "not being monitored"),
    ('[technical.SENSOR_OFF]\nphase_priority = { surgery = "low" }', "technical.SENSOR_OFF.phase_priority",
     "unknown phase 'surgery'"),
    ("[technical.NOISY_LINE]\nerror_rate = 2", "technical.NOISY_LINE.error_rate", "between 0 and 1"),
    ("[technical.LINK_LOST]\nafter_s = 100", "technical.LINK_LOST.after_s", "unknown key 'after_s'"),
    ("[technical.NIBP_OVERDUE]\nafter_s = 10", "technical.NIBP_OVERDUE.after_s", "60-3600 s"),
    ("[alarms]\nvolume = 11", "alarms", "unknown key 'alarms'"),
    ('[profile]\nname = "x"\nowner = "me"', "profile.owner", "unknown key 'owner'"),
]


@pytest.mark.parametrize(("text", "where", "rule"), BAD_PROFILES, ids=[c[1] for c in BAD_PROFILES])
def test_a_bad_profile_is_refused_naming_file_place_and_rule(tmp_path: Path, text: str, where: str, rule: str):
    path = tmp_path / "clinic.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {where}: "), message
    assert rule in message, message
    assert (error.value.source, error.value.where) == (str(path), where)


def test_invalid_toml_names_the_file_and_the_line(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text("[parameters.HR]\nabove = { medium = }\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"broken.toml: is not valid TOML: .*line 2"):
        load_profile(path)


def test_missing_file_and_unknown_name(tmp_path: Path):
    with pytest.raises(ProfileError, match="nothere.toml: no such file"):
        load_profile(tmp_path / "nothere.toml")
    with pytest.raises(ProfileError, match="no built-in profile of that name .*ketamine-infusion"):
        load_profile("ketamine")


# -- the engine keeps the previous profile when a new one is refused ---------------------------------
def test_engine_keeps_the_previous_profile_when_the_new_file_is_bad(tmp_path: Path):
    bench = Bench()
    bench.hold(Parameter.HR, 115, 11)
    path = tmp_path / "bad.toml"
    path.write_text("[parameters.HR]\nabove = { medium = 110, high = 90 }\n", encoding="utf-8")
    logged = len(bench.log)
    with pytest.raises(ProfileError, match="bad.toml: parameters.HR.above.high"):
        bench.do("load_profile", path)
    assert bench.engine.profile.name == "ketamine-infusion"
    assert len(bench.log) == logged
    bench.hold(Parameter.HR, 135, 11)  # and it still alarms with the old limits
    state = bench.state(AlarmCondition.HR_HIGH)
    assert state is not None and state.priority is Priority.HIGH


def test_engine_refuses_a_profile_object_that_breaks_a_rule():
    bench = Bench()
    good = load_profile("adult-generic")
    hr = good.limits(Parameter.HR)
    bad = good.with_limits(ParameterLimits(Parameter.HR, above=hr.below, below=hr.above))
    with pytest.raises(ProfileError, match="adult-generic.toml: parameters.HR"):
        bench.do("load_profile", bad)
    assert bench.engine.profile.name == "ketamine-infusion"


def test_loading_a_profile_is_logged_and_applies_its_limits():
    bench = Bench()
    bench.hold(Parameter.HR, 115, 11)
    events = bench.do("load_profile", "adult-generic", by="charge nurse")
    assert events[0].condition is AlarmCondition.ALARM_SYSTEM
    assert events[0].event is EventType.PROFILE_LOADED
    assert events[0].detail.startswith("adult-generic from ") and events[0].detail.endswith("by charge nurse")
    bench.hold(Parameter.HR, 115, 1)  # inside the generic 120 limit by its hysteresis
    assert bench.events(AlarmCondition.HR_HIGH)[-1] == ("cleared", "medium")


# -- pre-infusion gate ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sys", "dia", "decision"),
    [
        (139, 89, StartDecision.OK),
        (140, 80, StartDecision.CAUTION),
        (130, 90, StartDecision.CAUTION),
        (179, 109, StartDecision.CAUTION),
        (180, 100, StartDecision.DO_NOT_START),
        (150, 110, StartDecision.DO_NOT_START),
        (None, None, StartDecision.CAUTION),
    ],
)
def test_pre_infusion_bp_gate(sys: float | None, dia: float | None, decision: StartDecision):
    result = check_start(StartLevels(), sys, dia)
    assert result.decision is decision
    assert result.message


def test_pre_infusion_message_names_the_levels():
    result = check_start(load_profile().start, 182, 104)
    assert result.message == "Baseline 182/104 mmHg is at or above 180/110: do not start; re-check the blood pressure."


# -- disclosure -----------------------------------------------------------------------------------
def test_the_disclosure_names_every_alarm_condition_and_event():
    from monitor.alarms import EventType

    text = (ROOT / "docs" / "alarms.md").read_text(encoding="utf-8")
    for condition in (*TECHNICAL_CONDITIONS, AlarmCondition.ALARM_SYSTEM):
        assert f"`{condition.value}`" in text, condition
    for parameter in Parameter:
        assert f"`{parameter.value}`" in text, parameter
    for measurement, row in MEASUREMENTS.items():  # one condition per measurement and direction
        assert f"`{measurement}`" in text, measurement
        assert len(row.parameters) == 1 or f"`{measurement}_HIGH`" in text, measurement
    for event in EventType:
        assert f"`{event.value}`" in text, event
    assert "medical director" in text and "0.5 s" in text and "ended unexpectedly" in text

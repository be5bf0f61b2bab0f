"""The simulator's scenario engine: built-ins, determinism, NIBP cycle, faults, file errors."""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.simulator.scenario import (
    LINE_FAULT_KINDS,
    Scenario,
    ScenarioError,
    ScenarioRun,
    Trajectory,
    builtin_scenarios,
    load_scenario,
)
from devices.simulator.snapshot import Snapshot
from monitor.readings import Parameter

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
BUILTINS = (
    "stable", "ketamine-typical", "hypertensive-episode", "tachycardia", "bradycardia",
    "desaturation", "sensor-off", "link-loss", "noisy-line",
)
INFUSION_START_S, INFUSION_STOP_S = 300.0, 2700.0


def run_of(name: str, seed: int = 7) -> ScenarioRun:
    return ScenarioRun(load_scenario(name), seed=seed, start=START)


def timeline(scenario: Scenario, step_s: float = 15.0) -> list[float]:
    end = scenario.duration_s or 6300.0
    count = int(end // step_s)
    return [i * step_s for i in range(count + 1)] + [end + 600.0]


def nibp_results(run: ScenarioRun, t0: float, t1: float) -> list[tuple[float, float]]:
    """(sys, dia) of every distinct cuff result completed in [t0, t1)."""
    seen: dict[datetime, tuple[float, float]] = {}
    for t in range(int(t0), int(t1), 5):
        nibp = run.snapshot(t).nibp
        if nibp is not None and nibp.measured_at >= START + timedelta(seconds=t0):
            seen[nibp.measured_at] = (nibp.sys, nibp.dia)
    return list(seen.values())


def is_integer(value: float | None) -> bool:
    return value is None or float(value).is_integer()


# -- built-ins ------------------------------------------------------------------------


def test_builtin_list_names_every_scenario_with_one_line_description() -> None:
    listed = builtin_scenarios()
    assert set(listed) == set(BUILTINS)
    for description in listed.values():
        assert description and "\n" not in description


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_shares_the_session_timeline(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.infusion_start_s == INFUSION_START_S
    assert scenario.infusion_stop_s == INFUSION_STOP_S
    assert scenario.baseline_s == INFUSION_START_S
    assert scenario.duration_s is not None and scenario.duration_s - INFUSION_STOP_S >= 1800
    assert scenario.nibp_interval_s >= 60
    assert scenario.nibp_first_s + scenario.nibp_inflation_s <= 30
    assert scenario.phase_at(0) == "baseline"
    assert scenario.phase_at(1000) == "infusion"
    assert scenario.phase_at(3000) == "recovery"


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_snapshots_are_plausible_over_the_whole_timeline(name: str) -> None:
    run = run_of(name)
    for t in timeline(run.scenario):
        snap = run.snapshot(t)
        assert snap.device_time == START + timedelta(seconds=t)
        assert snap.hr is not None and 30 <= snap.hr <= 200
        assert all(is_integer(v) for v in (snap.hr, snap.pr, snap.spo2))
        if snap.sensor_off:
            assert snap.spo2 is None and snap.pr is None
        else:
            assert snap.spo2 is not None and 75 <= snap.spo2 <= 100
            assert snap.pr is not None and abs(snap.pr - snap.hr) <= 10
        assert_pressures_consistent(snap, run.scenario.arterial_line)


def assert_pressures_consistent(snap: Snapshot, arterial_line: bool) -> None:
    if arterial_line:
        assert snap.art is not None
        sys, dia, mean = snap.art
        assert 60 <= dia < mean < sys <= 260
        assert abs(mean - (dia + (sys - dia) / 3)) <= 1
        assert all(float(v).is_integer() for v in snap.art)
    else:
        assert snap.art is None
    if snap.nibp is not None:
        nibp = snap.nibp
        assert 30 <= nibp.dia < nibp.mean < nibp.sys <= 260
        assert abs(nibp.mean - (nibp.dia + (nibp.sys - nibp.dia) / 3)) <= 1


def test_ketamine_typical_peaks_at_30_to_40_min_of_infusion_and_resolves() -> None:
    run = run_of("ketamine-typical")
    assert not run.scenario.arterial_line
    peak_window = (INFUSION_START_S + 30 * 60, INFUSION_START_S + 40 * 60)
    for parameter in (Parameter.ART_SYS, Parameter.ART_DIA, Parameter.HR):
        trajectory = run.scenario.trajectories[parameter]
        values = {t: trajectory.base_at(t) for t in range(0, 6301, 30)}
        peak_t = max(values, key=lambda t: values[t])
        assert peak_window[0] <= peak_t <= peak_window[1], parameter
        assert values[peak_t] >= values[0] + 8, parameter
        assert abs(values[6300] - values[0]) <= 2, parameter
    baseline = statistics.mean(s for s, _ in nibp_results(run, 0, INFUSION_START_S))
    peak = statistics.mean(s for s, _ in nibp_results(run, *peak_window))
    end = statistics.mean(s for s, _ in nibp_results(run, 5400, 6300))
    assert peak >= baseline + 8
    assert abs(end - baseline) <= 5
    assert max(s for s, _ in nibp_results(run, 0, 6300)) < 160  # a typical day: no BP alarm


def test_hypertensive_episode_has_an_arterial_line_crossing_180_during_infusion() -> None:
    run = run_of("hypertensive-episode")
    assert run.scenario.arterial_line
    art_sys = {t: run.snapshot(t).art[0] for t in range(0, 6301, 10)}
    over = [t for t, sys in art_sys.items() if sys > 180]
    assert over and all(INFUSION_START_S < t < INFUSION_STOP_S + 600 for t in over)
    assert max(art_sys.values()) >= 190
    assert max(s for s, _ in nibp_results(run, INFUSION_START_S, INFUSION_STOP_S)) > 180
    assert art_sys[6300] < 150


@pytest.mark.parametrize(
    ("name", "parameter", "limit", "above"),
    [
        ("tachycardia", "hr", 130, True),
        ("bradycardia", "hr", 40, False),
        ("desaturation", "spo2", 85, False),
    ],
)
def test_alarm_scenarios_cross_their_limit(name: str, parameter: str, limit: float,
                                           above: bool) -> None:
    run = run_of(name)
    values = [getattr(run.snapshot(t), parameter) for t in range(0, 6301, 10)]
    crossing = [v for v in values if (v > limit if above else v < limit)]
    assert len(crossing) >= 3  # held for at least ~30 s: longer than any alarm delay
    assert not (values[-1] > limit if above else values[-1] < limit)


def test_stable_stays_inside_every_ketamine_profile_limit() -> None:
    run = run_of("stable")
    for t in range(0, 6301, 20):
        snap = run.snapshot(t)
        assert 50 <= snap.hr <= 110 and snap.spo2 >= 92
        assert snap.nibp is None or 90 <= snap.nibp.sys < 160


# -- determinism ----------------------------------------------------------------------


def test_same_seed_gives_identical_snapshots() -> None:
    times = [0, 1.5, 300, 2400.25, 6000]
    a = [run_of("ketamine-typical", seed=11).snapshot(t) for t in times]
    b = [run_of("ketamine-typical", seed=11).snapshot(t) for t in times]
    assert a == b


def test_different_seed_gives_different_noise() -> None:
    times = range(0, 3600, 60)
    a = [run_of("ketamine-typical", seed=1).snapshot(t) for t in times]
    b = [run_of("ketamine-typical", seed=2).snapshot(t) for t in times]
    assert [s.hr for s in a] != [s.hr for s in b]
    assert [s.nibp for s in a] != [s.nibp for s in b]


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(BUILTINS),
    seed=st.integers(min_value=0, max_value=2**31),
    times=st.lists(st.floats(min_value=0, max_value=8000, allow_nan=False), min_size=1,
                   max_size=20),
)
def test_snapshot_does_not_depend_on_the_order_of_questions(name: str, seed: int,
                                                             times: list[float]) -> None:
    forward_run, reverse_run = run_of(name, seed), run_of(name, seed)
    forward = [forward_run.snapshot(t) for t in times]
    backward = [reverse_run.snapshot(t) for t in reversed(times)][::-1]
    assert forward == backward
    assert forward == [run_of(name, seed).snapshot(t) for t in times]


def test_hr_and_pr_are_close_but_not_identical() -> None:
    run = run_of("ketamine-typical")
    pairs = [(run.snapshot(t).hr, run.snapshot(t).pr) for t in range(0, 3600, 7)]
    assert all(abs(hr - pr) <= 4 for hr, pr in pairs)
    assert any(hr != pr for hr, pr in pairs)


def test_after_duration_the_scenario_holds_its_last_values() -> None:
    run = run_of("hypertensive-episode")
    end = run.scenario.duration_s
    last, later = run.snapshot(end), run.snapshot(end + 3600)
    assert (last.hr, last.pr, last.spo2, last.art) == (later.hr, later.pr, later.spo2, later.art)
    assert later.nibp == last.nibp and not later.nibp_measuring
    assert run.line_faults(end + 3600) == ()


def test_negative_or_nan_elapsed_time_is_a_programming_error() -> None:
    run = run_of("stable")
    with pytest.raises(ValueError):
        run.snapshot(-1)
    with pytest.raises(ValueError):
        run.snapshot(float("nan"))


def test_trajectory_interpolates_and_holds_its_ends() -> None:
    trajectory = Trajectory(points=((100, 60), (200, 80)))
    assert [trajectory.base_at(t) for t in (0, 100, 150, 200, 900)] == [60, 60, 70, 80, 80]


# -- NIBP cuff cycle ------------------------------------------------------------------


def test_nibp_measures_on_the_cycle_with_measuring_before_each_result() -> None:
    run = run_of("ketamine-typical")
    sc = run.scenario
    assert run.snapshot(0).nibp is None and run.snapshot(0).nibp_measuring
    for k in range(3):
        start = sc.nibp_first_s + k * sc.nibp_interval_s
        done = start + sc.nibp_inflation_s
        before = run.snapshot(start - 0.5) if start else None
        during = run.snapshot(done - 0.5)
        after = run.snapshot(done)
        assert during.nibp_measuring and not after.nibp_measuring
        if before is not None:
            assert not before.nibp_measuring
            assert during.nibp == before.nibp  # the display keeps the previous result
        assert after.nibp is not None and after.nibp != during.nibp
        assert after.nibp.measured_at == START + timedelta(seconds=done)
        assert run.snapshot(done + sc.nibp_interval_s - sc.nibp_inflation_s - 1).nibp == after.nibp


def test_nibp_follows_the_arterial_pressure_with_small_measurement_error() -> None:
    run = run_of("hypertensive-episode")
    sc = run.scenario
    for k in range(0, 30):
        done = sc.nibp_first_s + sc.nibp_inflation_s + k * sc.nibp_interval_s
        nibp, art = run.snapshot(done).nibp, run.snapshot(done).art
        assert abs(nibp.sys - art[0]) <= sc.nibp_noise_mmhg + 1
        assert abs(nibp.dia - art[1]) <= sc.nibp_noise_mmhg + 1


# -- faults and events ----------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTINS)
def test_faults_are_active_exactly_in_their_windows(name: str) -> None:
    run = run_of(name)
    for fault in run.scenario.faults:
        inside = (fault.start_s, fault.start_s + fault.duration_s / 2, fault.end_s - 0.01)
        outside = (fault.start_s - 0.01, fault.end_s)
        for t, expected in [(t, True) for t in inside] + [(t, False) for t in outside if t >= 0]:
            assert fault_visible(run, fault.kind, fault.parameters, t) == expected, (fault, t)


def fault_visible(run: ScenarioRun, kind: str, parameters: frozenset[Parameter],
                  t: float) -> bool:
    if kind in LINE_FAULT_KINDS:
        return kind in {f.kind for f in run.line_faults(t)}
    snap = run.snapshot(t)
    if kind == "sensor_off":
        assert snap.sensor_off == (snap.spo2 is None) == (snap.pr is None)
        return snap.sensor_off
    return parameters <= snap.invalid


def test_fault_scenarios_cover_every_fault_kind() -> None:
    kinds = {f.kind for name in BUILTINS for f in load_scenario(name).faults}
    assert kinds == LINE_FAULT_KINDS | {"sensor_off", "invalid"}
    noisy = load_scenario("noisy-line")
    assert {f.kind for f in noisy.faults} == {"garbage", "corrupt", "truncate"}
    assert all(f.rate_per_s > 0 and f.duration_s >= 6000 for f in noisy.faults)


def test_sensor_off_keeps_hr_and_line_faults_exclude_snapshot_faults() -> None:
    run = run_of("sensor-off")
    snap = run.snapshot(1520)
    assert snap.sensor_off and snap.spo2 is None and snap.pr is None and snap.hr is not None
    assert run.line_faults(1520) == ()
    assert run.snapshot(2210).invalid == frozenset({Parameter.SPO2, Parameter.PR})


def test_events_between_is_half_open_so_windows_never_repeat_an_event() -> None:
    run = run_of("stable")
    assert [e.kind for e in run.events_between(0, 1e9)] == ["infusion_start", "infusion_stop"]
    assert run.events_between(0, 300) == ()
    assert [e.at_s for e in run.events_between(300, 301)] == [300]
    windows = [run.events_between(t, t + 10) for t in range(0, 7000, 10)]
    assert sum(len(w) for w in windows) == 2


def test_ketamine_typical_carries_the_nurses_entries_for_a_headless_session() -> None:
    """The plan before the start, sedation and dissociation checks every 15 min from the start,
    and the sign-off after the profile's 60 min of observation (docs/scenario-format.md)."""
    events = run_of("ketamine-typical").events_between(0, 1e9)
    kinds = [e.kind for e in events]
    assert kinds[0] == "treatment_plan" and events[0].text == "weight 80 kg" and events[0].at_s < 300
    sedation = [e.at_s for e in events if e.kind == "check" and e.text.startswith("S")]
    assert [t for t in sedation if t >= 300] == [1200, 2100, 3000, 3900, 4800, 5700]  # 300 + k x 900 s
    assert kinds[-1] == "sign_off" and events[-1].at_s > 2700 + 3600


# -- scenario files and their errors --------------------------------------------------

VALID = """\
[scenario]
name = "mine"
description = "A test scenario"
duration_s = 1200

[nibp]
interval_s = 120

[parameters.HR]
points = [
  [0, 70],
  [600, 90],
  [1200, 75],
]
noise = 1

[parameters.SPO2]
points = [[0, 97]]

[parameters.ART_SYS]
points = [[0, 120], [600, 150]]

[parameters.ART_DIA]
points = [[0, 80]]

[[events]]
at_s = 60
kind = "infusion_start"

[[faults]]
kind = "silence"
start_s = 100
duration_s = 20
"""


def write(tmp_path: Path, content: str, name: str = "my.toml") -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def load_error(tmp_path: Path, content: str) -> str:
    path = write(tmp_path, content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path} line "), message
    return message[len(path) + 1 :]


def line_of(content: str, fragment: str) -> int:
    return next(i for i, line in enumerate(content.splitlines(), 1) if fragment in line)


def test_a_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.name == "mine" and scenario.duration_s == 1200
    assert not scenario.arterial_line
    assert (scenario.nibp_interval_s, scenario.nibp_first_s, scenario.nibp_inflation_s) == (
        120, 0, 25)
    assert scenario.events[0].text == "Infusion started"
    assert scenario.infusion_stop_s is None and scenario.phase_at(5000) == "infusion"
    assert scenario.trajectories[Parameter.HR].points[1] == (600, 90)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = VALID.replace("interval_s = 120", "interval_s = = 120")
    message = load_error(tmp_path, bad)
    assert message.startswith(f"line {line_of(bad, 'interval_s')}: TOML syntax error")


def test_unclosed_array_is_reported_at_end_of_file(tmp_path: Path) -> None:
    message = load_error(tmp_path, VALID + "\nx = [1, 2\n")
    assert "TOML syntax error" in message and "end of file" in message


@pytest.mark.parametrize(
    ("old", "new", "line_fragment", "expected"),
    [
        ("[parameters.SPO2]", "[parameters.SP02]", "SP02",
         "parameters.SP02: unknown parameter (did you mean 'SPO2'?)"),
        ("  [1200, 75],", "  [300, 75],", "[300, 75]",
         "parameters.HR.points: times must increase (got 300 after 600)"),
        ("[0, 97]", "[0, 107]", "[0, 107]",
         "parameters.SPO2.points: implausible SPO2 107 at 0 s (plausible: 50 to 100)"),
        ("[600, 90]", "[600, 400]", "[600, 400]", "parameters.HR.points: implausible HR 400"),
        ('kind = "silence"', 'kind = "silense"', "silense",
         "faults[0].kind: unknown kind 'silense' (did you mean 'silence'?)"),
        ("noise = 1", "nosie = 1", "nosie", "parameters.HR.nosie: unknown key (did you mean "
         "'noise'?)"),
        ("duration_s = 1200", "duraton_s = 1200", "duraton_s",
         "scenario.duraton_s: unknown key (did you mean 'duration_s'?)"),
        ("interval_s = 120", "interval_s = 30", "interval_s = 30",
         "nibp.interval_s: must be at least 60"),
        ("interval_s = 120", "interval_s = 120\ninflation_s = 120", "inflation_s",
         "nibp.inflation_s: must be shorter than interval_s"),
        ("[parameters.ART_SYS]", "[parameters.NIBP_SYS]", "NIBP_SYS",
         "parameters.NIBP_SYS: not a trajectory"),
        ("[[0, 80]]", "[[0, 115]]", "[0, 115]",
         "parameters.ART_DIA.points: diastolic must stay at least 10 mmHg below systolic"),
        ("duration_s = 20", "duration_s = 0", "duration_s = 0",
         "faults[0].duration_s: must be greater than 0"),
        ("start_s = 100", "start_s = 1190", "duration_s = 20",
         "faults[0].duration_s: fault ends at 1210 s, after the end of the scenario (1200 s)"),
        ('kind = "silence"', 'kind = "invalid"', "[[faults]]",
         "faults[0].parameters: required for kind 'invalid'"),
        ('kind = "infusion_start"', 'kind = "infusion_stop"', 'kind = "infusion_stop"',
         "events[0].kind: infusion_stop without an infusion_start"),
        ("[0, 97]", '[0, "97"]', '[0, "97"]',
         "parameters.SPO2.points: value at 0 s must be a number"),
        ("[parameters.ART_DIA]\npoints = [[0, 80]]\n", "", "[parameters.ART_SYS]",
         "parameters.ART_DIA: missing (required)"),
    ],
)
def test_bad_file_is_rejected_naming_file_line_and_field(
        tmp_path: Path, old: str, new: str, line_fragment: str, expected: str) -> None:
    assert old in VALID
    bad = VALID.replace(old, new, 1)
    message = load_error(tmp_path, bad)
    line, _, rest = message.partition(": ")
    assert rest.startswith(expected), message
    if line_fragment == "[parameters.ART_SYS]":
        return  # a missing table has no line of its own: any line is acceptable
    assert line == f"line {line_of(bad, line_fragment)}", message


def test_unknown_fault_parameter_points_at_the_array_element(tmp_path: Path) -> None:
    bad = VALID.replace('kind = "silence"', 'kind = "invalid"\nparameters = [\n  "SPO2",\n'
                        '  "HRT",\n]')
    message = load_error(tmp_path, bad)
    assert message == (f"line {line_of(bad, 'HRT')}: faults[0].parameters: unknown parameter "
                       "'HRT' (did you mean 'HR'?)")


def test_overlapping_faults_of_one_kind_are_rejected(tmp_path: Path) -> None:
    bad = VALID + '\n[[faults]]\nkind = "silence"\nstart_s = 110\nduration_s = 5\n'
    message = load_error(tmp_path, bad)
    assert "faults[1].start_s: overlaps faults[0]" in message


def test_not_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(VALID.replace('"A test scenario"', '"caf\xe9"').encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin\.toml line 3: file is not UTF-8 text"):
        load_scenario(str(path))


def test_missing_file_gives_a_clear_message(tmp_path: Path) -> None:
    path = str(tmp_path / "nowhere.toml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: cannot read scenario file: No such file or directory"


def test_unknown_builtin_name_suggests_the_close_one() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("ketamine-typcal")
    message = str(caught.value)
    assert message.startswith("ketamine-typcal: no such built-in scenario (did you mean "
                              "'ketamine-typical'?)")
    assert "stable" in message


def test_name_defaults_to_the_file_stem(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('name = "mine"\n', ""), "night-shift.toml")
    assert load_scenario(path).name == "night-shift"


def builtin_text(name: str) -> str:
    root = Path(__file__).resolve().parent.parent / "devices" / "simulator" / "scenarios"
    return (root / f"{name}.toml").read_text(encoding="utf-8")


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(BUILTINS), data=st.data())
def test_damaged_files_fail_only_with_located_scenario_errors(
        tmp_path_factory: pytest.TempPathFactory, name: str, data: st.DataObject) -> None:
    """Whatever QA's editor does to a file, the user sees a message, never a traceback."""
    content = builtin_text(name)
    start = data.draw(st.integers(0, len(content) - 1))
    end = data.draw(st.integers(start, min(len(content), start + 40)))
    insert = data.draw(st.sampled_from(["", "x", "[", "]", '"', "=", "\n", "-1", "1e9", "#"]))
    path = write(tmp_path_factory.mktemp("fuzz"), content[:start] + insert + content[end:])
    try:
        load_scenario(path)
    except ScenarioError as error:
        assert re.match(rf"{re.escape(path)} line \d+: ", str(error)), str(error)

"""The simulator's respiration, capnography and temperature: scenario files, runs, faults, and
what goes down the wire decoded back through a real pty (``infusion-sim`` into ``record``)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.simulator.scenario import ScenarioError, ScenarioRun, load_scenario
from devices.simulator.scenario_loader import scenario_from_text
from devices.simulator.verify import verify
from monitor.readings import Parameter
from tests.conftest import ROOT
from tests.test_end_to_end import simulate_and_record
from tests.test_intellivue_device import Bench, decoded_as_sent

START = datetime(2026, 5, 28, 9, 0, tzinfo=UTC)
SCENARIO = """
[scenario]
name = "sedation-faults"
description = "RR, EtCO2 and temperature with a capnograph line off, a probe off, RR invalid"
duration_s = 600
ambient_mmhg = 700

[parameters.HR]
points = [[0, 70]]
[parameters.SPO2]
points = [[0, 97]]
[parameters.ART_SYS]
points = [[0, 120]]
[parameters.ART_DIA]
points = [[0, 80]]
[parameters.RR]
points = [[0, 14], [600, 18]]
[parameters.ETCO2]
points = [[0, 38], [600, 42]]
[parameters.TEMP]
points = [[0, 36.6], [600, 37.2]]

[[faults]]
kind = "sensor_off"
start_s = 120
duration_s = 60
parameters = ["ETCO2"]

[[faults]]
kind = "sensor_off"
start_s = 200
duration_s = 60
parameters = ["TEMP"]

[[faults]]
kind = "invalid"
start_s = 300
duration_s = 40
parameters = ["RR"]
"""


def run(text: str = SCENARIO) -> ScenarioRun:
    return ScenarioRun(scenario_from_text(text, "sedation.toml"), seed=3, start=START)


# --- the scenario and its run -------------------------------------------------------------------


def test_rr_etco2_and_temperature_follow_their_trajectories():
    snap = run().snapshot(300.0)
    assert (snap.rr, snap.etco2, snap.temp) == (16.0, 40.0, 36.9)  # halfway along each line
    assert snap.capnograph and snap.thermometer and snap.ambient_mmhg == 700.0
    assert snap.co2_rr == 16.0


def test_a_capnograph_line_off_leaves_the_impedance_count():
    snap = run().snapshot(150.0)
    assert snap.etco2 is None and snap.co2_rr is None and snap.rr == 15.0
    assert snap.sensors_off == {Parameter.ETCO2} and not snap.sensor_off  # the SpO2 probe stays on


def test_a_temperature_probe_off_and_an_invalid_rr():
    sedation = run()
    assert sedation.snapshot(230.0).temp is None
    assert Parameter.RR in sedation.snapshot(320.0).invalid


def test_a_sensor_off_without_parameters_is_the_spo2_probe():
    text = SCENARIO.replace('parameters = ["ETCO2"]\n', "")
    snap = run(text).snapshot(150.0)
    assert snap.sensor_off and snap.spo2 is None and snap.etco2 == 39.0


def test_the_built_in_ketamine_session_breathes_normally_with_a_capnograph():
    sedation = ScenarioRun(load_scenario("ketamine-typical"), seed=1, start=START)
    for t in range(0, 6301, 30):
        snap = sedation.snapshot(t)
        assert 10 <= snap.rr <= 20 and 33 <= snap.etco2 <= 43 and 36.0 <= snap.temp <= 37.5


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[parameters.RR]\npoints = [[0, 14], [600, 18]]\n", "",
         "parameters.ETCO2: needs [parameters.RR] too"),
        ('parameters = ["ETCO2"]', 'parameters = ["HR"]', "faults[0].parameters: unknown parameter 'HR'"),
        ("ambient_mmhg = 700", "ambient_mmhg = 76", "scenario.ambient_mmhg: must be at least 400"),
        ("[[0, 36.6], [600, 37.2]]", "[[0, 36.6], [600, 47.2]]", "parameters.TEMP.points: implausible TEMP"),
        ("[parameters.TEMP]\npoints = [[0, 36.6], [600, 37.2]]\n", "",
         "faults[1].parameters: TEMP: the scenario has no [parameters.TEMP]"),
        ('parameters = ["ETCO2"]', "parameters = []", "faults[0].parameters: if given, must be a non-empty"),
    ],
)
def test_bad_sedation_fields_are_refused_with_the_field_named(old, new, message):
    assert old in SCENARIO
    with pytest.raises(ScenarioError) as error:
        scenario_from_text(SCENARIO.replace(old, new, 1), "sedation.toml")
    assert message in str(error.value)


def test_scenario_modules_import_in_one_direction_only():
    """No cycle, and none hidden in a function: the model imports neither the loader nor the
    run; the loader and the TOML reader import the model, never the run."""
    folder = ROOT / "devices" / "simulator"

    def imported(name: str) -> tuple[set[str], bool]:
        tree = ast.parse((folder / f"{name}.py").read_text())
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        in_function = any(isinstance(inner, ast.Import | ast.ImportFrom)
                          for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                          for inner in ast.walk(node))
        return {m for m in modules if m and m.startswith("devices.simulator.scenario")}, in_function

    assert imported("scenario_model") == (set(), False)
    assert imported("scenario_toml") == ({"devices.simulator.scenario_model"}, False)
    loader, hidden = imported("scenario_loader")
    assert loader == {"devices.simulator.scenario_model", "devices.simulator.scenario_toml"} and not hidden
    run_imports, hidden = imported("scenario")
    assert "devices.simulator.scenario" not in run_imports and not hidden


# --- what goes down the wire ------------------------------------------------------------------


def test_intellivue_replies_decode_to_what_was_sent_through_the_faults():
    sedation = run()
    bench = Bench(snapshots=lambda t: sedation.snapshot(100.0 + 2.0 * t)).open().run_until(120.0)
    assert decoded_as_sent(bench)
    sources = {(o.origin, o.value is None) for o in bench.shown if o.parameter is Parameter.RR}
    assert {("co2", False), ("impedance", False)} <= sources  # the line came off and back on


@pytest.mark.slow
def test_datex_through_a_pty_decodes_to_the_truth_as_sensors_come_off(tmp_path: Path, python, cli_env):
    scenario = tmp_path / "sedation.toml"
    scenario.write_text(SCENARIO)
    truth, events = simulate_and_record(python, cli_env, tmp_path, "datex", str(scenario), speed=40,
                                        duration=12, seed=3)
    readings = [e for e in events if e["type"] == "reading"]
    verdict = verify(truth, readings)
    assert verdict.ok, verdict.problems[:5]  # values, device times and RR's source
    assert {"RR", "ETCO2", "TEMP"} <= set(verdict.numbers)
    rr = {(r["source"], r["value"] is None) for r in readings if r["parameter"] == "RR"}
    assert {("datex:co2", False), ("datex:impedance", False), ("datex:co2", True)} <= rr
    assert any(r["parameter"] == "ETCO2" and r["value"] is None for r in readings)  # line off
    assert any(r["parameter"] == "TEMP" and r["value"] is None for r in readings)  # probe off


# --- a recording with them opens for review ----------------------------------------------------


@pytest.mark.slow
def test_a_recording_with_rr_etco2_and_temperature_opens_for_review(qtbot):
    """``main.py record`` on the simulated ketamine session, reviewed: the summary names the new
    parameters with their units (the window used to fail on a parameter it did not know)."""
    from tests.test_review_reader import recorded_by_main
    from ui.review.panels import SUMMARY_COLUMNS
    from ui.review.review_window import open_review

    window = open_review(recorded_by_main(), "dark", None)
    qtbot.addWidget(window)
    panel = window.summary_panel
    names = [panel.parameters.item(row, 0).text() for row in range(panel.parameters.rowCount())]
    assert {"Respiration rate (/min)", "End-tidal CO\u2082 (mmHg)", "Temperature (\u00b0C)"} <= set(names)
    baseline = SUMMARY_COLUMNS.index("Baseline")
    rr_row = names.index("Respiration rate (/min)")
    assert 10 <= float(panel.parameters.item(rr_row, baseline).text()) <= 20

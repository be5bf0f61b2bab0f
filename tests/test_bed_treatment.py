"""A bed with its treatment, headless: the ``ketamine-typical`` scenario's nurse's entries (plan,
checks, sign-off) drive a whole session on a manual clock into a real recording.

Expected values: the scenario file's timeline (read with tomllib), the profile's published
defaults (60 min of observation) and the hand dose (80 kg x 0.5 mg/kg = 40 mg).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.alarms import load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ManualClock
from monitor.recording import SessionRecorder
from monitor.review import open_recording
from monitor.review.treatment import read_treatment
from monitor.session import Phase
from monitor.treatment.request import PlanRequest
from tests.conftest import ROOT
from tests.test_review_reader import snapshot_readings

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SCENARIO = tomllib.loads((ROOT / "devices/simulator/scenarios/ketamine-typical.toml").read_text())


class _Driver:
    def start(self) -> None: ...
    def stop(self) -> None: ...


class _Simulator:
    def __init__(self, run: ScenarioRun) -> None:
        self.scenario_run = run

    def stop(self) -> None: ...


def run_session(tmp_path, plan: PlanRequest | None = None, until_s: int = 6600):
    clock = ManualClock(T0)
    run = ScenarioRun(load_scenario("ketamine-typical"), seed=3, start=T0)
    bed = Bed(BedConfig("bed", "sim:ketamine-typical", "datex", clock, load_profile("ketamine-infusion"),
                        treatment_plan=plan), lambda sink: (_Driver(), _Simulator(run)))
    recorder = SessionRecorder(tmp_path / "s.irm.sqlite", {"patient_id": "S-1"})
    bed.record_to(recorder)
    for t in range(0, until_s, 5):
        clock.advance(t - clock.monotonic())
        for reading in snapshot_readings(run.snapshot(t), clock.now()):
            bed.post(reading)
        bed.tick()
        if bed.session.phase is Phase.ENDED:
            break
    bed.stop("ended normally")
    return bed, recorder.path


def test_the_scenario_gives_the_plan_the_checks_and_the_sign_off_that_ends_the_session(tmp_path):
    bed, path = run_session(tmp_path)
    assert bed.session.phase is Phase.ENDED
    with open_recording(path) as recording:
        record = read_treatment(recording)
        ended = recording.phase_start("ended")
        stop = recording.phase_start("recovery")
        treatment_events = recording.events(frozenset({"treatment"}))
    assert record.plan.total_mg == 40 and record.plan.by == "scenario"
    checks = [e for e in SCENARIO["events"] if e["kind"] == "check"]
    assert len(record.checks) == len(checks)
    # each entered at the first tick after its time on the timeline (ticks every 5 s here)
    assert all(0 < c.time - T0.timestamp() - e["at_s"] <= 5 for c, e in zip(record.checks, checks, strict=True))
    # ready once 60 min of observation have passed (the last criterion), signed off at 6360 s
    assert 60 <= (record.ready_at - stop) / 60 < 61
    sign_off_s = next(e["at_s"] for e in SCENARIO["events"] if e["kind"] == "sign_off")
    assert record.sign_off.ready and 0 < record.sign_off.time - T0.timestamp() - sign_off_s <= 5
    assert ended == record.sign_off.time
    assert treatment_events[-1].describe() == "Discharged, signed off by scenario"


def test_a_plan_from_the_command_line_takes_precedence_over_the_scenarios(tmp_path):
    _, path = run_session(tmp_path, PlanRequest(70.0), until_s=400)
    with open_recording(path) as recording:
        plans = read_treatment(recording).plans
    assert [(p.total_mg, p.by) for p in plans] == [(35, "command line")]  # 70 kg x 0.5 mg/kg


def test_the_treatment_is_in_the_events_csv_and_the_edf_annotations(tmp_path):
    import csv

    import pyedflib

    from monitor.export import export

    _, path = run_session(tmp_path, until_s=3100)  # the plan, checks, nausea, the first criteria
    [readings, events] = export(path, "csv", tmp_path, events=True)
    with open(events, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["type"] == "treatment"]
    assert (rows[0]["name"], rows[0]["event"], rows[0]["value"]) == ("plan", "confirmed", "40")
    checks = [(r["event"], r["value"]) for r in rows if r["name"] == "check"]
    assert checks[:5] == [("sedation", "5"), ("dissociation", "0"), ("sedation", "5"), ("dissociation", "2"),
                          ("side_effect", "1")]  # S5, D0, S5, D2, N: the scenario's first five
    assert ("discharge", "sedation:met") in [(r["name"], r["event"]) for r in rows]
    [edf] = export(path, "edf", tmp_path / "s.edf")
    reader = pyedflib.EdfReader(str(edf))
    try:
        _, _, texts = reader.readAnnotations()
    finally:
        reader.close()
    assert "Sedation MOAA/S 4 (Lethargic)" in texts and "Side effect: Nausea" in texts
    assert any(t.startswith("Treatment plan confirmed by scenario: 40 mg") for t in texts)

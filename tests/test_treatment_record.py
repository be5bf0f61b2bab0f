"""The treatment record end to end without Qt: a session wired as a bed wires it (session model,
alarm engine, recorder, treatment), recorded to a real SQLite file and read back; a recording
made before the treatment record still opens, reviews and exports."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alarms import AlarmEngine, load_profile
from monitor.clock import ManualClock
from monitor.core import MonitoringCore
from ui.report import export  # CSV, EDF+ and the PDF report, as the command line exports
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.review import open_recording
from monitor.review.treatment import read_treatment
from monitor.session import InfusionSession, Phase
from monitor.treatment.checks import ReminderState
from monitor.treatment.discharge import limits_from_profile
from monitor.treatment.entry import Field, TreatmentError
from monitor.treatment.profile import load_treatment_profile
from monitor.treatment.treatment import Treatment

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"
PRE_TREATMENT = DATA / "pre-treatment-S-1.irm.sqlite"


class Bed:
    """The wiring a bed does (monitor/bed.py will own it): one thread, one clock, one recorder."""

    def __init__(self, path: Path, alarms=None) -> None:
        self.clock = ManualClock(T0)
        self.recorder = SessionRecorder(path, {"patient_id": "S-1", "started_at": T0.isoformat()})
        self.engine = AlarmEngine(load_profile("ketamine-infusion"), self.clock)
        self.core = MonitoringCore(lambda on_event: InfusionSession(self.clock, on_event=on_event), self.engine,
                                   self.recorder.add)
        self.session = self.core.session
        self.treatment = Treatment(
            self.clock, self.session, load_treatment_profile(), on_event=self.recorder.add,
            active_alarms=alarms or self.engine.active,
            alarm_limits=lambda: limits_from_profile(self.engine.profile),
        )
        self.elapsed = 0

    def reading(self, parameter: Parameter, value: float | None, quality: Quality = Quality.NONE) -> None:
        reading = Reading(parameter, value, UNITS[parameter], self.clock.now(), "datex", quality)
        self.recorder.add(reading)
        self.core.on_event(reading)
        self.treatment.on_reading(reading)

    def run(self, seconds: int, hr: float = 72, cuff: tuple[float, float] = (121, 80)) -> None:
        """HR every 5 s and a cuff cycle every 5 min for ``seconds``; ticks as a bed would."""
        for _ in range(0, seconds, 5):
            if self.elapsed % 300 == 0:
                for parameter, value in zip((Parameter.NIBP_SYS, Parameter.NIBP_DIA), cuff, strict=True):
                    self.reading(parameter, None, Quality.NIBP_MEASURING | Quality.ABSENT)
                    self.reading(parameter, value)
            self.reading(Parameter.HR, hr)
            self.core.tick()
            self.treatment.tick()
            self.clock.advance(5)
            self.elapsed += 5


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_whole_session_is_recorded_and_read_back(tmp_path):
    path = tmp_path / "s1.irm.sqlite"
    bed = Bed(path)
    bed.run(600)  # 10 min baseline: HR 72, NIBP 121/80
    treatment = bed.treatment
    plan = treatment.confirm_plan(treatment.inputs_from_text({Field.WEIGHT: "80 kg"}), "AB")
    assert plan.plan.summary().startswith("40 mg (0.5 mg/kg x 80 kg) over 40 min")
    bed.session.start_infusion()
    bed.run(900)
    assert treatment.reminder().state is ReminderState.DUE  # 15 min in
    treatment.enter_keys("S4", "AB")
    treatment.enter_keys("D3", "AB")
    bed.run(300)
    treatment.change_rate(75, "AB", "nausea")
    treatment.enter_keys("N", "AB")
    bed.run(1200)
    delivered = treatment.delivery()
    assert delivered.infused_ml == pytest.approx(75.0) and delivered.infused_mg == pytest.approx(30.0)
    bed.session.stop_infusion()  # at 50 min
    bed.run(600)
    treatment.enter_keys("S5", "AB")
    treatment.enter_keys("D0", "AB")
    bed.run(3000)  # 60 min of observation: ready at 110 min (observation is the last to be met)
    status = treatment.discharge_status()
    assert status.ready and status.missing == ("The nurse's sign-off",)
    treatment.sign_off("AB")
    assert bed.session.phase is Phase.ENDED
    bed.recorder.close()

    with open_recording(path) as recording:
        record = read_treatment(recording)
        summary = recording.summary()
        raised = [e for e in recording.events(frozenset({"alarm"})) if e.event != "limit_changed"]
        assert raised == []  # the reminders, due and overdue, were no alarms
    assert record.plan.total_mg == 40 and record.plan.rate_ml_per_h == 150 and record.plan.by == "AB"
    assert [(r.time, r.rate_ml_per_h, r.reason) for r in record.rate_changes] == [
        (minutes(30).timestamp(), 75.0, "nausea")]
    assert [(c.describe(), c.time) for c in record.checks] == [
        ("Sedation MOAA/S 4 (Lethargic)", minutes(25).timestamp()),
        ("Dissociation rating 3 of 10", minutes(25).timestamp()),
        ("Side effect: Nausea", minutes(30).timestamp()),
        ("Sedation MOAA/S 5 (Alert)", minutes(60).timestamp()),
        ("Dissociation rating 0 of 10", minutes(60).timestamp()),
    ]
    assert record.delivered_mg(minutes(10).timestamp(), minutes(50).timestamp()) == pytest.approx(30.0)
    assert record.ready_at == minutes(110).timestamp()
    met = {c.criterion: c.time for c in record.criteria if c.met}
    assert met["vitals:HR"] == minutes(65).timestamp()  # 15 min in band after the stop
    assert met["sedation"] == minutes(60).timestamp()
    assert met["observation"] == minutes(110).timestamp()
    assert record.sign_off.ready and record.sign_off.by == "AB" and record.sign_off.unmet == ()
    assert record.peak("sedation").score == 4 and record.peak("dissociation").score == 3
    assert summary.get(Parameter.HR).baseline == 72


def test_the_check_reminder_raises_no_alarm_however_overdue(tmp_path):
    bed = Bed(tmp_path / "r.irm.sqlite")
    bed.run(300)
    bed.session.start_infusion()
    bed.run(2400)
    assert bed.treatment.reminder().text == "Sedation and dissociation check overdue by 25 min"
    assert bed.engine.active() == ()
    bed.recorder.close()
    db = sqlite3.connect(bed.recorder.path)
    assert db.execute("SELECT count(*) FROM alarm_events WHERE event != 'limit_changed'").fetchone() == (0,)


@dataclass(frozen=True)
class Alarm:
    bar_text: str


def test_signing_off_before_ready_needs_a_reason_and_records_what_was_missing(tmp_path):
    alarms = [Alarm("*** HR 134 > 130")]
    bed = Bed(tmp_path / "early.irm.sqlite", alarms=lambda: alarms)
    bed.run(300)
    bed.treatment.confirm_plan(bed.treatment.inputs_from_text({Field.WEIGHT: "72"}), "AB")
    bed.session.start_infusion()
    bed.run(2400)
    bed.session.stop_infusion()
    bed.run(600)
    with pytest.raises(TreatmentError, match="Not ready for discharge: Observation of 60 min after the infusion: "
                                             "10 min so far; .*Active alarm: \\*\\*\\* HR 134 > 130"):
        bed.treatment.sign_off("AB")
    assert bed.session.phase is Phase.RECOVERY
    sign_off = bed.treatment.sign_off("AB", "transferred to the emergency department")
    assert not sign_off.ready and bed.session.phase is Phase.ENDED
    assert alarms == [Alarm("*** HR 134 > 130")]  # the alarm itself is untouched
    bed.recorder.close()
    with open_recording(bed.recorder.path) as recording:
        record = read_treatment(recording)
    assert record.sign_off.reason == "transferred to the emergency department"
    assert any("Active alarm" in text for text in record.sign_off.unmet)
    assert record.ready_at is None


def test_commands_that_do_not_fit_the_moment_are_refused_with_a_sentence(tmp_path):
    bed = Bed(tmp_path / "c.irm.sqlite")
    treatment = bed.treatment
    with pytest.raises(TreatmentError, match="The pump rate can only change during the infusion"):
        treatment.change_rate(75, "AB")
    with pytest.raises(TreatmentError, match='"80,5" has a comma'):
        treatment.inputs_from_text({Field.WEIGHT: "80,5"})
    with pytest.raises(TreatmentError, match="Enter the weight in kg"):
        treatment.inputs_from_text({})
    heavy = treatment.inputs_from_text({Field.WEIGHT: "320"})
    with pytest.raises(TreatmentError, match="Confirm first: The weight 320 kg is above the usual 20-300 kg"):
        treatment.confirm_plan(heavy, "AB")
    confirmed = treatment.confirm_plan(heavy, "AB", confirmed={Field.WEIGHT})
    assert [o.field for o in confirmed.overrides] == [Field.WEIGHT]
    bed.session.start_infusion()
    with pytest.raises(TreatmentError, match="The plan is fixed once the infusion has started"):
        treatment.confirm_plan(heavy, "AB", confirmed={Field.WEIGHT})
    with pytest.raises(TreatmentError, match="faster than the planned 150 mL/h"):
        treatment.change_rate(200, "AB")
    faster = treatment.change_rate(200, "AB", confirmed=True)
    assert faster.overrides[0].field is Field.RATE
    with pytest.raises(TreatmentError, match="The pump rate must be 0 to 999 mL/h"):
        treatment.change_rate(1200, "AB")
    with pytest.raises(TreatmentError, match="'X5' is not a check"):
        treatment.enter_keys("X5", "AB")
    with pytest.raises(TreatmentError, match="'7' is not a MOAA/S score \\(0 to 5\\)"):
        treatment.enter_keys("S7", "AB")
    with pytest.raises(TreatmentError, match="'pain' is not a scored check"):
        treatment.record_check("pain", "AB", score=3)
    with pytest.raises(TreatmentError, match="stop the infusion first"):
        treatment.sign_off("AB")
    bed.recorder.close()
    with open_recording(bed.recorder.path) as recording:
        record = read_treatment(recording)
    assert record.plan.confirmations[0]["field"] == "weight"
    assert record.rate_changes[0].confirmations[0]["field"] == "rate"


def test_the_plan_sets_the_sessions_planned_infusion_time(tmp_path):
    bed = Bed(tmp_path / "p.irm.sqlite")
    bed.treatment.confirm_plan(bed.treatment.inputs_from_text({Field.WEIGHT: "80", Field.INFUSION_TIME: "60"}),
                               "AB")
    assert bed.session.planned_infusion_s == 3600
    bed.recorder.close()


@dataclass(frozen=True)
class TimelineEvent:
    at_s: float
    kind: str
    text: str


def test_a_scenario_carries_the_nurses_entries(tmp_path):
    bed = Bed(tmp_path / "sim.irm.sqlite")
    bed.run(300)
    done = bed.treatment.apply_scenario_events([
        TimelineEvent(290, "treatment_plan", "weight 80 kg; dose 0.5 mg/kg; concentration 10 mg/mL; volume 100 mL"),
        TimelineEvent(295, "annotation", "not ours: the session applies it"),
    ])
    assert len(done) == 1 and done[0].by == "scenario"
    assert bed.treatment.apply_scenario_events([TimelineEvent(1, "treatment_plan", "weight 8O")]) == []
    bed.session.start_infusion()
    bed.run(900)
    done = bed.treatment.apply_scenario_events([
        TimelineEvent(1200, "check", "S4"), TimelineEvent(1200, "check", "D2"), TimelineEvent(1200, "check", "V"),
        TimelineEvent(1210, "rate_change", "75 mL/h; vomiting"),
    ])
    assert [type(d).__name__ for d in done] == ["Check", "Check", "Check", "RateChange"]
    assert done[3].reason == "vomiting"
    bed.run(1500)
    bed.session.stop_infusion()
    bed.run(600)
    assert bed.treatment.apply_scenario_events([TimelineEvent(4000, "sign_off", "Signed off")]) == []
    done = bed.treatment.apply_scenario_events([TimelineEvent(4000, "sign_off", "anyway: QA run")])
    assert done[0].reason == "QA run" and bed.session.phase is Phase.ENDED
    bed.recorder.close()


# -- recordings made before the treatment record ---------------------------------------------------


@pytest.fixture
def old_recording(tmp_path) -> Path:
    path = tmp_path / PRE_TREATMENT.name
    shutil.copyfile(PRE_TREATMENT, path)
    return path


def test_a_recording_from_before_the_treatment_record_still_opens_and_reviews(old_recording):
    with open_recording(old_recording) as recording:
        record = read_treatment(recording)
        summary = recording.summary()
    assert record.is_empty and record.plan is None and record.sign_off is None and record.ready_at is None
    # its quick note "Nausea" is folded in as a side effect; "Antiemetic given" stays a note
    assert [(c.kind, c.scale, c.source, c.time) for c in record.checks] == [
        ("side_effect", "nausea", "note", datetime(2026, 11, 2, 9, 25, tzinfo=UTC).timestamp())]
    # tests/data/README.md: baseline 120/80 and HR 70; peaks 166/96 and HR 88
    assert summary.get(Parameter.NIBP_SYS).baseline == 120 and summary.get(Parameter.NIBP_SYS).peak == 166
    assert summary.get(Parameter.NIBP_DIA).baseline == 80 and summary.get(Parameter.NIBP_DIA).peak == 96
    assert summary.get(Parameter.HR).baseline == 70 and summary.get(Parameter.HR).peak == 88


@pytest.mark.parametrize("fmt", ["csv", "edf", "pdf"])
def test_old_and_new_recordings_export_alike(old_recording, tmp_path, fmt):
    new = tmp_path / "new.irm.sqlite"
    bed = Bed(new)
    bed.run(300)
    bed.treatment.confirm_plan(bed.treatment.inputs_from_text({Field.WEIGHT: "80"}), "AB")
    bed.session.start_infusion()
    bed.run(300)
    bed.treatment.enter_keys("S4", "AB")
    bed.recorder.close()
    for recording in (old_recording, new):
        written = export(recording, fmt, tmp_path / f"{recording.stem}.{fmt}", events=fmt == "csv")
        assert all(p.stat().st_size > 0 for p in written)

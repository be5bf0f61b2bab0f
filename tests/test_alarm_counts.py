"""Counts that tell the truth (issue 14): a medium alarm that escalated to high is counted as
high by the review summary, the session library, the patient series and the PDF; an old
recording's per-parameter NIBP alarms of one cuff result count as the one alarm they are now."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.alarms import AlarmCondition
from monitor.readings import Parameter
from monitor.review import list_recordings, open_recording
from monitor.review.occurrences import alarm_occurrences
from monitor.review.series import patient_series
from tests.test_alarm_bench import Bench
from tests.test_review_reader import alarm, phase, record  # builders of real recordings

NONE_ACKNOWLEDGED = {"high": 1, "medium": 0, "low": 0}


@pytest.fixture(scope="module")
def escalated(tmp_path_factory) -> Path:
    """A real engine's log: one cuff result over 160 (medium), left unacknowledged for 3 min."""
    bench = Bench()
    bench.do("set_phase", "infusion")
    bench.read(Parameter.NIBP_SYS, 172)
    bench.hold(Parameter.HR, 80, 180)  # the monitor goes on sending
    assert bench.events(AlarmCondition.NIBP_HIGH) == [("raised", "medium"), ("escalated", "high")]
    folder = tmp_path_factory.mktemp("counts")
    return record(folder / "20261122-090000-P-0042.irm.sqlite", [phase(0, "infusion"), *bench.log])


def test_the_summary_library_and_series_count_an_escalated_alarm_as_high(escalated: Path):
    with open_recording(escalated) as recording:
        assert dict(recording.summary().alarm_counts) == NONE_ACKNOWLEDGED
    (info,) = list_recordings(escalated.parent)
    assert dict(info.alarm_counts) == NONE_ACKNOWLEDGED
    (row,) = patient_series(escalated.parent, "P-0042").rows
    assert dict(row.alarms) == NONE_ACKNOWLEDGED


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) are not installed")
def test_the_pdf_counts_an_escalated_alarm_as_high(escalated: Path, tmp_path: Path):
    from ui.report import export

    (pdf,) = export(escalated, "pdf", tmp_path / "report.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "1 alarm raised: 1 high, 0 medium, 0 low priority" in text


def test_an_old_recordings_per_parameter_alarms_of_one_cuff_result_count_once(tmp_path: Path):
    """Before issue 14 one cuff result raised NIBP_SYS_HIGH and NIBP_DIA_HIGH; a later,
    separate NIBP_SYS_HIGH is a second alarm, and HR_HIGH is another measurement."""
    path = record(tmp_path / "old.irm.sqlite", [
        phase(0, "infusion"),
        alarm(100, "NIBP_SYS_HIGH", "medium", "raised", 172, 160, detail="NIBP sys 172 > 160"),
        alarm(100, "NIBP_DIA_HIGH", "medium", "raised", 104, 100, detail="NIBP dia 104 > 100"),
        alarm(220, "NIBP_DIA_HIGH", "high", "escalated", 104, 100),
        alarm(400, "NIBP_SYS_HIGH", "medium", "cleared", 172, 160),
        alarm(400, "NIBP_DIA_HIGH", "high", "latched", 104, 100),
        alarm(460, "NIBP_DIA_HIGH", "high", "acknowledged", 104, 100, detail="by nurse"),
        alarm(460, "NIBP_DIA_HIGH", "high", "cleared", 104, 100),
        alarm(900, "NIBP_SYS_HIGH", "medium", "raised", 165, 160),
        alarm(950, "HR_HIGH", "medium", "raised", 115, 110),
    ])
    with open_recording(path) as recording:
        occurrences, _ = alarm_occurrences(recording.events(frozenset({"alarm"})))
        assert [o.condition for o in occurrences] == ["NIBP_SYS_HIGH", "NIBP_DIA_HIGH", "NIBP_SYS_HIGH", "HR_HIGH"]
        assert dict(recording.summary().alarm_counts) == {"high": 1, "medium": 2, "low": 0}
        limits = {(e.condition, e.limit) for e in recording.summary().limits}
    assert limits == {("NIBP_SYS_HIGH", 160), ("NIBP_DIA_HIGH", 100), ("HR_HIGH", 110)}


def test_crossed_rows_belong_to_their_measurements_alarm(escalated: Path):
    with open_recording(escalated) as recording:
        occurrences, other = alarm_occurrences(recording.events(frozenset({"alarm"})))
    (nibp,) = occurrences
    assert nibp.condition == "NIBP_HIGH" and nibp.priority == "high" and other == ()
    assert [(e.condition, e.event) for e in nibp.events] == [
        ("NIBP_HIGH", "raised"), ("NIBP_SYS_HIGH", "crossed"), ("NIBP_HIGH", "escalated")]
    assert (nibp.worst_value, nibp.limit) == (172, 160)

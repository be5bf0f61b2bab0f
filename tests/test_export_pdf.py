"""The PDF session report: rendered by Qt's PDF writer offscreen, then read back the way a
person would, as text (pdftotext) and as page images (pdftoppm)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ui.report import export
from monitor.readings import Parameter
from monitor.review import open_recording
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    alarm,
    clinic_time_zone,
    note,
    phase,
    reading,
    record,
    recorded_by_main,
    simulated_recording,
)

pytestmark = [
    pytest.mark.usefixtures("clinic_time_zone"),
    pytest.mark.skipif(
        not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
        reason="poppler-utils (pdftotext, pdftoppm) are not installed: apt-get install poppler-utils",
    ),
]


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_of(pdf: Path, folder: Path, dpi: int = 40) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    return simulated_recording(tmp_path_factory.mktemp("pdf") / "20261122-090000-P-0042.irm.sqlite")


@pytest.fixture
def report(session, tmp_path) -> Path:
    return export(session, "pdf", tmp_path / "report.pdf")[0]


def test_the_report_reads_as_a_clinical_record(session, report):
    text = text_of(report)
    flat = squash(text)
    with open_recording(session) as rec:
        summary = rec.summary()
    for phrase in (
        "Infusion session report", "Patient ID: P-0042", "Session of Sun 22 Nov 2026", "Ended normally",
        "Session 09:00–10:45, 1 h 45 min", "Baseline 09:00–09:05, 5 min", "Infusion 09:05–09:45, 40 min (plan 40 min)",
        "Observation 09:45–10:45, 1 h 00 min", "GE Datex-Ohmeda S/5", "on /dev/ttyUSB0", "ketamine-outpatient",
        "local time (UTC+01:00)", "Vital-sign trends", "minutes from infusion start",
        "Summary", "Baseline Peak Lowest", "Back to baseline",
        "At the end of observation: 10:45, 1 h 00 min after the infusion stopped",
        "Time beyond alarm limits", "NIBP_SYS_HIGH above 135",
        "2 alarms raised: 1 high, 1 medium, 0 low priority (the highest each reached).",
        "Annotations", "Nausea", "Antiemetic given", "Patient reports feeling 'floaty'; reassured",
        "Operator actions", "Limit changed: parameter NIBP_SYS, old 160, new 135, by nurse",
        "Monitor connection", "No data from the monitor for 10 s.", "Reviewed by (name)", "Signature",
        "Patient P-0042 · Session 22 Nov 2026 09:00", "Page 1 of 2", "Page 2 of 2",
    ):
        assert phrase in flat, phrase
    assert "SIMULATED" not in flat and "UNEXPECTEDLY" not in flat
    hr = summary.get(Parameter.HR)
    assert re.search(rf"Heart rate \(/min\) +{hr.baseline:g} +{hr.peak:g} +at \+\d+ min", text)
    sys_, dia = summary.get(Parameter.NIBP_SYS), summary.get(Parameter.NIBP_DIA)
    assert f"HR {hr.end_value:g} /min" in flat
    assert f"NIBP {sys_.end_value:g}/{dia.end_value:g}" in flat
    # each alarm with its acknowledgement, and the link loss with its own
    assert re.search(r"09:35:00 +\+30 +MEDIUM +NIBP_SYS_HIGH +139 \(limit 135\) +09:35:30 by nurse +09:41:00", text)
    assert re.search(r"10:00:10 +\+55 +HIGH +LINK_LOST .* 10:00:40 by nurse +10:01:00", text)
    assert re.search(r"1 +09:15:00 +\+10 +button +Nausea", text)


def test_pages_render_as_a4_images_with_ink_on_them(report, tmp_path):
    from PySide6.QtGui import QImage

    images = pages_of(report, tmp_path, dpi=40)
    assert len(images) == 2
    for image_path in images:
        image = QImage(str(image_path))
        assert abs(image.width() / image.height() - 210 / 297) < 0.01  # A4 portrait
        dark = sum(1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
                   if image.pixelColor(x, y).lightness() < 128)
        assert dark > 100, image_path  # text and plot, not a blank page


def test_a_simulated_session_that_ended_unexpectedly_says_so(tmp_path):
    path = simulated_recording(tmp_path / "sim.irm.sqlite", close=False, port="sim:ketamine-typical",
                               clock_speed="60", patient_id="")
    flat = squash(text_of(export(path, "pdf", tmp_path / "r.pdf")[0]))
    assert "SIMULATED DATA — NOT A PATIENT RECORD (source sim:ketamine-typical, clock 60× real time)" in flat
    assert "ENDED UNEXPECTEDLY" in flat and "The recording ended unexpectedly" in flat
    assert "Patient ID: not entered" in flat and "Patient ID not entered" in flat
    assert "At the end of observation: 10:45" in flat  # the nurse ended it before the crash


def test_a_long_session_continues_on_more_pages_with_every_note(tmp_path):
    items = [phase(0, "baseline"), phase(300, "infusion"), phase(2700, "recovery"), phase(6000, "ended")]
    items += [reading(Parameter.HR, 70 + (s // 60) % 20, s) for s in range(0, 6001, 5)]
    items += [note(60 + i * 90, f"Observation note number {i} — patient calm, talking, no complaints")
              for i in range(60)]
    for i in range(30):
        items += [alarm(400 + i * 150, "HR_HIGH", "low", "raised", 91, 90, 75, "infusion", "HR 91 > 90"),
                  alarm(430 + i * 150, "HR_HIGH", "low", "cleared", 91, 90, 75, "infusion")]
    pdf = export(record(tmp_path / "long.irm.sqlite", items), "pdf", tmp_path / "long.pdf")[0]
    text = text_of(pdf)
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    total = int(pages[0][1])
    assert total >= 3 and pages == [(str(i), str(total)) for i in range(1, total + 1)]
    flat = squash(text)
    assert all(f"Observation note number {i} —" in flat for i in range(60))
    assert flat.count("Raised Min Priority Alarm") + flat.count("# Time Min Entry Note") >= 3  # headers repeat
    assert "not acknowledged" in flat
    assert len(pages_of(pdf, tmp_path)) == total


def test_a_recording_with_no_readings_still_reports_its_events(tmp_path):
    path = record(tmp_path / "e.irm.sqlite", [phase(0, "baseline"), note(5, "Patient declined"), phase(60, "ended")])
    flat = squash(text_of(export(path, "pdf", tmp_path / "e.pdf")[0]))
    assert "No values were recorded." in flat and "Patient declined" in flat and "No alarms were raised" in flat


def test_the_report_renders_inside_a_running_qt_application(qapp, session, tmp_path):
    """The review window's export button: the app already exists and is used as is."""
    pdf = export(session, "pdf", tmp_path / "in-app.pdf")[0]
    assert "Infusion session report" in text_of(pdf)


def test_a_qa_recording_from_main_record_has_a_report(tmp_path):
    flat = squash(text_of(export(recorded_by_main(), "pdf", tmp_path / "qa.pdf")[0]))
    assert "SIMULATED DATA — NOT A PATIENT RECORD (source sim:ketamine-typical, clock 120× real time)" in flat
    assert "Heart rate (/min)" in flat and "NIBP systolic (mmHg)" in flat and "Alarms" in flat
    assert "Page 1 of" in flat

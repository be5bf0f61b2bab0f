"""The review window on real recordings, offscreen: what the chart draws, the cursor read-out,
jumping to an event, the summary, the export buttons, and files that cannot be opened."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.export import default_name
from monitor.readings import Parameter, Quality
from monitor.review import RecordingOpenError, open_recording
from monitor.review.resample import hold, measurements
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    alarm,
    clinic_time_zone,
    note,
    phase,
    reading,
    record,
    simulated_recording,
    ts,
)
from ui.review import run_review
from ui.review.review_window import ReviewWindow, open_review

pytestmark = pytest.mark.usefixtures("clinic_time_zone")


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    """The simulator's typical session: baseline 5 min, infusion 40, observation 60, notes, alarms."""
    return simulated_recording(tmp_path_factory.mktemp("sim") / "20261122-090000-P-0042.irm.sqlite")


class Dialog:
    """The injected save dialog: answers with the next path, remembers what it was asked."""

    def __init__(self, *answers: Path | None) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, Path, str]] = []

    def __call__(self, parent, caption: str, suggested: Path, name_filter: str) -> Path | None:
        self.asked.append((caption, suggested, name_filter))
        return self.answers.pop(0)


def review(qtbot, path: Path, dialog: Dialog | None = None) -> ReviewWindow:
    window = open_review(path, "dark", dialog)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    return window


def xy(curve) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(curve.xData, dtype=float), np.asarray(curve.yData, dtype=float)


# -- the chart ------------------------------------------------------------------------------------


def test_the_chart_draws_the_whole_session_against_minutes_from_the_infusion_start(qtbot, session_file):
    window = review(qtbot, session_file)
    chart = window.chart
    with open_recording(session_file) as rec:
        hr_t, hr_v = rec.series("HR")
        nibp_t, nibp_sys = measurements(rec.samples("NIBP_SYS"), trusted_only=False)
    x, y = xy(chart.curves[Parameter.HR])
    drawn = np.isfinite(y)
    assert y[drawn].tolist() == hr_v[np.isfinite(hr_v)].tolist()  # every HR reading, none invented
    assert x[drawn].tolist() == pytest.approx(((hr_t[np.isfinite(hr_v)] - ts(300)) / 60).tolist())
    assert x[0] == pytest.approx(-5.0)  # the infusion started 5 min in: baseline is negative
    link_lost = (x > (3600 - 300) / 60) & (x < (3660 - 300) / 60)
    assert np.isnan(y[link_lost]).any()  # a minute without data is a gap, not a line across it
    assert chart.plot_item.getAxis("bottom").labelText == "minutes from infusion start"

    sys_x = chart.curves[Parameter.NIBP_SYS].data["x"]
    assert len(sys_x) == len(nibp_t) > 10  # one ▼ per cuff measurement, not per repeated record
    assert chart.curves[Parameter.NIBP_SYS].data["y"].tolist() == nibp_sys.tolist()
    assert len(chart.main.bars.xData) == 2 * len(nibp_t)

    regions = {p: tuple(round(v, 3) for v in chart.regions[p].getRegion()) for p in ("baseline", "infusion", "recovery")}
    assert regions == {"baseline": (-5.0, 0.0), "infusion": (0.0, 40.0), "recovery": (40.0, 100.0)}
    assert chart.planned_end.isVisible() and chart.planned_end.value() == pytest.approx(40.0)

    # the nurse lowered the systolic limit 160 -> 135 at minute 20 of the session (15 of the infusion)
    lx, ly = xy(chart.limit_lines["haemo"])
    segments = sorted(zip(ly[::2].tolist(), lx[::2].round(3).tolist(), lx[1::2].round(3).tolist()))
    assert segments == [(135.0, 15.0, 100.0), (160.0, -5.0, 15.0)]
    assert sorted(label.toPlainText() for label in chart.limit_labels) == ["SBP 135", "SBP 160"]

    notes = [(round(line.value(), 3), line.label.format) for line in chart.markers]
    assert notes[:2] == [(10.0, "Nausea"), (20.0, "Antiemetic given")] and len(notes) == 3
    marks = chart.alarm_marks.data
    assert marks["x"].round(3).tolist() == [30.0, round((3610 - 300) / 60, 3)]  # NIBP high, link lost
    assert [m.brush().color().name() for m in chart.alarm_marks.points()] == [
        window.theme.alarm_medium.lower(), window.theme.alarm_high.lower()]  # as raised


def test_zoom_and_pan_change_the_time_axis_only(qtbot, session_file):
    window = review(qtbot, session_file)
    chart = window.chart
    left, right = chart.x_range()
    assert left <= -5 and right >= 100  # the whole session
    y_before = chart.view_box.viewRange()[1]
    chart.zoom_in_button.click()
    z_left, z_right = chart.x_range()
    assert z_right - z_left == pytest.approx((right - left) / 1.6, rel=0.01)
    chart.show_minutes(30, 40)
    assert chart.x_range() == pytest.approx((30, 40))
    assert chart.view_box.viewRange()[1] == y_before
    qtbot.keyClick(chart.plot_widget, Qt.Key.Key_Home)
    assert chart.x_range() == pytest.approx((left, right))


# -- the cursor -------------------------------------------------------------------------------------


@pytest.fixture
def exact_file(tmp_path) -> Path:
    """Known values: HR every 5 s until 120 s, then silent until 200 s; one NIBP result at 30 s
    repeated by the monitor; SpO2 with the sensor off from 90 s."""
    items = [phase(0, "baseline"), phase(60, "infusion"), phase(240, "recovery"), phase(300, "ended")]
    for s in range(0, 121, 5):
        items.append(reading(Parameter.HR, 70 + s // 5, s))
        items.append(reading(Parameter.SPO2, 98, s) if s < 90 else reading(Parameter.SPO2, None, s, Quality.SENSOR_OFF))
    for s in range(200, 301, 5):
        items.append(reading(Parameter.HR, 90, s))
    for s in range(30, 301, 5):
        for parameter, value in ((Parameter.NIBP_SYS, 121), (Parameter.NIBP_DIA, 79), (Parameter.NIBP_MEAN, 93)):
            items.append(reading(parameter, value, s))
    items += [note(100, "Patient asleep"), alarm(100, "HR_HIGH", "low", "raised", 95, 90),
              alarm(150, "HR_HIGH", "medium", "escalated", 95, 90), alarm(220, "HR_HIGH", "medium", "cleared")]
    return record(tmp_path / "exact.irm.sqlite", items, planned_infusion_s="180")


def test_the_cursor_reads_the_value_current_at_that_time_for_every_parameter(qtbot, exact_file):
    window = review(qtbot, exact_file)
    readout = window.readout
    window.set_cursor_time(ts(62))  # HR from 60 s; the NIBP measured at 30 s
    assert window.cursor_values() == {Parameter.HR: 82, Parameter.NIBP_SYS: 121, Parameter.NIBP_DIA: 79,
                                      Parameter.NIBP_MEAN: 93, Parameter.SPO2: 98}
    assert readout.text("HR") == "82" and readout.text("NIBP") == "121/79 (93)" and readout.text("SPO2") == "98"
    assert readout.time.text() == "09:01:02" and readout.where.text() == "+0:02 min \u00b7 infusion"
    assert "32 s before" in readout.notes["NIBP"].text()

    window.set_cursor_time(ts(100))  # SpO2 sensor off: no value, even though one was shown 10 s before
    assert window.cursor_values()[Parameter.SPO2] is None and readout.text("SPO2") == "\u2014"
    assert "HR HIGH (low)" in readout.alarms.text()

    window.set_cursor_time(ts(140))  # HR silent for 20 s (> 15 s): not current; NIBP holds 20 min
    assert window.cursor_values()[Parameter.HR] is None and readout.text("HR") == "\u2014"
    assert readout.notes["HR"].text() == "no current value"
    assert readout.text("NIBP") == "121/79 (93)"
    assert "HR HIGH (low)" in readout.alarms.text()
    window.set_cursor_time(ts(160))
    assert "HR HIGH (medium)" in readout.alarms.text()  # escalated at 150 s
    window.set_cursor_time(ts(230))
    assert readout.alarms.text() == "none"

    with open_recording(exact_file) as rec:  # the same rule as the exports and the summary
        for s in (0, 3, 29, 31, 62, 119, 134, 136, 199, 200, 250, 300):
            expected = {p: hold(rec.samples(p), np.array([ts(s)]))[0] for p in rec.parameters()}
            window.set_cursor_time(ts(s))
            got = window.cursor_values()
            assert {p: (np.nan if v is None else v) for p, v in got.items()} == pytest.approx(expected, nan_ok=True), s


def test_the_cursor_follows_the_mouse_and_the_arrow_keys(qtbot, exact_file):
    window = review(qtbot, exact_file)
    chart = window.chart
    qtbot.waitExposed(window)
    box = chart.view_box
    scene_pos = box.mapViewToScene(QPointF(window.minutes_at(ts(62)), 100))
    chart.plot_widget.scene().sigMouseMoved.emit(scene_pos)  # what a mouse move over the plot reports
    assert window.cursor_time() == pytest.approx(ts(62), abs=2)
    assert chart.cursor.value() == pytest.approx(window.minutes_at(ts(62)), abs=0.05)
    window.set_cursor_time(ts(62))
    chart.plot_widget.setFocus()
    qtbot.keyClick(chart.plot_widget, Qt.Key.Key_Right)
    assert window.cursor_time() == pytest.approx(ts(67))
    qtbot.keyClick(chart.plot_widget, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.cursor_time() == pytest.approx(ts(7))
    assert window.readout.text("HR") == "71"
    for _ in range(5):  # never past the start of the session
        qtbot.keyClick(chart.plot_widget, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.cursor_time() == pytest.approx(ts(0))


def test_clicking_an_event_moves_the_view_to_it_and_puts_the_cursor_there(qtbot, session_file):
    window = review(qtbot, session_file)
    qtbot.waitExposed(window)
    window.chart.show_minutes(-5, 0)  # looking at the baseline
    tree = window.events.tree
    row = next(i for i, e in enumerate(window.events.events) if e.describe() == "Note: Antiemetic given")
    item = tree.topLevelItem(row)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), rect.center().y()))
    left, right = window.chart.x_range()
    assert left < 20 < right and right - left == pytest.approx(5)  # moved there, same zoom
    assert window.chart.cursor_minutes == pytest.approx(20.0)
    assert window.readout.time.text() == "09:25:00"

    window.events.filter.setCurrentText("Alarms raised")
    assert window.events.visible_texts() == [
        "Alarm NIBP_SYS_HIGH (medium) raised, value 139, limit 135, NIBP sys 139 > 135",
        "Alarm LINK_LOST (high) raised, No data for 10 s",
    ]
    tree.setCurrentItem(tree.topLevelItem(next(i for i, e in enumerate(window.events.events)
                                                 if getattr(e, "condition", "") == "LINK_LOST")))  # keyboard
    assert window.chart.cursor_minutes == pytest.approx((3610 - 300) / 60)
    assert window.chart.x_range()[0] < (3610 - 300) / 60 < window.chart.x_range()[1]


# -- the summary ---------------------------------------------------------------------------------------


def test_the_summary_shows_baseline_peak_end_limits_alarms_and_return_to_baseline(qtbot, session_file):
    window = review(qtbot, session_file)
    panel = window.summary_panel
    summary = window.summary
    hr = summary.get("HR")
    assert panel.cell("HR", "Baseline") == f"{hr.baseline:g}"
    assert panel.cell("HR", "End of observation") == f"{hr.end_value:g}"
    assert panel.cell("HR", "Back to baseline") == f"{hr.return_min:.0f} min"
    sys_ = summary.get("NIBP_SYS")
    peak_min = round((sys_.peak_time - ts(300)) / 60)
    assert panel.cell("NIBP_SYS", "Peak (at min)") == f"{sys_.peak:g}  at +{peak_min}"
    assert "1 high" in panel.alarms.text() and "1 medium" in panel.alarms.text() and "0 low" in panel.alarms.text()
    [(limit, beyond)] = panel.limit_texts()
    assert limit == "NIBP systolic above 135 (high)"
    seconds = summary.limits[0].seconds
    assert beyond == f"{int(round(seconds) // 60)} min {int(round(seconds) % 60):02d} s"


def test_a_recording_without_phases_or_alarms_still_opens_with_a_summary(qtbot, tmp_path):
    path = record(tmp_path / "plain.irm.sqlite", [reading(Parameter.HR, 70, s) for s in range(0, 600, 5)])
    window = review(qtbot, path)
    assert window.chart.plot_item.getAxis("bottom").labelText == "minutes from session start"
    assert not window.chart.regions["baseline"].isVisible()
    assert window.summary_panel.cell("HR", "Baseline") == "\u2014"
    assert window.chart.shown == ["haemo"]  # no SpO2, respiration or temperature panel without their data
    assert len(window.chart.alarm_marks.data) == 0


# -- exports ----------------------------------------------------------------------------------------------


def test_each_export_button_writes_its_file_where_the_save_dialog_said(qtbot, session_file, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    dialog = Dialog(out / "s.csv", out / "e.csv", out / "s.edf", out / "s.pdf")
    window = review(qtbot, session_file, dialog)
    for key in ("csv", "csv_events", "edf", "pdf"):
        window.export_buttons[key].click()
    assert sorted(p.name for p in out.iterdir()) == ["e-events.csv", "e.csv", "s.csv", "s.edf", "s.pdf"]
    assert [a[1].name for a in dialog.asked] == [default_name(session_file, f) for f in ("csv", "csv", "edf", "pdf")]
    with open(out / "s.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time_utc", "elapsed_s", "HR", "PR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "ART_SYS",
                       "ART_DIA", "ART_MEAN", "SPO2"] and len(rows) > 1000
    assert "Antiemetic given" in (out / "e-events.csv").read_text(encoding="utf-8")
    assert (out / "s.edf").read_bytes()[:8] == b"0       "
    assert (out / "s.pdf").read_bytes()[:5] == b"%PDF-"
    assert window.message_box is None
    assert "s.pdf" in window.statusBar().currentMessage()


def test_cancelling_writes_nothing_and_a_refused_export_says_why(qtbot, session_file, tmp_path):
    existing = tmp_path / "taken.pdf"
    existing.write_bytes(b"the clinician's own file")
    dialog = Dialog(None, existing, tmp_path / "missing-folder" / "x.edf")
    window = review(qtbot, session_file, dialog)
    window.export_buttons["csv"].click()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.pdf"] and window.message_box is None
    window.export_buttons["pdf"].click()
    box = window.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "already exists" in box.text() and "never overwritten" in box.text()
    assert existing.read_bytes() == b"the clinician's own file"
    box.close()
    window.export_buttons["edf"].click()
    assert "does not exist" in window.message_box.text()


# -- files that cannot be opened --------------------------------------------------------------------------


@pytest.fixture
def cut_file(tmp_path, session_file) -> Path:
    cut = tmp_path / "cut.irm.sqlite"
    shutil.copy(session_file, cut)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 3])
    return cut


def test_a_damaged_file_is_refused_with_its_reason(cut_file):
    with pytest.raises(RecordingOpenError, match="damaged"):
        open_review(cut_file)


def test_run_review_on_a_bad_file_prints_one_line_and_returns_2(cut_file, tmp_path, capsys):
    assert run_review(cut_file, tmp_path) == 2
    assert run_review(tmp_path / "nope.irm.sqlite", tmp_path) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "damaged" in err[0] and "no such file" in err[1]
    assert "Traceback" not in "".join(err)


def test_run_review_opens_a_file_in_a_review_window_and_a_folder_in_the_library(
        qtbot, session_file, tmp_path, monkeypatch):
    shown = []

    def fake_exec(*_args):
        shown.extend(w for w in QApplication.topLevelWidgets() if w.isVisible()
                     and type(w).__name__ in ("ReviewWindow", "LibraryWindow"))
        for w in shown:
            w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert run_review(session_file, tmp_path, theme="light") == 0
    assert run_review(session_file.parent, tmp_path, theme="dark") == 0
    assert run_review(None, tmp_path, theme="dark") == 0
    names = [type(w).__name__ for w in shown]
    assert names == ["ReviewWindow", "LibraryWindow", "LibraryWindow"]
    assert shown[0].recording.path == session_file
    assert shown[1].folder == session_file.parent and shown[2].folder == tmp_path
    assert [i.name for i in shown[1].infos] == [session_file.name]

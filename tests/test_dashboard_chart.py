"""The session trend chart: the points it draws, NIBP bars, phase shading, and a zoom that stays put."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from monitor.readings import LinkEvent, LinkState, Parameter, Quality
from tests.test_dashboard import Bedside


@pytest.fixture
def bed(qtbot, tmp_path) -> Bedside:
    return Bedside(qtbot, tmp_path)


def data(curve) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(curve.xData), np.asarray(curve.yData)


def test_hr_points_are_at_session_minutes_before_and_after_infusion_start(bed):
    bed.run(300, hr=72)  # 5 min baseline, a reading every 5 s
    bed.session.start_infusion()
    bed.run(600, hr=80)  # 10 min of infusion
    x, y = data(bed.refresh().chart.curves[Parameter.HR])
    assert len(x) == 60 + 120
    assert x[0] == pytest.approx(-295 / 60) and x[59] == pytest.approx(0.0)
    assert x[-1] == pytest.approx(10.0)
    assert set(y[:60]) == {72} and set(y[60:]) == {80}


def test_the_display_timer_draws_new_readings_by_itself(bed, qtbot):
    bed.run(60, hr=75)
    qtbot.waitUntil(lambda: bed.window.chart.curves[Parameter.HR].xData is not None and len(bed.window.chart.curves[Parameter.HR].xData) == 12, timeout=3000)


def test_an_absent_value_and_a_lost_link_are_gaps_in_the_line(bed):
    bed.run(30, hr=72)
    bed.send(Parameter.HR, None, Quality.INVALID)
    bed.run(10, hr=73)
    bed.window.on_event(LinkEvent(LinkState.DISCONNECTED, "lost", bed.clock.now(), "/dev/ttyUSB0", "datex"))
    bed.clock.advance(20)
    bed.send(Parameter.HR, 74)
    _, y = data(bed.refresh().chart.curves[Parameter.HR])
    assert np.isnan(y).sum() == 2
    assert y[-1] == 74 and math.isnan(y[-2])


def test_nibp_is_one_marker_pair_joined_by_a_bar_per_measurement(bed):
    bed.nibp(124, 78, 93)
    for _ in range(5):  # repeats of the same result are not new measurements
        bed.clock.advance(5)
        bed.nibp(124, 78, 93, Quality.NONE)
    bed.session.start_infusion()
    bed.clock.advance(180)
    bed.nibp(131, 84, 100)
    bed.clock.advance(180)
    bed.nibp(138, 87, 104)
    chart = bed.refresh().chart
    bars_x, bars_y = data(chart.main.bars)
    assert bars_x == pytest.approx([-0.4167, -0.4167, 3.0, 3.0, 6.0, 6.0], abs=1e-3)
    assert list(bars_y) == [124, 78, 131, 84, 138, 87]
    assert list(chart.curves[Parameter.NIBP_SYS].data["y"]) == [124, 131, 138]
    assert list(chart.curves[Parameter.NIBP_DIA].data["y"]) == [78, 84, 87]


def test_art_is_drawn_as_lines(bed):
    for _ in range(3):
        bed.clock.advance(5)
        bed.send(Parameter.ART_SYS, 140)
        bed.send(Parameter.ART_DIA, 85)
    chart = bed.refresh().chart
    assert list(data(chart.curves[Parameter.ART_SYS])[1]) == [140, 140, 140]
    assert list(data(chart.curves[Parameter.ART_DIA])[1]) == [85, 85, 85]


def test_phases_are_shaded_at_the_right_minutes(bed):
    bed.run(300)
    chart = bed.refresh().chart
    assert chart.regions["baseline"].getRegion() == pytest.approx((-5.0, 0.0))
    assert not chart.regions["infusion"].isVisible() and not chart.planned_end.isVisible()
    bed.session.start_infusion()
    bed.run(600)
    chart = bed.refresh().chart
    assert chart.regions["baseline"].getRegion() == pytest.approx((-5.0, 0.0))
    assert chart.regions["infusion"].getRegion() == pytest.approx((0.0, 10.0))
    assert chart.regions["planned"].getRegion() == pytest.approx((10.0, 40.0))
    assert chart.planned_end.value() == pytest.approx(40.0)
    assert not chart.regions["recovery"].isVisible()
    bed.run(30 * 60)
    bed.session.stop_infusion()
    bed.run(5 * 60)
    chart = bed.refresh().chart
    assert chart.regions["infusion"].getRegion() == pytest.approx((0.0, 40.0))
    assert chart.regions["recovery"].getRegion() == pytest.approx((40.0, 45.0))
    assert not chart.regions["planned"].isVisible()


def test_the_whole_session_is_in_view_by_default_including_the_planned_end(bed):
    bed.run(300)
    bed.session.start_infusion()
    bed.run(600)
    left, right = bed.refresh().chart.x_range()
    assert left <= -5.0 and right >= 40.0


def wheel(widget, steps: int) -> None:
    """Turn the mouse wheel over the middle of ``widget`` (negative: zoom out)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(widget, event)


def test_a_zoom_by_the_nurse_stays_while_data_keeps_arriving(bed, qtbot):
    bed.window.resize(1600, 900)
    bed.window.show()
    qtbot.waitExposed(bed.window)
    bed.session.start_infusion()
    bed.run(20 * 60)
    chart = bed.refresh().chart
    assert chart.follow and chart.live_button.isHidden()
    wheel(chart.plot_widget.viewport(), 3)  # zoom in on the middle of the session
    qtbot.waitUntil(lambda: not chart.follow, timeout=2000)
    zoomed = chart.x_range()
    assert zoomed[1] - zoomed[0] < 40
    assert not chart.live_button.isHidden()
    bed.run(5 * 60)  # data keeps coming
    bed.refresh()
    bed.refresh()
    assert chart.x_range() == pytest.approx(zoomed)
    assert len(chart.curves[Parameter.HR].xData) == 300  # drawn, just not scrolled to
    qtbot.mouseClick(chart.live_button, Qt.MouseButton.LeftButton)
    assert chart.follow and chart.live_button.isHidden()
    assert chart.x_range()[0] <= 0.0 and chart.x_range()[1] >= 40.0


def test_show_minutes_and_back_to_live_key(bed, qtbot):
    bed.window.show()
    qtbot.waitExposed(bed.window)
    bed.window.activateWindow()
    qtbot.waitUntil(bed.window.isActiveWindow, timeout=3000)
    bed.session.start_infusion()
    bed.run(600)
    chart = bed.refresh().chart
    chart.show_minutes(2.0, 4.0)
    bed.run(60)
    bed.refresh()
    assert chart.x_range() == pytest.approx((2.0, 4.0))
    qtbot.keyClick(bed.window, Qt.Key.Key_F9)
    assert chart.follow and chart.x_range()[1] >= 40.0


def test_threshold_lines_and_alarm_and_annotation_markers(bed):
    bed.window.set_thresholds([(160.0, "SBP"), (110.0, "HR"), (110.0, "DBP")])
    chart = bed.window.chart
    assert [line.value() for line in chart.thresholds] == [160.0, 110.0, 110.0]
    labels = [(label.value, item.toPlainText()) for _, label, item in chart.threshold_labels]
    assert labels == [(110.0, "HR 110, DBP 110"), (160.0, "SBP 160")]  # equal values: one label
    bed.window.set_thresholds([(100.0, "DBP")])
    assert len(chart.thresholds) == 1 and len(chart.threshold_labels) == 1
    bed.session.start_infusion()
    bed.run(120)
    bed.window.add_marker(bed.clock.now(), "alarm", "** HR HIGH 112")
    bed.run(60)
    bed.session.annotate("Nausea", "quick")
    bed.refresh()
    markers = [(line.kind, line.label.format, round(line.value(), 3)) for line in chart.markers]
    assert markers == [("alarm", "** HR HIGH 112", 2.0), ("annotation", "Nausea", 3.0)]


def test_markers_from_the_baseline_keep_their_minutes_when_the_infusion_starts(bed):
    bed.run(120)
    bed.session.annotate("Anxiety / agitation", "quick")  # 2 min into the baseline
    bed.refresh()
    bed.run(180)
    bed.session.start_infusion()  # 5 min into the baseline: the note was at -3 min
    bed.run(60)
    chart = bed.refresh().chart
    assert [round(line.value(), 3) for line in chart.markers] == [-3.0]

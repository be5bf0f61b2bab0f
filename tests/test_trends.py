"""The trend store: what the chart will draw, gaps as gaps, NIBP once per measurement, bounded memory."""

from __future__ import annotations

import math

import numpy as np
import pytest

from monitor.readings import Parameter, Quality
from monitor.trends import MAX_POINTS, TrendStore

NIBP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)


def add_nibp(store: TrendStore, minutes: float, sys: float, dia: float, mean: float, quality: Quality = Quality.NONE) -> None:
    """One monitor record: sys, dia and mean arrive as three readings at the same time."""
    for parameter, value in zip(NIBP, (sys, dia, mean), strict=True):
        store.add(parameter, minutes, value, quality)


def test_series_holds_the_points_in_order_as_copies():
    store = TrendStore()
    for i in range(5):
        store.add(Parameter.HR, i / 60, 70 + i)
    x, y = store.series(Parameter.HR)
    assert list(y) == [70, 71, 72, 73, 74]
    assert x == pytest.approx([0, 1 / 60, 2 / 60, 3 / 60, 4 / 60])
    y[0] = 999  # the GUI may do what it likes with what it got
    assert store.series(Parameter.HR)[1][0] == 70


def test_an_absent_value_is_a_gap_not_a_number():
    store = TrendStore()
    store.add(Parameter.SPO2, 0.0, 97)
    store.add(Parameter.SPO2, 0.1, None)
    store.add(Parameter.SPO2, 0.2, 96)
    _, y = store.series(Parameter.SPO2)
    assert y[0] == 97 and math.isnan(y[1]) and y[2] == 96


def test_a_silence_longer_than_the_gap_breaks_the_line():
    store = TrendStore(gap_minutes=0.5)
    store.add(Parameter.HR, 0.0, 70)
    store.add(Parameter.HR, 0.1, 71)
    store.add(Parameter.HR, 3.0, 72)  # nothing for almost 3 minutes (link lost)
    x, y = store.series(Parameter.HR)
    assert len(x) == 4 and math.isnan(y[2]) and y[3] == 72


def test_add_gap_breaks_every_line_at_once():
    store = TrendStore()
    store.add(Parameter.HR, 0.0, 70)
    store.add(Parameter.ART_SYS, 0.0, 120)
    store.add_gap(0.05)
    assert math.isnan(store.series(Parameter.HR)[1][-1])
    assert math.isnan(store.series(Parameter.ART_SYS)[1][-1])


def test_nibp_is_stored_once_per_measurement_not_per_repeat():
    store = TrendStore()
    for t in range(12):  # the monitor repeats the last result every 5 s
        add_nibp(store, t * 5 / 60, 124, 78, 93)
    for t in range(12, 24):
        add_nibp(store, t * 5 / 60, 131, 84, 100)
    nibp = store.nibp()
    assert len(nibp) == 2
    assert list(nibp.sys) == [124, 131] and list(nibp.dia) == [78, 84] and list(nibp.mean) == [93, 100]
    assert nibp.minutes == pytest.approx([0.0, 1.0])
    assert list(store.series(Parameter.NIBP_SYS)[1]) == [124, 131]


def test_a_new_cuff_cycle_with_the_same_numbers_is_a_new_measurement():
    store = TrendStore()
    add_nibp(store, 0.0, 124, 78, 93)
    add_nibp(store, 3.0, 124, 78, 93, Quality.NIBP_MEASURING)  # cuff inflating: old result shown
    add_nibp(store, 3.5, 124, 78, 93)  # the new result happens to be the same
    assert list(store.nibp().minutes) == [0.0, 3.5]


def test_an_old_result_left_on_the_monitor_is_not_a_measurement():
    store = TrendStore()
    add_nibp(store, 0.0, 150, 95, 113, Quality.OLDER_THAN_60S)  # from before this session
    assert len(store.nibp()) == 0
    add_nibp(store, 1.0, 124, 78, 93)
    add_nibp(store, 2.0, 124, 78, 93, Quality.OLDER_THAN_60S)
    assert list(store.nibp().sys) == [124]


def test_the_mean_arriving_after_sys_and_dia_completes_the_same_measurement():
    store = TrendStore()
    store.add(Parameter.NIBP_SYS, 1.0, 130)
    store.add(Parameter.NIBP_DIA, 1.0, 80)
    assert math.isnan(store.nibp().mean[0])
    store.add(Parameter.NIBP_MEAN, 1.0, 97)
    nibp = store.nibp()
    assert len(nibp) == 1 and nibp.mean[0] == 97


def test_memory_is_bounded_and_the_whole_session_stays_covered():
    store = TrendStore(max_points=1000, initial_capacity=16)
    n = 20_000
    for i in range(n):
        store.add(Parameter.HR, i / 60, 60 + (i % 2) * 10)  # alternating 60/70
    x, y = store.series(Parameter.HR)
    assert len(x) <= 1000
    assert x[0] == 0.0 and x[-1] > (n - 100) / 60  # still from the start to (almost) now
    assert np.all(np.diff(x) > 0)
    assert np.allclose(y, 65.0)  # averaged, never invented
    assert store.resolution(Parameter.HR) > 1


def test_default_capacity_is_a_day_at_one_hertz():
    assert MAX_POINTS == 24 * 3600


def test_a_long_gap_survives_decimation():
    store = TrendStore(max_points=100, initial_capacity=8)
    for i in range(400):
        value = None if 200 <= i < 260 else 70.0
        store.add(Parameter.HR, i / 60, value)
    x, y = store.series(Parameter.HR)
    gap = (x >= 200 / 60) & (x < 256 / 60)
    assert gap.any() and np.isnan(y[gap]).all()
    assert np.isfinite(y[~gap & (x < 195 / 60)]).all()


def test_shift_moves_points_and_markers_when_the_origin_moves():
    store = TrendStore()
    store.add(Parameter.HR, -1.0, 70)
    add_nibp(store, -1.0, 120, 80, 93)
    store.add_marker(-0.5, "annotation", "Anxiety")
    store.shift(-5.0)
    assert store.series(Parameter.HR)[0][0] == -6.0
    assert store.nibp().minutes[0] == -6.0
    assert store.markers()[0].minutes == -5.5
    store.add(Parameter.HR, -5.9, 71)  # new points arrive in the new frame
    assert store.series(Parameter.HR)[0] == pytest.approx([-6.0, -5.9])


def test_markers_keep_kind_and_text_and_reject_unknown_kinds():
    store = TrendStore()
    store.add_marker(0.0, "phase", "infusion")
    store.add_marker(3.0, "alarm", "*** HR HIGH")
    store.add_marker(4.0, "annotation", "Nausea")
    assert [(m.kind, m.text) for m in store.markers(frozenset({"alarm", "annotation"}))] == [
        ("alarm", "*** HR HIGH"), ("annotation", "Nausea"),
    ]
    with pytest.raises(ValueError):
        store.add_marker(1.0, "note", "x")


def test_version_changes_with_every_change():
    store = TrendStore()
    versions = [store.version]
    store.add(Parameter.HR, 0.0, 70)
    versions.append(store.version)
    store.add_marker(0.0, "annotation", "x")
    versions.append(store.version)
    store.shift(1.0)
    versions.append(store.version)
    assert versions == sorted(set(versions))

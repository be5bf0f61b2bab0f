"""The NIBP measurement times and the recovery medians, computed with numpy, against plain loops.

``measured_at`` and the summary's per-minute medians were loops over every reading;
they are whole-array numpy now (docs/BENCHMARKS.md: opening a 24-hour review). These
properties hold the numpy versions to the loops they replaced, reading by reading.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.readings import Parameter
from monitor.review.reader import Samples
from monitor.review.resample import MEASURING, OLDER, measured_at
from monitor.review.summary import RETURN_BIN_S, binned_medians


def reference_measured_at(samples: Samples) -> np.ndarray:
    """The rule of monitor.review.resample, one reading at a time (the loop it replaced)."""
    measured = np.full(len(samples.times), np.nan)
    current, last_value, cycle_seen = math.nan, math.nan, False
    for i, (t, value, flags) in enumerate(zip(samples.times.tolist(), samples.values.tolist(), samples.flags)):
        if math.isnan(value):
            continue
        if MEASURING in flags:
            cycle_seen = True
            measured[i] = current
            continue
        if cycle_seen or value != last_value:
            current = math.nan if OLDER in flags else t
            cycle_seen = False
        last_value = value
        measured[i] = current
    return measured


FLAG_SETS = [frozenset(), frozenset({MEASURING}), frozenset({OLDER}), frozenset({MEASURING, OLDER}),
             frozenset({"ARTIFACT"})]
reading = st.tuples(
    st.sampled_from([math.nan, 120.0, 121.0, 80.0, math.inf]),  # few values: repeats are common
    st.sampled_from(range(len(FLAG_SETS))),
    st.integers(0, 3),  # seconds to the next reading (0: the same time)
)


def samples_of(parameter: Parameter, items: list[tuple[float, int, int]]) -> Samples:
    times = np.cumsum([1000.0] + [step for _, _, step in items[:-1]]) if items else np.empty(0)
    values = np.array([value for value, _, _ in items], dtype=float)
    return Samples(parameter, np.asarray(times, dtype=float), values, tuple(FLAG_SETS[f] for _, f, _ in items))


@settings(max_examples=400, deadline=None)
@given(st.lists(reading, max_size=40))
def test_nibp_measurement_times_match_the_reading_by_reading_rule(items):
    samples = samples_of(Parameter.NIBP_SYS, items)
    np.testing.assert_array_equal(measured_at(samples), reference_measured_at(samples))


def test_a_continuous_parameter_is_measured_when_received():
    samples = samples_of(Parameter.HR, [(72.0, 0, 1), (math.nan, 0, 1), (73.0, 1, 1)])
    np.testing.assert_array_equal(measured_at(samples), [1000.0, np.nan, 1002.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 3 * RETURN_BIN_S, allow_nan=False), st.floats(40, 200)), max_size=60))
def test_binned_medians_are_numpy_medians_of_each_bin(points):
    points.sort()
    times = np.array([t for t, _ in points], dtype=float)
    values = np.array([v for _, v in points], dtype=float)
    since = 0.0
    starts, medians = binned_medians(times, values, since)
    bins = ((times - since) // RETURN_BIN_S).astype(int)
    expected = {}
    for b in dict.fromkeys(bins.tolist()):
        expected[since + b * RETURN_BIN_S] = float(np.median(values[bins == b]))
    assert starts == list(expected) and medians == list(expected.values())

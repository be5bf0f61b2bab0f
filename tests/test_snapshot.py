"""The chair snapshot a room panel and the central station draw (monitor/snapshot.py).

Expected values are written by hand from the readings fed in; the JSON side is
checked against damaged and forged payloads, because the central station shows
only what a bedside really sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.clock import ManualClock
from monitor.latest import Freshness, LatestValues
from monitor.readings import LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.session import InfusionSession, Phase
from monitor.snapshot import SnapshotError, make_snapshot, snapshot_from_json, snapshot_to_json

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def reading(parameter: Parameter, value: float | None, clock: ManualClock, quality=Quality.NONE) -> Reading:
    unit = {"HR": "/min", "SPO2": "%"}.get(parameter.value, "mmHg")
    return Reading(parameter, value, unit, clock.now(), "datex", quality)


def a_session() -> tuple[ManualClock, InfusionSession, LatestValues]:
    clock = ManualClock(T0)
    session = InfusionSession(clock, planned_infusion_s=2400)
    latest = LatestValues()
    for _ in range(10):  # five minutes of baseline: HR 70, one cuff 120/80 (90)
        for r in (reading(Parameter.HR, 70, clock),):
            latest.update(r)
            session.on_reading(r)
        clock.advance(30)
    for parameter, value in ((Parameter.NIBP_SYS, 120), (Parameter.NIBP_DIA, 80), (Parameter.NIBP_MEAN, 90)):
        r = reading(parameter, value, clock)
        latest.update(r)
        session.on_reading(r)
    session.start_infusion()
    clock.advance(28 * 60 + 59)  # infusion 28:59 / 40:00
    latest.update(reading(Parameter.HR, 95, clock))
    return clock, session, latest


def test_a_snapshot_shows_each_measurement_with_its_change_from_baseline():
    clock, session, latest = a_session()
    link = LinkEvent(LinkState.RECEIVING, "Receiving datex data.", clock.now())
    snap = make_snapshot("Chair 1", "K-0142", session.view(), latest, (), link, clock.now())
    assert (snap.bed, snap.patient, snap.phase, snap.link) == ("Chair 1", "K-0142", Phase.INFUSION, "receiving")
    assert snap.infusion_elapsed_s == 28 * 60 + 59 and snap.planned_infusion_s == 2400
    hr = snap.measurement("HR")
    assert hr.values == (95,) and hr.baseline == (70,) and hr.deltas() == (25,) and hr.current
    nibp = snap.measurement("NIBP")
    assert nibp.values == (120, 80, 90) and nibp.baseline == (120, 80, 90)
    assert nibp.age_s == 28 * 60 + 59  # measured when the infusion started: older than its 20 min
    assert nibp.freshness is Freshness.STALE and nibp.deltas() == (None, None, None)
    assert snap.measurement("ART") is None  # never sent: no panel line for it
    assert snap.top_priority is None


def test_a_value_that_went_stale_is_carried_without_a_change_from_baseline():
    clock, session, latest = a_session()
    clock.advance(16)  # HR older than its 15 s
    snap = make_snapshot("Chair 1", "", session.view(), latest, (), None, clock.now())
    hr = snap.measurement("HR")
    assert hr.freshness is Freshness.STALE and hr.deltas() == (None,)
    assert snap.link == "connecting"


def test_the_json_round_trip_gives_the_same_snapshot():
    clock, session, latest = a_session()
    snap = make_snapshot("Chair 1", "K-0142", session.view(), latest, (), None, clock.now(), notice="check due")
    text = json.dumps(snapshot_to_json(snap))
    assert snapshot_from_json(json.loads(text)) == snap


def _valid() -> dict:
    clock, session, latest = a_session()
    return snapshot_to_json(make_snapshot("Chair 1", "K-0142", session.view(), latest, (), None, clock.now()))


@pytest.mark.parametrize("damage, says", [
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.update(bed=""), "bed"),
    (lambda d: d.update(phase="dancing"), "phase"),
    (lambda d: d["measurements"][0].update(values=[1e9]), "plausible"),
    (lambda d: d["measurements"][0].update(values=[float("nan")]), "finite"),
    (lambda d: d["measurements"][0].update(values=[True]), "finite"),
    (lambda d: d["measurements"][0].update(values=[70, 71]), "one value per parameter"),
    (lambda d: d["measurements"][0].update(key="XYZ"), "unknown measurement"),
    (lambda d: d.update(at="yesterday"), "ISO-8601"),
    (lambda d: d.update(at="2026-12-07T09:00:00"), "zone"),
    (lambda d: d.update(alarms=[{"condition": "HR_HIGH", "priority": "urgent", "status": "active"}]), "priority"),
    (lambda d: d.update(measurements="HR 70"), "list"),
    (lambda d: d.update(link_message="x" * 501), "at most"),
])
def test_a_damaged_or_forged_payload_is_refused_with_what_is_wrong(damage, says):
    data = _valid()
    damage(data)
    with pytest.raises(SnapshotError, match=says):
        snapshot_from_json(data)


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                 max_size=6), max_leaves=30))
def test_any_json_is_either_a_snapshot_or_refused_never_a_crash(data):
    try:
        snapshot_from_json(data)
    except SnapshotError:
        pass

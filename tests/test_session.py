"""The session model without Qt: phases, timing, baseline, annotations, the scenario timeline."""

from __future__ import annotations

import logging
import math
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.simulator.scenario import ScenarioRun, TimelineEvent, load_scenario
from monitor.baseline import BASELINE_WINDOW_S
from monitor.clock import ManualClock
from monitor.readings import NOT_A_NUMBER, UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.session import (
    MAX_ANNOTATION_CHARS,
    QUICK_ANNOTATIONS,
    Annotation,
    InfusionSession,
    Phase,
    PhaseChange,
    SessionError,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def make_session(planned_s: float = 2400) -> tuple[InfusionSession, ManualClock, list]:
    clock = ManualClock(T0)
    events: list = []
    session = InfusionSession(clock, planned_infusion_s=planned_s, on_event=events.append)
    return session, clock, events


def reading(
    clock: ManualClock, parameter: Parameter, value: float | None, quality: Quality = Quality.NONE
) -> Reading:
    return Reading(parameter, value, UNITS[parameter], clock.now(), "datex", quality)


# -- phases ------------------------------------------------------------------------------------


def test_a_new_session_is_in_baseline_and_says_so_once():
    session, _, events = make_session()
    assert session.phase is Phase.BASELINE
    assert events == [PhaseChange(Phase.BASELINE, T0, "nurse")]


def test_the_scenario_can_open_the_session():
    events: list = []
    InfusionSession(ManualClock(T0), on_event=events.append, by="scenario")
    assert events[0].by == "scenario"


def test_a_whole_session_emits_each_phase_change_once_in_order():
    session, clock, events = make_session()
    clock.advance(300)
    start = session.start_infusion()
    clock.advance(2400)
    stop = session.stop_infusion()
    clock.advance(3600)
    end = session.end_session()
    assert [e.phase for e in events] == list(Phase)
    assert events[1:] == [start, stop, end]
    assert [e.at for e in events] == [T0 + timedelta(seconds=s) for s in (0, 300, 2700, 6300)]
    assert session.events == tuple(events)


def test_a_session_may_end_without_an_infusion():
    session, clock, _ = make_session()
    clock.advance(120)
    session.end_session()
    view = session.view()
    assert view.phase is Phase.ENDED and view.infusion_started_at is None
    assert view.infusion_elapsed_s is None and view.recovery_elapsed_s is None


def _to_infusion(s: InfusionSession) -> None:
    s.start_infusion()


def _to_recovery(s: InfusionSession) -> None:
    s.start_infusion()
    s.stop_infusion()


def _to_ended(s: InfusionSession) -> None:
    _to_recovery(s)
    s.end_session()


@pytest.mark.parametrize(
    ("setup", "command", "message"),
    [
        (lambda s: None, "stop_infusion", "has not started"),
        (_to_infusion, "start_infusion", "already started"),
        (_to_infusion, "end_session", "Stop the infusion"),
        (_to_recovery, "start_infusion", "already been given"),
        (_to_recovery, "stop_infusion", "already been stopped"),
        (_to_ended, "start_infusion", "session has ended"),
        (_to_ended, "stop_infusion", "session has ended"),
        (_to_ended, "end_session", "already ended"),
    ],
)
def test_invalid_transitions_are_refused_with_a_sentence_and_change_nothing(
    setup, command, message
):
    session, _, events = make_session()
    setup(session)
    phase, emitted = session.phase, len(events)
    with pytest.raises(SessionError, match=message):
        getattr(session, command)()
    assert session.phase is phase and len(events) == emitted


def test_can_change_to_matches_what_the_commands_accept():
    session, _, _ = make_session()
    assert session.can_change_to(Phase.INFUSION) and session.can_change_to(Phase.ENDED)
    assert not session.can_change_to(Phase.RECOVERY)
    session.start_infusion()
    assert session.can_change_to(Phase.RECOVERY) and not session.can_change_to(Phase.ENDED)


def test_an_unknown_actor_is_a_programming_error_and_changes_nothing():
    session, _, events = make_session()
    with pytest.raises(ValueError):
        session.start_infusion(by="pump")
    assert session.phase is Phase.BASELINE and len(events) == 1


@pytest.mark.parametrize("planned", [0, -1, math.nan, math.inf])
def test_planned_infusion_must_be_a_positive_number(planned):
    with pytest.raises(ValueError):
        InfusionSession(ManualClock(T0), planned_infusion_s=planned)


def test_a_failing_listener_does_not_undo_or_hide_the_phase_change(caplog):
    def broken(event):
        raise RuntimeError("widget bug")

    session = InfusionSession(ManualClock(T0), on_event=broken)
    with caplog.at_level(logging.ERROR):
        change = session.start_infusion()
    assert change.phase is Phase.INFUSION and session.phase is Phase.INFUSION
    assert "widget bug" in caplog.text


# -- timing ------------------------------------------------------------------------------------


def test_timing_fields_across_the_whole_session():
    session, clock, _ = make_session(planned_s=2400)
    clock.advance(300)
    v = session.view()
    assert (v.phase, v.phase_elapsed_s, v.started_at) == (Phase.BASELINE, 300, T0)
    assert v.infusion_elapsed_s is None and v.infusion_remaining_s is None
    assert v.infusion_progress == 0 and v.recovery_elapsed_s is None
    assert v.planned_infusion_s == 2400

    session.start_infusion()
    clock.advance(600)
    v = session.view()
    assert v.infusion_started_at == T0 + timedelta(seconds=300)
    assert (v.phase_elapsed_s, v.infusion_elapsed_s, v.infusion_remaining_s) == (600, 600, 1800)
    assert v.infusion_progress == 0.25 and v.recovery_elapsed_s is None

    clock.advance(1800)
    v = session.view()
    assert (v.infusion_remaining_s, v.infusion_progress) == (0, 1.0)

    clock.advance(120)  # overrun: remaining goes negative, progress stays full
    v = session.view()
    assert (v.infusion_elapsed_s, v.infusion_remaining_s, v.infusion_progress) == (2520, -120, 1.0)

    session.stop_infusion()
    clock.advance(600)
    v = session.view()
    assert v.phase is Phase.RECOVERY and v.infusion_stopped_at == T0 + timedelta(seconds=2820)
    assert (v.phase_elapsed_s, v.recovery_elapsed_s) == (600, 600)
    assert (v.infusion_elapsed_s, v.infusion_remaining_s) == (2520, -120)  # frozen at the stop

    session.end_session()
    clock.advance(100)
    v = session.view()
    assert v.ended_at == T0 + timedelta(seconds=3420)
    assert (v.phase_elapsed_s, v.recovery_elapsed_s, v.infusion_elapsed_s) == (100, 600, 2520)


def test_an_early_stop_leaves_positive_remaining_time_and_partial_progress():
    session, clock, _ = make_session(planned_s=1200)
    session.start_infusion()
    clock.advance(900)
    session.stop_infusion()
    clock.advance(60)
    v = session.view()
    assert (v.infusion_elapsed_s, v.infusion_remaining_s, v.infusion_progress) == (900, 300, 0.75)


def test_chart_minutes_are_relative_to_now_before_the_infusion_and_to_its_start_after():
    session, clock, _ = make_session()
    clock.advance(240)
    assert session.minutes_at(T0) == -4.0
    assert session.minutes_at(clock.now()) == 0.0
    session.start_infusion()
    clock.advance(600)
    assert session.minutes_at(T0) == -4.0  # now fixed to the infusion start
    assert session.minutes_at(clock.now()) == 10.0


# -- baseline ----------------------------------------------------------------------------------


def test_continuous_baseline_is_the_median_of_the_last_five_minutes():
    session, clock, _ = make_session()
    for _ in range(120):  # arrival: fast heart rate, outside the window later
        session.on_reading(reading(clock, Parameter.HR, 110))
        clock.advance(5)
    for value in [70, 72, 71, 150, 73] * 12:  # settled, one artefact spike every 25 s
        session.on_reading(reading(clock, Parameter.HR, value))
        clock.advance(5)
    assert session.baseline() == {Parameter.HR: 72.0}


def test_absent_invalid_and_doubtful_values_never_enter_the_baseline():
    session, clock, _ = make_session()
    for quality in (Quality.ABSENT, Quality.INVALID, Quality.SENSOR_OFF, Quality.OVER_RANGE):
        session.on_reading(reading(clock, Parameter.SPO2, None, quality))
        clock.advance(1)
    for quality in (Quality.LOW_PERFUSION, Quality.INTERFERENCE, Quality.DEMO, Quality.CALIBRATING):
        session.on_reading(reading(clock, Parameter.SPO2, 80, quality))
        clock.advance(1)
    session.on_reading(reading(clock, Parameter.HR, math.nan))
    assert session.baseline() == {}
    session.on_reading(reading(clock, Parameter.SPO2, 97))
    assert session.baseline() == {Parameter.SPO2: 97.0}


def test_baseline_forms_live_and_is_frozen_at_infusion_start():
    session, clock, _ = make_session()
    session.on_reading(reading(clock, Parameter.HR, 70))
    assert session.view().baseline == {Parameter.HR: 70.0}
    clock.advance(10)
    session.on_reading(reading(clock, Parameter.HR, 74))
    assert session.view().baseline == {Parameter.HR: 72.0}  # the nurse sees it forming

    session.start_infusion()
    for _ in range(100):
        clock.advance(5)
        session.on_reading(reading(clock, Parameter.HR, 95))
    clock.advance(3600)
    assert session.baseline() == {Parameter.HR: 72.0}
    session.stop_infusion()
    assert session.view().baseline == {Parameter.HR: 72.0}


def test_the_live_baseline_window_moves_with_the_clock():
    session, clock, _ = make_session()
    session.on_reading(reading(clock, Parameter.HR, 70))
    clock.advance(BASELINE_WINDOW_S + 1)  # nothing new: that reading has left the window
    assert session.baseline() == {}


def test_nibp_baseline_counts_measurements_not_repeats():
    session, clock, _ = make_session()

    def cuff_cycle(value: float, repeats: int) -> None:
        inflating = Quality.ABSENT | Quality.NIBP_MEASURING  # no result yet, cuff inflating
        session.on_reading(reading(clock, Parameter.NIBP_SYS, None, inflating))
        clock.advance(25)
        for _ in range(repeats):  # the monitor repeats the result every record
            session.on_reading(reading(clock, Parameter.NIBP_SYS, value))
            clock.advance(5)

    cuff_cycle(150, 1)  # anxious first measurement, shown once
    cuff_cycle(124, 30)  # repeated 30 times: still one measurement
    cuff_cycle(128, 2)
    assert session.baseline() == {Parameter.NIBP_SYS: 128.0}  # median of 150, 124, 128
    cuff_cycle(122, 2)  # only the last three count: 124, 128, 122
    assert session.baseline() == {Parameter.NIBP_SYS: 124.0}


def test_a_new_cuff_cycle_with_the_same_result_is_a_new_measurement():
    session, clock, _ = make_session()
    for value in (120, 120, 140):
        session.on_reading(reading(clock, Parameter.NIBP_SYS, value))
        clock.advance(5)
    assert session.baseline() == {Parameter.NIBP_SYS: 130.0}  # repeats: 120 and 140 only
    # the cuff inflates (previous value shown while measuring) and measures 120 again
    session.on_reading(reading(clock, Parameter.NIBP_SYS, 140, Quality.NIBP_MEASURING))
    session.on_reading(reading(clock, Parameter.NIBP_SYS, 140))
    assert session.baseline() == {Parameter.NIBP_SYS: 140.0}  # 120, 140, 140


def test_a_nibp_left_on_the_monitor_from_before_the_session_is_not_a_baseline():
    session, clock, _ = make_session()
    for _ in range(10):
        session.on_reading(reading(clock, Parameter.NIBP_SYS, 165, Quality.OLDER_THAN_60S))
        clock.advance(5)
    assert session.baseline() == {}
    session.on_reading(reading(clock, Parameter.NIBP_SYS, 126))
    assert session.baseline() == {Parameter.NIBP_SYS: 126.0}


def test_an_old_nibp_measurement_still_counts_within_the_baseline_period():
    session, clock, _ = make_session()
    session.on_reading(reading(clock, Parameter.NIBP_DIA, 80))
    clock.advance(2 * BASELINE_WINDOW_S)  # the cuff cycles far less often than every 5 min
    session.start_infusion()
    assert session.baseline() == {Parameter.NIBP_DIA: 80.0}


# -- annotations -------------------------------------------------------------------------------


def test_annotations_are_trimmed_stamped_and_emitted():
    session, clock, events = make_session()
    clock.advance(30)
    note = session.annotate("  Patient asks for a blanket \n")
    assert note == Annotation(T0 + timedelta(seconds=30), "Patient asks for a blanket", "free")
    assert events[-1] is note
    quick = session.annotate(QUICK_ANNOTATIONS[0], kind="quick")
    assert quick.kind == "quick"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_annotations_are_refused(text):
    session, _, events = make_session()
    with pytest.raises(SessionError):
        session.annotate(text)
    assert len(events) == 1


def test_overlong_annotations_are_refused_not_cut():
    session, _, _ = make_session()
    session.annotate("x" * MAX_ANNOTATION_CHARS)
    with pytest.raises(SessionError, match=str(MAX_ANNOTATION_CHARS)):
        session.annotate("x" * (MAX_ANNOTATION_CHARS + 1))


def test_annotation_kind_must_be_quick_or_free():
    session, _, _ = make_session()
    with pytest.raises(ValueError):
        session.annotate("Nausea", kind="alarm")


def test_no_annotation_after_the_session_ended():
    session, _, _ = make_session()
    session.end_session()
    with pytest.raises(SessionError, match="ended"):
        session.annotate("Too late")


def test_quick_annotations_are_distinct_short_labels():
    assert len(set(QUICK_ANNOTATIONS)) == len(QUICK_ANNOTATIONS) >= 2
    assert all(0 < len(label) <= 24 for label in QUICK_ANNOTATIONS)


def test_phase_changes_and_annotations_land_in_the_recording(tmp_path):
    path = tmp_path / "session.irm.sqlite"
    recorder = SessionRecorder(path, {"protocol": "datex"})
    clock = ManualClock(T0)
    session = InfusionSession(clock, on_event=recorder.add)
    clock.advance(300)
    session.start_infusion()
    clock.advance(600)
    session.annotate("Nausea", kind="quick")
    session.annotate("Ondansetron 4 mg IV", kind="free")
    clock.advance(1800)
    session.stop_infusion(by="scenario")
    clock.advance(3600)
    session.end_session()
    recorder.close()

    db = sqlite3.connect(path)
    phases = db.execute("SELECT host_time, phase, by FROM phase_changes ORDER BY id").fetchall()
    t0 = T0.timestamp()
    assert phases == [
        (t0, "baseline", "nurse"),
        (t0 + 300, "infusion", "nurse"),
        (t0 + 2700, "recovery", "scenario"),
        (t0 + 6300, "ended", "nurse"),
    ]
    notes = db.execute("SELECT host_time, kind, text FROM annotations ORDER BY id").fetchall()
    assert notes == [(t0 + 900, "quick", "Nausea"), (t0 + 900, "free", "Ondansetron 4 mg IV")]


def test_json_forms_for_the_headless_stream():
    at = T0 + timedelta(seconds=1.5)
    assert PhaseChange(Phase.INFUSION, at, "scenario").as_json() == {
        "type": "phase", "time": "2026-11-22T08:00:01.500000Z",
        "phase": "infusion", "by": "scenario",
    }
    assert Annotation(T0, "Nausea", "quick").as_json() == {
        "type": "annotation", "time": "2026-11-22T08:00:00Z", "kind": "quick", "text": "Nausea",
    }


def test_event_times_must_be_timezone_aware():
    with pytest.raises(ValueError):
        PhaseChange(Phase.BASELINE, datetime(2026, 1, 1), "nurse")
    with pytest.raises(ValueError):
        Annotation(datetime(2026, 1, 1), "Nausea", "quick")


# -- the scenario's timeline -------------------------------------------------------------------


def run_scenario_timeline(session: InfusionSession, clock: ManualClock, run: ScenarioRun,
                          until_s: float, step_s: float = 10) -> None:
    """What the app does: each tick, apply the events of the window since the last tick."""
    last = (clock.now() - run.start).total_seconds()
    while last < until_s:
        clock.advance(step_s)
        now_s = (clock.now() - run.start).total_seconds()
        session.apply_scenario_events(run.events_between(last, now_s))
        last = now_s


def test_the_scenario_timeline_drives_the_phases_exactly_once():
    clock = ManualClock(T0)
    events: list = []
    session = InfusionSession(clock, on_event=events.append, by="scenario")
    run = ScenarioRun(load_scenario("ketamine-typical"), seed=1, start=clock.now())

    run_scenario_timeline(session, clock, run, until_s=600)
    assert session.phase is Phase.INFUSION
    run_scenario_timeline(session, clock, run, until_s=6300)
    assert session.phase is Phase.RECOVERY  # the end of the session stays the nurse's decision

    changes = [e for e in events if isinstance(e, PhaseChange)]
    assert [(c.phase, c.by) for c in changes] == [
        (Phase.BASELINE, "scenario"), (Phase.INFUSION, "scenario"), (Phase.RECOVERY, "scenario"),
    ]
    # stamped when applied: at most one tick (10 s) after the scenario's time
    offsets = [(c.at - T0).total_seconds() for c in changes[1:]]
    assert 300 <= offsets[0] <= 310 and 2700 <= offsets[1] <= 2710
    assert session.apply_scenario_events(run.scenario.events) == []  # replaying changes nothing


def test_scenario_events_that_no_longer_apply_are_skipped():
    session, _, events = make_session()
    session.start_infusion()  # the nurse was quicker than the scenario
    applied = session.apply_scenario_events([
        TimelineEvent(300, "infusion_start", "Infusion started"),
        TimelineEvent(400, "annotation", "Expected: no alarm"),
        TimelineEvent(450, "bolus", "not a kind we know"),
        TimelineEvent(2700, "infusion_stop", "Infusion stopped"),
        TimelineEvent(2800, "infusion_stop", "Infusion stopped"),
    ])
    assert [type(e).__name__ for e in applied] == ["Annotation", "PhaseChange"]
    assert applied[0].text == "Expected: no alarm" and applied[0].kind == "free"
    assert applied[1] == PhaseChange(Phase.RECOVERY, applied[1].at, "scenario")
    assert [e.phase for e in events if isinstance(e, PhaseChange)] == [
        Phase.BASELINE, Phase.INFUSION, Phase.RECOVERY,
    ]


# -- property: the baseline is a value the patient actually showed -------------------------------

QUALITIES = st.sampled_from([
    Quality.NONE, Quality.ABSENT, Quality.INVALID, Quality.SENSOR_OFF, Quality.LOW_PERFUSION,
    Quality.OLDER_THAN_60S, Quality.NIBP_MEASURING, Quality.DEMO,
])
VALUES = st.one_of(
    st.none(),
    st.just(math.nan),
    st.floats(min_value=0, max_value=300, allow_nan=False),
)
READINGS = st.lists(
    st.tuples(st.sampled_from(list(Parameter)), VALUES, QUALITIES, st.floats(0, 400)),
    max_size=60,
)


def _valid_reading(clock: ManualClock, parameter, value, quality) -> Reading:
    """Keep the Observation invariant: a number never carries a not-a-number flag."""
    if value is None:
        quality = quality if quality & NOT_A_NUMBER else quality | Quality.ABSENT
    else:
        quality = quality & ~NOT_A_NUMBER
    return reading(clock, parameter, value, quality)


@settings(max_examples=300, deadline=None)
@given(readings=READINGS, tail_s=st.floats(0, 400))
def test_baseline_lies_within_the_numeric_baseline_readings(readings, tail_s):
    session, clock, _ = make_session()
    seen: dict[Parameter, list[float]] = {}
    for parameter, value, quality, gap_s in readings:
        clock.advance(gap_s)
        session.on_reading(_valid_reading(clock, parameter, value, quality))
        if value is not None and math.isfinite(value):
            seen.setdefault(parameter, []).append(value)
    clock.advance(tail_s)
    live = session.baseline()
    session.start_infusion()
    frozen = session.baseline()
    clock.advance(60)
    session.on_reading(reading(clock, Parameter.HR, 999))  # after the start: ignored

    assert frozen == live == session.baseline()
    for parameter, value in frozen.items():
        assert math.isfinite(value)
        assert min(seen[parameter]) <= value <= max(seen[parameter])

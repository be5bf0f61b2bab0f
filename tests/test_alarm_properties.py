"""Properties of the alarm engine over generated limits, values and operator actions.

- No value beyond a limit for longer than its delay ever goes unalarmed.
- An alarm never leaves the display without a ``cleared`` event, and the log never
  acts on an alarm that was not raised.
- The log depends only on the inputs and their times, never on how ``tick`` is spaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.alarms import (
    AlarmCondition,
    AlarmEngine,
    AlarmEvent,
    AlarmStatus,
    EventType,
    ProfileError,
    profile_from_dict,
)
from monitor.clock import ManualClock
from monitor.readings import NOT_A_NUMBER, UNITS, LinkEvent, LinkState, Parameter, Quality, Reading
from tests.test_alarm_bench import T0

HR = Parameter.HR
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reading(clock: ManualClock, parameter: Parameter, value: float | None, quality: Quality = Quality.NONE) -> Reading:
    if value is None and not quality & NOT_A_NUMBER:
        quality |= Quality.INVALID
    return Reading(parameter, value, UNITS[parameter], clock.now(), "sim", quality)


# -- 1. nothing beyond a limit for longer than its delay goes unalarmed ----------------------
@st.composite
def hr_limits(draw: st.DrawFn) -> dict:
    medium = draw(st.integers(60, 200))
    high = draw(st.integers(medium + 1, 250))
    return {
        "above": {"medium": medium, "high": high},
        "delay_s": draw(st.integers(0, 30)),
        "high_delay_s": None,
        "hysteresis": draw(st.integers(0, 10)),
    }


values = st.one_of(st.none(), st.integers(40, 250).map(float))
gaps = st.sampled_from([0.5, 1.0, 2.0, 5.0])


@PROPERTY_SETTINGS
@given(limits=hr_limits(), steps=st.lists(st.tuples(gaps, values, st.booleans()), max_size=80))
def test_no_value_beyond_a_limit_for_longer_than_the_delay_goes_unalarmed(limits: dict, steps: list) -> None:
    limits = {k: v for k, v in limits.items() if v is not None}
    profile = profile_from_dict({"parameters": {"HR": limits}}, "generated.toml")
    clock = ManualClock(T0)
    engine = AlarmEngine(profile, clock)
    history: list[tuple[float, float | None]] = []
    for gap, value, tick in steps:
        engine.on_reading(reading(clock, HR, value))
        history.append((clock.monotonic(), value))
        for tier, limit in (("medium", limits["above"]["medium"]), ("high", limits["above"]["high"])):
            if _run_beyond(history, limit) >= limits["delay_s"]:
                state = next((s for s in engine.active() if s.condition is AlarmCondition.HR_HIGH), None)
                assert state is not None and not state.latched, (tier, history[-5:])
                assert state.priority.value in (("medium", "high") if tier == "medium" else ("high",))
        clock.advance(gap)
        if tick:
            engine.tick()


def _run_beyond(history: list[tuple[float, float | None]], limit: float) -> float:
    """How long the latest unbroken run of values strictly above ``limit`` has lasted (-1: none)."""
    start = None
    for t, value in reversed(history):
        if value is None or value <= limit:
            break
        start = t
    return -1.0 if start is None else history[-1][0] - start


# -- 2 and 3: a session of mixed inputs ------------------------------------------------------
@dataclass(frozen=True)
class Step:
    gap: float
    action: str
    arg: Any = None


ACTIONS = st.one_of(
    st.tuples(st.just("hr"), values),
    st.tuples(st.just("spo2"), st.one_of(st.none(), st.integers(75, 100).map(float))),
    st.tuples(st.just("nibp"), st.one_of(st.none(), st.just("cycle"), st.integers(70, 220).map(float))),
    st.tuples(st.just("ack"), st.sampled_from([None, AlarmCondition.HR_HIGH, AlarmCondition.LINK_LOST])),
    st.tuples(st.just("pause"), st.sampled_from([None, 30.0, 500.0])),
    st.tuples(st.just("resume"), st.none()),
    st.tuples(st.just("audio"), st.booleans()),
    st.tuples(st.just("recording"), st.booleans()),
    st.tuples(st.just("link"), st.sampled_from([LinkState.RECEIVING, LinkState.SILENT, LinkState.DISCONNECTED])),
    st.tuples(st.just("phase"), st.sampled_from(["baseline", "infusion", "recovery"])),
)
SESSIONS = st.lists(
    st.builds(lambda gap, act: Step(gap, act[0], act[1]), st.sampled_from([0.0, 1.0, 3.0, 7.0, 40.0]), ACTIONS),
    max_size=60,
)


def apply(engine: AlarmEngine, clock: ManualClock, step: Step) -> list[AlarmEvent]:
    a, arg = step.action, step.arg
    if a == "hr":
        return engine.on_reading(reading(clock, HR, arg))
    if a == "spo2":
        return engine.on_reading(reading(clock, Parameter.SPO2, arg))
    if a == "nibp":
        if arg == "cycle":
            return engine.on_reading(reading(clock, Parameter.NIBP_SYS, None, Quality.NIBP_MEASURING | Quality.ABSENT))
        return engine.on_reading(reading(clock, Parameter.NIBP_SYS, arg))
    if a == "ack":
        return engine.acknowledge(arg, by="prop")
    if a == "pause":
        return engine.pause_audio(arg)
    if a == "resume":
        return engine.resume_audio()
    if a == "audio":
        return engine.on_audio(arg)
    if a == "recording":
        return engine.on_recording(arg)
    if a == "link":
        return engine.on_link(LinkEvent(arg, str(arg), clock.now()))
    return engine.set_phase(arg)


class SetClock(ManualClock):
    """A ManualClock set to exact times, so both runs see each input at the very same float."""

    def __init__(self) -> None:
        super().__init__(T0)
        self._t = 0.0

    def set(self, t: float) -> None:
        self._t = t

    def monotonic(self) -> float:
        return self._t


def run_session(steps: list[Step], ticks_per_gap: int) -> tuple[list[AlarmEvent], AlarmEngine]:
    """Inputs at the same times whatever ``ticks_per_gap``; ticks in between (or at the same
    instant as the input when the gap is 0)."""
    from monitor.alarms import load_profile

    clock = SetClock()
    engine = AlarmEngine(load_profile("ketamine-infusion"), clock)
    log: list[AlarmEvent] = []
    t = 0.0
    for step in steps:
        for i in range(1, ticks_per_gap + 1):
            clock.set(t + step.gap * i / (ticks_per_gap + 1))
            log += engine.tick()
        t += step.gap
        clock.set(t)
        log += apply(engine, clock, step)
    clock.set(t + 300)
    log += engine.tick()
    return log, engine


@PROPERTY_SETTINGS
@given(steps=SESSIONS)
def test_no_alarm_leaves_without_a_cleared_event_and_none_acts_unraised(steps: list[Step]) -> None:
    log, engine = run_session(steps, ticks_per_gap=1)
    open_priority: dict[AlarmCondition, int] = {}
    for previous, event in zip([None, *log], log):
        assert previous is None or previous.time <= event.time, "log out of time order"
        condition = event.condition
        if condition is AlarmCondition.ALARM_SYSTEM or event.event is EventType.LIMIT_CHANGED:
            continue
        if event.event is EventType.CROSSED:  # a limit crossed, in the alarm its detail names
            shown_in = AlarmCondition(event.detail.rpartition("; in ")[2])
            assert shown_in in open_priority, f"{condition} crossed outside any alarm ({shown_in})"
            continue
        if event.event is EventType.RAISED:
            assert condition not in open_priority, f"{condition} raised twice"
            open_priority[condition] = event.priority.rank
            continue
        assert condition in open_priority, f"{event.event} of {condition} that was not raised"
        assert event.priority.rank >= open_priority[condition], "priority went down within an occurrence"
        open_priority[condition] = event.priority.rank
        if event.event is EventType.CLEARED:
            del open_priority[condition]
    shown = {s.condition for s in engine.active()}
    assert shown == set(open_priority)
    assert all(s.status in (AlarmStatus.ACTIVE, AlarmStatus.ACKNOWLEDGED) for s in engine.active())


@PROPERTY_SETTINGS
@given(steps=SESSIONS, ticks=st.integers(1, 4))
def test_the_log_does_not_depend_on_how_ticks_are_spaced(steps: list[Step], ticks: int) -> None:
    sparse, _ = run_session(steps, ticks_per_gap=0)
    dense, _ = run_session(steps, ticks_per_gap=ticks)
    assert [e.as_json() for e in dense] == [e.as_json() for e in sparse]


@PROPERTY_SETTINGS
@given(steps=SESSIONS)
def test_acknowledge_all_silences_everything_until_something_changes(steps: list[Step]) -> None:
    _, engine = run_session(steps, ticks_per_gap=0)
    engine.acknowledge()
    assert engine.should_sound() is None
    assert all(s.status is AlarmStatus.ACKNOWLEDGED for s in engine.active())


@PROPERTY_SETTINGS
@given(
    medium=st.integers(20, 260), high=st.integers(20, 260), low=st.integers(20, 260),
    hysteresis=st.integers(0, 30), delay=st.integers(-5, 90),
)
def test_any_profile_that_loads_is_one_the_engine_can_run(
    medium: int, high: int, low: int, hysteresis: int, delay: int
) -> None:
    data = {"parameters": {"HR": {
        "above": {"medium": medium, "high": high}, "below": {"medium": low},
        "hysteresis": hysteresis, "delay_s": delay,
    }}}
    try:
        profile = profile_from_dict(data, "generated.toml")
    except ProfileError as error:
        assert str(error).startswith("generated.toml: parameters.HR")
        return
    assert low < medium < high and 0 <= delay <= 60 and medium - low > 2 * hysteresis
    AlarmEngine(profile, ManualClock(T0)).on_reading(reading(ManualClock(T0), HR, float(high + 1)))

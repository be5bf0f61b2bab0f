"""The simulated patient and monitor over time: a scenario's deterministic run.

:class:`ScenarioRun` turns a :class:`~devices.simulator.scenario_model.Scenario`
into :class:`~devices.simulator.snapshot.Snapshot` objects.

``ScenarioRun.snapshot(t)`` is a *pure* function of (scenario, seed, start, t):
noise comes from hashing (seed, channel, integer step) and interpolating
smoothly between those lattice values, never from a shared random stream. So a
QA run can be replayed exactly, seeked, or sampled at any rate or order, and
two protocol devices fed by the same run agree on every value.

This module is also the simulator's front door for scenarios: it re-exports the
model (:mod:`devices.simulator.scenario_model`) and the loader
(:mod:`devices.simulator.scenario_loader`, which reads and validates files; see
``docs/scenario-format.md`` for the format). Neither of those imports this one.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from devices.simulator.scenario_loader import builtin_scenarios, load_scenario
from devices.simulator.scenario_model import (
    EVENT_KINDS,
    FAULT_KINDS,
    LINE_FAULT_KINDS,
    MIN_PULSE_PRESSURE_MMHG,
    Fault,
    Scenario,
    ScenarioError,
    TimelineEvent,
    Trajectory,
    lattice_value,
    smooth_noise,
)
from devices.simulator.snapshot import NibpResult, Snapshot
from monitor.readings import Parameter

PR_LAG_S = 2.0  # the oximeter's pulse rate trails the ECG heart rate (averaging)
PR_WOBBLE = 1.0  # peak PR-vs-HR difference besides the lag, /min
PR_WOBBLE_PERIOD_S = 3.0

# Hard physical clamps after noise: validation keeps trajectories well inside these.
_CLAMPS: dict[Parameter, tuple[float, float]] = {
    Parameter.HR: (20.0, 250.0),
    Parameter.PR: (20.0, 250.0),
    Parameter.SPO2: (40.0, 100.0),
    Parameter.ART_SYS: (40.0, 300.0),
    Parameter.ART_DIA: (20.0, 200.0),
    Parameter.RR: (0.0, 100.0),
    Parameter.ETCO2: (0.0, 120.0),
    Parameter.TEMP: (28.0, 44.0),
}


def _clamp(parameter: Parameter, value: float) -> float:
    low, high = _CLAMPS[parameter]
    return min(high, max(low, value))


def _mean_of(sys: float, dia: float) -> float:
    """Mean arterial pressure the way monitors estimate it: dia + pulse pressure / 3."""
    return float(round(dia + (sys - dia) / 3.0))


class ScenarioRun:
    """One playback of a scenario with a seed and a start time.

    Every method is a pure function of the constructor arguments and its own
    arguments, so callers may ask for any time in any order.
    """

    def __init__(self, scenario: Scenario, seed: int, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        self.scenario = scenario
        self.seed = seed
        self.start = start

    # -- public API ----------------------------------------------------------

    def snapshot(self, elapsed_s: float) -> Snapshot:
        """The monitor's state ``elapsed_s`` simulated seconds after ``start``."""
        _check_elapsed(elapsed_s)
        t = self._held(elapsed_s)
        off = self._sensors_off(t)
        sensor_off = Parameter.SPO2 in off
        trajectories = self.scenario.trajectories
        return Snapshot(
            device_time=self.start + timedelta(seconds=elapsed_s),
            elapsed_s=float(elapsed_s),
            hr=float(round(self._hr_raw(t))),
            pr=None if sensor_off else float(round(self._pr_raw(t))),
            spo2=None if sensor_off else self._spo2(t),
            art=self._art(t) if self.scenario.arterial_line else None,
            nibp=self._last_nibp(elapsed_s),
            nibp_measuring=self._nibp_measuring(elapsed_s),
            sensor_off=sensor_off,
            invalid=self._invalid(t),
            rr=self._rounded(Parameter.RR, t),
            etco2=None if Parameter.ETCO2 in off else self._rounded(Parameter.ETCO2, t),
            temp=None if Parameter.TEMP in off else self._rounded(Parameter.TEMP, t, digits=1),
            capnograph=Parameter.ETCO2 in trajectories,
            thermometer=Parameter.TEMP in trajectories,
            sensors_off=off - {Parameter.SPO2},
            ambient_mmhg=self.scenario.ambient_mmhg,
        )

    def line_faults(self, elapsed_s: float) -> tuple[Fault, ...]:
        """Byte-level faults the endpoint runner must apply at ``elapsed_s``."""
        _check_elapsed(elapsed_s)
        t = self._held(elapsed_s)
        return tuple(
            f for f in self.scenario.faults if f.kind in LINE_FAULT_KINDS and f.active_at(t)
        )

    def events_between(self, t0: float, t1: float) -> tuple[TimelineEvent, ...]:
        """Timeline events with ``t0 <= at_s < t1``: consecutive windows never repeat one."""
        return tuple(e for e in self.scenario.events if t0 <= e.at_s < t1)

    def phase_at(self, elapsed_s: float) -> str:
        return self.scenario.phase_at(self._held(elapsed_s))

    # -- vital signs ---------------------------------------------------------

    def _held(self, elapsed_s: float) -> float:
        """Scenario time: elapsed time, frozen at ``duration_s`` once it has passed."""
        duration = self.scenario.duration_s
        return elapsed_s if duration is None else min(elapsed_s, duration)

    def _value(self, parameter: Parameter, t: float) -> float:
        trajectory = self.scenario.trajectories[parameter]
        return _clamp(parameter, trajectory.value_at(t, self.seed, parameter.value))

    def _hr_raw(self, t: float) -> float:
        return self._value(Parameter.HR, t)

    def _pr_raw(self, t: float) -> float:
        """PR from its own trajectory, or the HR a moment ago plus a small wobble."""
        if Parameter.PR in self.scenario.trajectories:
            return self._value(Parameter.PR, t)
        wobble = PR_WOBBLE * smooth_noise(self.seed, "PR:wobble", t, PR_WOBBLE_PERIOD_S)
        return _clamp(Parameter.PR, self._hr_raw(t - PR_LAG_S) + wobble)

    def _rounded(self, parameter: Parameter, t: float, digits: int = 0) -> float | None:
        """The value as the monitor shows it; None if the scenario's monitor does not measure it."""
        if parameter not in self.scenario.trajectories:
            return None
        return float(round(self._value(parameter, t), digits))

    def _spo2(self, t: float) -> float:
        return float(min(100, round(self._value(Parameter.SPO2, t))))

    def _bp_raw(self, t: float) -> tuple[float, float]:
        """The patient's arterial systolic and diastolic pressure, kept a pulse pressure apart."""
        sys = self._value(Parameter.ART_SYS, t)
        dia = self._value(Parameter.ART_DIA, t)
        return sys, min(dia, sys - MIN_PULSE_PRESSURE_MMHG)

    def _art(self, t: float) -> tuple[float, float, float]:
        sys, dia = self._bp_raw(t)
        sys_r, dia_r = float(round(sys)), float(round(dia))
        return sys_r, dia_r, _mean_of(sys_r, dia_r)

    # -- NIBP cuff cycle -----------------------------------------------------

    def _cycle_start(self, k: int) -> float:
        return self.scenario.nibp_first_s + k * self.scenario.nibp_interval_s

    def _completed_before(self, elapsed_s: float) -> int:
        """Index of the last measurement completed at or before ``elapsed_s`` (-1: none)."""
        sc = self.scenario
        limit = self._held(elapsed_s)
        since_first = limit - sc.nibp_first_s - sc.nibp_inflation_s
        return -1 if since_first < 0 else math.floor(since_first / sc.nibp_interval_s)

    def _last_nibp(self, elapsed_s: float) -> NibpResult | None:
        k = self._completed_before(elapsed_s)
        return None if k < 0 else self._nibp_result(k)

    def _nibp_result(self, k: int) -> NibpResult:
        """Measurement ``k``: the arterial pressure at completion plus cuff measurement error."""
        sc = self.scenario
        done_s = self._cycle_start(k) + sc.nibp_inflation_s
        sys, dia = self._bp_raw(done_s)
        sys += sc.nibp_noise_mmhg * lattice_value(self.seed, "NIBP_SYS:measurement", k)
        dia += sc.nibp_noise_mmhg * lattice_value(self.seed, "NIBP_DIA:measurement", k)
        sys_r = float(round(_clamp(Parameter.ART_SYS, sys)))
        dia_r = float(round(min(dia, sys_r - MIN_PULSE_PRESSURE_MMHG)))
        return NibpResult(
            sys=sys_r,
            dia=dia_r,
            mean=_mean_of(sys_r, dia_r),
            measured_at=self.start + timedelta(seconds=done_s),
        )

    def _nibp_measuring(self, elapsed_s: float) -> bool:
        """True while the cuff inflates; the cycle stops (no new inflation) after duration_s."""
        sc = self.scenario
        if sc.duration_s is not None and elapsed_s >= sc.duration_s:
            return False
        since_first = elapsed_s - sc.nibp_first_s
        if since_first < 0:
            return False
        into_cycle = since_first - math.floor(since_first / sc.nibp_interval_s) * sc.nibp_interval_s
        return into_cycle < sc.nibp_inflation_s

    # -- snapshot faults -----------------------------------------------------

    def _sensors_off(self, t: float) -> frozenset[Parameter]:
        """Sensors off the patient at ``t``, named as in SENSORS (the SpO2 probe by default)."""
        off: set[Parameter] = set()
        for fault in self.scenario.faults:
            if fault.kind == "sensor_off" and fault.active_at(t):
                off |= fault.parameters or {Parameter.SPO2}
        return frozenset(off)

    def _invalid(self, t: float) -> frozenset[Parameter]:
        marked: set[Parameter] = set()
        for fault in self.scenario.faults:
            if fault.kind == "invalid" and fault.active_at(t):
                marked |= fault.parameters
        return frozenset(marked)


def _check_elapsed(elapsed_s: float) -> None:
    if not math.isfinite(elapsed_s) or elapsed_s < 0:
        raise ValueError(f"elapsed_s must be a finite number >= 0 (got {elapsed_s!r})")


__all__ = [
    "EVENT_KINDS",
    "FAULT_KINDS",
    "LINE_FAULT_KINDS",
    "Fault",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "TimelineEvent",
    "Trajectory",
    "builtin_scenarios",
    "load_scenario",
    "smooth_noise",
]

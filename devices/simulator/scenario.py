"""The simulated patient and monitor over time: scenario model and its deterministic run.

A :class:`Scenario` says what the patient's vital signs do (piecewise-linear
trajectories plus noise), when the NIBP cuff measures, what happens on the
session timeline and which faults QA wants injected. :class:`ScenarioRun` turns
it into :class:`~devices.simulator.snapshot.Snapshot` objects.

``ScenarioRun.snapshot(t)`` is a *pure* function of (scenario, seed, start, t):
noise comes from hashing (seed, channel, integer step) and interpolating
smoothly between those lattice values, never from a shared random stream. So a
QA run can be replayed exactly, seeked, or sampled at any rate or order, and
two protocol devices fed by the same run agree on every value.

Scenarios are read and validated by :mod:`devices.simulator.scenario_loader`;
see ``docs/scenario-format.md`` for the file format.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from devices.simulator.snapshot import NibpResult, Snapshot
from monitor.readings import Parameter

LINE_FAULT_KINDS = frozenset({"garbage", "corrupt", "truncate", "silence", "disconnect"})
SNAPSHOT_FAULT_KINDS = frozenset({"sensor_off", "invalid"})
FAULT_KINDS = LINE_FAULT_KINDS | SNAPSHOT_FAULT_KINDS
RATE_FAULT_KINDS = frozenset({"garbage", "corrupt", "truncate"})
EVENT_KINDS = frozenset({"infusion_start", "infusion_stop", "annotation"})

MIN_PULSE_PRESSURE_MMHG = 10.0  # sys - dia never below this, so sys > mean > dia after rounding
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
}


class ScenarioError(Exception):
    """A scenario that cannot be used; ``str(error)`` is the whole message for the user.

    The message always starts with the file, the line and the field, e.g.
    ``my.toml line 12: parameters.HR.points: times must increase (got 300 after 600)``,
    because CLI code prints it as-is and QA must be able to fix the file from it.
    """


@dataclass(frozen=True, slots=True)
class Trajectory:
    """One vital sign over time: piecewise-linear points plus smooth noise.

    Before the first point the first value holds; after the last point the last
    value holds. ``noise`` is the peak deviation of fast variation changing
    every ``noise_period_s``; ``wander`` is the peak deviation of a slow drift
    with period ``wander_period_s`` (0 disables either).
    """

    points: tuple[tuple[float, float], ...]
    noise: float = 0.0
    noise_period_s: float = 4.0
    wander: float = 0.0
    wander_period_s: float = 300.0

    def base_at(self, t: float) -> float:
        """The noise-free value at ``t`` (linear interpolation between points)."""
        i = bisect.bisect_right(self.points, t, key=lambda point: point[0])
        if i == 0:
            return self.points[0][1]
        if i == len(self.points):
            return self.points[-1][1]
        (t0, v0), (t1, v1) = self.points[i - 1], self.points[i]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)

    def value_at(self, t: float, seed: int, channel: str) -> float:
        """Base value plus this channel's deterministic noise and wander."""
        value = self.base_at(t)
        if self.noise:
            value += self.noise * smooth_noise(seed, channel + ":noise", t, self.noise_period_s)
        if self.wander:
            value += self.wander * smooth_noise(seed, channel + ":wander", t, self.wander_period_s)
        return value


@dataclass(frozen=True, slots=True)
class Fault:
    """Something going wrong for ``duration_s`` from ``start_s`` (window is half-open).

    ``parameters`` is only used by ``invalid``; ``rate_per_s`` only by the
    byte-damaging kinds (garbage bursts, corrupt or truncated frames per second).
    """

    kind: str
    start_s: float
    duration_s: float
    parameters: frozenset[Parameter] = frozenset()
    rate_per_s: float = 0.0

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def active_at(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A session event for the timeline: infusion start/stop or a QA annotation."""

    at_s: float
    kind: str
    text: str


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build it with :func:`load_scenario`, which checks every field.

    ``duration_s`` None means the scenario runs indefinitely (trajectories hold
    their last point); otherwise everything holds its state at ``duration_s``.
    ``trajectories`` always has HR, SPO2, ART_SYS and ART_DIA (the patient's
    arterial pressure, which both the cuff and an arterial line measure) and
    may have PR (otherwise PR follows HR).
    """

    name: str
    description: str
    duration_s: float | None
    arterial_line: bool
    nibp_interval_s: float
    nibp_first_s: float  # when the cuff starts inflating for the first measurement
    nibp_inflation_s: float  # inflation time; the result completes this long after the start
    nibp_noise_mmhg: float
    trajectories: Mapping[Parameter, Trajectory]
    events: tuple[TimelineEvent, ...] = ()
    faults: tuple[Fault, ...] = ()
    source: str = ""  # file the scenario came from, for logs and messages

    def __post_init__(self) -> None:
        object.__setattr__(self, "trajectories", MappingProxyType(dict(self.trajectories)))

    def _event_time(self, kind: str) -> float | None:
        return next((e.at_s for e in self.events if e.kind == kind), None)

    @property
    def infusion_start_s(self) -> float | None:
        return self._event_time("infusion_start")

    @property
    def infusion_stop_s(self) -> float | None:
        return self._event_time("infusion_stop")

    @property
    def baseline_s(self) -> float | None:
        """Length of the pre-infusion baseline phase (None without an infusion)."""
        return self.infusion_start_s

    def phase_at(self, t: float) -> str:
        """Session phase at scenario time ``t``: "baseline", "infusion" or "recovery"."""
        start, stop = self.infusion_start_s, self.infusion_stop_s
        if start is None or t < start:
            return "baseline"
        if stop is None or t < stop:
            return "infusion"
        return "recovery"


@functools.lru_cache(maxsize=8192)
def _lattice(seed: int, channel: str, step: int) -> float:
    """A reproducible pseudo-random value in [-1, 1] for one lattice point."""
    digest = hashlib.blake2b(f"{seed}|{channel}|{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(2**64 - 1) * 2.0 - 1.0


def smooth_noise(seed: int, channel: str, t: float, period_s: float) -> float:
    """Value noise in [-1, 1]: lattice values every ``period_s``, smoothstep in between.

    Depends only on its arguments, which is what makes snapshots pure.
    """
    x = t / period_s
    step = math.floor(x)
    frac = x - step
    weight = frac * frac * (3.0 - 2.0 * frac)
    a = _lattice(seed, channel, step)
    b = _lattice(seed, channel, step + 1)
    return a + (b - a) * weight


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
        sensor_off = self._fault_active("sensor_off", t)
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
        sys += sc.nibp_noise_mmhg * _lattice(self.seed, "NIBP_SYS:measurement", k)
        dia += sc.nibp_noise_mmhg * _lattice(self.seed, "NIBP_DIA:measurement", k)
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

    def _fault_active(self, kind: str, t: float) -> bool:
        return any(f.kind == kind and f.active_at(t) for f in self.scenario.faults)

    def _invalid(self, t: float) -> frozenset[Parameter]:
        marked: set[Parameter] = set()
        for fault in self.scenario.faults:
            if fault.kind == "invalid" and fault.active_at(t):
                marked |= fault.parameters
        return frozenset(marked)


def _check_elapsed(elapsed_s: float) -> None:
    if not math.isfinite(elapsed_s) or elapsed_s < 0:
        raise ValueError(f"elapsed_s must be a finite number >= 0 (got {elapsed_s!r})")


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario TOML file by path; fully validated.

    Raises :class:`ScenarioError` whose message names the file, line and field.
    """
    # Imported here because the loader builds the dataclasses defined above.
    from devices.simulator.scenario_loader import load_scenario as _load

    return _load(name_or_path)


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names mapped to their one-line descriptions."""
    from devices.simulator.scenario_loader import builtin_scenarios as _builtins

    return _builtins()


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

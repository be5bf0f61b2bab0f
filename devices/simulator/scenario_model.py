"""The scenario as data: what the simulated patient and monitor do, validated and immutable.

A :class:`Scenario` says what the patient's vital signs do (piecewise-linear
:class:`Trajectory` s plus noise), when the NIBP cuff measures, what happens on the
session timeline and which faults QA wants injected. It is built and checked by
:mod:`devices.simulator.scenario_loader` and played by
:class:`devices.simulator.scenario.ScenarioRun`; kept apart from both so the
loader and the run each import it, and neither imports the other.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from monitor.readings import Parameter
from monitor.treatment.scenario import TREATMENT_EVENT_KINDS

LINE_FAULT_KINDS = frozenset({"garbage", "corrupt", "truncate", "silence", "disconnect"})
SNAPSHOT_FAULT_KINDS = frozenset({"sensor_off", "invalid"})
FAULT_KINDS = LINE_FAULT_KINDS | SNAPSHOT_FAULT_KINDS
RATE_FAULT_KINDS = frozenset({"garbage", "corrupt", "truncate"})
EVENT_KINDS = frozenset({"infusion_start", "infusion_stop", "annotation"}) | TREATMENT_EVENT_KINDS

MIN_PULSE_PRESSURE_MMHG = 10.0  # sys - dia never below this, so sys > mean > dia after rounding
STANDARD_AMBIENT_MMHG = 760.0  # sea level: what a Datex capnograph multiplies its % by

# What a sensor_off fault can take off the patient, by the parameter that names the sensor:
# the SpO2 probe (SpO2 and PR), the capnograph's sampling line (EtCO2 and its RR count),
# the temperature probe.
SENSORS = (Parameter.SPO2, Parameter.ETCO2, Parameter.TEMP)


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

    ``parameters`` is used by ``invalid`` (the values marked invalid) and by
    ``sensor_off`` (the sensors off, from :data:`SENSORS`; the SpO2 probe if empty);
    ``rate_per_s`` only by the byte-damaging kinds (garbage bursts, corrupt or
    truncated frames per second).
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
    """A session event for the timeline: infusion start/stop, a QA annotation, or a nurse's entry
    (plan, check, rate change, sign-off: :mod:`monitor.treatment.scenario`)."""

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
    may have PR (otherwise PR follows HR). RR means the monitor measures
    respiration (ECG impedance), ETCO2 that it has a capnograph (which also counts
    RR; it needs RR), TEMP that it has a temperature probe. ``ambient_mmhg`` is the
    air pressure a Datex capnograph reports with its EtCO2 percentage.
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
    ambient_mmhg: float = STANDARD_AMBIENT_MMHG

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
def lattice_value(seed: int, channel: str, step: int) -> float:
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
    a = lattice_value(seed, channel, step)
    b = lattice_value(seed, channel, step + 1)
    return a + (b - a) * weight

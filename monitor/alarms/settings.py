"""What an alarm profile holds: limits, delays, hysteresis and alarm-system timing.

A profile is the responsible organisation's preset (reference §1.7 rule 5 and
NPSG.06.01.01 in §1.11): the engine reads it, the limits dialog edits a copy
for the session, and ``rules.validate`` checks every copy before it is used.
Objects here are immutable so a refused change can never half-apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from monitor.alarms.model import AlarmCondition, Priority
from monitor.readings import NIBP_PARAMETERS, Parameter

PHASES = ("baseline", "infusion", "recovery")  # session phases a profile may refer to


class ProfileError(ValueError):
    """A profile or limit change was refused; ``str()`` names file, place and rule."""

    def __init__(self, source: str, where: str, rule: str) -> None:
        self.source = source
        self.where = where
        self.rule = rule
        place = f"{where}: " if where else ""
        super().__init__(f"{source}: {place}{rule}")


@dataclass(frozen=True, slots=True)
class Tiers:
    """Limits on one side of a parameter, one per priority (None: no limit at that priority)."""

    low: float | None = None
    medium: float | None = None
    high: float | None = None

    def items(self) -> tuple[tuple[Priority, float], ...]:
        """Set limits, least severe priority first."""
        pairs = ((Priority.LOW, self.low), (Priority.MEDIUM, self.medium), (Priority.HIGH, self.high))
        return tuple((p, v) for p, v in pairs if v is not None)

    def get(self, priority: Priority) -> float | None:
        return {Priority.LOW: self.low, Priority.MEDIUM: self.medium, Priority.HIGH: self.high}[priority]

    def merged(self, changes: Mapping[Priority, float | None]) -> Tiers:
        """A copy with the given priorities replaced (None removes that limit)."""
        return replace(self, **{p.value: v for p, v in changes.items()})

    def __bool__(self) -> bool:
        return bool(self.items())


@dataclass(frozen=True, slots=True)
class RelativeLimit:
    """A limit relative to the session baseline: ``amount`` in the parameter's unit or ``percent``."""

    priority: Priority
    amount: float | None = None
    percent: float | None = None

    def delta(self, baseline: float) -> float:
        if self.amount is not None:
            return self.amount
        return abs(baseline) * (self.percent or 0.0) / 100.0

    def limit(self, baseline: float, upward: bool) -> float:
        return baseline + self.delta(baseline) if upward else baseline - self.delta(baseline)

    def describe(self, upward: bool) -> str:
        sign = "+" if upward else "-"
        if self.amount is not None:
            return f"{sign}{self.amount:g}"
        return f"{sign}{self.percent:g} %"


@dataclass(frozen=True, slots=True)
class ParameterLimits:
    """Everything that decides when one parameter alarms (reference §2.7 columns)."""

    parameter: Parameter
    above: Tiers = Tiers()
    below: Tiers = Tiers()
    delay_s: float = 0.0  # alarm-condition delay for continuous parameters (reference §1.5)
    high_delay_s: float | None = None  # shorter delay for the high tier (SpO2: 10 s vs 15 s)
    hysteresis: float = 0.0  # how far back inside the limit before the condition ends
    rise: RelativeLimit | None = None
    fall: RelativeLimit | None = None
    confirm_high_on_repeat: bool = False  # NIBP: one reading over the high limit counts as medium
    backup_for: Parameter | None = None  # PR: alarm only while this parameter has no value

    @property
    def discrete(self) -> bool:
        """NIBP is one measurement per cuff cycle: no delay, evaluated per measurement."""
        return self.parameter in NIBP_PARAMETERS

    def delay_for(self, priority: Priority) -> float:
        if priority is Priority.HIGH and self.high_delay_s is not None:
            return self.high_delay_s
        return self.delay_s


@dataclass(frozen=True, slots=True)
class TechnicalSettings:
    """One technical alarm's priority and timing; the extra fields apply to one condition each."""

    condition: AlarmCondition
    priority: Priority
    delay_s: float = 0.0
    phase_priority: tuple[tuple[str, Priority], ...] = ()
    after_s: float = 360.0  # NIBP_OVERDUE: one 5-min cycle + 60 s (reference §1.4)
    phase_after_s: tuple[tuple[str, float], ...] = ()
    error_rate: float = 0.1  # NOISY_LINE: share of bad frames ...
    window_s: float = 60.0  # ... over this many seconds ...
    min_frames: int = 10  # ... once at least this many frames were counted

    def priority_in(self, phase: str | None) -> Priority:
        return dict(self.phase_priority).get(phase or "", self.priority)

    def after_in(self, phase: str | None) -> float:
        return dict(self.phase_after_s).get(phase or "", self.after_s)


# Reference §1.4 "recommended technical alarms" and §2.7 "technical alarms".
TECHNICAL_DEFAULTS: dict[AlarmCondition, TechnicalSettings] = {
    s.condition: s
    for s in (
        TechnicalSettings(AlarmCondition.LINK_LOST, Priority.MEDIUM, delay_s=10.0),
        TechnicalSettings(
            AlarmCondition.SENSOR_OFF, Priority.MEDIUM, delay_s=10.0,
            phase_priority=(("recovery", Priority.LOW),),
        ),
        TechnicalSettings(
            AlarmCondition.INVALID_MEASUREMENT, Priority.MEDIUM, delay_s=10.0,
            phase_priority=(("recovery", Priority.LOW),),
        ),
        TechnicalSettings(AlarmCondition.NOISY_LINE, Priority.LOW),
        TechnicalSettings(AlarmCondition.NIBP_OVERDUE, Priority.MEDIUM),
        TechnicalSettings(AlarmCondition.AUDIO_UNAVAILABLE, Priority.MEDIUM),
        TechnicalSettings(AlarmCondition.RECORDING_FAILED, Priority.HIGH),
        TechnicalSettings(AlarmCondition.DISPLAY_FROZEN, Priority.HIGH),
        TechnicalSettings(AlarmCondition.CENTRAL_UNREACHABLE, Priority.LOW, delay_s=5.0),
    )
}


@dataclass(frozen=True, slots=True)
class Timing:
    """Alarm-system timing (reference §1.7 rules 1-2 and §1.8)."""

    escalation_s: float = 120.0  # medium physiological not acknowledged -> high
    reminder_s: float = 120.0  # acknowledged and still there -> announced again
    audio_pause_s: float = 120.0
    audio_pause_max_s: float = 180.0
    breakthrough: Priority = Priority.HIGH  # a new alarm of at least this priority ends a pause


@dataclass(frozen=True, slots=True)
class StartLevels:
    """Pre-infusion BP gate (reference §2.4, §2.7): at or above these, ask or refuse."""

    caution_sys: float = 140.0
    caution_dia: float = 90.0
    do_not_start_sys: float = 180.0
    do_not_start_dia: float = 110.0


@dataclass(frozen=True)
class Profile:
    """A complete, validated alarm configuration."""

    name: str
    source: str  # the file it came from: named in every error about it
    description: str = ""
    timing: Timing = Timing()
    start: StartLevels = StartLevels()
    parameters: Mapping[Parameter, ParameterLimits] = field(default_factory=dict)
    technical: Mapping[AlarmCondition, TechnicalSettings] = field(
        default_factory=lambda: dict(TECHNICAL_DEFAULTS)
    )

    def limits(self, parameter: Parameter) -> ParameterLimits | None:
        return self.parameters.get(parameter)

    def technical_for(self, condition: AlarmCondition) -> TechnicalSettings:
        return self.technical.get(condition) or TECHNICAL_DEFAULTS[condition]

    def with_limits(self, limits: ParameterLimits) -> Profile:
        parameters = dict(self.parameters)
        parameters[limits.parameter] = limits
        return replace(self, parameters=parameters)

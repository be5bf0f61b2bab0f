"""Validation of alarm profiles and session limit changes.

A wrong limit is a silent hazard: a typo of 1800 for 180 means the alarm never
sounds. So every profile, and every change made in the limits dialog, passes
these rules before it is used, and a refusal says which file, which parameter
and which rule (issue 5; reference §1.7 rule 5: limits change only within
bounded ranges).
"""

from __future__ import annotations

import itertools

from monitor.alarms.model import AlarmCondition, Priority
from monitor.alarms.settings import (
    PHASES,
    ParameterLimits,
    Profile,
    ProfileError,
    RelativeLimit,
    StartLevels,
    TechnicalSettings,
    Tiers,
    Timing,
)
from monitor.parameters import MEASUREMENTS, PARAMETERS, UNITS, LimitBounds, Parameter


Bounds = LimitBounds
# Where each parameter's limits may be set: the catalogue's ``limits`` column.
PLAUSIBLE: dict[Parameter, Bounds] = {p: row.limits for p, row in PARAMETERS.items()}
MAX_DELAY_S = 60.0  # Philips allows 30 s, Spacelabs 60 s (reference §1.5)
MIN_PRIORITY = {  # the dashboard cannot monitor, record or sound: never a low-priority alarm
    AlarmCondition.LINK_LOST: Priority.MEDIUM,
    AlarmCondition.AUDIO_UNAVAILABLE: Priority.MEDIUM,
    AlarmCondition.RECORDING_FAILED: Priority.HIGH,
    AlarmCondition.DISPLAY_FROZEN: Priority.HIGH,
}


def validate(profile: Profile) -> None:
    """Raise ProfileError on the first rule the profile breaks."""
    for parameter, limits in profile.parameters.items():
        where = f"parameters.{parameter.value}"
        if limits.parameter is not parameter:
            _fail(profile, where, f"holds the limits of {limits.parameter.value}")
        check_parameter(profile, limits)
    check_measurements(profile)
    _check_timing(profile, profile.timing)
    _check_start(profile, profile.start)
    for condition, settings in profile.technical.items():
        _check_technical(profile, condition, settings)


def check_parameter(profile: Profile, limits: ParameterLimits) -> None:
    """Rules for one parameter's limits (used for profiles and for session changes)."""
    where = f"parameters.{limits.parameter.value}"
    bounds = PLAUSIBLE[limits.parameter]
    if not (limits.above or limits.below or limits.rise or limits.fall):
        _fail(profile, where, "has no limits: give above, below, rise or fall, or leave it out")
    _check_tiers(profile, f"{where}.above", limits.above, bounds, limits.parameter, upward=True)
    _check_tiers(profile, f"{where}.below", limits.below, bounds, limits.parameter, upward=False)
    _check_normal_range(profile, where, limits)
    _check_delays(profile, where, limits)
    _check_extras(profile, where, limits, bounds)


# What a measurement's parameters must share: their limits alarm as one condition per direction
# (NIBP_HIGH), which has one alarm-condition delay, one confirmation rule and one backup.
_SHARED = (
    ("delay_s", "one alarm-condition delay"),
    ("high_delay_s", "one high-priority delay"),
    ("backup_for", "one primary it stands by for"),
)


def check_measurements(profile: Profile) -> None:
    """The parameters of one measurement (NIBP_SYS, NIBP_DIA, NIBP_MEAN) alarm as one condition
    per direction (docs/alarms.md section 2): settings that cannot be honoured by one condition
    must agree, and nothing may duplicate the condition."""
    for key, measurement in MEASUREMENTS.items():
        members = [profile.parameters[p] for p in measurement.parameters if p in profile.parameters]
        names = ", ".join(p.value for p in measurement.parameters)
        why = f"{names} alarm together as one condition per direction ({key}_HIGH, {key}_LOW, ...)"
        for limits in members:
            _check_backup_elsewhere(profile, limits, key, why)
        if len(members) < 2:
            continue
        first = members[0]
        for attribute, what in _SHARED:
            for limits in members[1:]:
                mine, theirs = getattr(limits, attribute), getattr(first, attribute)
                if mine != theirs:
                    _fail(profile, f"parameters.{limits.parameter.value}.{attribute}",
                          f"{_setting(mine)} differs from {first.parameter.value}'s {_setting(theirs)}: "
                          f"{why}, which has {what}; give them the same {attribute}")
        confirming = [m for m in members if m.above.high is not None]
        for limits in confirming[1:]:
            if limits.confirm_high_on_repeat != confirming[0].confirm_high_on_repeat:
                _fail(profile, f"parameters.{limits.parameter.value}.confirm_high_on_repeat",
                      f"differs from {confirming[0].parameter.value}'s: {why}, so a single result over "
                      "a high limit must need a repeat for all of them or for none")


def _check_backup_elsewhere(profile: Profile, limits: ParameterLimits, key: str, why: str) -> None:
    primary = limits.backup_for
    if primary is not None and PARAMETERS[primary].measurement == key and primary is not limits.parameter:
        _fail(profile, f"parameters.{limits.parameter.value}.backup_for",
              f"{primary.value} is part of the same measurement: {why}, so the backup would duplicate "
              "the condition it stands by for")


def _setting(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g} s"
    return str(getattr(value, "value", value))


def _check_tiers(
    profile: Profile, where: str, tiers: Tiers, bounds: Bounds, parameter: Parameter, upward: bool
) -> None:
    for priority, value in tiers.items():
        _in_range(profile, f"{where}.{priority.value}", value, bounds.low, bounds.high, UNITS[parameter])
    pairs = tiers.items()
    for (lesser, inner), (greater, outer) in itertools.pairwise(pairs):
        if (outer <= inner) if upward else (outer >= inner):
            side = "above" if upward else "below"
            _fail(
                profile, f"{where}.{greater.value}",
                f"{outer:g} must be {side} the {lesser.value}-priority limit {inner:g}: "
                "higher-priority limits lie outside lower-priority ones",
            )


def _check_normal_range(profile: Profile, where: str, limits: ParameterLimits) -> None:
    if not (limits.above and limits.below):
        _check_hysteresis(profile, where, limits)
        return
    top = max(v for _, v in limits.below.items())
    bottom = min(v for _, v in limits.above.items())
    if top >= bottom:
        _fail(profile, where, f"low limit {top:g} must be below high limit {bottom:g}")
    _check_hysteresis(profile, where, limits)
    if bottom - top <= 2 * limits.hysteresis:
        _fail(
            profile, f"{where}.hysteresis",
            f"the normal range {top:g}-{bottom:g} must be wider than twice the hysteresis "
            f"({limits.hysteresis:g}), or a clearing alarm would start the opposite one",
        )


def _check_hysteresis(profile: Profile, where: str, limits: ParameterLimits) -> None:
    most = PLAUSIBLE[limits.parameter].max_hysteresis
    if not 0 <= limits.hysteresis <= most:
        _fail(profile, f"{where}.hysteresis", f"{limits.hysteresis:g} must be between 0 and {most:g}")


def _check_delays(profile: Profile, where: str, limits: ParameterLimits) -> None:
    for key, delay in (("delay_s", limits.delay_s), ("high_delay_s", limits.high_delay_s)):
        if delay is None:
            continue
        if limits.discrete and delay != 0:
            _fail(
                profile, f"{where}.{key}",
                "NIBP is a discrete measurement: it alarms on the completed reading with no "
                "condition delay (reference §1.5)",
            )
        _in_range(profile, f"{where}.{key}", delay, 0, MAX_DELAY_S, "s")
    if limits.high_delay_s is not None and limits.high_delay_s > limits.delay_s:
        _fail(
            profile, f"{where}.high_delay_s",
            f"{limits.high_delay_s:g} s must not exceed delay_s ({limits.delay_s:g} s): "
            "the more urgent alarm must not wait longer",
        )


def _check_extras(profile: Profile, where: str, limits: ParameterLimits, bounds: Bounds) -> None:
    if limits.confirm_high_on_repeat and not limits.discrete:
        _fail(profile, f"{where}.confirm_high_on_repeat", "only NIBP readings can be confirmed by a repeat")
    if limits.confirm_high_on_repeat and limits.above.high is None:
        _fail(profile, f"{where}.confirm_high_on_repeat", "needs above.high: the limit to confirm")
    for key, relative in (("rise", limits.rise), ("fall", limits.fall)):
        if relative is not None:
            _check_relative(profile, f"{where}.{key}", relative, bounds)
    if limits.backup_for is limits.parameter:
        _fail(profile, f"{where}.backup_for", "a parameter cannot be its own backup")


def _check_relative(profile: Profile, where: str, relative: RelativeLimit, bounds: Bounds) -> None:
    if (relative.amount is None) == (relative.percent is None):
        _fail(profile, where, "give exactly one of amount or percent")
    if relative.amount is not None:
        _in_range(profile, f"{where}.amount", relative.amount, 1, bounds.high - bounds.low, "")
    if relative.percent is not None:
        _in_range(profile, f"{where}.percent", relative.percent, 1, 100, "%")


def _check_timing(profile: Profile, timing: Timing) -> None:
    _in_range(profile, "timing.escalation_s", timing.escalation_s, 30, 600, "s")
    _in_range(profile, "timing.reminder_s", timing.reminder_s, 60, 180, "s (reference §1.7: 1-3 min)")
    _in_range(
        profile, "timing.audio_pause_max_s", timing.audio_pause_max_s, 10, 180,
        "s (reference §1.7: audio pause at most 180 s)",
    )
    _in_range(profile, "timing.audio_pause_s", timing.audio_pause_s, 10, timing.audio_pause_max_s, "s")
    if timing.breakthrough is Priority.LOW:
        _fail(profile, "timing.breakthrough", "must be high or medium: low would make the pause meaningless")


def _check_start(profile: Profile, start: StartLevels) -> None:
    for side, caution, stop in (
        ("sys", start.caution_sys, start.do_not_start_sys),
        ("dia", start.caution_dia, start.do_not_start_dia),
    ):
        bounds = PLAUSIBLE[Parameter.NIBP_SYS if side == "sys" else Parameter.NIBP_DIA]
        _in_range(profile, f"start_check.caution_{side}", caution, bounds.low, bounds.high, "mmHg")
        _in_range(profile, f"start_check.do_not_start_{side}", stop, bounds.low, bounds.high, "mmHg")
        if caution >= stop:
            _fail(
                profile, f"start_check.caution_{side}",
                f"{caution:g} must be below do_not_start_{side} ({stop:g})",
            )


def _check_technical(profile: Profile, condition: AlarmCondition, settings: TechnicalSettings) -> None:
    where = f"technical.{condition.value}"
    if settings.condition is not condition:
        _fail(profile, where, f"holds the settings of {settings.condition.value}")
    for phase, priority in ((None, settings.priority), *settings.phase_priority):
        if phase is not None and phase not in PHASES:
            _fail(profile, f"{where}.phase_priority", f"unknown phase {phase!r} (known: {', '.join(PHASES)})")
        floor = MIN_PRIORITY.get(condition)
        if floor is not None and priority < floor:
            _fail(profile, f"{where}.priority", f"must be at least {floor.value}: {_WHY_FLOOR[condition]}")
    _in_range(profile, f"{where}.delay_s", settings.delay_s, 0, MAX_DELAY_S, "s")
    for phase, after in ((None, settings.after_s), *settings.phase_after_s):
        if phase is not None and phase not in PHASES:
            _fail(profile, f"{where}.phase_after_s", f"unknown phase {phase!r} (known: {', '.join(PHASES)})")
        _in_range(profile, f"{where}.after_s", after, 60, 3600, "s")
    if not 0 < settings.error_rate < 1:
        _fail(profile, f"{where}.error_rate", f"{settings.error_rate:g} must be between 0 and 1")
    _in_range(profile, f"{where}.window_s", settings.window_s, 10, 600, "s")
    _in_range(profile, f"{where}.min_frames", settings.min_frames, 1, 10_000, "frames")


_WHY_FLOOR = {
    AlarmCondition.LINK_LOST: "the patient is not being monitored",
    AlarmCondition.AUDIO_UNAVAILABLE: "no alarm can be heard",
    AlarmCondition.RECORDING_FAILED: "data is being lost",
    AlarmCondition.DISPLAY_FROZEN: "alarms may not be shown",
}


def _in_range(profile: Profile, where: str, value: float, low: float, high: float, unit: str) -> None:
    if not low <= value <= high:
        unit_text = f" {unit}" if unit else ""
        _fail(profile, where, f"{value:g} is outside the plausible range {low:g}-{high:g}{unit_text}")


def _fail(profile: Profile, where: str, rule: str) -> None:
    raise ProfileError(profile.source, where, rule)

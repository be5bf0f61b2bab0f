"""Discharge readiness: the profile's criteria judged from the session, the vitals, the checks,
the active alarms and the clock, each with the sentence saying what is still missing.

Criteria (defaults in the treatment profile, rules in ``docs/treatment.md``):

* **Observation:** at least ``observation`` after the infusion ended.
* **Vitals** (HR, NIBP sys, NIBP dia by default): each value since the infusion ended
  acceptable, that is within ``within_percent`` of the patient's baseline *or* inside
  the alarm limits (not beyond the least severe limit on either side), without a break
  for ``stable`` minutes: a value outside the band, or no value for longer than the
  parameter's staleness (15 s for HR, 20 min for the cuff), starts the count again.
  The cuff also needs ``min_cuff_measurements`` acceptable measurements in that time.
* **Sedation:** the last sedation check since the infusion ended shows the scale's
  awake score (MOAA/S 5, RASS 0).
* **No active alarm:** no alarm of any kind is active or awaiting acknowledgement.
* **Nurse sign-off**, once everything else is met.

The evaluation only reads: it never acknowledges, silences, hides or changes an alarm,
and an active alarm keeps the patient "not ready" however good everything else is.
Where a criterion's time can be known (observation, a value already in band) it gives
the earliest time it could be met; ``None`` where it waits on something unknown (a
check, an alarm to end, a value to come back into band).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from monitor.alarms.settings import Profile
from monitor.parameters import PARAMETERS
from monitor.readings import NIBP_PARAMETERS, Parameter
from monitor.session import Phase, SessionView
from monitor.treatment.checks import Check
from monitor.treatment.entry import amount_text
from monitor.treatment.scales import SCALES, SEDATION, Scale

OBSERVATION, SEDATION_AWAKE, NO_ALARM, SIGN_OFF = "observation", "sedation", "alarms", "sign_off"
Limits = Mapping[Parameter, tuple[float | None, float | None]]  # (lowest, highest) not beyond a limit


def vitals_id(parameter: Parameter) -> str:
    return f"vitals:{parameter.value}"


@dataclass(frozen=True, slots=True)
class DischargeCriteria:
    observation_s: float = 3600.0
    vitals: tuple[Parameter, ...] = (Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA)
    within_percent: float | None = 20.0
    or_inside_alarm_limits: bool = True
    stable_s: float = 900.0
    min_cuff_measurements: int = 2
    sedation_awake: bool = True
    no_active_alarm: bool = True


class AlarmLike(Protocol):
    """What the rule reads of an active alarm (:class:`monitor.alarms.AlarmState` has it)."""

    @property
    def bar_text(self) -> str: ...


class VitalsSource(Protocol):
    def values(self, parameter: Parameter) -> Sequence[tuple[datetime, float]]: ...


@dataclass(frozen=True, slots=True)
class CriterionStatus:
    id: str  # observation, vitals:HR, sedation, alarms, sign_off
    met: bool
    text: str  # "HR within 20 % of baseline (57.6-86.4 /min) for 15 min: 6 min so far"
    earliest: datetime | None = None  # when it could be met, if that can be known


@dataclass(frozen=True, slots=True)
class DischargeStatus:
    evaluated_at: datetime
    criteria: tuple[CriterionStatus, ...]
    ready: bool  # every criterion but the sign-off is met
    earliest: datetime | None  # when all but the sign-off could be met; None if unknown
    missing: tuple[str, ...] = field(default=())  # the unmet criteria's sentences, sign-off last

    def get(self, criterion: str) -> CriterionStatus | None:
        return next((c for c in self.criteria if c.id == criterion), None)


def limits_from_profile(profile: Profile) -> dict[Parameter, tuple[float | None, float | None]]:
    """``(lowest, highest)`` values no alarm of the alarm profile fires on, per parameter: the
    least severe lower limit is the highest of the ``below`` tiers, the least severe upper
    limit the lowest of the ``above`` tiers (relative limits are left out)."""
    limits: dict[Parameter, tuple[float | None, float | None]] = {}
    for parameter, settings in profile.parameters.items():
        below = [v for _, v in settings.below.items()]
        above = [v for _, v in settings.above.items()]
        limits[parameter] = (max(below) if below else None, min(above) if above else None)
    return limits


def evaluate_discharge(
    criteria: DischargeCriteria, view: SessionView, vitals: VitalsSource, checks: Sequence[Check],
    sedation: Scale, active_alarms: Sequence[AlarmLike], limits: Limits, now: datetime,
    signed_off: bool = False,
) -> DischargeStatus:
    stop = view.infusion_stopped_at
    statuses = [_observation(criteria, view, now)]
    statuses += [_vitals(criteria, p, view.baseline.get(p), limits.get(p, (None, None)), vitals.values(p),
                         stop, now) for p in criteria.vitals]
    if criteria.sedation_awake:
        statuses.append(_sedation(checks, sedation, stop))
    if criteria.no_active_alarm:
        statuses.append(_alarms(active_alarms))
    ready = all(s.met for s in statuses)
    earliest = now if ready else _latest([s.earliest if not s.met else now for s in statuses])
    statuses.append(CriterionStatus(SIGN_OFF, signed_off, "Signed off by the nurse" if signed_off
                                    else "The nurse's sign-off"))
    missing = tuple(s.text for s in statuses if not s.met)
    return DischargeStatus(now, tuple(statuses), ready, earliest, missing)


def _latest(times: list[datetime | None]) -> datetime | None:
    return None if any(t is None for t in times) else max(times)  # type: ignore[type-var]


def _minutes(seconds: float) -> str:
    return amount_text(seconds / 60.0)


def _observation(criteria: DischargeCriteria, view: SessionView, now: datetime) -> CriterionStatus:
    need = timedelta(seconds=criteria.observation_s)
    wanted = f"Observation of {_minutes(criteria.observation_s)} min after the infusion"
    if view.infusion_stopped_at is not None:
        done = min(now, view.ended_at or now) - view.infusion_stopped_at
        met = done >= need
        text = wanted if met else f"{wanted}: {int(done.total_seconds() // 60)} min so far"
        return CriterionStatus(OBSERVATION, met, text, view.infusion_stopped_at + need)
    if view.phase is Phase.INFUSION and view.infusion_started_at is not None:
        planned_end = view.infusion_started_at + timedelta(seconds=view.planned_infusion_s)
        return CriterionStatus(OBSERVATION, False, f"{wanted}: the infusion is running",
                               max(planned_end, now) + need)
    return CriterionStatus(OBSERVATION, False, f"{wanted}: no infusion given yet")


def _band_text(parameter: Parameter, baseline: float | None, percent: float | None,
               limits: tuple[float | None, float | None], inside_limits: bool) -> str:
    spec = PARAMETERS[parameter]
    parts = []
    if percent is not None and baseline is not None:
        low, high = baseline * (1 - percent / 100), baseline * (1 + percent / 100)
        parts.append(f"within {amount_text(percent)} % of baseline ({amount_text(low)}-{amount_text(high)} {spec.unit})")
    if inside_limits and limits != (None, None):
        low_text = amount_text(limits[0]) if limits[0] is not None else "no limit"
        high_text = amount_text(limits[1]) if limits[1] is not None else "no limit"
        parts.append(f"inside the alarm limits ({low_text}-{high_text})")
    return f"{spec.label} " + (" or ".join(parts) if parts else "(no baseline and no alarm limits)")


def _acceptable(value: float, baseline: float | None, percent: float | None,
                limits: tuple[float | None, float | None], inside_limits: bool) -> bool:
    if percent is not None and baseline is not None and abs(value - baseline) <= abs(baseline) * percent / 100:
        return True
    if inside_limits and limits != (None, None):
        low, high = limits
        return (low is None or value >= low) and (high is None or value <= high)
    return False


def _vitals(criteria: DischargeCriteria, parameter: Parameter, baseline: float | None,
            limits: tuple[float | None, float | None], values: Sequence[tuple[datetime, float]],
            stop: datetime | None, now: datetime) -> CriterionStatus:
    cid, spec = vitals_id(parameter), PARAMETERS[parameter]
    band = _band_text(parameter, baseline, criteria.within_percent, limits, criteria.or_inside_alarm_limits)
    wanted = f"{band} for {_minutes(criteria.stable_s)} min"
    if stop is None:
        return CriterionStatus(cid, False, f"{wanted}: counted once the infusion has ended")
    cuff = parameter in NIBP_PARAMETERS
    run_start, count, last = _acceptable_run(values, stop, now, spec.stale_after_s, cuff, criteria, baseline,
                                             limits)
    if last is None:
        return CriterionStatus(cid, False, f"{wanted}: no {spec.label} measured since the infusion ended")
    last_at, last_value = last
    if (now - last_at).total_seconds() > spec.stale_after_s:
        return CriterionStatus(cid, False, f"{wanted}: no current {spec.label} "
                               f"(last {int((now - last_at).total_seconds() // 60)} min ago)")
    if run_start is None:
        return CriterionStatus(cid, False, f"{wanted}: now {amount_text(last_value)} {spec.unit}")
    held = (now - run_start).total_seconds()
    need_more = max(criteria.min_cuff_measurements - count, 0) if cuff else 0
    if held >= criteria.stable_s and not need_more:
        return CriterionStatus(cid, True, wanted, run_start + timedelta(seconds=criteria.stable_s))
    text = f"{wanted}: {int(held // 60)} min so far"
    if need_more:
        text += f", {need_more} more cuff measurement{'s' if need_more > 1 else ''} needed"
    return CriterionStatus(cid, False, text, run_start + timedelta(seconds=criteria.stable_s))


def _acceptable_run(
    values: Sequence[tuple[datetime, float]], stop: datetime, now: datetime, stale_s: float, cuff: bool,
    criteria: DischargeCriteria, baseline: float | None, limits: tuple[float | None, float | None],
) -> tuple[datetime | None, int, tuple[datetime, float] | None]:
    """``(start of the unbroken acceptable run up to now or None, measurements in it, last value)``.

    Walks back from the newest value and stops as soon as the answer is known: a break, the
    infusion stop, or a run already long enough with enough measurements.
    """
    run_start: datetime | None = None
    later: datetime | None = None
    last: tuple[datetime, float] | None = None
    count = 0
    for at, value in reversed(values):
        if at > now:
            continue
        if at < stop:
            break
        if last is None:
            last = (at, value)
        if not _acceptable(value, baseline, criteria.within_percent, limits, criteria.or_inside_alarm_limits):
            break
        if later is not None and (later - at).total_seconds() > stale_s:
            break
        run_start, count, later = at, count + 1, at
        if (now - at).total_seconds() >= criteria.stable_s and (not cuff or count >= criteria.min_cuff_measurements):
            break
    return run_start, count, last


def _sedation(checks: Sequence[Check], sedation: Scale, stop: datetime | None) -> CriterionStatus:
    awake_level = sedation.level(sedation.awake) if sedation.awake is not None else None
    awake_text = f"{sedation.id} {sedation.awake} ({awake_level.label})" if awake_level else sedation.id
    wanted = f"Sedation back to {awake_text}"
    after = [c for c in checks if c.kind == SEDATION and stop is not None and c.at >= stop]
    if not after:
        return CriterionStatus(SEDATION_AWAKE, False, f"{wanted}: no sedation check since the infusion ended")
    last = max(after, key=lambda c: c.at)
    scale = SCALES.get(last.scale, sedation)
    if scale.awake is not None and last.score == scale.awake:
        return CriterionStatus(SEDATION_AWAKE, True, wanted, last.at)
    return CriterionStatus(SEDATION_AWAKE, False, f"{wanted}: last check {scale.describe(last.score)}")


def _alarms(active: Sequence[AlarmLike]) -> CriterionStatus:
    if not active:
        return CriterionStatus(NO_ALARM, True, "No active alarm")
    texts = "; ".join(a.bar_text for a in active)
    return CriterionStatus(NO_ALARM, False, f"Active alarm{'s' if len(active) > 1 else ''}: {texts}")

"""The treatment record of a recording: plan, rate changes, checks, discharge criteria, sign-off.

Read from the treatment tables (``docs/recording-format.md``); a recording made before
they existed has none of them and gives an empty :class:`TreatmentRecord` (its side-effect
quick notes, such as "Nausea", are still folded in as side effects, marked ``note``).
Times are UTC Unix seconds, as everywhere in review.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.review.events import AnnotationRecord, utc
from monitor.treatment.checks import Check
from monitor.treatment.infusion import infused_ml
from monitor.treatment.scales import SCALES, SIDE_EFFECT, side_effect_for_note
from monitor.treatment.signoff import READY

if TYPE_CHECKING:
    from monitor.review.reader import Recording


def _json_list(text: str) -> tuple:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(value) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class PlanRecord:
    time: float
    weight_kg: float
    dose_mg_per_kg: float
    infusion_min: float
    concentration_mg_per_ml: float
    diluted: bool
    volume_ml: float
    total_mg: float
    drug_ml: float
    rate_ml_per_h: float
    profile: str
    by: str
    confirmations: tuple[dict, ...]  # values confirmed outside their sensible range

    @property
    def infused_mg_per_ml(self) -> float:
        return self.total_mg / self.volume_ml


@dataclass(frozen=True, slots=True)
class RateRecord:
    time: float
    rate_ml_per_h: float
    reason: str
    by: str
    confirmations: tuple[dict, ...]


@dataclass(frozen=True, slots=True)
class CheckRecord:
    time: float
    kind: str  # sedation, dissociation, side_effect
    scale: str  # scale id, or the side effect's id
    score: float
    items: tuple[int, ...]
    by: str
    source: str = "check"  # "note": a quick note of an older recording, folded in

    def describe(self) -> str:
        return Check(utc(self.time), self.kind, self.scale, int(self.score), self.by, self.items).describe()


@dataclass(frozen=True, slots=True)
class CriterionRecord:
    time: float
    criterion: str  # observation, vitals:HR, sedation, alarms, ready
    met: bool
    detail: str


@dataclass(frozen=True, slots=True)
class SignOffRecord:
    time: float
    by: str
    ready: bool
    unmet: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class TreatmentRecord:
    plans: tuple[PlanRecord, ...] = ()
    rate_changes: tuple[RateRecord, ...] = ()
    checks: tuple[CheckRecord, ...] = ()
    criteria: tuple[CriterionRecord, ...] = ()
    sign_off: SignOffRecord | None = None

    @property
    def plan(self) -> PlanRecord | None:
        """The plan in force: the last one confirmed."""
        return self.plans[-1] if self.plans else None

    @property
    def is_empty(self) -> bool:
        return not (self.plans or self.rate_changes or self.criteria or self.sign_off
                    or any(c.source == "check" for c in self.checks))

    @property
    def ready_at(self) -> float | None:
        """When everything but the sign-off was first met (None: never recorded)."""
        return next((c.time for c in self.criteria if c.criterion == READY and c.met), None)

    def peak(self, kind: str) -> CheckRecord | None:
        """The worst scored check of ``kind`` (deepest sedation, most dissociation), the first one
        if several share that score, on the scale of the session's first check of that kind."""
        scored = [c for c in self.checks if c.kind == kind and c.scale in SCALES]
        if not scored:
            return None
        same = [c for c in scored if c.scale == scored[0].scale]
        worst_score = functools.reduce(SCALES[scored[0].scale].worse, (c.score for c in same))
        return next(c for c in same if c.score == worst_score)

    def delivered_mg(self, start: float | None, stop: float | None) -> float | None:
        """The dose given from ``start`` to ``stop`` by the logged rates (None without a plan or stop)."""
        plan = self.plan
        if plan is None or start is None or stop is None:
            return None
        changes = [(r.time - start, r.rate_ml_per_h) for r in self.rate_changes]
        volume = infused_ml(plan.rate_ml_per_h, changes, stop - start, plan.volume_ml)
        return volume * plan.infused_mg_per_ml


def read_treatment(recording: Recording) -> TreatmentRecord:
    """Everything of the treatment record in ``recording``; empty for an older recording."""
    plans = tuple(
        PlanRecord(t, w, d, m, c, bool(dil), v, total, drug, rate, prof, by, _json_list(conf))
        for _, t, w, d, m, c, dil, v, total, drug, rate, prof, by, conf in recording.optional_rows(
            "treatment_plans", "weight_kg, dose_mg_per_kg, infusion_min, concentration_mg_per_ml, diluted, "
            "volume_ml, total_mg, drug_ml, rate_ml_per_h, profile, by, confirmations")
    )
    rates = tuple(RateRecord(t, rate, reason, by, _json_list(conf)) for _, t, rate, reason, by, conf in
                  recording.optional_rows("infusion_rate_changes", "rate_ml_per_h, reason, by, confirmations"))
    checks = [CheckRecord(t, kind, scale, score, tuple(_json_list(items)), by) for _, t, kind, scale, score, items, by
              in recording.optional_rows("clinical_checks", "kind, scale, score, items, by")]
    checks += _folded_notes(recording)
    checks.sort(key=lambda c: c.time)
    criteria = tuple(CriterionRecord(t, name, bool(met), detail) for _, t, name, met, detail in
                     recording.optional_rows("discharge_criteria", "criterion, met, detail"))
    sign_offs = [SignOffRecord(t, by, bool(ready), tuple(str(u) for u in _json_list(unmet)), reason)
                 for _, t, by, ready, unmet, reason in
                 recording.optional_rows("discharge_signoffs", "by, ready, unmet, reason")]
    return TreatmentRecord(plans, rates, tuple(checks), criteria, sign_offs[0] if sign_offs else None)


def _folded_notes(recording: Recording) -> list[CheckRecord]:
    """Quick notes that name a side effect, as side effects (older recordings' only record of them)."""
    folded = []
    for event in recording.events(frozenset({"annotation"})):
        assert isinstance(event, AnnotationRecord)
        effect = side_effect_for_note(event.text) if event.kind == "quick" else None
        if effect is not None:
            folded.append(CheckRecord(event.time, SIDE_EFFECT, effect.id, 1, (), "", source="note"))
    return folded


__all__ = [
    "CheckRecord", "CriterionRecord", "PlanRecord", "RateRecord", "SignOffRecord",
    "TreatmentRecord", "read_treatment",
]

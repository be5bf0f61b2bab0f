"""The treatment record of a recording: plan, rate changes, checks, discharge criteria, sign-off.

Read from the treatment tables (``docs/recording-format.md``); a recording made before
they existed has none of them and gives an empty :class:`TreatmentRecord` (its side-effect
quick notes, such as "Nausea", are still folded in as side effects, marked ``note``).
Times are UTC Unix seconds, as everywhere in review.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from monitor.review.events import AnnotationRecord, number_text, utc
from monitor.treatment.checks import Check
from monitor.treatment.dose import DoseInputs, compute_plan
from monitor.treatment.entry import TreatmentError
from monitor.treatment.infusion import RateChange, infused_ml
from monitor.treatment.scales import SCALES, SIDE_EFFECT, side_effect_for_note
from monitor.treatment.signoff import READY, CriterionChange, SignOff


class Recording(Protocol):
    """What is read of a :class:`monitor.review.reader.Recording` (a protocol: the reader merges
    these events into its own, so the two modules must not import each other)."""

    def optional_rows(self, table: str, columns: str) -> list[tuple]: ...
    def events(self, categories: frozenset[str] | None = None) -> Sequence[object]: ...


def _json_list(text: str) -> tuple:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(value) if isinstance(value, list) else ()


TREATMENT = "treatment"  # the category of every treatment event in a recording's event list


@dataclass(frozen=True, slots=True)
class PlanRecord:
    category: ClassVar[str] = TREATMENT
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

    def summary(self) -> str:
        """The plan in the words the dashboard confirmed it with (:meth:`DosePlan.summary`)."""
        try:
            inputs = DoseInputs(self.weight_kg, self.dose_mg_per_kg, self.infusion_min,
                                self.concentration_mg_per_ml, self.volume_ml if self.diluted else None)
            return compute_plan(inputs).summary()
        except TreatmentError:  # values no plan can follow from: as stored
            return (f"{number_text(self.total_mg)} mg over {number_text(self.infusion_min)} min, "
                    f"pump {number_text(self.rate_ml_per_h)} mL/h")

    def describe(self) -> str:
        confirmed = f"; confirmed outside the usual range: {len(self.confirmations)} value(s)" \
            if self.confirmations else ""
        return f"Treatment plan confirmed by {self.by}: {self.summary()}{confirmed}"


@dataclass(frozen=True, slots=True)
class RateRecord:
    category: ClassVar[str] = TREATMENT
    time: float
    rate_ml_per_h: float
    reason: str
    by: str
    confirmations: tuple[dict, ...]

    def describe(self) -> str:
        return f"{RateChange(utc(self.time), self.rate_ml_per_h, self.by, self.reason).describe()} (by {self.by})"


@dataclass(frozen=True, slots=True)
class CheckRecord:
    category: ClassVar[str] = TREATMENT
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
    category: ClassVar[str] = TREATMENT
    time: float
    criterion: str  # observation, vitals:HR, sedation, alarms, ready
    met: bool
    detail: str

    def describe(self) -> str:
        return CriterionChange(utc(self.time), self.criterion, self.met, self.detail).describe()


@dataclass(frozen=True, slots=True)
class SignOffRecord:
    category: ClassVar[str] = TREATMENT
    time: float
    by: str
    ready: bool
    unmet: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        text = SignOff(utc(self.time), self.by, self.ready, self.unmet, self.reason).describe()
        return text + (f" (not met: {'; '.join(self.unmet)})" if self.unmet else "")


TreatmentEvent = PlanRecord | RateRecord | CheckRecord | CriterionRecord | SignOffRecord


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
    record = read_treatment_tables(recording)
    checks = sorted((*record.checks, *_folded_notes(recording)), key=lambda c: c.time)
    return TreatmentRecord(record.plans, record.rate_changes, tuple(checks), record.criteria, record.sign_off)


def treatment_events(record: TreatmentRecord) -> list[TreatmentEvent]:
    """The record's events for the event list, the events CSV and EDF+ (folded notes are notes there)."""
    events: list[TreatmentEvent] = [*record.plans, *record.rate_changes,
                                    *(c for c in record.checks if c.source == "check"), *record.criteria]
    if record.sign_off is not None:
        events.append(record.sign_off)
    return sorted(events, key=lambda e: e.time)


def read_treatment_tables(recording: Recording) -> TreatmentRecord:
    """The treatment tables alone, without the folded notes (the reader merges these into its events)."""
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
    "TREATMENT", "CheckRecord", "CriterionRecord", "PlanRecord", "RateRecord", "SignOffRecord",
    "TreatmentEvent", "TreatmentRecord", "read_treatment", "read_treatment_tables", "treatment_events",
]

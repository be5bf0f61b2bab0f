"""The dose and the pump rate, from the patient's weight and the prescription.

Formulas (also in ``docs/treatment.md``)::

    total dose (mg)          = weight (kg) x prescribed dose (mg/kg)
    volume of drug (mL)      = total dose (mg) / drug concentration (mg/mL)
    pump rate (mL/h)         = infusion volume (mL) / infusion time (min) x 60
    infused concentration    = total dose (mg) / infusion volume (mL)         (mg/mL)

The infusion volume is what the pump delivers: the drug plus its diluent, e.g. the
drug drawn up and made up to 100 mL. Without dilution it is the volume of drug itself.

Worked example (checked by hand in the tests): 80 kg x 0.5 mg/kg = 40 mg; at 10 mg/mL
that is 40 / 10 = 4 mL of drug; made up to 100 mL and given over 40 min the pump runs
at 100 / 40 x 60 = 150 mL/h, and the bag holds 40 / 100 = 0.4 mg/mL (60 mg/h,
0.75 mg/kg/h).

Validation: each value has a sensible range in the treatment profile
(:class:`EntryLimits`); a value outside it needs the nurse's explicit confirmation,
which is recorded with who confirmed what and when (:class:`Override`); a value that
cannot be right (zero, or above ``refuse_above``) is refused. Every sentence states
the unit.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.treatment.entry import EntryError, Field, TreatmentError, amount_text, format_quantity


class PlanError(TreatmentError):
    """A plan that cannot be confirmed as it stands; ``str()`` is the sentence for the nurse."""


class Severity(enum.StrEnum):
    REFUSED = "refused"  # cannot be confirmed: correct the value
    CONFIRM = "confirm"  # outside the sensible range: the nurse must confirm it, and it is logged


@dataclass(frozen=True, slots=True)
class Finding:
    """Something about one entered value the nurse must see before the plan is confirmed."""

    field: Field
    value: float
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class EntryLimits:
    """The profile's bounds for one field: ``low``-``high`` sensible, above ``refuse_above`` refused."""

    field: Field
    low: float
    high: float
    refuse_above: float
    default: float | None = None

    def check(self, value: float) -> Finding | None:
        shown, field = format_quantity(value, self.field), self.field
        if not value > 0:
            return Finding(field, value, Severity.REFUSED,
                           f"The {field.spec.name} must be more than 0 {field.unit} (entered {shown}).")
        if value > self.refuse_above:
            return Finding(field, value, Severity.REFUSED,
                           f"The {field.spec.name} {shown} is above {format_quantity(self.refuse_above, field)}, "
                           "which is never accepted: check the value.")
        if not self.low <= value <= self.high:
            side = "below" if value < self.low else "above"
            return Finding(field, value, Severity.CONFIRM,
                           f"The {field.spec.name} {shown} is {side} the usual "
                           f"{amount_text(self.low)}-{amount_text(self.high)} {field.unit}: confirm it is right.")
        return None


@dataclass(frozen=True, slots=True)
class DoseInputs:
    """What the nurse enters (or the profile's defaults): every value in its stated unit."""

    weight_kg: float
    dose_mg_per_kg: float
    infusion_min: float
    concentration_mg_per_ml: float
    volume_ml: float | None  # drug plus diluent; None: the drug is given undiluted

    def values(self) -> dict[Field, float]:
        values = {
            Field.WEIGHT: self.weight_kg, Field.DOSE: self.dose_mg_per_kg,
            Field.INFUSION_TIME: self.infusion_min, Field.CONCENTRATION: self.concentration_mg_per_ml,
        }
        if self.volume_ml is not None:
            values[Field.VOLUME] = self.volume_ml
        return values


@dataclass(frozen=True, slots=True)
class DosePlan:
    """The computed dose and pump settings (formulas in the module docstring)."""

    inputs: DoseInputs
    total_mg: float
    drug_ml: float
    volume_ml: float  # what the pump delivers
    rate_ml_per_h: float
    infused_mg_per_ml: float

    @property
    def mg_per_h(self) -> float:
        return self.rate_ml_per_h * self.infused_mg_per_ml

    def summary(self) -> str:
        """One line for the confirmation dialog, the header and the report."""
        i = self.inputs
        dilution = (f"{amount_text(self.drug_ml)} mL of {amount_text(i.concentration_mg_per_ml)} mg/mL"
                    + (f" made up to {amount_text(self.volume_ml)} mL" if i.volume_ml is not None else ""))
        return (f"{amount_text(self.total_mg)} mg ({amount_text(i.dose_mg_per_kg)} mg/kg x "
                f"{amount_text(i.weight_kg)} kg) over {amount_text(i.infusion_min)} min: {dilution}, "
                f"pump {amount_text(self.rate_ml_per_h)} mL/h")


def compute_plan(inputs: DoseInputs) -> DosePlan:
    """The plan for ``inputs``; :class:`EntryError` when no plan can follow from them."""
    for field, value in inputs.values().items():
        if not value > 0:
            raise EntryError(f"The {field.spec.name} must be more than 0 {field.unit}.")
    total = inputs.weight_kg * inputs.dose_mg_per_kg
    drug = total / inputs.concentration_mg_per_ml
    volume = drug if inputs.volume_ml is None else inputs.volume_ml
    if volume < drug:
        raise EntryError(
            f"The infusion volume {format_quantity(volume, Field.VOLUME)} is less than the "
            f"{amount_text(drug)} mL of drug it must contain; check the volume and the concentration."
        )
    return DosePlan(inputs, total, drug, volume, volume / inputs.infusion_min * 60.0, total / volume)


@dataclass(frozen=True, slots=True)
class PlanReview:
    """A plan with what the nurse must correct (``refusals``) or confirm (``confirmations``)."""

    plan: DosePlan | None  # None when the values cannot make a plan
    refusals: tuple[Finding, ...]
    confirmations: tuple[Finding, ...]

    @property
    def can_confirm(self) -> bool:
        return self.plan is not None and not self.refusals


def review_plan(inputs: DoseInputs, limits: Mapping[Field, EntryLimits]) -> PlanReview:
    """Check every value against the profile's limits and compute the plan if possible."""
    findings = [f for field, value in inputs.values().items()
                if field in limits and (f := limits[field].check(value)) is not None]
    refusals = [f for f in findings if f.severity is Severity.REFUSED]
    plan = None
    if not refusals:
        try:
            plan = compute_plan(inputs)
        except EntryError as exc:
            refusals.append(Finding(Field.VOLUME, inputs.volume_ml or 0.0, Severity.REFUSED, str(exc)))
    return PlanReview(plan, tuple(refusals), tuple(f for f in findings if f.severity is Severity.CONFIRM))


@dataclass(frozen=True, slots=True)
class Override:
    """The nurse confirmed a value outside its sensible range: who, when, what and why asked."""

    at: datetime
    by: str
    field: Field
    value: float
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"time": self.at.timestamp(), "by": self.by, "field": self.field.name.lower(),
                "value": self.value, "unit": self.field.unit, "message": self.message}


def overrides_for(findings: Collection[Finding], confirmed: Collection[Field], at: datetime,
                  by: str) -> tuple[Override, ...]:
    """The overrides for ``findings`` the nurse confirmed; :class:`PlanError` if any is not."""
    missing = [f for f in findings if f.field not in confirmed]
    if missing:
        raise PlanError("Confirm first: " + " ".join(f.message for f in missing))
    return tuple(Override(at, by, f.field, f.value, f.message) for f in findings)


@dataclass(frozen=True, slots=True)
class PlanConfirmed:
    """The nurse confirmed the plan before the start: the ``treatment_plans`` row."""

    at: datetime
    plan: DosePlan
    by: str
    profile: str
    overrides: tuple[Override, ...] = ()

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        plan, inputs = self.plan, self.plan.inputs
        return "treatment_plans", {
            "host_time": self.at.timestamp(), "weight_kg": inputs.weight_kg,
            "dose_mg_per_kg": inputs.dose_mg_per_kg, "infusion_min": inputs.infusion_min,
            "concentration_mg_per_ml": inputs.concentration_mg_per_ml, "diluted": int(inputs.volume_ml is not None),
            "volume_ml": plan.volume_ml, "total_mg": plan.total_mg, "drug_ml": plan.drug_ml,
            "rate_ml_per_h": plan.rate_ml_per_h, "profile": self.profile, "by": self.by,
            "confirmations": json.dumps([o.as_dict() for o in self.overrides]),
        }

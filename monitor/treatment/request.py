"""A treatment plan given before the session starts: on the command line, later per chair in a room file.

Why a separate value: a bed is described by a frozen :class:`~monitor.bed_config.BedConfig`
that is built before anything runs, and the plan must be checked then (a refusal is one
line and nothing starts). The bed confirms it as soon as its session exists, recorded
like any confirmed plan, ``by`` whoever gave it (``command line``). Values outside the
profile's sensible ranges are confirmed only when named in ``confirmed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.treatment.dose import DoseInputs, PlanError, PlanReview, review_plan
from monitor.treatment.entry import Field
from monitor.treatment.profile import TreatmentProfile

BY_COMMAND_LINE = "command line"


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """The numbers of a plan; each left as None takes the treatment profile's default."""

    weight_kg: float
    dose_mg_per_kg: float | None = None
    infusion_min: float | None = None
    concentration_mg_per_ml: float | None = None
    volume_ml: float | None = None
    undiluted: bool = False  # the drug is given as it is: no infusion volume
    confirmed: frozenset[Field] = field(default_factory=frozenset)  # outside the sensible range, on purpose
    by: str = BY_COMMAND_LINE

    def inputs(self, profile: TreatmentProfile) -> DoseInputs:
        def value(given: float | None, entry: Field) -> float:
            chosen = given if given is not None else profile.default(entry)
            if chosen is None:
                raise PlanError(f"Enter {entry.describe()}.")
            return chosen

        return DoseInputs(
            self.weight_kg, value(self.dose_mg_per_kg, Field.DOSE), value(self.infusion_min, Field.INFUSION_TIME),
            value(self.concentration_mg_per_ml, Field.CONCENTRATION),
            None if self.undiluted else value(self.volume_ml, Field.VOLUME),
        )

    def review(self, profile: TreatmentProfile) -> PlanReview:
        return review_plan(self.inputs(profile), profile.entries)

    def unconfirmed(self, profile: TreatmentProfile) -> tuple[str, ...]:
        """Sentences of the values that need a confirmation not given (empty: none)."""
        return tuple(f.message for f in self.review(profile).confirmations if f.field not in self.confirmed)

    def check(self, profile: TreatmentProfile) -> DoseInputs:
        """The inputs, or :class:`PlanError` with the sentence if the bed could not confirm them."""
        review = self.review(profile)
        if not review.can_confirm:
            raise PlanError(" ".join(f.message for f in review.refusals))
        missing = self.unconfirmed(profile)
        if missing:
            raise PlanError("Confirm first: " + " ".join(missing))
        return self.inputs(profile)

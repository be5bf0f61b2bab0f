"""A treatment plan given before the session starts: on the command line, or per chair in a room file.

Why a separate value: a bed is described by a frozen :class:`~monitor.bed_config.BedConfig`
that is built before anything runs, and the plan must be checked then (a refusal is one
line and nothing starts). The bed confirms it as soon as its session exists, recorded
like any confirmed plan, ``by`` whoever gave it (``command line``, ``room file``). Values
outside the profile's sensible ranges are confirmed only when named in ``confirmed``.

Both front ends (``cli/treatment_args.py``, ``monitor/room_keys.py``) hand their plain
values to :func:`plan_from_values`, so the command line and the room file check a plan
the same way and differ only in how they name the option to fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from monitor.treatment.dose import DoseInputs, PlanError, PlanReview, review_plan
from monitor.treatment.entry import Field, TreatmentError
from monitor.treatment.profile import TreatmentProfile

log = logging.getLogger(__name__)

BY_COMMAND_LINE = "command line"
BY_ROOM_FILE = "room file"
# The names a value outside its sensible range is confirmed by: --confirm NAME, confirm = ["NAME"].
CONFIRMABLE = {"weight": Field.WEIGHT, "dose": Field.DOSE, "time": Field.INFUSION_TIME,
               "concentration": Field.CONCENTRATION, "volume": Field.VOLUME}
_NAME_OF = {entry: name for name, entry in CONFIRMABLE.items()} | {Field.RATE: "volume"}  # the rate: volume/time


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


@dataclass(frozen=True, slots=True)
class PlanValues:
    """A plan as the user wrote it (numbers already read strictly), before the profile's checks."""

    weight: float | None = None
    dose: float | None = None
    infusion_min: float | None = None
    concentration: float | None = None
    volume: float | None = None
    undiluted: bool = False
    confirm: tuple[str, ...] = ()  # names of CONFIRMABLE


class PlanValueError(TreatmentError):
    """A plan refused before anything starts. ``name`` is the value at fault (``weight``,
    ``dose``, ``time``, ``concentration``, ``volume``, ``undiluted``, ``confirm``) and
    ``needs`` what would fix it besides another value: ``"weight"`` (the value means nothing
    without a weight) or ``"confirm"`` (outside the sensible range: confirming it would do)."""

    def __init__(self, message: str, name: str, needs: str = "") -> None:
        super().__init__(message)
        self.name, self.needs = name, needs


def plan_from_values(values: PlanValues, profile: TreatmentProfile, by: str = BY_COMMAND_LINE) -> PlanRequest | None:
    """The plan of ``values`` checked against ``profile``; None without a weight (the nurse
    enters the plan on screen). :class:`PlanValueError` for the first problem."""
    given = [name for name in ("dose", "concentration", "volume") if getattr(values, name) is not None]
    given += ["undiluted"] if values.undiluted else []
    if values.weight is None:
        if given or values.confirm:
            raise PlanValueError("the dose is computed from the patient's weight.",
                                 given[0] if given else "confirm", needs="weight")
        return None
    unknown = [name for name in values.confirm if name not in CONFIRMABLE]
    if unknown:
        raise PlanValueError(f"'{unknown[0]}' is not a value to confirm; known: {', '.join(CONFIRMABLE)}.", "confirm")
    if values.undiluted and values.volume is not None:
        raise PlanValueError("a volume and undiluted exclude each other: give one.", "volume")
    request = PlanRequest(values.weight, values.dose, values.infusion_min, values.concentration, values.volume,
                          values.undiluted, frozenset(CONFIRMABLE[name] for name in values.confirm), by)
    review = request.review(profile)
    if not review.can_confirm:
        first = review.refusals[0].field if review.refusals else Field.WEIGHT
        raise PlanValueError(" ".join(f.message for f in review.refusals), _NAME_OF.get(first, "weight"))
    for finding in review.confirmations:
        if finding.field not in request.confirmed:
            raise PlanValueError(finding.message, _NAME_OF[finding.field], needs="confirm")
        log.warning("confirmed (%s): %s", by, finding.message)
    return request

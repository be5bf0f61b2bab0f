"""The treatment plan on the command line of ``live`` and ``record``: ``--weight 80`` and friends.

Every number is read like a typed one (:func:`monitor.treatment.entry.parse_quantity`):
``80``, ``80.5`` and ``80kg`` are accepted; ``80,5``, ``8O``, ``8e1`` and ``176 lb`` are
refused with one line naming the value and what to type. A value outside the
treatment profile's sensible range (weight 20-300 kg, a dose above the profile's
maximum, ...) is refused unless it is confirmed on purpose with ``--confirm FIELD``
(``--weight 310 --confirm weight``); the confirmation is recorded with the plan, by
``command line``, and logged. See ``docs/treatment.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from monitor.alarms.profile import ProfileError
from monitor.treatment.entry import EntryError, Field, parse_quantity
from monitor.treatment.profile import DEFAULT_TREATMENT_PROFILE, TreatmentProfile, load_treatment_profile
from monitor.treatment.request import CONFIRMABLE, PlanRequest, PlanValueError, PlanValues, plan_from_values


class PlanArgumentError(ValueError):
    """A plan on the command line that cannot be used; ``str()`` is the one line for the user."""


def quantity(field: Field) -> Callable[[str], float]:
    """argparse type: ``field``'s number, read strictly."""

    def parse(text: str) -> float:
        try:
            return parse_quantity(text, field)
        except EntryError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def add_treatment_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("treatment plan (docs/treatment.md)")
    group.add_argument("--weight", type=quantity(Field.WEIGHT), metavar="KG", help="patient's weight in kg")
    group.add_argument("--dose", type=quantity(Field.DOSE), metavar="MG_PER_KG",
                       help="prescribed dose in mg/kg (default: the treatment profile's, 0.5)")
    group.add_argument("--concentration", type=quantity(Field.CONCENTRATION), metavar="MG_PER_ML",
                       help="drug concentration in mg/mL (default: the profile's, 10)")
    volume = group.add_mutually_exclusive_group()
    volume.add_argument("--volume", type=quantity(Field.VOLUME), metavar="ML",
                        help="infusion volume in mL, drug and diluent (default: the profile's, 100)")
    volume.add_argument("--undiluted", action="store_true", help="the drug is given undiluted")
    group.add_argument("--confirm", action="append", choices=sorted(CONFIRMABLE), default=[], metavar="FIELD",
                       help="confirm a value outside its sensible range on purpose (recorded): "
                            + ", ".join(CONFIRMABLE))
    group.add_argument("--treatment-profile", metavar="FILE",
                       help=f"treatment profile: a built-in name or a TOML file (default: the settings, "
                            f"else {DEFAULT_TREATMENT_PROFILE})")


def treatment_profile(args: argparse.Namespace) -> TreatmentProfile:
    try:
        return load_treatment_profile(args.treatment_profile or DEFAULT_TREATMENT_PROFILE)
    except ProfileError as exc:
        raise PlanArgumentError(str(exc)) from None


def plan_request(args: argparse.Namespace, profile: TreatmentProfile,
                 infusion_min: float | None = None) -> PlanRequest | None:
    """The plan given on the command line, checked against ``profile``; None without ``--weight``."""
    values = PlanValues(args.weight, args.dose, infusion_min, args.concentration, args.volume, args.undiluted,
                        tuple(args.confirm))
    try:
        return plan_from_values(values, profile)
    except PlanValueError as exc:
        if exc.needs == "weight":
            raise PlanArgumentError(f"--{exc.name} needs --weight KG too: {exc}") from None
        if exc.needs == "confirm":
            raise PlanArgumentError(f"{exc} If it is, add --confirm {exc.name}.") from None
        raise PlanArgumentError(str(exc)) from None


def treatment_plan(args: argparse.Namespace, infusion_min: float | None = None
                   ) -> tuple[TreatmentProfile, PlanRequest | None]:
    """The treatment profile and the plan given with --weight (None without); PlanArgumentError: one line."""
    profile = treatment_profile(args)
    return profile, plan_request(args, profile, infusion_min)


def planned_infusion(profile: TreatmentProfile, plan: PlanRequest | None,
                     minutes: float | None = None) -> dict[str, float]:
    """The session's planned infusion length: the plan's time, else ``minutes``, else the profile's
    (as BedConfig's ``planned_infusion_s``; empty: the session's own default)."""
    chosen = (plan.infusion_min if plan is not None else None) or minutes or profile.default(Field.INFUSION_TIME)
    return {"planned_infusion_s": chosen * 60.0} if chosen else {}

"""The nurse's entries on a simulator scenario's timeline, so QA can run a whole session headless.

Each timeline event (``at_s``, ``kind``, ``text``; :class:`monitor.session.TimelineEventLike`)
becomes the command a nurse would give, by ``scenario``:

=================  =====================================================================
kind               text
=================  =====================================================================
``treatment_plan`` ``weight 80 kg; dose 0.5 mg/kg; time 40 min; concentration 10 mg/mL;
                   volume 100 mL`` (any left out: the profile's default; ``volume
                   undiluted``: no dilution; the word ``confirm`` confirms values outside
                   the sensible ranges, as a nurse would). Skipped when a plan is
                   already confirmed: one given on the command line takes precedence
``check``          the keys a nurse types (:meth:`Treatment.enter_keys`): ``S5``, ``D2``, ``N``
``rate_change``    ``75 mL/h`` and optionally ``; reason``; ``confirm`` allows a faster rate
``sign_off``       empty, or ``anyway: REASON`` to discharge before the criteria are met
=================  =====================================================================

Numbers are read with the same strict rules as typed ones. An event that does not
apply (a plan after the start, a sign-off before the criteria are met without a
reason) is logged and skipped, as the session does with its own scenario events.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Protocol

from monitor.session import BY_SCENARIO, SessionError, TimelineEventLike
from monitor.treatment.entry import Field, TreatmentError, parse_quantity
from monitor.treatment.scales import CHECK_KEYS, SIDE_EFFECTS


class Treatment(Protocol):
    """The nurse's commands a scenario gives (``monitor.treatment.treatment.Treatment`` has them);
    a protocol, so this module and the treatment do not import each other."""

    @property
    def plan(self) -> Any: ...
    def inputs_from_text(self, texts: Mapping[Field, str], diluted: bool = ...) -> Any: ...
    def review(self, inputs: Any) -> Any: ...
    def confirm_plan(self, inputs: Any, by: str, confirmed: Collection[Field] = ...) -> Any: ...
    def change_rate(self, rate_ml_per_h: float, by: str, reason: str = ..., confirmed: bool = ...) -> Any: ...
    def enter_keys(self, keys: str, by: str) -> Any: ...
    def sign_off(self, by: str, reason: str = ...) -> Any: ...

log = logging.getLogger(__name__)

TREATMENT_EVENT_KINDS = frozenset({"treatment_plan", "check", "rate_change", "sign_off"})
CHECK_LETTERS = frozenset(CHECK_KEYS) | {e.key for e in SIDE_EFFECTS if e.key}
_PLAN_KEYS = {
    "weight": Field.WEIGHT, "dose": Field.DOSE, "time": Field.INFUSION_TIME,
    "concentration": Field.CONCENTRATION, "volume": Field.VOLUME,
}


def _parts(text: str) -> tuple[list[str], bool]:
    """The ``;``-separated parts, and whether one of them is the word ``confirm``."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    confirm = any(p.lower() == "confirm" for p in parts)
    return [p for p in parts if p.lower() != "confirm"], confirm


def _plan(treatment: Treatment, text: str):
    if treatment.plan is not None:
        raise TreatmentError("a plan is already confirmed (e.g. given on the command line); "
                             "the scenario's plan is not used")
    parts, confirm = _parts(text)
    texts: dict[Field, str] = {}
    diluted = True
    for part in parts:
        key, _, value = part.partition(" ")
        field = _PLAN_KEYS.get(key.lower())
        if field is None:
            raise TreatmentError(f"unknown plan entry {key!r} (known: {', '.join(_PLAN_KEYS)})")
        if field is Field.VOLUME and value.strip().lower() == "undiluted":
            diluted = False
            continue
        texts[field] = value
    inputs = treatment.inputs_from_text(texts, diluted)
    confirmed = {f.field for f in treatment.review(inputs).confirmations} if confirm else ()
    return treatment.confirm_plan(inputs, BY_SCENARIO, confirmed)


def _rate(treatment: Treatment, text: str):
    parts, confirm = _parts(text)
    if not parts:
        raise TreatmentError("a rate change needs the rate, e.g. 75 mL/h")
    rate = parse_quantity(parts[0], Field.RATE)
    return treatment.change_rate(rate, BY_SCENARIO, "; ".join(parts[1:]), confirmed=confirm)


def _anyway(text: str) -> str:
    """The reason of ``anyway: REASON``; any other text gives none (a default label is no reason)."""
    head, _, reason = text.partition(":")
    return reason.strip() if head.strip().lower() == "anyway" else ""


def scenario_text_problem(kind: str, text: str) -> str | None:
    """Why the text of a treatment event could never be carried out (for the scenario loader), or None.

    Only what holds for every profile is checked: the plan's entry names and numbers, the
    rate's number, a check's first letter. A score the profile's scale lacks is found when
    the event is applied.
    """
    try:
        if kind == "treatment_plan":
            for part in _parts(text)[0]:
                key, _, value = part.partition(" ")
                field = _PLAN_KEYS.get(key.lower())
                if field is None:
                    return f"unknown plan entry {key!r} (known: {', '.join(_PLAN_KEYS)})"
                if not (field is Field.VOLUME and value.strip().lower() == "undiluted"):
                    parse_quantity(value, field)
        elif kind == "rate_change":
            parts = _parts(text)[0]
            if not parts:
                return "a rate change needs the rate, e.g. 75 mL/h"
            parse_quantity(parts[0], Field.RATE)
        elif kind == "check" and text.strip()[:1].upper() not in CHECK_LETTERS:
            return f"a check starts with {', '.join(sorted(CHECK_LETTERS))} (e.g. S5, D2, N), not {text!r}"
    except TreatmentError as exc:
        return str(exc)
    return None


def apply_scenario_events(treatment: Treatment, events: Iterable[TimelineEventLike]) -> list[object]:
    """Carry out the treatment events among ``events`` (others are the session's); returns what was done."""
    commands = {
        "treatment_plan": lambda e: _plan(treatment, e.text),
        "check": lambda e: treatment.enter_keys(e.text.strip(), BY_SCENARIO),
        "rate_change": lambda e: _rate(treatment, e.text),
        "sign_off": lambda e: treatment.sign_off(BY_SCENARIO, _anyway(e.text)),
    }
    done = []
    for event in events:
        command = commands.get(event.kind)
        if command is None:
            continue
        try:
            done.append(command(event))
        except (TreatmentError, SessionError) as exc:
            log.info("scenario event %s at %.0f s ignored: %s", event.kind, event.at_s, exc)
    return done

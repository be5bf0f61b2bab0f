"""Strict reading of the numbers a nurse types: a comma or a typo never becomes a different number.

Why strict: a dose is computed from these numbers. ``float()`` reads ``"8e1"``,
``"٨٠"`` (Arabic-Indic digits), ``" +80 "`` and ``"nan"``; a locale-aware reader would
take ``"80,5"`` as 80.5 on one computer and 805 on another. Here a quantity is
exactly: ASCII digits, optionally one point followed by digits (``80``, ``80.5``,
``0.5``), optionally followed by the field's own unit (``80 kg``, ``80kg``, ``80 KG``).
Everything else is refused with one sentence that names the field and its unit, for
example ``"80,5" has a comma: type the weight in kg with a point for decimals, e.g. 80.5.``
Nothing is ever guessed, rounded or cut.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# Units a person might type for a quantity of this kind: one of these that is not the field's own
# is answered "not in kg"; any other letters after the number are a typo ("8O") and "not a number".
KNOWN_UNITS = frozenset({
    "kg", "g", "lb", "lbs", "mg", "mcg", "ug", "mg/kg", "mcg/kg", "ug/kg", "g/kg", "mg/ml", "mcg/ml",
    "g/l", "mg/l", "ml", "l", "cc", "min", "mins", "h", "hr", "hrs", "s", "sec", "ml/h", "ml/hr", "ml/min",
})
MAX_DIGITS = 9  # more digits than any dose, weight or volume has: a held-down key
_NUMBER = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-z][A-Za-z/ ]*)?")


class TreatmentError(ValueError):
    """A treatment command or entry that is refused; ``str()`` is the sentence for the nurse.

    Every refusal of :mod:`monitor.treatment` is one of these, so a front end needs one
    ``except`` to show it.
    """


class EntryError(TreatmentError):
    """A typed value that cannot be used; ``str()`` is the sentence for the nurse."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One entry field: its name in sentences, its unit as shown, and how it may be typed."""

    name: str
    unit: str
    spellings: frozenset[str]  # lower case, without spaces; the shown unit is always one
    example: str  # a typical value, used in the refusal sentences


class Field(enum.Enum):
    """Every quantity the treatment record takes from the keyboard or a scenario."""

    WEIGHT = FieldSpec("weight", "kg", frozenset({"kg"}), "80.5")
    DOSE = FieldSpec("dose", "mg/kg", frozenset({"mg/kg"}), "0.5")
    INFUSION_TIME = FieldSpec("infusion time", "min", frozenset({"min"}), "40")
    CONCENTRATION = FieldSpec("drug concentration", "mg/mL", frozenset({"mg/ml"}), "10")
    VOLUME = FieldSpec("infusion volume", "mL", frozenset({"ml"}), "100")
    RATE = FieldSpec("pump rate", "mL/h", frozenset({"ml/h"}), "150")

    @property
    def spec(self) -> FieldSpec:
        return self.value

    @property
    def unit(self) -> str:
        return self.value.unit

    def describe(self) -> str:
        """``"the weight in kg"``: how every sentence names the field."""
        return f"the {self.spec.name} in {self.spec.unit}"


def parse_quantity(text: str, field: Field) -> float:
    """The number in ``text`` for ``field``, or :class:`EntryError` with the sentence to show.

    Accepted: ``"80"``, ``"80.5"``, ``" 80 kg "``, ``"80KG"``. Refused: empty text, a comma,
    another unit (``"176 lb"``), letters among the digits (``"8O"``), signs, exponents,
    non-ASCII digits, a bare point (``".5"``, ``"5."``) and more than :data:`MAX_DIGITS` digits.
    """
    spec = field.spec
    stripped = text.strip()
    if not stripped:
        raise EntryError(f"Enter {field.describe()}.")
    if "," in stripped:
        raise EntryError(
            f'"{_shown(stripped)}" has a comma: type {field.describe()} with a point for '
            f"decimals and no thousands separator, e.g. {spec.example}."
        )
    match = _NUMBER.fullmatch(stripped)
    unit = match.group("unit") if match else None
    unit_typed = unit.lower().replace(" ", "") if unit is not None else None
    if match is None or (unit_typed is not None and unit_typed not in spec.spellings | KNOWN_UNITS):
        raise EntryError(
            f'"{_shown(stripped)}" is not a number: type {field.describe()} with the digits 0-9 '
            f"and at most one decimal point, e.g. {spec.example}."
        )
    number = match.group("number")
    if unit_typed is not None and unit_typed not in spec.spellings:
        raise EntryError(
            f'"{_shown(stripped)}" is not in {spec.unit}: type {field.describe()} '
            f"(the unit may be left out), e.g. {spec.example}."
        )
    if sum(c.isdigit() for c in number) > MAX_DIGITS:
        raise EntryError(f'"{_shown(stripped)}" has too many digits for {field.describe()}.')
    return float(number)


def format_quantity(value: float, field: Field) -> str:
    """``80.5 kg``: a value as the record and the sentences show it (at most 3 decimals)."""
    return f"{amount_text(value)} {field.unit}"


def amount_text(value: float) -> str:
    """80.0 -> ``80``, 0.5 -> ``0.5``, 1/3 -> ``0.333``: what a person would write down."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _shown(text: str, most: int = 30) -> str:
    """Quote what was typed, cut to a readable length and on one line."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= most else one_line[: most - 1] + "\u2026"

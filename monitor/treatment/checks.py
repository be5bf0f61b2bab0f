"""Clinical checks: sedation and dissociation scored at intervals, side effects when they happen.

A check is an immutable event (time, item, scale, score, who), recorded in the
``clinical_checks`` table and drawn as a marker on the trend. Entering one takes one
or two keys per item (:mod:`monitor.treatment.scales` says which).

The reminder (:func:`check_reminder`) is **not an alarm**: it never goes through the
alarm engine, makes no sound and is never logged as one. It says when the next
check is due: every ``interval`` during the infusion and the observation after it,
counted from the infusion start or from the last check of that item, whichever is
later (a check during baseline does not move the first one). ``due`` from that
moment, ``overdue`` once ``overdue_after`` more has passed.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.session import Phase, SessionView
from monitor.treatment.entry import TreatmentError
from monitor.treatment.scales import (
    DISSOCIATION,
    SCALES,
    SEDATION,
    SIDE_EFFECT,
    SIDE_EFFECT_BY_ID,
    Scale,
)

MAX_BY_CHARS = 40  # initials or a short name: one line in the record and the report


class CheckError(TreatmentError):
    """A check that cannot be recorded; ``str()`` is the sentence for the nurse."""


def actor(by: str) -> str:
    """Who entered something: initials, a name or ``nurse``/``scenario``; one short line."""
    text = " ".join(by.split())
    if not text:
        raise CheckError("Say who is entering this (initials are enough).")
    if len(text) > MAX_BY_CHARS or not text.isprintable():
        raise CheckError(f"Who entered it must be one line of at most {MAX_BY_CHARS} characters.")
    return text


@dataclass(frozen=True, slots=True)
class Check:
    """One clinical check: a score on a scale, or a side effect present (1) or gone (0).

    ``scale`` is the scale id for sedation and dissociation and the side effect's id
    for a side effect; ``items`` holds a multi-item scale's item scores (their sum is
    ``score``).
    """

    at: datetime
    kind: str  # SEDATION, DISSOCIATION or SIDE_EFFECT
    scale: str
    score: int
    by: str
    items: tuple[int, ...] = ()

    def describe(self) -> str:
        """``"Sedation MOAA/S 4 (Lethargic)"``, ``"Side effect: Nausea"``."""
        if self.kind == SIDE_EFFECT:
            effect = SIDE_EFFECT_BY_ID.get(self.scale)
            label = effect.label if effect else self.scale
            return f"Side effect: {label}" + ("" if self.score else " resolved")
        scale = SCALES.get(self.scale)
        text = scale.describe(self.score) if scale else f"{self.scale} {self.score}"
        return f"{self.kind.capitalize()} {text}"

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "clinical_checks", {
            "host_time": self.at.timestamp(), "kind": self.kind, "scale": self.scale,
            "score": self.score, "items": json.dumps(list(self.items)) if self.items else "",
            "by": self.by,
        }


def scored_check(at: datetime, scale: Scale, by: str, score: int | None = None,
                 items: Sequence[int] = ()) -> Check:
    """A sedation or dissociation check, validated against its scale.

    A single-level scale takes ``score``; a multi-item scale takes ``items`` (one per item).
    """
    if scale.items:
        if len(items) != len(scale.items) or any(_not_level(scale, s) for s in items):
            raise CheckError(f"{scale.id} needs {len(scale.items)} item scores, each "
                             f"{scale.levels[0].score} to {scale.levels[-1].score}.")
        return Check(at, scale.kind, scale.id, sum(items), actor(by), tuple(int(s) for s in items))
    if _not_level(scale, score):
        raise CheckError(f"{scale.id} is scored {scale.lowest} to {scale.highest}; "
                         f"{score!r} is not one of its levels.")
    return Check(at, scale.kind, scale.id, int(score), actor(by))  # type: ignore[arg-type]


def side_effect_check(at: datetime, effect_id: str, by: str, present: bool = True) -> Check:
    if effect_id not in SIDE_EFFECT_BY_ID:
        known = ", ".join(SIDE_EFFECT_BY_ID)
        raise CheckError(f"Unknown side effect {effect_id!r} (known: {known}).")
    return Check(at, SIDE_EFFECT, effect_id, int(present), actor(by))


def _not_level(scale: Scale, score: object) -> bool:
    return not isinstance(score, int) or isinstance(score, bool) or all(
        lv.score != score for lv in scale.levels)


# -- the reminder --------------------------------------------------------------------------


class ReminderState(enum.StrEnum):
    OFF = "off"  # not in the infusion or the observation: no checks scheduled
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Reminder:
    """When the next check is due; what the header shows (never an alarm)."""

    state: ReminderState
    due_at: datetime | None  # the earliest due time of the scheduled items
    items_due: tuple[str, ...]  # SEDATION / DISSOCIATION due now (or overdue)
    text: str


def check_reminder(view: SessionView, checks: Sequence[Check], now: datetime, interval_s: float,
                   overdue_after_s: float, scheduled: Sequence[str] = (SEDATION, DISSOCIATION)) -> Reminder:
    """The reminder at ``now`` (rule in the module docstring)."""
    start = view.infusion_started_at
    if view.phase not in (Phase.INFUSION, Phase.RECOVERY) or start is None:
        return Reminder(ReminderState.OFF, None, (), "")
    due = {kind: _due_at(kind, checks, start, interval_s) for kind in scheduled}
    earliest = min(due.values())
    items_due = tuple(kind for kind in scheduled if due[kind] <= now)
    if not items_due:
        minutes = math.ceil((earliest - now).total_seconds() / 60.0)
        return Reminder(ReminderState.NOT_DUE, earliest, (), f"Next check in {minutes} min")
    late_s = (now - earliest).total_seconds()
    names = " and ".join(items_due).capitalize()
    if late_s >= overdue_after_s:
        return Reminder(ReminderState.OVERDUE, earliest, items_due,
                        f"{names} check overdue by {int(late_s // 60)} min")
    return Reminder(ReminderState.DUE, earliest, items_due, f"{names} check due")


def _due_at(kind: str, checks: Sequence[Check], start: datetime, interval_s: float) -> datetime:
    last = max((c.at for c in checks if c.kind == kind and c.at >= start), default=start)
    return last + timedelta(seconds=interval_s)

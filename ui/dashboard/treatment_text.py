"""What the dashboard says about the treatment, from a :class:`~monitor.treatment.treatment.TreatmentView`.

Pure functions of immutable values (no widgets), so each sentence is tested as text:
the header's dose line, the check reminder, the discharge status and the short labels
of checks and rate changes on the trend.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from monitor.review.treatment import CheckRecord, RateRecord
from monitor.treatment.checks import Check, ReminderState
from monitor.treatment.discharge import NO_ALARM as ALARMS
from monitor.treatment.discharge import OBSERVATION, SIGN_OFF
from monitor.treatment.entry import amount_text
from monitor.treatment.infusion import RateChange
from monitor.treatment.scales import DISSOCIATION, SEDATION, SIDE_EFFECT_BY_ID
from monitor.treatment.treatment import TreatmentView

NO_PLAN = "No dose plan: F10 to enter it"


def dose_line(view: TreatmentView, phase: str) -> str:
    """The header's line: ``40 mg · 150 mL/h · 28.4 mg given`` during the infusion."""
    plan = view.plan
    if plan is None:
        return NO_PLAN if phase in ("baseline", "infusion") else ""
    total = f"{amount_text(plan.total_mg)} mg"
    if phase == "baseline":
        return f"Plan {total} over {amount_text(plan.inputs.infusion_min)} min \u00b7 {amount_text(plan.rate_ml_per_h)} mL/h"
    given = view.delivery
    if given is None:
        return total
    if phase == "infusion":
        rate = "PAUSED" if given.rate_ml_per_h == 0 else f"{amount_text(given.rate_ml_per_h)} mL/h"
        return f"{total} \u00b7 {rate} \u00b7 {given.infused_mg:.1f} mg given"
    return f"{given.infused_mg:.1f} of {total} given"


def reminder_line(view: TreatmentView) -> str:
    """``Check due: sedation and dissociation`` / ``... overdue by 6 min`` / ``Next check in 9 min``."""
    reminder = view.reminder
    return "" if reminder.state is ReminderState.OFF else reminder.text


def reminder_pressing(view: TreatmentView) -> bool:
    return view.reminder.state in (ReminderState.DUE, ReminderState.OVERDUE)


def clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M")


def discharge_lines(view: TreatmentView, now: datetime) -> tuple[str, list[tuple[str, str]]]:
    """``(headline, [(short line, full sentence)] of what is still missing)`` during the observation.

    The short line names the criterion and where it stands (``HR stable 15 min: 6 min so far``);
    the full sentence (band, limits) is the domain's, for the tooltip and the sign-off dialog.
    """
    status = view.discharge
    if view.signed_off is not None:
        return f"Discharged {clock(view.signed_off.at)}", []
    missing = [(_short(c.id, c.text), c.text) for c in status.criteria if not c.met and c.id != SIGN_OFF]
    if status.ready:
        return "READY FOR DISCHARGE", [("Sign off to end the session (F12).", "")]
    # the earliest moment the criteria that run on time allow; the others (a check, an alarm
    # to end) say what they wait for in their own line
    known = [c.earliest for c in status.criteria if not c.met and c.id != SIGN_OFF and c.earliest is not None]
    if not known:
        return "Not ready for discharge", missing
    earliest = max(known)
    minutes = max(0, math.ceil((earliest - now).total_seconds() / 60.0))
    return f"Not ready \u00b7 earliest {clock(earliest)} (in {minutes} min)", missing


def discharge_header(view: TreatmentView, now: datetime) -> str:
    """The header's line during the observation, readable across the room."""
    headline, _ = discharge_lines(view, now)
    return headline if view.discharge.ready or view.signed_off else headline.replace("Not ready", "Discharge: not ready")


def _short(criterion: str, text: str) -> str:
    """A criterion's sentence, short enough for the panel: ``Observation: 9 of 60 min``,
    ``HR back in range: 9 of 15 min``; what is not a count of minutes is kept as said."""
    head, _, state = text.partition(": ")
    need = re.search(r"(?:of|for) (\d+(?:\.\d+)?) min", head)
    if criterion == OBSERVATION:
        head = "Observation"
    elif criterion.startswith("vitals:"):
        head = head.split(" within ")[0].split(" inside ")[0] + " back in range"
    elif criterion == ALARMS:
        return text if len(text) <= 60 else text[:59] + "\u2026"
    done = re.fullmatch(r"(\d+) min so far(.*)", state)
    if done and need:
        return f"{head}: {done.group(1)} of {need.group(1)} min{done.group(2)}"
    return f"{head}: {state}" if state else head


def check_label(check: Check | CheckRecord) -> str:
    """The trend marker's text: ``S4``, ``D3``, ``Nausea`` (live, and in review)."""
    if check.kind == SEDATION:
        return f"S{int(check.score)}"
    if check.kind == DISSOCIATION:
        return f"D{int(check.score)}"
    effect = SIDE_EFFECT_BY_ID.get(check.scale)
    return (effect.label if effect else check.scale).split(" (")[0] + ("" if check.score else " resolved")


def rate_label(change: RateChange | RateRecord) -> str:
    return "Pump paused" if change.rate_ml_per_h == 0 else f"Pump {amount_text(change.rate_ml_per_h)} mL/h"


def last_checks(view: TreatmentView, count: int = 3) -> str:
    """The latest checks, newest first, for the panel: ``10:32 S5 · 10:32 D1 · 10:10 Nausea``."""
    return " \u00b7 ".join(f"{clock(c.at)} {check_label(c)}" for c in reversed(view.checks[-count:]))

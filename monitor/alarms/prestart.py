"""The pre-infusion blood-pressure gate (reference §2.4 and §2.7).

Not an alarm: when the nurse starts the infusion, a baseline at or above the
profile's caution level asks for an explicit, logged confirmation, and one at
or above the do-not-start level refuses until a re-check. The dialog lives in
the UI; the decision lives here so it is tested without Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from monitor.alarms.model import number
from monitor.alarms.settings import StartLevels


class StartDecision(enum.StrEnum):
    OK = "ok"
    CAUTION = "caution"  # ask for a prescriber decision, log the confirmation
    DO_NOT_START = "do_not_start"  # re-check the blood pressure before starting


@dataclass(frozen=True, slots=True)
class StartCheck:
    decision: StartDecision
    message: str


def check_start(levels: StartLevels, systolic: float | None, diastolic: float | None) -> StartCheck:
    """Compare the baseline BP with the gate; a missing baseline is itself a caution."""
    if systolic is None or diastolic is None:
        return StartCheck(StartDecision.CAUTION, "No baseline blood pressure: measure it before starting.")
    bp = f"{number(systolic)}/{number(diastolic)} mmHg"
    if systolic >= levels.do_not_start_sys or diastolic >= levels.do_not_start_dia:
        limit = f"{number(levels.do_not_start_sys)}/{number(levels.do_not_start_dia)}"
        return StartCheck(
            StartDecision.DO_NOT_START,
            f"Baseline {bp} is at or above {limit}: do not start; re-check the blood pressure.",
        )
    if systolic >= levels.caution_sys or diastolic >= levels.caution_dia:
        limit = f"{number(levels.caution_sys)}/{number(levels.caution_dia)}"
        return StartCheck(
            StartDecision.CAUTION,
            f"Elevated baseline {bp} (at or above {limit}): prescriber decision required to start.",
        )
    return StartCheck(StartDecision.OK, f"Baseline {bp} is below the caution level.")

"""The treatment on the dashboard: the header's dose line, the check panel, discharge, the dialogs.

Like :mod:`ui.alarm_presenter` for the alarms: it reads the bed's treatment
(``bed.treatment``: immutable views, any thread) at every display refresh, forwards the
nurse's actions to the bed's commands (which record what they cause), and puts the
treatment's events on the trend as they arrive from the bed. A refused command is its
sentence in the panel, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence, QShortcut

from monitor.session import SessionError
from monitor.treatment.checks import Check
from monitor.treatment.entry import TreatmentError, amount_text
from monitor.treatment.infusion import RateChange
from monitor.treatment.scales import DISSOCIATION, SEDATION
from ui.dashboard.plan_dialog import CONFIRM, START_WITHOUT_PLAN
from ui.dashboard.theme import get_theme
from ui.dashboard.treatment_dialogs import TreatmentDialogs
from ui.dashboard.shortcuts import key
from ui.dashboard.treatment_panel import TreatmentPanel
from ui.dashboard.treatment_text import (
    NO_PLAN,
    check_label,
    discharge_header,
    discharge_lines,
    dose_line,
    last_checks,
    rate_label,
    reminder_line,
    reminder_pressing,
)

log = logging.getLogger(__name__)


class Dialogs(Protocol):
    def plan(self, parent, read, review, defaults, current, starting: bool) -> Any: ...
    def rate(self, parent, planned_ml_per_h: float) -> tuple[float, str] | None: ...
    def sign_off(self, parent, ready: bool, missing) -> tuple[str, str] | None: ...
    def confirm(self, parent, title: str, question: str, action: str) -> bool: ...


class TreatmentPresenter(QObject):
    def __init__(self, treatment: Any, session: Any, window: Any, now, dialogs: Dialogs | None = None) -> None:
        """``treatment`` and ``session``: the bed's facades; ``window``: the dashboard."""
        super().__init__(window)
        self.treatment, self.session, self.window, self._now = treatment, session, window, now
        self._without_plan = False
        self.dialogs: Dialogs = dialogs or TreatmentDialogs()
        self.panel = TreatmentPanel(get_theme(window.theme_name), treatment.scale_for(SEDATION),
                                    treatment.scale_for(DISSOCIATION))
        window.add_panel(self.panel)
        window.type_sink = self.panel.type_keys
        self.panel.keys_entered.connect(self.enter_keys)
        self.panel.plan_requested.connect(lambda: self.edit_plan(starting=False))
        self.panel.rate_requested.connect(self.change_rate)
        self.panel.pause_requested.connect(lambda: self._rate(0.0, "paused"))
        self.panel.sign_off_requested.connect(self.sign_off)
        window.refreshed.connect(self.refresh)
        window.theme_toggled.connect(lambda name: self.panel.apply_theme(get_theme(name)))
        self.shortcuts = {
            "dose_plan": QShortcut(QKeySequence(key("dose_plan")), window, lambda: self.edit_plan(starting=False)),
            "sign_off": QShortcut(QKeySequence(key("sign_off")), window, self.sign_off),
        }
        self.panel.entry.setFocus()
        self.refresh()

    # -- from the bed (GUI thread) ---------------------------------------------------------
    def on_event(self, event: object) -> None:
        """Checks and pump changes as markers on the trend."""
        if isinstance(event, Check):
            self.window.add_marker(event.at, "check", check_label(event))
        elif isinstance(event, RateChange):
            self.window.add_marker(event.at, "rate", rate_label(event))

    def refresh(self) -> None:
        view = self.treatment.view()
        phase = str(self.session.phase)
        line = discharge_header(view, self._now()) if phase == "recovery" else dose_line(view, phase)
        look = "dim" if line == NO_PLAN else "good" if phase == "recovery" and view.discharge.ready else ""
        self.window.header.show_dose(line, look)
        self.panel.show_phase(phase, view.plan is not None)
        self.panel.show_reminder(reminder_line(view), reminder_pressing(view))
        self.panel.show_recent(last_checks(view))
        if phase in ("recovery", "ended"):
            headline, missing = discharge_lines(view, self._now())
            self.panel.show_discharge(headline, missing, view.discharge.ready or view.signed_off is not None)

    # -- the nurse's actions -----------------------------------------------------------------
    def enter_keys(self, keys: str) -> None:
        try:
            check = self.treatment.enter_keys(keys)
        except (TreatmentError, SessionError) as exc:
            self.panel.show_feedback(str(exc), ok=False)
            return
        self.panel.show_feedback(f"Recorded {check.at.astimezone():%H:%M}: {check.describe()}")
        self.refresh()

    def before_start(self) -> bool:
        """Start (F2) without a confirmed plan asks for one first; False: do not start."""
        if self.treatment.view().plan is not None:
            return True
        answer = self.edit_plan(starting=True)
        if answer is None:
            return False
        self._without_plan = answer.choice == START_WITHOUT_PLAN
        return True

    def after_start(self) -> None:
        if self._without_plan:
            self.treatment.started_without_plan()
            self._without_plan = False

    def edit_plan(self, starting: bool = False):
        view = self.treatment.view()
        if str(self.session.phase) not in ("baseline", "infusion") or (
                str(self.session.phase) == "infusion" and view.plan is not None):
            self.window.show_notice("The plan is fixed once the infusion has started; change the pump rate instead.")
            return None
        answer = self.dialogs.plan(self.window, self.treatment.inputs_from_text, self.treatment.review,
                                   self.treatment.defaults(), view.plan.inputs if view.plan else None, starting)
        if answer is None or answer.choice != CONFIRM:
            return answer
        try:
            confirmed = self.treatment.confirm_plan(answer.inputs, answer.by, answer.confirmed)
        except (TreatmentError, SessionError) as exc:
            self.window.show_notice(str(exc))
            return None
        self.window.show_notice(f"Dose plan confirmed by {confirmed.by}: {confirmed.plan.summary()}")
        self.refresh()
        return answer

    def change_rate(self) -> None:
        plan = self.treatment.view().plan
        if plan is None:
            self.window.show_notice("Confirm the dose plan first (F10).")
            return
        answer = self.dialogs.rate(self.window, plan.rate_ml_per_h)
        if answer is not None:
            self._rate(*answer)

    def _rate(self, rate: float, reason: str) -> None:
        try:
            self.treatment.change_rate(rate, reason=reason)
        except TreatmentError as exc:
            if "faster than the planned" not in str(exc) or not self.dialogs.confirm(
                    self.window, "Faster than planned", str(exc), f"Confirm {amount_text(rate)} mL/h"):
                self.window.show_notice(str(exc))
                return
            self.treatment.change_rate(rate, reason=reason, confirmed=True)
        self.refresh()

    def sign_off(self) -> None:
        if str(self.session.phase) != "recovery":
            self.window.show_notice("Sign-off is for discharge after the infusion: stop the infusion first.")
            return
        view = self.treatment.view()
        _, missing = discharge_lines(view, self._now())
        answer = self.dialogs.sign_off(self.window, view.discharge.ready, [full for _, full in missing])
        if answer is None:
            return
        by, reason = answer
        try:
            done = self.treatment.sign_off(by, reason)
        except (TreatmentError, SessionError) as exc:
            self.window.show_notice(str(exc))
            return
        self.window.show_notice(f"{done.describe()} at {done.at.astimezone():%H:%M}. The session has ended.")
        self.refresh()

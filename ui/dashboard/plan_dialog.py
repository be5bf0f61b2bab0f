"""The dose confirmation before the start: the plan computed as the nurse types, confirmed and logged.

Built on :class:`~monitor.treatment.dose.PlanReview`: every field says its unit, every
number is read strictly (a comma or a typo is refused with its sentence, never taken for
another number), the dose and pump rate are shown large as soon as they follow, and each
value outside the profile's sensible range gets a box the nurse must tick to confirm it
(recorded with her initials, the value and the sentence shown). Nothing is confirmed
until "Confirm" is pressed.

Opened from Start (F2) when no plan is confirmed, it can also start without a plan: a
plan is not mandatory, because the monitor must never keep the infusion phase (and its
alarm rules) from starting when the pump already runs; that start is logged, and the
plan can still be entered during the infusion (F10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from monitor.treatment.dose import DoseInputs, PlanReview
from monitor.treatment.entry import Field, TreatmentError, amount_text
from ui.dashboard.widgets import label

FIELDS = (Field.WEIGHT, Field.DOSE, Field.INFUSION_TIME, Field.CONCENTRATION, Field.VOLUME)
CONFIRM, START_WITHOUT_PLAN = "confirm", "without_plan"


@dataclass(frozen=True, slots=True)
class PlanAnswer:
    """What the nurse chose: a plan to confirm (``inputs``), or to start without one."""

    choice: str  # CONFIRM or START_WITHOUT_PLAN
    inputs: DoseInputs | None = None
    by: str = ""
    confirmed: frozenset[Field] = frozenset()


class PlanDialog(QDialog):
    """``read(texts, diluted)`` and ``review(inputs)`` are the bed's (``bed.treatment``)."""

    def __init__(self, parent: QWidget | None, read: Callable[[Mapping[Field, str], bool], DoseInputs],
                 review: Callable[[DoseInputs], PlanReview], defaults: Mapping[Field, float],
                 current: DoseInputs | None = None, starting: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dose plan: confirm before the start")
        self._read, self._review = read, review
        self.answer: PlanAnswer | None = None
        self._inputs: DoseInputs | None = None
        self._findings: list = []
        values = dict(defaults) if current is None else current.values()
        self.fields: dict[Field, QLineEdit] = {}
        form = QFormLayout()
        for field in FIELDS:
            edit = QLineEdit(amount_text(values[field]) if field in values else "")
            edit.setPlaceholderText(f"{field.spec.name} in {field.unit}")
            edit.textEdited.connect(self._update)
            self.fields[field] = edit
            form.addRow(label(f"{field.spec.name.capitalize()} ({field.unit})", 18), edit)
        self.undiluted = QCheckBox("Given undiluted (no infusion volume)")
        self.undiluted.setChecked(current is not None and current.volume_ml is None)
        self.undiluted.toggled.connect(self._update)
        form.addRow("", self.undiluted)
        self.initials = QLineEdit()
        self.initials.setPlaceholderText("who confirms: initials")
        self.initials.textEdited.connect(self._update)
        form.addRow(label("Confirmed by", 18), self.initials)
        self.result = label("", 24, True)
        self.result.setWordWrap(True)
        self.problem = label("", 17)
        self.problem.setWordWrap(True)
        self.confirm_box = QVBoxLayout()
        self.confirm = QPushButton("Confirm and start infusion" if starting else "Confirm plan", objectName="primary")
        self.confirm.clicked.connect(self._accept_plan)
        self.without = QPushButton("Start without a plan (logged)")
        self.without.clicked.connect(self._start_without)
        self.without.setVisible(starting)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.without)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(self.problem)
        layout.addLayout(self.confirm_box)
        layout.addLayout(buttons)
        self.setMinimumWidth(620)
        self._update()
        self.fields[Field.WEIGHT].setFocus()

    # -- while typing ------------------------------------------------------------------------
    def _update(self, *_args: object) -> None:
        self.fields[Field.VOLUME].setEnabled(not self.undiluted.isChecked())
        self._inputs, review, problem = None, None, ""
        texts = {f: e.text() for f, e in self.fields.items() if f is not Field.VOLUME or not self.undiluted.isChecked()}
        try:
            self._inputs = self._read(texts, not self.undiluted.isChecked())
            review = self._review(self._inputs)
        except TreatmentError as exc:
            problem = str(exc)
        if review is not None and review.refusals:
            problem = " ".join(f.message for f in review.refusals)
        plan = review.plan if review is not None and not review.refusals else None
        self.result.setText(_plan_text(plan) if plan is not None else "")
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self._show_confirmations(review.confirmations if plan is not None and review is not None else ())
        self._enable()

    def _show_confirmations(self, findings) -> None:
        if [f.message for f in findings] == [f.message for f, _ in self._findings]:
            return
        for _, box in self._findings:
            box.setParent(None)
        self._findings = []
        for finding in findings:
            box = QCheckBox(f"I confirm: {finding.message}")
            box.toggled.connect(self._enable)
            self.confirm_box.addWidget(box)
            self._findings.append((finding, box))

    def _enable(self, *_args: object) -> None:
        ready = (self._inputs is not None and not self.problem.text() and bool(self.initials.text().strip())
                 and all(box.isChecked() for _, box in self._findings))
        self.confirm.setEnabled(ready)

    # -- answers -----------------------------------------------------------------------------
    def _accept_plan(self) -> None:
        if self.confirm.isEnabled() and self._inputs is not None:
            confirmed = frozenset(f.field for f, box in self._findings if box.isChecked())
            self.answer = PlanAnswer(CONFIRM, self._inputs, self.initials.text().strip(), confirmed)
            self.accept()

    def _start_without(self) -> None:
        self.answer = PlanAnswer(START_WITHOUT_PLAN, by=self.initials.text().strip())
        self.accept()


def _plan_text(plan) -> str:
    i = plan.inputs
    dilution = f"{amount_text(plan.drug_ml)} mL of {amount_text(i.concentration_mg_per_ml)} mg/mL" + (
        f" made up to {amount_text(plan.volume_ml)} mL" if i.volume_ml is not None else " undiluted")
    return (f"{amount_text(plan.total_mg)} mg over {amount_text(i.infusion_min)} min \u00b7 "
            f"pump {amount_text(plan.rate_ml_per_h)} mL/h\n{dilution}")

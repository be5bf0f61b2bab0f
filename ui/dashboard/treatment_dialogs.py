"""The treatment's questions: the dose plan, a new pump rate, the discharge sign-off.

:class:`TreatmentDialogs` opens the real dialogs; tests give the presenter another
object with the same methods (the answers a nurse would give), as the alarm dialogs do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget

from monitor.treatment.dose import DoseInputs, PlanReview
from monitor.treatment.entry import Field, TreatmentError, amount_text, parse_quantity
from ui.dashboard.plan_dialog import PlanAnswer, PlanDialog
from ui.dashboard.widgets import label


class _Form(QDialog):
    """A short form: a sentence, a few fields, and one button that is enabled when ``ok()``."""

    def __init__(self, parent: QWidget | None, title: str, sentence: str, fields: Sequence[tuple[str, str]],
                 action: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.ok: Callable[[], bool] = lambda: True
        self.sentence = label(sentence, 18)
        self.sentence.setWordWrap(True)
        self.edits: list[QLineEdit] = []
        form = QFormLayout()
        for name, placeholder in fields:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            edit.textEdited.connect(self._enable)
            form.addRow(label(name, 18), edit)
            self.edits.append(edit)
        self.problem = label("", 17)
        self.problem.setWordWrap(True)
        self.action = QPushButton(action, objectName="primary")
        self.action.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.action)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

    def _enable(self, *_args: object) -> None:
        self.action.setEnabled(self.ok())

    def text(self, i: int) -> str:
        return self.edits[i].text().strip()


class TreatmentDialogs:
    """The real dialogs (modal, on the dashboard)."""

    def plan(self, parent: QWidget, read: Callable[[Mapping[Field, str], bool], DoseInputs],
             review: Callable[[DoseInputs], PlanReview], defaults: Mapping[Field, float],
             current: DoseInputs | None, starting: bool) -> PlanAnswer | None:
        dialog = PlanDialog(parent, read, review, defaults, current, starting)
        dialog.exec()
        return dialog.answer

    def rate(self, parent: QWidget, planned_ml_per_h: float) -> tuple[float, str] | None:
        """A new pump rate in mL/h and why (e.g. nausea), or None."""
        form = _Form(parent, "Pump rate", f"The planned rate is {amount_text(planned_ml_per_h)} mL/h. "
                     "Enter the rate the pump runs at now (0 pauses it).",
                     [("New rate (mL/h)", "e.g. 75"), ("Reason", "e.g. nausea")], "Record the rate")

        def ok() -> bool:
            try:
                parse_quantity(form.text(0), Field.RATE)
            except TreatmentError as exc:
                form.problem.setText(str(exc) if form.text(0) else "")
                return False
            form.problem.setText("")
            return True

        form.ok = ok
        form.action.setEnabled(False)
        if form.exec() != QDialog.DialogCode.Accepted:
            return None
        return parse_quantity(form.text(0), Field.RATE), form.text(1)

    def sign_off(self, parent: QWidget, ready: bool, missing: Sequence[str]) -> tuple[str, str] | None:
        """``(initials, reason)`` for the discharge sign-off (a reason only when not ready), or None."""
        if ready:
            sentence = "Every discharge criterion is met. Signing off ends the session."
            fields = [("Signed off by", "initials")]
        else:
            sentence = ("NOT READY FOR DISCHARGE. Still missing:\n" + "\n".join(f"\u2022 {m}" for m in missing)
                        + "\n\nTo discharge anyway, give the reason (it is recorded with what was missing).")
            fields = [("Signed off by", "initials"), ("Reason", "e.g. transferred to the emergency department")]
        form = _Form(parent, "Discharge sign-off", sentence, fields, "Sign off and end the session")
        form.ok = lambda: all(form.text(i) for i in range(len(fields)))
        form.action.setEnabled(False)
        if form.exec() != QDialog.DialogCode.Accepted:
            return None
        return form.text(0), form.text(1) if not ready else ""

    def confirm(self, parent: QWidget, title: str, question: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
        yes = box.addButton(action, QMessageBox.ButtonRole.YesRole)
        no = box.addButton("Cancel", QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(no)
        box.exec()
        return box.clickedButton() is yes

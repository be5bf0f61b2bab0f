"""The treatment on the dashboard, with a real bed (no thread, a manual clock) and real widgets:
the dose line, checks typed with one or two keys, the reminder that is no alarm, the dose
plan before the start, discharge and the sign-off that ends the session.

Expected numbers are hand computations: 80 kg x 0.5 mg/kg = 40 mg; 100 mL over 40 min =
150 mL/h; after 20 min 150 mL/h x 1/3 h = 50 mL at 0.4 mg/mL = 20 mg.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QSettings, Qt

from monitor.alarms import load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ManualClock
from monitor.latest import LatestValues
from monitor.readings import UNITS, Parameter, Reading
from monitor.session import Phase
from monitor.treatment.entry import Field
from monitor.treatment.request import PlanRequest
from monitor.trends import TrendStore
from ui.dashboard.plan_dialog import CONFIRM, START_WITHOUT_PLAN, PlanAnswer, PlanDialog
from ui.dashboard.theme import DARK
from ui.dashboard.window import DashboardWindow
from ui.treatment_presenter import TreatmentPresenter

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ALARM_COLOURS = {DARK.alarm_high, DARK.alarm_medium, DARK.alarm_low}


class Nurse:
    """The dialogs' answers, as a nurse would give them."""

    def __init__(self) -> None:
        self.plan_answer: PlanAnswer | None = None
        self.sign_off_answer: tuple[str, str] | None = None
        self.asked: list[str] = []

    def plan(self, parent, read, review, defaults, current, starting):
        self.asked.append("plan (starting)" if starting else "plan")
        return self.plan_answer

    def rate(self, parent, planned):
        return (75.0, "nausea")

    def sign_off(self, parent, ready, missing):
        self.asked.append(f"sign off (ready={ready}, missing={len(missing)})")
        return self.sign_off_answer

    def confirm(self, parent, title, question, action):
        return True


class Chair:
    def __init__(self, qtbot, tmp_path, plan: PlanRequest | None = None) -> None:
        self.clock = ManualClock(T0)
        self.bed = Bed(BedConfig("bed", "sim:none", "datex", self.clock, load_profile("ketamine-infusion"),
                                 treatment_plan=plan))
        settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
        self.trends = TrendStore()
        self.window = DashboardWindow(LatestValues(), self.trends, self.bed.session, self.clock.now, "dark",
                                      "P-1", settings=settings)
        qtbot.addWidget(self.window)
        self.nurse = Nurse()
        self.presenter = TreatmentPresenter(self.bed.treatment, self.bed.session, self.window, self.clock.now,
                                            self.nurse)
        self.events: list = []
        for listener in (self.window.on_event, self.presenter.on_event, self.events.append):
            self.bed.subscribe(listener)
        self.panel = self.presenter.panel

    def run(self, seconds: int, hr: float = 72, sys_: float = 124, dia: float = 78) -> None:
        """Readings every 5 s (a cuff result every 3 min), the bed's tick, the display's refresh."""
        start = int(self.clock.monotonic())
        for t in range(start, start + seconds, 5):
            self.clock.advance(t - self.clock.monotonic())
            at = self.clock.now()
            self.bed.post(Reading(Parameter.HR, hr, UNITS[Parameter.HR], at, "datex"))
            if t % 180 == 0:
                step = t // 180 % 3  # each cuff result differs from the last: a new measurement
                for parameter, value in ((Parameter.NIBP_SYS, sys_ + step), (Parameter.NIBP_DIA, dia + step)):
                    self.bed.post(Reading(parameter, value, UNITS[parameter], at, "datex"))
            self.bed.tick()
        self.clock.advance(start + seconds - self.clock.monotonic())
        self.bed.tick()
        self.window.refresh()


PLAN_80_KG = PlanRequest(80.0, by="AB")


def test_the_header_shows_the_dose_and_the_pump_rate_during_the_infusion(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path, PLAN_80_KG)
    chair.window.refresh()
    assert chair.window.header.dose.text() == "Plan 40 mg over 40 min · 150 mL/h"
    chair.run(300)
    chair.bed.session.start_infusion(lambda *_: True)
    chair.run(20 * 60)
    assert chair.window.header.dose.text() == "40 mg · 150 mL/h · 20.0 mg given"
    chair.panel.pause.click()  # the pump paused: nothing more is given
    chair.run(5 * 60)
    assert chair.window.header.dose.text() == "40 mg · PAUSED · 20.0 mg given"
    assert [m.kind for m in chair.trends.markers(frozenset({"rate"}))] == ["rate"]


def test_checks_take_one_or_two_keys_typed_anywhere_and_are_marked_on_the_trend(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path, PLAN_80_KG)
    chair.window.show()
    qtbot.waitExposed(chair.window)
    chair.bed.session.start_infusion(lambda *_: True)
    chair.window.setFocus()
    qtbot.keyClicks(chair.window, "S4")  # two keys: sedation MOAA/S 4
    qtbot.keyClicks(chair.window, "N")  # one key: nausea
    qtbot.keyClicks(chair.window, "D1")  # may still become D10: waits
    assert [c.describe() for c in chair.bed.treatment.view().checks] == [
        "Sedation MOAA/S 4 (Lethargic)", "Side effect: Nausea"]
    qtbot.keyClicks(chair.panel.entry, "0")
    qtbot.keyClicks(chair.window, "X")  # not a check: said, nothing recorded
    view = chair.bed.treatment.view()
    assert [c.describe() for c in view.checks][-1] == "Dissociation rating 10 of 10"
    assert len(view.checks) == 3 and "not a check" in chair.panel.feedback.text()
    assert [m.text for m in chair.trends.markers(frozenset({"check"}))] == ["S4", "Nausea", "D10"]


def test_the_reminder_is_visible_when_due_but_is_no_alarm(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path, PLAN_80_KG)
    chair.run(300)
    chair.bed.session.start_infusion(lambda *_: True)
    chair.run(21 * 60)  # due at 15 min, overdue 5 min later
    text = chair.panel.reminder.text()
    assert "check overdue by 6 min" in text and chair.panel.reminder.isVisibleTo(chair.window)
    style = chair.panel.reminder.styleSheet()
    assert DARK.reminder in style and not any(colour in style for colour in ALARM_COLOURS)
    assert chair.bed.alarms.active() == ()  # the reminder raised nothing
    assert not [e for e in chair.events if str(getattr(e, "event", "")) == "raised"]  # and logged no alarm


def test_start_without_a_plan_asks_for_one_and_a_start_without_is_logged(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path)
    chair.window.refresh()
    assert chair.window.header.dose.text() == "No dose plan: F10 to enter it"
    chair.nurse.plan_answer = None  # cancelled: no start
    assert chair.presenter.before_start() is False and chair.bed.session.phase is Phase.BASELINE
    inputs = chair.bed.treatment.inputs_from_text({Field.WEIGHT: "80"})
    chair.nurse.plan_answer = PlanAnswer(CONFIRM, inputs, "AB")
    assert chair.presenter.before_start() is True
    assert chair.bed.treatment.view().plan.total_mg == 40 and chair.nurse.asked == ["plan (starting)"] * 2

    other = Chair(qtbot, tmp_path)
    other.nurse.plan_answer = PlanAnswer(START_WITHOUT_PLAN)
    assert other.presenter.before_start() is True
    other.bed.session.start_infusion(lambda *_: True)
    other.presenter.after_start()
    assert [e.action for e in other.events if hasattr(e, "action")][-1] == "infusion_started_without_dose_plan"


def test_discharge_says_what_is_missing_then_ready_and_the_sign_off_ends_the_session(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path, PLAN_80_KG)
    chair.run(300)
    chair.bed.session.start_infusion(lambda *_: True)
    chair.run(40 * 60)
    chair.bed.session.stop_infusion()
    chair.run(10 * 60)
    missing = chair.panel.missing.text()
    assert "Observation: 10 of 60 min" in missing and "Sedation back to MOAA/S 5" in missing
    # the stop was at 45 min of the session: 60 min of observation end at 10:45
    assert chair.panel.discharge.text().startswith("Not ready · earliest ")
    assert chair.window.header.dose.text().startswith("Discharge: not ready")
    chair.bed.treatment.enter_keys("S5")
    chair.run(51 * 60)
    assert chair.panel.discharge.text() == "READY FOR DISCHARGE" == chair.window.header.dose.text()
    chair.nurse.sign_off_answer = ("AB", "")
    chair.presenter.sign_off()
    assert chair.bed.session.phase is Phase.ENDED
    assert chair.nurse.asked[-1] == "sign off (ready=True, missing=1)"


def test_the_plan_dialog_refuses_a_comma_and_asks_to_confirm_a_weight_outside_the_usual_range(qtbot, tmp_path):
    chair = Chair(qtbot, tmp_path)
    treatment = chair.bed.treatment
    dialog = PlanDialog(chair.window, treatment.inputs_from_text, treatment.review, treatment.defaults())
    qtbot.addWidget(dialog)
    weight = dialog.fields[Field.WEIGHT]
    qtbot.keyClicks(dialog.initials, "AB")
    qtbot.keyClicks(weight, "80,5")
    assert "has a comma" in dialog.problem.text() and not dialog.confirm.isEnabled()
    weight.clear()
    qtbot.keyClicks(weight, "310")
    assert dialog.result.text().startswith("155 mg over 40 min · pump 150 mL/h")  # 310 x 0.5
    boxes = [box for _, box in dialog._findings]
    assert len(boxes) == 1 and "310 kg is above the usual 20-300 kg" in boxes[0].text()
    assert not dialog.confirm.isEnabled()
    boxes[0].setChecked(True)
    assert dialog.confirm.isEnabled()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.answer.confirmed == frozenset({Field.WEIGHT}) and dialog.answer.by == "AB"


@pytest.mark.parametrize("size", [(1600, 900), (1920, 1080)])
def test_the_dose_line_is_not_cut_off(qtbot, tmp_path, size):
    chair = Chair(qtbot, tmp_path, PLAN_80_KG)
    chair.window.resize(*size)
    chair.window.show()
    qtbot.waitExposed(chair.window)
    chair.bed.session.start_infusion(lambda *_: True)
    chair.run(20 * 60)
    label = chair.window.header.dose
    assert label.width() >= label.sizeHint().width()

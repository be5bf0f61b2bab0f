"""The pre-infusion blood-pressure check, and the look every alarm dialog shares.

The limits dialog is :mod:`ui.limits_dialog`.

:func:`confirm_start_despite` asks before an infusion starts on an elevated
baseline (reference §2.4, §2.7): CAUTION asks for an explicit confirmation,
DO_NOT_START for a stronger one that names the values and must be ticked
before the start button works. The question is injectable for tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from monitor.alarms.model import number
from monitor.alarms.prestart import StartCheck, StartDecision
from monitor.readings import LinkState
from ui.dashboard.theme import (
    SIZE_BUTTON,
    SIZE_HEADER_SMALL,
    SIZE_TILE_INFO,
    Theme,
    get_theme,
    stylesheet,
)
from ui.dashboard.widgets import label


def dialog_theme(parent: QWidget | None) -> Theme:
    """The dashboard's theme when the dialog belongs to it, else the default (dark)."""
    window = parent.window() if parent is not None else None
    return get_theme(getattr(window, "theme_name", None))


def dialog_stylesheet(theme: Theme) -> str:
    """The dashboard's style plus what a dialog adds: its background, number boxes, tick boxes."""
    t = theme
    return stylesheet(theme) + f"""
QDialog {{ background: {t.background}; }}
QScrollArea > QWidget > QWidget {{ background: {t.background}; }}
QDoubleSpinBox {{
    background: {t.surface}; color: {t.text}; border: 1px solid {t.border};
    border-radius: 6px; padding: 4px 6px; font-size: {SIZE_BUTTON + 2}px;
}}
QDoubleSpinBox:focus {{ border: 2px solid {t.phase_infusion}; }}
QCheckBox {{ color: {t.text}; font-size: {SIZE_BUTTON}px; spacing: 10px; }}
QCheckBox::indicator {{ width: 22px; height: 22px; }}
"""


def message_colours(theme: Theme) -> tuple[str, str]:
    """(error, ok) text colours readable on the theme's panels."""
    return theme.recording_bad, theme.link.get(LinkState.RECEIVING, theme.text)


# -- pre-infusion check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StartQuestion:
    """What the nurse is asked before starting on an elevated baseline."""

    decision: StartDecision
    title: str
    text: str
    confirm: str  # the button that starts
    cancel: str  # the default button
    tick: str | None = None  # must be ticked before ``confirm`` works (do-not-start)


Ask = Callable[[StartQuestion, QWidget | None], bool]
_BP = re.compile(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?) mmHg")


def start_question(result: StartCheck, systolic: float | None = None, diastolic: float | None = None) -> StartQuestion | None:
    """The question for a pre-start result; None when there is nothing to ask (OK)."""
    if result.decision is StartDecision.OK:
        return None
    if systolic is not None and diastolic is not None:
        bp = f"{number(systolic)}/{number(diastolic)} mmHg"
    else:
        found = _BP.search(result.message)
        bp = found.group(0) if found else "this blood pressure"
    if result.decision is StartDecision.CAUTION:
        return StartQuestion(
            result.decision,
            "Elevated baseline blood pressure",
            f"{result.message}\n\nStart the infusion only if the prescriber has decided to. "
            "Your confirmation is logged.",
            "Prescriber approved: start infusion",
            "Do not start",
        )
    return StartQuestion(
        result.decision,
        "DO NOT START: blood pressure too high",
        f"{result.message}\n\nStart now only on the prescriber's explicit decision to treat at {bp}. "
        "The decision is logged.",
        f"Start despite {bp}",
        "Do not start",
        f"I re-checked the blood pressure, and the prescriber\ndecided to start the infusion at {bp}.",
    )


class StartConfirmDialog(QDialog):
    """The pre-start question; "Do not start" is the default and Escape."""

    def __init__(self, question: StartQuestion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.setStyleSheet(dialog_stylesheet(dialog_theme(parent)))
        self.setWindowTitle(question.title)
        danger = question.decision is StartDecision.DO_NOT_START
        banner = label(question.title, SIZE_HEADER_SMALL + 4, True)
        banner.setStyleSheet(
            f"background: {'#e0201b' if danger else '#ffd000'}; color: {'#ffffff' if danger else '#000000'};"
            " padding: 10px; border-radius: 6px;"
        )
        text = label(question.text, SIZE_TILE_INFO - 2)
        text.setWordWrap(True)
        self.tick = QCheckBox(question.tick) if question.tick else None
        self.confirm_button = QPushButton(question.confirm)
        self.cancel_button = QPushButton(question.cancel)
        self.cancel_button.setDefault(True)
        self.cancel_button.setAutoDefault(True)
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        if self.tick is not None:
            self.confirm_button.setEnabled(False)
            self.tick.toggled.connect(self.confirm_button.setEnabled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(text)
        if self.tick is not None:
            layout.addWidget(self.tick)
        layout.addLayout(buttons)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # wrapped text is never cut
        self.setMinimumWidth(680)
        self.cancel_button.setFocus()


def ask_start(question: StartQuestion, parent: QWidget | None = None) -> bool:
    return StartConfirmDialog(question, parent).exec() == QDialog.DialogCode.Accepted


def confirm_start_despite(
    result: StartCheck,
    systolic: float | None = None,
    diastolic: float | None = None,
    *,
    parent: QWidget | None = None,
    ask: Ask = ask_start,
) -> bool:
    """True to start. OK starts without a question; CAUTION and DO_NOT_START ask the nurse.

    Log the answer with the result's message (the issue asks for a logged confirmation).
    """
    question = start_question(result, systolic, diastolic)
    if question is None:
        return True
    return bool(ask(question, parent))


__all__ = [
    "StartConfirmDialog",
    "StartQuestion",
    "ask_start",
    "confirm_start_despite",
    "start_question",
]

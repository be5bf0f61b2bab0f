"""Session controls and notes: Start/Stop infusion, End session (confirmed), annotations.

The widgets only ask: each button emits a signal and the composition root
calls the session. Buttons are enabled by the session phase so a nurse cannot
press what the session would refuse. Ending a session asks first; the
question is injectable so tests (and a future touch-screen dialog) decide.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dashboard.shortcuts import QUICK_KEYS, SHORTCUTS, with_key
from ui.dashboard.theme import SIZE_HEADER_SMALL
from ui.dashboard.widgets import label

Confirm = Callable[[QWidget, str, str], bool]  # (parent, title, question) -> yes?


def ask(parent: QWidget, title: str, question: str) -> bool:
    """A yes/no question whose default answer is No (Enter must not end a session)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    yes = box.addButton("End session", QMessageBox.ButtonRole.YesRole)
    no = box.addButton("Keep session open", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def end_question(phase: str) -> str:
    if phase == "baseline":
        return "No infusion has been given. End this session?\n\nNo phase changes or notes can be added afterwards."
    return "End this session?\n\nNo phase changes or notes can be added afterwards; monitoring continues."


class Controls(QFrame):
    start_infusion_clicked = Signal()
    stop_infusion_clicked = Signal()
    end_session_confirmed = Signal()
    annotation_requested = Signal(str, str)  # text, kind ("quick" | "free")

    def __init__(self, quick_annotations: tuple[str, ...], confirm: Confirm = ask) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._confirm = confirm
        self._phase = "baseline"
        self.start = QPushButton(with_key("Start infusion", "start_infusion"), objectName="primary")
        self.stop = QPushButton(with_key("Stop infusion", "stop_infusion"), objectName="primary")
        self.end = QPushButton(with_key("End session\u2026", "end_session"))
        self.note = QLineEdit()
        self.note.setPlaceholderText(f"Write a note\u2026  ({SHORTCUTS['note'][0]})")
        self.add_note = QPushButton("Add note")
        self.quick: list[QPushButton] = []
        for text, key in zip(quick_annotations, (*QUICK_KEYS, *[""] * len(quick_annotations)), strict=False):
            button = QPushButton(text, objectName="quick")
            button.setToolTip(f"Add the note \u201c{text}\u201d now" + (f" ({key})" if key else ""))
            button.clicked.connect(lambda _=False, t=text: self.annotation_requested.emit(t, "quick"))
            self.quick.append(button)
        for button, action in ((self.start, "start_infusion"), (self.stop, "stop_infusion"), (self.end, "end_session")):
            button.setToolTip(f"{SHORTCUTS[action][1]} ({SHORTCUTS[action][0]})")
        for button in (self.start, self.stop, self.end, self.add_note, *self.quick):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # every action has a key; focus stays on the note
        self.start.clicked.connect(self.start_infusion_clicked)
        self.stop.clicked.connect(self.stop_infusion_clicked)
        self.end.clicked.connect(self.request_end_session)
        self.add_note.clicked.connect(self.submit_note)
        self.note.returnPressed.connect(self.submit_note)
        self._build()
        self.set_phase("baseline")

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(6)
        for button in (self.start, self.stop, self.end):
            column.addWidget(button)
        column.addSpacing(6)
        column.addWidget(label("Notes", SIZE_HEADER_SMALL - 2, True, name="dim"))
        grid = QGridLayout()
        grid.setSpacing(5)
        for i, button in enumerate(self.quick):
            grid.addWidget(button, i // 2, i % 2)
        column.addLayout(grid)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.add_note)
        column.addLayout(row)
        column.addStretch(1)

    # -- actions ----------------------------------------------------------------------

    def request_end_session(self) -> None:
        """Ask first; emit ``end_session_confirmed`` only on a yes."""
        if not self.end.isEnabled():
            return
        if self._confirm(self.window(), "End session", end_question(self._phase)):
            self.end_session_confirmed.emit()

    def submit_note(self) -> None:
        text = self.note.text().strip()
        if text and self.note.isEnabled():
            self.annotation_requested.emit(text, "free")
            self.note.clear()

    def quick_note(self, index: int) -> None:
        if 0 <= index < len(self.quick) and self.quick[index].isEnabled():
            self.quick[index].click()

    # -- state --------------------------------------------------------------------------

    def set_phase(self, phase: str) -> None:
        """Enable what the session allows now (mirrors InfusionSession's transitions)."""
        self._phase = str(phase)
        self.start.setEnabled(self._phase == "baseline")
        self.stop.setEnabled(self._phase == "infusion")
        self.end.setEnabled(self._phase in ("baseline", "recovery"))
        open_ = self._phase != "ended"
        for widget in (*self.quick, self.note, self.add_note):
            widget.setEnabled(open_)

"""A minimal live window: large numerics, link state and recording state.

It stands in for the full bedside dashboard (a later issue). It is built for a
glance from across a dim room: large digits on a dark background, a value that
is not current is greyed and labelled, an absent value is dashes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from monitor.latest import Freshness, LatestValues, ValueView
from monitor.readings import DeviceStatus, LinkEvent, LinkState, Parameter, Reading

REFRESH_MS = 500
COLOURS = {"HR": "#3ddc84", "NIBP": "#ff6b6b", "ART": "#ff6b6b", "SPO2": "#4fc3f7", "PR": "#4fc3f7"}
GREY = "#6b6b6b"
LINK_COLOURS = {
    LinkState.RECEIVING: "#3ddc84",
    LinkState.WAITING: "#ffd54f",
    LinkState.CONNECTING: "#ffd54f",
    LinkState.SILENT: "#ff9800",
    LinkState.NO_VALID_FRAMES: "#ff9800",
    LinkState.DISCONNECTED: "#ff5252",
    LinkState.CLOSED: GREY,
}
STYLE = """
QWidget { background: #101214; color: #e8e8e8; }
QFrame#tile { border: 1px solid #2a2e33; border-radius: 8px; }
QLabel#name { font-size: 22px; font-weight: bold; }
QLabel#value { font-size: 96px; font-weight: bold; }
QLabel#note { font-size: 20px; color: #b0b0b0; }
QLabel#header { font-size: 22px; }
"""


class Tile(QFrame):
    """One parameter (or the NIBP/ART pair): name, big number, a line of notes."""

    def __init__(self, name: str, unit: str, colour: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        self._colour = colour
        self.name = QLabel(f"{name}  <span style='font-size:16px'>{unit}</span>", objectName="name")
        self.value = QLabel("---", objectName="value")
        self.note = QLabel("no data yet", objectName="note")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        for label in (self.name, self.value, self.note):
            layout.addWidget(label)
        self.show_text("---", "no data yet", current=False)

    def show_text(self, value: str, note: str, current: bool) -> None:
        colour = self._colour if current else GREY
        self.name.setStyleSheet(f"color: {colour};")
        self.value.setStyleSheet(f"color: {colour};")
        self.value.setText(value)
        self.note.setText(note)


def _fmt(value: float | None) -> str:
    return "---" if value is None else f"{value:.0f}"


def _note(view: ValueView) -> str:
    if view.freshness is Freshness.STALE:
        return f"NOT CURRENT: last value {view.age_s / 60:.0f} min ago" if view.age_s and view.age_s >= 60 else "NOT CURRENT: no recent value"
    return view.reason


class LiveValuesWindow(QWidget):
    def __init__(self, model: LatestValues, now: Callable[[], datetime], title: str) -> None:
        super().__init__()
        self.setWindowTitle(f"Infusion Room Monitor: {title}")
        self.setStyleSheet(STYLE)
        self._model = model
        self._now = now
        self.link = QLabel("Connecting…", objectName="header")
        self.recording = QLabel("", objectName="header")
        self.device = QLabel("", objectName="note")
        self.tiles = {
            "HR": Tile("HR", "/min", COLOURS["HR"]),
            "NIBP": Tile("NIBP", "mmHg", COLOURS["NIBP"]),
            "SPO2": Tile("SpO2", "%", COLOURS["SPO2"]),
            "PR": Tile("PR", "/min", COLOURS["PR"]),
            "ART": Tile("ART", "mmHg", COLOURS["ART"]),
        }
        self._build_layout()
        self.tiles["ART"].setVisible(False)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self._timer.start()

    def _build_layout(self) -> None:
        grid = QGridLayout(self)
        grid.addWidget(self.link, 0, 0, 1, 2)
        grid.addWidget(self.recording, 0, 2, alignment=Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.tiles["HR"], 1, 0)
        grid.addWidget(self.tiles["NIBP"], 1, 1)
        grid.addWidget(self.tiles["ART"], 1, 2)
        grid.addWidget(self.tiles["SPO2"], 2, 0)
        grid.addWidget(self.tiles["PR"], 2, 1)
        grid.addWidget(self.device, 3, 0, 1, 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(2, 1)

    # -- events from the bridge (GUI thread) ----------------------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, Reading):
            self._model.update(event)
        elif isinstance(event, LinkEvent):
            colour = LINK_COLOURS.get(event.state, GREY)
            self.link.setText(f"<span style='color:{colour}'>●</span> {event.message}")
        elif isinstance(event, DeviceStatus):
            text = ", ".join(event.conditions)
            self.device.setText(f"Monitor reports: {text}" if text else "")

    def set_recording(self, text: str, ok: bool) -> None:
        colour = "#ff5252" if not ok else "#e8e8e8"
        self.recording.setText(f"<span style='color:{colour}'>{text}</span>")

    # -- display at a bounded rate ----------------------------------------------------
    def refresh(self) -> None:
        now = self._now()
        for key, parameter in (("HR", Parameter.HR), ("SPO2", Parameter.SPO2), ("PR", Parameter.PR)):
            view = self._model.view(parameter, now)
            self.tiles[key].show_text(_fmt(view.value) if view.value is not None else "---", _note(view), view.showable)
        self._show_pressure("NIBP", (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN), now)
        if self._model.has_seen(Parameter.ART_SYS):
            self.tiles["ART"].setVisible(True)
            self._show_pressure("ART", (Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN), now)

    def _show_pressure(self, key: str, parameters: tuple[Parameter, Parameter, Parameter], now: datetime) -> None:
        sys_v, dia_v, mean_v = (self._model.view(p, now) for p in parameters)
        current = sys_v.showable and dia_v.showable
        if sys_v.value is None or dia_v.value is None:
            self.tiles[key].show_text("---/---", sys_v.reason or dia_v.reason, current=False)
            return
        notes = [f"mean {_fmt(mean_v.value)}"] if mean_v.value is not None else []
        if not current:
            notes.append(_note(sys_v))
        elif key == "NIBP" and sys_v.age_s is not None:
            notes.append(f"measured {sys_v.age_s / 60:.0f} min ago")
        if current and sys_v.reason:
            notes.append(sys_v.reason)
        self.tiles[key].show_text(f"{_fmt(sys_v.value)}/{_fmt(dia_v.value)}", " · ".join(notes), current)

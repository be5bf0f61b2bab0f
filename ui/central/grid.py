"""A stand-in overview: one panel per chair, drawn from its :class:`ChairSnapshot`.

Until the infusion room's overview (issue 15) is on main, the central window
draws chairs with this (``ui/central/overview.py`` says how to swap). It follows
the dashboard's rules: numbers only when current (a value that is not current is
grey), dashes with the reason when there is none, the alarm line in the IEC
colours (red high, yellow medium, cyan low), steady once acknowledged with who
did it and when, and the link in the dashboard's colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from monitor.latest import Freshness
from monitor.readings import LinkState
from monitor.snapshot import ChairSnapshot, MeasurementSnapshot
from ui.dashboard.theme import Theme
from ui.dashboard.tile_text import fmt

MAIN = ("HR", "NIBP", "ART", "SPO2")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def phase_text(s: ChairSnapshot) -> str:
    if s.phase.value == "infusion" and s.infusion_elapsed_s is not None:
        return f"INFUSION {_clock(s.infusion_elapsed_s)} / {_clock(s.planned_infusion_s)}"
    if s.phase.value == "recovery" and s.recovery_elapsed_s is not None:
        return f"RECOVERY {_clock(s.recovery_elapsed_s)}"
    return f"{s.phase.value.upper()} {_clock(s.phase_elapsed_s)}"


def value_text(m: MeasurementSnapshot) -> str:
    if all(v is None for v in m.values):
        return "---"
    return "/".join(fmt(v) for v in m.values[:2]) if m.key in ("NIBP", "ART") else fmt(m.values[0])


def alarm_text(s: ChairSnapshot) -> tuple[str, str | None]:
    """The panel's alarm line and its priority (None: no alarm)."""
    if not s.alarms:
        return "", None
    a = s.alarms[0]
    stars = {"high": "***", "medium": "**", "low": "*"}[a.priority]
    more = f"  (+{len(s.alarms) - 1})" if len(s.alarms) > 1 else ""
    if a.status == "acknowledged":
        when = a.acknowledged_at.strftime("%H:%M") if a.acknowledged_at else ""
        who = a.acknowledged_by or "at the bedside"
        return f"{stars} {a.message}  - ack. {who} {when}{more}", a.priority
    return f"{stars} {a.message}{more}", a.priority


class ChairTile(QFrame):
    """One chair: name and link, phase and clock, four numbers, the top alarm."""

    clicked = Signal(str)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._bed = ""
        self.setObjectName("chair")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        self.title = self._label(30, bold=True)
        self.phase = self._label(24)
        row = QHBoxLayout()
        row.setSpacing(28)
        self.values: list[QLabel] = []
        self.captions: list[QLabel] = []
        for _ in MAIN:
            cell = QVBoxLayout()
            value, caption = self._label(56, bold=True), self._label(16)
            cell.addWidget(value)
            cell.addWidget(caption)
            row.addLayout(cell)
            self.values.append(value)
            self.captions.append(caption)
        row.addStretch(1)
        self.alarm = self._label(22, bold=True)
        self.alarm.setWordWrap(True)
        self.link = self._label(16)
        layout.addWidget(self.title)
        layout.addWidget(self.phase)
        layout.addLayout(row)
        layout.addWidget(self.alarm)
        layout.addWidget(self.link)
        layout.addStretch(1)

    def _label(self, px: int, bold: bool = False) -> QLabel:
        label = QLabel(self)
        font = label.font()
        font.setPixelSize(px)
        font.setBold(bold)
        label.setFont(font)
        label.setTextFormat(Qt.TextFormat.RichText)
        return label

    def show_snapshot(self, s: ChairSnapshot) -> None:
        t = self._theme
        self._bed = s.bed
        patient = f"  <span style='color:{t.text_dim}'>{s.patient}</span>" if s.patient else ""
        self.title.setText(f"<span style='color:{t.text}'>{s.bed}</span>{patient}")
        self.phase.setText(f"<span style='color:{t.phase_colour(s.phase.value)}'>{phase_text(s)}</span>")
        shown = [m for m in (s.measurement(key) for key in MAIN) if m is not None]
        for i, (value, caption) in enumerate(zip(self.values, self.captions, strict=True)):
            if i >= len(shown):
                value.setText("")
                caption.setText("")
                continue
            m = shown[i]
            role = {"HR": "hr", "NIBP": "nibp", "ART": "art", "SPO2": "spo2"}[m.key]
            current = m.freshness is Freshness.CURRENT
            value.setText(f"<span style='color:{t.colour(role) if current else t.stale}'>{value_text(m)}</span>")
            note = f" ({m.reason})" if m.values[0] is None and m.reason else "" if current else " (not current)"
            caption.setText(f"<span style='color:{t.text_dim}'>{'SpO2' if m.key == 'SPO2' else m.key}{note}</span>")
        text, priority = alarm_text(s)
        if priority is None:
            self.alarm.setText("")
            self.alarm.setStyleSheet("")
        else:
            background, ink = t.alarm_colours(priority)
            steady = s.alarms[0].status == "acknowledged"
            self.alarm.setText(text)
            self.alarm.setStyleSheet(f"background:{background if not steady else t.surface};"
                                     f"color:{ink if not steady else background};padding:4px;")
        state = LinkState(s.link) if s.link in LinkState.__members__.values() else None
        colour = t.link.get(state, t.alarm_high) if state is not None else t.alarm_high
        message = s.link_message or s.link
        self.link.setText(f"<span style='color:{colour}'>\u25cf {s.link.upper()}</span>"
                          f" <span style='color:{t.text_dim}'>{message[:80]}</span>")
        self.setStyleSheet(f"QFrame#chair {{ background:{t.surface}; border:2px solid "
                           f"{t.alarm_colours(priority)[0] if priority and not steady_all(s) else t.border};"
                           "border-radius:6px; }")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt)
        if event.button() == Qt.MouseButton.LeftButton and self._bed:
            self.clicked.emit(self._bed)
        super().mousePressEvent(event)


def steady_all(s: ChairSnapshot) -> bool:
    return all(a.status == "acknowledged" for a in s.alarms)


class SnapshotGrid(QWidget):
    """Chairs in a grid of about square shape, in the order given; ``chair_clicked(bed)``."""

    chair_clicked = Signal(str)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._layout = QGridLayout(self)
        self._layout.setSpacing(10)
        self._tiles: list[ChairTile] = []

    def show_snapshots(self, snapshots: Sequence[ChairSnapshot]) -> None:
        while len(self._tiles) < len(snapshots):
            tile = ChairTile(self._theme, self)
            tile.clicked.connect(self.chair_clicked)
            self._tiles.append(tile)
        columns = max(1, math.ceil(math.sqrt(len(snapshots))))
        for i, tile in enumerate(self._tiles):
            if i < len(snapshots):
                tile.show_snapshot(snapshots[i])
                self._layout.addWidget(tile, i // columns, i % columns)
                tile.show()
            else:
                tile.hide()

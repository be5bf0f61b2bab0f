"""The alarm bar: the highest-priority alarm, big, in its IEC colour, and the alarm buttons.

This is the place the alarm engine uses; it holds no alarm logic. The engine
calls :meth:`AlarmBar.set_alarms` with (priority, message) pairs; the bar shows
the highest first with the customary prefix (``***`` high, ``**`` medium,
``*`` low), red flashing at 2 Hz, yellow at 0.6 Hz, cyan steady. Before the
first call it says alarms are not active, never "No alarms".
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from ui.dashboard.shortcuts import SHORTCUTS, with_key
from ui.dashboard.theme import SIZE_ALARM, SIZE_TILE_INFO, Theme
from ui.dashboard.widgets import PRIORITIES, Flasher, label, priority_name, show_flash, two_looks

PREFIX = {"high": "***", "medium": "**", "low": "*"}
NO_ALARMS = "No alarms"
# Until an alarm engine first calls set_alarms, "No alarms" would claim checks nobody makes.
NOT_ACTIVE = "Alarms not active: limits are not being checked"


def ordered(items: Sequence[tuple[object, str]]) -> list[tuple[str, str]]:
    """Highest priority first; the engine's order is kept within a priority.

    A priority is "high" | "medium" | "low", or an enum with those values.
    """
    named = [(priority_name(priority) or "", str(text)) for priority, text in items]
    if any(not priority for priority, _ in named):
        raise ValueError("an alarm needs a priority")
    return sorted(named, key=lambda item: PRIORITIES.index(item[0]))


class AlarmBar(QFrame):
    acknowledge_clicked = Signal()
    audio_pause_clicked = Signal()
    limits_clicked = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("alarmbar")
        self._theme = theme
        self.items: list[tuple[str, str]] = []
        self.message = label(NOT_ACTIVE, SIZE_ALARM, True)
        self.others = label("", SIZE_TILE_INFO)
        self.others.hide()
        for text in (self.message, self.others):
            text.setWordWrap(True)  # a long alarm wraps rather than widening the window or being cut
        self.acknowledge = QPushButton(with_key("Acknowledge", "acknowledge"))
        self.audio_pause = QPushButton(with_key("Audio pause", "audio_pause"))
        self.limits = QPushButton(with_key("Limits\u2026", "limits"))
        for button, action in ((self.acknowledge, "acknowledge"), (self.audio_pause, "audio_pause"), (self.limits, "limits")):
            button.setToolTip(f"{SHORTCUTS[action][1]} ({SHORTCUTS[action][0]})")
        self.acknowledge.clicked.connect(self.acknowledge_clicked)
        self.audio_pause.clicked.connect(self.audio_pause_clicked)
        self.limits.clicked.connect(self.limits_clicked)
        self._sheet_key: tuple[str, str | None] | None = None
        self.flasher = Flasher(self)
        self.flasher.changed.connect(lambda _on: self._restyle())
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.message)
        texts.addWidget(self.others)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 6, 10, 6)
        row.addLayout(texts, 1)
        for button in (self.acknowledge, self.audio_pause, self.limits):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(button)
        self._restyle()

    def set_alarms(self, items: Sequence[tuple[object, str]]) -> None:
        """Show these alarms, highest priority first; an empty sequence shows "No alarms"."""
        self.items = ordered(items)
        if not self.items:
            self.message.setText(NO_ALARMS)
            self.others.hide()
            self.flasher.set_priority(None)
        else:
            priority, text = self.items[0]
            self.message.setText(f"{PREFIX[priority]} {text}")
            rest = [f"{PREFIX[p]} {t}" for p, t in self.items[1:]]
            self.others.setText("   ".join(rest))
            self.others.setVisible(bool(rest))
            self.flasher.set_priority(priority)
        self._restyle()

    @property
    def top_priority(self) -> str | None:
        return self.items[0][0] if self.items else None

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle()

    def _restyle(self) -> None:
        """The look for the theme and top priority (a style sheet with both flash states, set
        when they change); a flash toggle only switches between the two (:func:`show_flash`)."""
        t = self._theme
        priority = self.top_priority
        if (t.name, priority) != self._sheet_key:
            self._sheet_key = (t.name, priority)
            background, text, border = t.surface, t.text_dim, t.border
            flashed_background, flashed_text = background, text
            if priority is not None:
                alarm_bg, alarm_text = t.alarm_colours(priority)
                border, text = alarm_bg, alarm_bg
                flashed_background, flashed_text = alarm_bg, alarm_text
            self.setStyleSheet(
                two_looks("QFrame#alarmbar", f"background: {background}; border: 3px solid {border}; "
                          "border-radius: 10px;", f"background: {flashed_background};")
                + " " + two_looks("QFrame#alarmbar QLabel", f"background: transparent; border: none; color: {text};",
                                  f"color: {flashed_text};")
            )
        show_flash((self, self.message, self.others), priority is not None and self.flasher.on)

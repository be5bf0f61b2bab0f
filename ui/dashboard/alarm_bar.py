"""The alarm bar: the highest-priority alarm, big, in its IEC colour, and the alarm buttons.

This is the place the alarm presenter uses; it holds no alarm logic. The
presenter calls :meth:`AlarmBar.set_alarms` with (priority, message) pairs; the
bar shows the highest first with the customary prefix (``***`` high, ``**``
medium, ``*`` low), red flashing at 2 Hz, yellow at 0.6 Hz, cyan steady, and an
acknowledged top alarm steadily in its colour. The top alarm takes one large
line and each other alarm one small line, cut with "…" where it is too long,
never wrapped into a paragraph (issue 14); beyond :data:`OTHER_LINES` lines the
last one counts the rest ("+3 more: ..."). Before the first call it says
alarms are not active, never "No alarms". During an audio pause
(:meth:`AlarmBar.show_audio_pause`) it shows the audio-paused symbol with the
time left, and its pause button ends the pause.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.dashboard.shortcuts import SHORTCUTS, with_key
from ui.dashboard.theme import SIZE_ALARM, SIZE_TILE_INFO, Theme
from ui.dashboard.widgets import PRIORITIES, ElidedLabel, Flasher, priority_name, show_flash, two_looks

PREFIX = {"high": "***", "medium": "**", "low": "*"}
NO_ALARMS = "No alarms"
# Until an alarm engine first calls set_alarms, "No alarms" would claim checks nobody makes.
NOT_ACTIVE = "Alarms not active: limits are not being checked"
OTHER_LINES = 2  # small lines under the top alarm: the bar never takes more room from the numbers
PAUSE_TEXT = with_key("Audio pause", "audio_pause")
END_PAUSE_TEXT = with_key("End audio pause", "audio_pause")


def countdown_text(seconds: float) -> str:
    """119.2 -> "2:00": rounded up, so it never shows 0:00 while paused."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def other_lines(items: Sequence[tuple[str, str]], most: int = OTHER_LINES) -> list[str]:
    """One line per alarm after the top one; the last line counts those that do not fit."""
    texts = [f"{PREFIX[p]} {t}" for p, t in items]
    if len(texts) <= most:
        return texts
    rest = texts[most - 1:]
    return [*texts[:most - 1], f"+{len(rest)} more:  " + "   ".join(rest)]


def ordered(items: Sequence[tuple[object, str]]) -> list[tuple[str, str]]:
    """Highest priority first; the engine's order is kept within a priority.

    A priority is "high" | "medium" | "low", or an enum with those values.
    """
    named = [(priority_name(priority) or "", str(text)) for priority, text in items]
    if any(not priority for priority, _ in named):
        raise ValueError("an alarm needs a priority")
    return sorted(named, key=lambda item: PRIORITIES.index(item[0]))


class AudioPausedSymbol(QWidget):
    """A bell with a diagonal stroke: the audio-paused mark (IEC 60417 symbols, reference §1.7)."""

    def __init__(self, size: int = 34) -> None:
        super().__init__()
        self.setFixedSize(size, size)
        self.colour = QColor("#ffffff")

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = float(self.width())
        pen = QPen(self.colour, s * 0.08)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        bell = QPainterPath()
        bell.moveTo(s * 0.18, s * 0.72)
        bell.quadTo(s * 0.28, s * 0.62, s * 0.28, s * 0.45)
        bell.cubicTo(s * 0.28, s * 0.12, s * 0.72, s * 0.12, s * 0.72, s * 0.45)
        bell.quadTo(s * 0.72, s * 0.62, s * 0.82, s * 0.72)
        bell.closeSubpath()
        p.drawPath(bell)
        p.drawEllipse(QPointF(s * 0.5, s * 0.82), s * 0.07, s * 0.07)
        p.drawLine(QPointF(s * 0.5, s * 0.12), QPointF(s * 0.5, s * 0.18))
        p.drawLine(QPointF(s * 0.12, s * 0.88), QPointF(s * 0.88, s * 0.12))  # the stroke: paused
        p.end()


class PauseIndicator(QFrame):
    """``[bell] AUDIO PAUSED 1:54``: black with white text, readable on red, yellow, cyan or grey."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("audiopaused")
        self.symbol = AudioPausedSymbol()
        self.text = QLabel("")
        font = self.text.font()
        font.setPixelSize(28)
        font.setBold(True)
        self.text.setFont(font)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 14, 4)
        row.setSpacing(8)
        row.addWidget(self.symbol)
        row.addWidget(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(
            "QFrame#audiopaused { background: #000000; border: 2px solid #ffffff; border-radius: 8px; }"
            " QFrame#audiopaused QLabel { color: #ffffff; background: transparent; border: none; }"
        )
        self.hide()

    def show_remaining(self, seconds: float | None) -> None:
        if seconds is None:
            self.hide()
            return
        text = f"AUDIO PAUSED {countdown_text(seconds)}"
        if self.text.text() != text:
            self.text.setText(text)
        self.show()


class AlarmBar(QFrame):
    acknowledge_clicked = Signal()
    audio_pause_clicked = Signal()
    limits_clicked = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("alarmbar")
        self._theme = theme
        self.items: list[tuple[str, str]] = []
        self.message = ElidedLabel(NOT_ACTIVE, SIZE_ALARM, True)  # one line, cut rather than wrapped
        self.others = ElidedLabel("", SIZE_TILE_INFO)  # one line per alarm
        self.others.hide()
        self.acknowledge = QPushButton(with_key("Acknowledge", "acknowledge"))
        self.audio_pause = QPushButton(with_key("Audio pause", "audio_pause"))
        self.limits = QPushButton(with_key("Limits\u2026", "limits"))
        for button, action in ((self.acknowledge, "acknowledge"), (self.audio_pause, "audio_pause"), (self.limits, "limits")):
            button.setToolTip(f"{SHORTCUTS[action][1]} ({SHORTCUTS[action][0]})")
        self.acknowledge.clicked.connect(self.acknowledge_clicked)
        self.audio_pause.clicked.connect(self.audio_pause_clicked)
        self.limits.clicked.connect(self.limits_clicked)
        self.pause_indicator = PauseIndicator()
        self._paused: bool | None = None
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
        row.addWidget(self.pause_indicator)  # after the texts, before the buttons
        for button in (self.acknowledge, self.audio_pause, self.limits):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(button)
        self._restyle()

    def set_alarms(self, items: Sequence[tuple[object, str]], steady: bool = False) -> None:
        """Show these alarms, highest priority first; an empty sequence shows "No alarms".

        ``steady``: the top alarm is acknowledged, so it is shown steadily in its colour.
        """
        self.items = ordered(items)
        if not self.items:
            self.message.setText(NO_ALARMS)
            self.others.hide()
            self.flasher.set_priority(None)
        else:
            priority, text = self.items[0]
            self.message.setText(f"{PREFIX[priority]} {text}")
            rest = other_lines(self.items[1:])
            self.others.setText("\n".join(rest))
            self.others.setVisible(bool(rest))
            self.flasher.set_priority("low" if steady else priority)  # "low" is on and never flashes
        self._restyle()

    def show_audio_pause(self, remaining_s: float | None, pause_length_s: float) -> None:
        """The audio-paused mark with the time left (None: not paused); the pause button then
        ends the pause, and otherwise says how long a pause lasts."""
        self.pause_indicator.show_remaining(remaining_s)
        paused = remaining_s is not None
        if paused != self._paused:
            self._paused = paused
            self.audio_pause.setText(END_PAUSE_TEXT if paused else PAUSE_TEXT)
        what = "End the audio pause now" if paused else f"Pause all alarm sound for {countdown_text(pause_length_s)}"
        tip = f"{what} ({SHORTCUTS['audio_pause'][0]})"
        if self.audio_pause.toolTip() != tip:
            self.audio_pause.setToolTip(tip)

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

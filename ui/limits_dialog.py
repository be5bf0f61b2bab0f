"""This session's alarm limits: every catalogue parameter the profile sets limits for.

:class:`LimitsDialog` shows each parameter's limits, one box per side and
priority, each bounded by the catalogue's limit range for it
(``monitor.parameters``, ``limits``) and written with its decimals. A change is
sent through the injected ``apply(parameter, above, below)`` (the engine's
``set_limits``, which validates and logs); if it raises ProfileError the rule is
shown under that parameter and the boxes go back to the limits in force, so what
the dialog shows is always what the engine checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from monitor.alarms.model import Priority, number
from monitor.alarms.settings import ParameterLimits, Profile, ProfileError, Tiers
from monitor.parameters import PARAMETERS, Parameter
from ui.alarm_dialogs import dialog_stylesheet, dialog_theme, message_colours
from ui.dashboard.theme import SIZE_BUTTON, SIZE_HEADER_SMALL, SIZE_TILE_INFO
from ui.dashboard.widgets import label

OFF = "off"
TIERS = (Priority.LOW, Priority.MEDIUM, Priority.HIGH)
SIDES = ("above", "below")
Apply = Callable[[Parameter, Mapping[Priority, float | None], Mapping[Priority, float | None]], object]


def place_text(where: str) -> str:
    """"parameters.HR.above.high" -> "HR above, high priority" (ProfileError's place, for a nurse)."""
    parts = where.split(".")
    if len(parts) >= 2 and parts[0] == "parameters" and parts[1] in Parameter.__members__:
        text = PARAMETERS[Parameter(parts[1])].label
        if len(parts) >= 3:
            text += f" {parts[2]}"
        if len(parts) >= 4:
            text += f", {parts[3]} priority"
        return text
    return where


class LimitBox(QDoubleSpinBox):
    """One limit: a number within the plausible range, or "off" (no limit at this priority)."""

    def __init__(self, parameter: Parameter, decimals: int) -> None:
        super().__init__()
        bounds = PARAMETERS[parameter].limits
        self.step = 10 ** -decimals
        self.setDecimals(decimals)
        self.setSingleStep(self.step)
        self.setRange(bounds.low - self.step, bounds.high)  # the minimum shows as "off"
        self.setSpecialValueText(OFF)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(90)

    @property
    def limit(self) -> float | None:
        return None if self.value() <= self.minimum() else round(self.value(), self.decimals())

    def set_limit(self, value: float | None) -> None:
        self.setValue(self.minimum() if value is None else float(value))


@dataclass
class LimitRow:
    """The boxes, button and message of one parameter."""

    parameter: Parameter
    boxes: dict[tuple[str, Priority], LimitBox]
    apply: QPushButton
    message: QLabel
    details: QLabel

    def box(self, side: str, priority: Priority | str) -> LimitBox:
        return self.boxes[(side, Priority(getattr(priority, "value", priority)))]


def details_text(limits: ParameterLimits) -> str:
    """What else decides the alarm, read-only here: delay, hysteresis, relative limits."""
    parts = []
    if limits.discrete:
        parts.append("no delay (each cuff result)")
    else:
        delay = f"delay {number(limits.delay_s)} s"
        if limits.high_delay_s is not None:
            delay += f" (high: {number(limits.high_delay_s)} s)"
        parts.append(delay)
    parts.append(f"hysteresis {number(limits.hysteresis)}")
    for name, relative in (("rise", limits.rise), ("fall", limits.fall)):
        if relative is not None:
            parts.append(f"{name} {relative.describe(name == 'rise')} from baseline ({relative.priority.value})")
    if limits.confirm_high_on_repeat:
        parts.append("high confirmed by a repeat reading")
    if limits.backup_for is not None:
        parts.append(f"only while there is no {limits.backup_for.value}")
    return " \u00b7 ".join(parts)


class LimitsDialog(QDialog):
    """Shows and edits this session's limits; ``apply`` validates and logs each change."""

    def __init__(self, profile: Callable[[], Profile], apply: Apply, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile = profile
        self._apply = apply
        self._theme = dialog_theme(parent)
        self.setStyleSheet(dialog_stylesheet(self._theme))
        self.setWindowTitle("Alarm limits \u2014 this session")
        self.rows: dict[Parameter, LimitRow] = {}
        current = profile()
        intro = label(
            f"Profile \u201c{current.name}\u201d. Changes apply to this session only and are logged; "
            "the next session starts from the profile. An alarm sounds when a value is beyond a limit; "
            "\u201coff\u201d means no limit at that priority.",
            SIZE_TILE_INFO - 4,
        )
        intro.setWordWrap(True)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setSpacing(10)
        for parameter in PARAMETERS:
            limits = current.limits(parameter)
            if limits is not None:
                column.addWidget(self._make_row(limits))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        self.resize(900, 720)
        self.reload()

    def row(self, parameter: Parameter | str) -> LimitRow:
        return self.rows[Parameter(parameter)]

    def _make_row(self, limits: ParameterLimits) -> QFrame:
        parameter = limits.parameter
        row = PARAMETERS[parameter]
        values = [v for tiers in (limits.above, limits.below) for _, v in tiers.items()]
        decimals = max(row.decimals, 0 if all(float(v).is_integer() for v in values) else 1)
        frame = QFrame(objectName="panel")
        grid = QGridLayout(frame)
        grid.setContentsMargins(14, 8, 14, 8)
        bounds = row.limits
        title = label(f"{row.label}  <span style='font-size:{SIZE_BUTTON - 2}px'>{row.unit}, "
                      f"{number(bounds.low)}\u2013{number(bounds.high)}</span>", SIZE_HEADER_SMALL, True)
        grid.addWidget(title, 0, 0, 1, 2)
        for column, priority in enumerate(TIERS, start=1):
            head = label(f"{priority.stars} {priority.value}", SIZE_BUTTON - 2, True)
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(head, 0, column)
        boxes: dict[tuple[str, Priority], LimitBox] = {}
        for line, side in enumerate(SIDES, start=1):
            grid.addWidget(label(f"alarm when {side}", SIZE_BUTTON), line, 0)
            for column, priority in enumerate(TIERS, start=1):
                box = LimitBox(parameter, decimals)
                box.setAccessibleName(f"{row.label} {side} {priority.value}")
                boxes[(side, priority)] = box
                grid.addWidget(box, line, column)
        apply = QPushButton("Apply")
        apply.clicked.connect(lambda _=False, p=parameter: self.apply_changes(p))
        grid.addWidget(apply, 1, 4, 2, 1)
        details = label(details_text(limits), SIZE_BUTTON - 2, name="dim")
        details.setWordWrap(True)
        grid.addWidget(details, 3, 0, 1, 5)
        message = label("", SIZE_BUTTON, True)
        message.setWordWrap(True)
        message.hide()
        grid.addWidget(message, 4, 0, 1, 5)
        grid.setColumnStretch(0, 1)
        self.rows[parameter] = LimitRow(parameter, boxes, apply, message, details)
        return frame

    def reload(self) -> None:
        """Show the limits in force (after a change, a refusal, or a change made elsewhere)."""
        profile = self._profile()
        for parameter, row in self.rows.items():
            limits = profile.limits(parameter)
            if limits is None:
                continue
            for (side, priority), box in row.boxes.items():
                tiers: Tiers = getattr(limits, side)
                box.set_limit(tiers.get(priority))
            row.details.setText(details_text(limits))

    def changes(self, parameter: Parameter) -> tuple[dict[Priority, float | None], dict[Priority, float | None]]:
        """What the boxes differ in from the limits in force, per side."""
        limits = self._profile().limits(parameter)
        row = self.rows[parameter]
        above: dict[Priority, float | None] = {}
        below: dict[Priority, float | None] = {}
        for (side, priority), box in row.boxes.items():
            now = getattr(limits, side).get(priority) if limits is not None else None
            if box.limit != (None if now is None else round(now, box.decimals())):
                (above if side == "above" else below)[priority] = box.limit
        return above, below

    def apply_changes(self, parameter: Parameter | str) -> bool:
        """Send this parameter's changes; True if they are in force. A refusal changes nothing."""
        parameter = Parameter(parameter)
        row = self.rows[parameter]
        above, below = self.changes(parameter)
        if not above and not below:
            self._say(row, "No change.", ok=True)
            return True
        try:
            self._apply(parameter, above, below)
        except ProfileError as exc:
            self.reload()
            place = place_text(exc.where)
            self._say(row, f"Not changed: {place + ': ' if place else ''}{exc.rule}", ok=False)
            return False
        self.reload()
        described = ", ".join(
            f"{side} {p.value} {OFF if v is None else number(v)}"
            for side, changes in (("above", above), ("below", below)) for p, v in changes.items()
        )
        self._say(row, f"Applied and logged: {described}.", ok=True)
        return True

    def _say(self, row: LimitRow, text: str, ok: bool) -> None:
        row.message.setText(text)
        error, fine = message_colours(self._theme)
        row.message.setStyleSheet(f"color: {fine if ok else error};")
        row.message.setProperty("error", not ok)
        row.message.show()


__all__ = ["LimitBox", "LimitRow", "LimitsDialog", "details_text", "place_text"]

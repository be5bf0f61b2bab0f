"""The treatment panel beside the trend: check entry and its reminder, the pump, discharge.

* **Checks** take one or two keys per item, typed anywhere on the dashboard outside the
  note field: ``S`` then the sedation score (``S5``), ``D`` then the dissociation score
  (``D3``; ``D1`` waits for a ``0`` or Enter, ``D10``), one key for a side effect
  (``N`` nausea, ``V`` vomiting, ``H`` headache, ``A`` anxiety). An entry is sent the
  moment no further key could change it (:meth:`monitor.treatment.scales.Scale.is_complete`).
* **The reminder** (due, overdue) is drawn in the informative blue, framed, never in an
  alarm colour, never flashing, never sounding: it is not an alarm.
* **The pump** during the infusion: a new rate, or a pause.
* **Discharge** during the observation: "READY FOR DISCHARGE", or exactly what is still
  missing and the earliest time it could be met, and the sign-off that ends the session.

Like every dashboard widget it only shows and asks: each action is a signal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout

from monitor.treatment.scales import CHECK_KEYS, DISSOCIATION, SEDATION, SIDE_EFFECTS, Scale
from ui.dashboard.shortcuts import with_key
from ui.dashboard.theme import SIZE_HEADER_SMALL, Theme
from ui.dashboard.widgets import label

SIZE_REMINDER = 22
SIZE_DISCHARGE = 26
SIZE_MISSING = 17
SIDE_EFFECT_KEYS = {e.key: e for e in SIDE_EFFECTS if e.key}


class TreatmentPanel(QFrame):
    keys_entered = Signal(str)  # a complete check, e.g. "S5", "D10", "N"
    plan_requested = Signal()
    rate_requested = Signal()
    pause_requested = Signal()
    sign_off_requested = Signal()

    def __init__(self, theme: Theme, sedation: Scale, dissociation: Scale) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._theme = theme
        self._scales = {SEDATION: sedation, DISSOCIATION: dissociation}
        self._pressing = False
        self._ready = False
        self.reminder = label("", SIZE_REMINDER, True)
        self.reminder.setWordWrap(True)
        self.reminder.setObjectName("reminder")
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(self._hint())
        self.entry.setToolTip("Type a check anywhere on the dashboard: " + self._hint())
        self.entry.setMaxLength(12)
        self.feedback = label("", SIZE_MISSING - 1)
        self.feedback.setWordWrap(True)
        self.recent = label("", SIZE_MISSING - 1, name="dim")
        self.recent.setWordWrap(True)
        self.side_effects = []
        for key, effect in SIDE_EFFECT_KEYS.items():
            button = QPushButton(f"{effect.label.split(' /')[0]} {key}", objectName="quick")
            button.setToolTip(f"Side effect: {effect.label} (key {key})")
            button.clicked.connect(lambda _=False, k=key: self.keys_entered.emit(k))
            self.side_effects.append(button)
        self.plan = QPushButton(with_key("Dose plan\u2026", "dose_plan"))
        self.rate = QPushButton("Pump rate\u2026")
        self.rate.setToolTip("The pump now runs at another rate (recorded with the time)")
        self.pause = QPushButton("Pump paused")
        self.pause.setToolTip("The pump is paused: 0 mL/h from now (recorded with the time)")
        self.discharge = label("", SIZE_DISCHARGE, True)
        self.discharge.setWordWrap(True)
        self.missing = label("", SIZE_MISSING)
        self.missing.setWordWrap(True)
        self.sign_off = QPushButton(with_key("Discharge sign-off\u2026", "sign_off"), objectName="primary")
        for button in (*self.side_effects, self.plan, self.rate, self.pause, self.sign_off):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing goes on in the check entry
        self.plan.clicked.connect(self.plan_requested)
        self.rate.clicked.connect(self.rate_requested)
        self.pause.clicked.connect(self.pause_requested)
        self.sign_off.clicked.connect(self.sign_off_requested)
        self.entry.textEdited.connect(self._typed)
        self.entry.returnPressed.connect(self._enter)
        self.feedback.hide()
        self._build()
        self.apply_theme(theme)
        self.show_phase("baseline", has_plan=False)

    def _hint(self) -> str:
        """``S0-5 · D0-10 · N V H A``: the keys of the profile's scales."""
        sedation, dissociation = self._scales[SEDATION], self._scales[DISSOCIATION]
        dissociation_keys = "D+6 digits" if dissociation.items else f"D{dissociation.lowest}\u2013{dissociation.highest}"
        return (f"S{sedation.lowest}\u2013{sedation.highest} \u00b7 {dissociation_keys} \u00b7 "
                f"{' '.join(SIDE_EFFECT_KEYS)}")

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(6)
        title = QHBoxLayout()
        title.addWidget(label("Checks", SIZE_HEADER_SMALL - 2, True, name="dim"))
        title.addWidget(self.entry, 1)
        column.addLayout(title)
        column.addWidget(self.reminder)
        column.addWidget(self.feedback)
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, button in enumerate(self.side_effects):
            grid.addWidget(button, i // 2, i % 2)
        column.addLayout(grid)
        column.addWidget(self.recent)
        pump = QHBoxLayout()
        pump.addWidget(self.rate)
        pump.addWidget(self.pause)
        column.addWidget(self.plan)
        column.addLayout(pump)
        column.addSpacing(4)
        column.addWidget(self.discharge)
        column.addWidget(self.missing)
        column.addWidget(self.sign_off)

    # -- keys ---------------------------------------------------------------------------------
    def type_keys(self, text: str) -> None:
        """Keys typed elsewhere on the dashboard: into the entry, as if typed there."""
        self.entry.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.entry.insert(text)
        self._typed(self.entry.text())

    def _typed(self, text: str) -> None:
        keys = text.strip().upper()
        if not keys:
            return
        head, rest = keys[0], keys[1:]
        if head in SIDE_EFFECT_KEYS and not rest:
            self._send(keys)
            return
        scale = self._scales.get(CHECK_KEYS.get(head, ""))
        if scale is None:
            self._refuse(f"\u201c{text}\u201d is not a check: start with S, D or {', '.join(SIDE_EFFECT_KEYS)}.")
        elif scale.is_complete(rest):
            self._send(keys)
        elif not _could_become(scale, rest):
            self._refuse(f"\u201c{rest}\u201d is not a {scale.display} score ({scale.lowest} to {scale.highest}).")
        else:
            self.feedback.setText(f"{keys}: Enter to record it, or type the next key")

    def _enter(self) -> None:
        keys = self.entry.text().strip().upper()
        scale = self._scales.get(CHECK_KEYS.get(keys[:1], ""))
        if scale is not None and scale.score_for_keys(keys[1:]) is not None:
            self._send(keys)
        elif keys:
            self._refuse(f"\u201c{keys}\u201d is not complete: e.g. S5, D2.")

    def _send(self, keys: str) -> None:
        self.entry.clear()
        self.keys_entered.emit(keys)

    def _refuse(self, sentence: str) -> None:
        self.entry.clear()
        self.show_feedback(sentence, ok=False)

    # -- what the presenter shows ---------------------------------------------------------------
    def show_feedback(self, text: str, ok: bool = True) -> None:
        colour = self._theme.text if ok else self._theme.overrun
        self.feedback.setStyleSheet(f"color: {colour};")
        self.feedback.setText(text)
        self.feedback.setVisible(bool(text))

    def show_phase(self, phase: str, has_plan: bool) -> None:
        """Show what the phase allows: the plan before the start (or late), the pump during the
        infusion, discharge during the observation."""
        open_ = phase != "ended"
        self.entry.setEnabled(open_)
        for button in self.side_effects:
            button.setEnabled(open_)
        self.plan.setVisible(phase == "baseline" or (phase == "infusion" and not has_plan))
        for widget in (self.rate, self.pause):
            widget.setVisible(phase == "infusion")
            widget.setEnabled(has_plan)
        recovery = phase in ("recovery", "ended")
        for widget in (self.discharge, self.missing):
            widget.setVisible(recovery)
        self.sign_off.setVisible(phase == "recovery")

    def show_reminder(self, text: str, pressing: bool) -> None:
        self.reminder.setVisible(bool(text))
        self.reminder.setText(text)
        if pressing != self._pressing:
            self._pressing = pressing
            self._style_reminder()

    def show_recent(self, text: str) -> None:
        self.recent.setText(f"Last: {text}" if text else "")

    def show_discharge(self, headline: str, missing: list[tuple[str, str]], ready: bool) -> None:
        """The headline, and per missing criterion its short line (its full sentence as the tip)."""
        self.discharge.setText(headline)
        self.missing.setText("\n".join(f"\u2022 {short}" for short, _ in missing))
        self.missing.setToolTip("\n".join(full for _, full in missing))
        if ready != self._ready:
            self._ready = ready
            self._style_discharge()

    # -- look -------------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._style_reminder()
        self._style_discharge()

    def _style_reminder(self) -> None:
        t = self._theme
        width, weight = (3, "bold") if self._pressing else (1, "normal")
        self.reminder.setStyleSheet(
            f"QLabel#reminder {{ color: {t.reminder if self._pressing else t.text_dim}; font-weight: {weight};"
            f" border: {width}px solid {t.reminder}; border-radius: 8px; padding: 4px 8px; }}")

    def _style_discharge(self) -> None:
        t = self._theme
        self.discharge.setStyleSheet(f"color: {t.phase_recovery if self._ready else t.text};")


def _could_become(scale: Scale, keys: str) -> bool:
    """Whether more keys could still make ``keys`` a score of ``scale``."""
    if scale.items:
        return len(keys) < len(scale.items) and all(any(lv.key == k for lv in scale.levels) for k in keys)
    return any(lv.key.startswith(keys) for lv in scale.levels)

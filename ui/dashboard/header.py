"""The header: who, where the session stands, whether the monitor is talking, and the time.

The phase and its clock are the second thing a nurse looks for after the
numbers, so they are large: BASELINE with its elapsed time; INFUSION with
elapsed of the planned 40:00, the time left and a progress bar (an overrun is
counted up in orange); RECOVERY with its own elapsed time.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from monitor.readings import LinkState
from ui.dashboard.theme import SIZE_HEADER_SMALL, SIZE_PHASE, SIZE_WALL_CLOCK, Theme
from ui.dashboard.widgets import label, set_px

PROGRESS_STEPS = 1000
SIZE_DOSE = 30  # the dose line: read from across the room, beside the progress bar
STRETCHES = (3, 8, 0)  # patient and link | phase and clock | wall clock

LINK_WORDS = {
    LinkState.CONNECTING: "Connecting",
    LinkState.WAITING: "Waiting for data",
    LinkState.RECEIVING: "Monitor connected",
    LinkState.NO_VALID_FRAMES: "NO VALID DATA",
    LinkState.SILENT: "NO DATA FROM MONITOR",
    LinkState.DISCONNECTED: "LINK LOST",
    LinkState.CLOSED: "Stopped",
}


def clock_text(seconds: float | None) -> str:
    """m:ss under an hour, h:mm:ss beyond; never negative."""
    if seconds is None:
        return "--:--"
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def session_texts(view: Any) -> tuple[str, str, str, float | None, bool]:
    """(phase word, big clock, line beside it, progress 0..1 or None, overrun) for a SessionView."""
    phase = str(view.phase)
    planned = clock_text(view.planned_infusion_s)
    elapsed, remaining = view.infusion_elapsed_s, view.infusion_remaining_s
    if phase == "baseline":
        return "BASELINE", clock_text(view.phase_elapsed_s), "before the infusion", None, False
    if phase == "infusion":
        overrun = remaining is not None and remaining < 0
        line = f"OVERRUN +{clock_text(-remaining)}" if overrun else f"{clock_text(remaining)} left"
        return "INFUSION", f"{clock_text(elapsed)} / {planned}", line, view.infusion_progress, overrun
    infused = f"infusion ran {clock_text(elapsed)} of {planned}" if elapsed is not None else "no infusion given"
    if phase == "recovery":
        return "RECOVERY", clock_text(view.recovery_elapsed_s), infused, None, False
    recovery = view.recovery_elapsed_s
    line = f"recovery {clock_text(recovery)} \u00b7 {infused}" if recovery is not None else infused
    return "SESSION ENDED", "", line, None, False


class Header(QFrame):
    def __init__(self, theme: Theme, patient_id: str, link_description: str, simulated: bool) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._theme = theme
        self._phase = "baseline"
        self._overrun = False
        self._link_state: LinkState | None = None
        self._recording_ok = True
        self._shape: tuple[str, int, int] | None = None
        self.patient = label(f"Patient {patient_id}" if patient_id else "Patient: not set", SIZE_HEADER_SMALL + 4, True)
        self.simulated = label("SIMULATED DATA \u2014 not a patient", SIZE_HEADER_SMALL, True)
        self.phase = label("BASELINE", SIZE_PHASE, True)
        self.clock = label("00:00", SIZE_PHASE, True)
        self.detail = label("", SIZE_PHASE * 5 // 8, True)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(30)
        self.dose = label("", SIZE_DOSE, True)  # the treatment's line: dose, pump rate, given (show_dose)
        self.dose.hide()
        self.wall_clock = label("--:--", SIZE_WALL_CLOCK, True)
        self.link = label(f"\u25cf Connecting \u00b7 {link_description}", SIZE_HEADER_SMALL)
        self.recording = label("\u25cf Recording: starting\u2026", SIZE_HEADER_SMALL)
        self.device = label("", SIZE_HEADER_SMALL, True)
        self.device.hide()
        self._link_description = link_description
        self._build()
        self.simulated.setVisible(simulated)  # once in its layout: shown before, it was a window of its own
        self.apply_theme(theme)

    def _build(self) -> None:
        left = QVBoxLayout()
        left.setSpacing(2)
        for widget in (self.patient, self.simulated, self.link, self.recording, self.device):
            widget.setWordWrap(True)
            left.addWidget(widget)
        left.addStretch(1)
        phase_row = self.phase_row = QHBoxLayout()
        phase_row.setSpacing(24)
        phase_row.addWidget(self.phase)
        phase_row.addWidget(self.clock)
        phase_row.addWidget(self.detail, 1)
        for widget in (self.phase, self.clock, self.detail):  # sized by resizeEvent, never widen the window
            widget.setMinimumWidth(1)
        self.middle = QWidget()  # its width (set by stretch, not by text) sizes the big text
        middle = QVBoxLayout(self.middle)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(4)
        middle.addLayout(phase_row)
        bar = QHBoxLayout()
        bar.setSpacing(18)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.dose)
        middle.addLayout(bar)
        self.middle.installEventFilter(self)
        right = QVBoxLayout()
        right.addWidget(self.wall_clock, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        right.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.setSpacing(24)
        row.addLayout(left, STRETCHES[0])
        row.addWidget(self.middle, STRETCHES[1])
        row.addLayout(right, STRETCHES[2])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        small = max(14, min(SIZE_HEADER_SMALL, self.width() // 96))
        for widget, px, bold in ((self.patient, small + 4, True), (self.simulated, small, True), (self.link, small, False),
                                 (self.recording, small, False), (self.device, small, True)):
            if widget.font().pixelSize() != px:
                set_px(widget, px, bold)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.middle and event.type() == QEvent.Type.Resize:
            self._fit()  # the middle's own width: the header's may be known before it
        return False

    def _fit(self) -> None:
        """Phase and clocks as large as the width allows (full size on a 1920-px screen), for the
        texts of this phase: "infusion ran 40:00 of 40:00" in recovery is longer than anything in
        the infusion, and must not be cut (issue 14). In the infusion the size allows for the
        overrun line from the start, so the clock does not shrink when the plan is passed."""
        detail = max(self.detail.text(), "OVERRUN +00:00" if self._phase == "infusion" else "",
                     key=lambda text: _width(self.detail, 100, text))
        gaps = self.phase_row.spacing() * 2
        available = self.middle.width() - gaps
        size = SIZE_PHASE
        while size > SIZE_PHASE // 2 and _width(self.phase, size) + _width(self.clock, size) + _width(
                self.detail, size * 5 // 8, detail) > available:
            size -= 1
        for widget, px in ((self.phase, size), (self.clock, size), (self.detail, size * 5 // 8),
                           (self.wall_clock, max(SIZE_WALL_CLOCK * 2 // 3, size * 3 // 4))):
            if widget.font().pixelSize() != px:
                set_px(widget, px, bold=True)
        for widget in (self.phase, self.clock, self.wall_clock):  # a label's own size hint can lag a font change
            widget.setMinimumWidth(math.ceil(_width(widget, widget.font().pixelSize())))

    # -- updates -----------------------------------------------------------------------

    def show_session(self, view: Any) -> None:
        phase_word, clock, detail, progress, overrun = session_texts(view)
        self._phase = str(view.phase)
        self._overrun = overrun
        shape = (phase_word, len(clock), len(detail))
        self.phase.setText(phase_word)
        self.clock.setText(clock)
        self.detail.setText(detail)
        if shape != self._shape:  # another phase or a longer clock: fit the texts again
            self._shape = shape
            self._fit()
        self.progress.setVisible(progress is not None)
        if progress is not None:
            self.progress.setValue(round(progress * PROGRESS_STEPS))
        if self.progress.property("overrun") != overrun:
            self.progress.setProperty("overrun", overrun)
            self.progress.style().unpolish(self.progress)
            self.progress.style().polish(self.progress)
        self._style_phase()

    def show_link(self, state: LinkState | None, protocol: str, port: str, age_s: float | None, message: str) -> None:
        self._link_state = state
        word = "Connecting" if state is None else LINK_WORDS[state]
        where = " \u00b7 ".join(part for part in (protocol, port) if part) or self._link_description
        age = "" if age_s is None else f" \u00b7 last data {_age(age_s)} ago"
        self.link.setText(f"\u25cf {word} \u00b7 {where}{age}")
        self.link.setToolTip(message)
        self._style_link()

    def show_wall_clock(self, now: datetime) -> None:
        self.wall_clock.setText(now.astimezone().strftime("%H:%M"))

    def set_recording(self, text: str, ok: bool) -> None:
        self._recording_ok = ok
        self.recording.setText(text)
        colour = self._theme.recording_ok if ok else self._theme.recording_bad
        self.recording.setStyleSheet(f"color: {colour};{'' if ok else ' font-weight: bold;'}")

    def show_device(self, conditions: tuple[str, ...]) -> None:
        """What the monitor reports about itself (e.g. "sensor off"); hidden when nothing."""
        self.device.setText(f"Monitor reports: {', '.join(conditions)}" if conditions else "")
        self.device.setVisible(bool(conditions))

    def show_dose(self, text: str, look: str = "") -> None:
        """The treatment's line beside the progress bar (``40 mg · 150 mL/h · 28.4 mg given``);
        ``look``: "dim" (nothing planned yet) or "good" (ready for discharge)."""
        self.dose.setText(text)
        self.dose.setVisible(bool(text))
        colour = {"dim": self._theme.text_dim, "good": self._theme.phase_recovery}.get(look, self._theme.text)
        self.dose.setStyleSheet(f"color: {colour};")

    def set_patient(self, patient_id: str) -> None:
        self.patient.setText(f"Patient {patient_id}" if patient_id else "Patient: not set")

    # -- styling -----------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.simulated.setStyleSheet(f"color: {theme.simulated};")
        self.device.setStyleSheet(f"color: {theme.overrun};")
        self.wall_clock.setStyleSheet(f"color: {theme.text};")
        self.set_recording(self.recording.text(), self._recording_ok)
        self._style_phase()
        self._style_link()

    def _style_phase(self) -> None:
        colour = self._theme.phase_colour(self._phase)
        self.phase.setStyleSheet(f"color: {colour};")
        self.clock.setStyleSheet(f"color: {self._theme.text};")
        self.detail.setStyleSheet(f"color: {self._theme.overrun if self._overrun else self._theme.text};")

    def _style_link(self) -> None:
        state = self._link_state
        colour = self._theme.link.get(state, self._theme.text_dim) if state else self._theme.link[LinkState.CONNECTING]
        weight = "" if state in (None, LinkState.RECEIVING) else " font-weight: bold;"
        self.link.setStyleSheet(f"color: {colour};{weight}")

    @property
    def link_colour(self) -> str:
        return self.link.styleSheet().split(";")[0].removeprefix("color: ")


def _width(label: QLabel, px: int, text: str | None = None) -> float:
    """How wide ``label`` must be for ``text`` (its own) at ``px`` pixels, bold, as its size hint says."""
    font = QFont(label.font())
    font.setPixelSize(px)
    font.setBold(True)
    metrics = QFontMetricsF(font)
    shown = label.text() if text is None else text
    return max(metrics.horizontalAdvance(shown), metrics.boundingRect(shown).width()) + 2 * label.margin() + 2


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


__all__ = ["Header", "clock_text", "session_texts"]

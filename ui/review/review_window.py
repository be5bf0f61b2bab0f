"""One recorded session for the clinician: trends, cursor read-out, events, summary, exports.

:class:`ReviewWindow` takes an open :class:`~monitor.review.Recording` (and closes
it when the window closes); :func:`open_review` opens a file and says why not with
:class:`~monitor.review.RecordingOpenError`. Everything is computed once when the
window opens: the chart items from the numpy series, the cursor's lookup tables,
the summary. Nothing in review can change the recording (it is opened read-only).

Exports go through :func:`ui.report.export` (the same code as the
``export`` command) to a file chosen in a save dialog, which tests replace
(``save_dialog``); a refusal or failure is its :class:`~monitor.export.ExportError`
sentence in a message box.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QSplitter, QVBoxLayout, QWidget

from ui.report import ExportError, default_name, export
from monitor.review import Recording, open_recording
from ui.dashboard.theme import FONT_FAMILIES, SIZE_HEADER_SMALL, get_theme, stylesheet
from ui.dashboard.widgets import label
from ui.review import data as rd
from ui.review import words
from ui.review.chart import ReviewChart
from ui.review.dialogs import SaveDialog, ask_save_path, documents_folder, show_message
from ui.review.panels import EventList, Readout, SummaryPanel

# key -> (button text, format, with events, save dialog filter)
EXPORTS: dict[str, tuple[str, str, bool, str]] = {
    "csv": ("CSV", "csv", False, "CSV files (*.csv)"),
    "csv_events": ("CSV + events", "csv", True, "CSV files (*.csv)"),
    "edf": ("EDF+", "edf", False, "EDF+ files (*.edf)"),
    "pdf": ("PDF report", "pdf", False, "PDF files (*.pdf)"),
}
PHASE_WORDS = {"baseline": "baseline", "infusion": "infusion", "recovery": "observation", "ended": "ended"}
_last_export_folder: Path | None = None


def open_review(path: Path | str, theme: str = "dark", save_dialog: SaveDialog | None = None) -> ReviewWindow:
    """Open ``path`` (fully checked) in a new window; :class:`RecordingOpenError` if it cannot be."""
    recording = open_recording(path, preload=True)
    try:
        return ReviewWindow(recording, theme, save_dialog)
    except BaseException:
        recording.close()
        raise


def export_buttons(bar: QHBoxLayout, texts: dict[str, str], what: str,
                   export_as: Callable[[str], object]) -> dict[str, QPushButton]:
    """One button per export format on ``bar``; each calls ``export_as(key)``."""
    buttons = {}
    for key, text in texts.items():
        button = QPushButton(text)
        button.setToolTip(f"Save {what} as {text} (an existing file is never replaced)")
        button.clicked.connect(lambda _checked=False, k=key: export_as(k))
        bar.addWidget(button)
        buttons[key] = button
    return buttons


def column(top: QHBoxLayout, body: QWidget, margins: tuple[int, int, int, int]) -> QWidget:
    """A window's central widget: a bar of titles and buttons over the body, which takes the height."""
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(*margins)
    layout.addLayout(top)
    layout.addWidget(body, 1)
    return central


class ReviewWindow(QMainWindow):
    def __init__(self, recording: Recording, theme: str = "dark", save_dialog: SaveDialog | None = None) -> None:
        super().__init__()
        self.recording = recording
        self.theme = get_theme(theme)
        self._save_dialog = save_dialog or ask_save_path
        self.message_box = None  # the last message shown (tests read it)
        self.last_export: list[Path] = []
        self.origin = rd.plot_origin(recording)
        self.summary = recording.summary()  # may raise RecordingOpenError: damage found while reading
        self.reader = rd.CursorReader(recording)
        self._phases = recording.phases()
        meta = recording.metadata

        self.chart = ReviewChart(self.theme)
        self.chart.load(recording, self.reader)
        self.readout = Readout(self.theme, recording.parameters())
        self.readout.setFixedWidth(330)
        self.events = EventList(self.theme, recording.events(), self.origin)
        self.summary_panel = SummaryPanel(self.theme, self.summary, self.origin, rd.axis_title(recording))
        bar = QHBoxLayout()
        bar.addLayout(self._header(recording), 1)
        bar.addWidget(label("Export", SIZE_HEADER_SMALL - 4, name="dim"))
        self.export_buttons = export_buttons(bar, {key: text for key, (text, *_rest) in EXPORTS.items()},
                                             "this session", self.export_as)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.chart)
        top.addWidget(self.readout)
        top.setStretchFactor(0, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.events)
        bottom.addWidget(self.summary_panel)
        bottom.setSizes([760, 1000])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([590, 410])
        self.setCentralWidget(column(bar, split, (8, 6, 8, 6)))
        self.setStyleSheet(stylesheet(self.theme) + _REVIEW_STYLE.format(t=self.theme))
        font = self.font()
        font.setFamilies(FONT_FAMILIES)
        self.setFont(font)
        who = meta.patient_id or "no patient ID"
        date = words.local(recording.start).strftime("%Y-%m-%d %H:%M")
        self.setWindowTitle(f"Review \u2014 {who} \u2014 {date} \u2014 {recording.path.name}")
        self.resize(1600, 1000)

        self.chart.cursor_moved.connect(self._show_cursor)
        self.events.event_chosen.connect(self.jump_to)
        self.chart.set_cursor((recording.end_of_observation() - self.origin) / 60.0)
        self.chart.plot_widget.setFocus()

    # -- header ---------------------------------------------------------------------------------------------

    def _header(self, recording: Recording) -> QVBoxLayout:
        meta = recording.metadata
        t = self.theme
        start, end = recording.start, recording.end_of_observation()
        patient = f"Patient {meta.patient_id}" if meta.patient_id else "No patient ID"
        if meta.chair:
            patient += f" \u00b7 {meta.chair_text}"
        first = (f"{patient} \u00b7 {words.local(start).strftime('%a %Y-%m-%d %H:%M')}\u2013"
                 f"{words.clock(end, seconds=False)} \u00b7 {words.duration(end - start)}")
        lengths = recording.phase_lengths()
        parts = []
        for phase, name in (("baseline", "Baseline"), ("infusion", "Infusion"), ("recovery", "Observation")):
            if phase in lengths:
                text = f"{name} {words.duration(lengths[phase])}"
                if phase == "infusion" and meta.planned_infusion_s:
                    text += f" (planned {words.duration(meta.planned_infusion_s)})"
                parts.append(text)
        device = f"{meta.device or 'monitor'} on {meta.port}" if meta.port else (meta.device or "")
        second = " \u00b7 ".join([*parts, device, f"alarm profile {meta.alarm_profile}" if meta.alarm_profile else ""])
        self.title = label(first, SIZE_HEADER_SMALL + 2, True)
        self.details = label(second.strip(" \u00b7"), SIZE_HEADER_SMALL - 5, name="dim")
        flags = []
        if meta.simulated:
            flags.append(f"<span style='color:{t.simulated}'><b>SIMULATED DATA</b> (simulator or accelerated "
                         f"clock: not patient data)</span>")
        if meta.ended_unexpectedly:
            flags.append(f"<span style='color:{t.overrun}'><b>ENDED UNEXPECTEDLY</b>: the program stopped "
                         f"without closing the session; everything until {words.clock(recording.end)} is here</span>")
        self.flags = label(" &nbsp; ".join(flags), SIZE_HEADER_SMALL - 5)
        self.flags.setVisible(bool(flags))
        box = QVBoxLayout()
        box.setSpacing(0)
        for widget in (self.title, self.details, self.flags):
            box.addWidget(widget)
        return box

    # -- cursor and jumps -------------------------------------------------------------------------------------

    def time_at(self, minutes: float) -> float:
        return self.origin + minutes * 60.0

    def minutes_at(self, t: float) -> float:
        return (t - self.origin) / 60.0

    def phase_at(self, t: float) -> str:
        phase = ""
        for span in self._phases:
            if span.start <= t:
                phase = span.phase
        return PHASE_WORDS.get(phase, phase)

    def set_cursor_time(self, t: float) -> None:
        """Put the cursor at UTC time ``t`` (what the mouse and arrow keys do)."""
        self.chart.set_cursor(self.minutes_at(t))

    def cursor_time(self) -> float | None:
        minutes = self.chart.cursor_minutes
        return None if minutes is None else self.time_at(minutes)

    def cursor_values(self) -> dict:
        """Parameter -> the value the cursor reads (None: no current value)."""
        t = self.cursor_time()
        return {} if t is None else self.reader.values_at(t)

    def _show_cursor(self, minutes: float) -> None:
        t = self.time_at(minutes)
        readings = {p: self.reader.reading_at(p, t) for p in self.reader.parameters}
        self.readout.show_at(t, minutes, self.phase_at(t), readings, self.chart.alarms)

    def jump_to(self, t: float) -> None:
        """Show the moment ``t`` (UTC s): the view moves there if it is not in view, the cursor goes there."""
        minutes = self.minutes_at(t)
        self.chart.include(minutes)
        self.chart.set_cursor(minutes)

    # -- exports ---------------------------------------------------------------------------------------------

    def export_as(self, key: str) -> list[Path]:
        """Ask where, then export; returns the files written ([] if cancelled or refused)."""
        global _last_export_folder
        text, fmt, events, name_filter = EXPORTS[key]
        folder = _last_export_folder or documents_folder()
        suggested = folder / default_name(self.recording.path, fmt)
        target = self._save_dialog(self, f"Export {text}", suggested, name_filter)
        if target is None:
            return []
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            written = export(self.recording.path, fmt, target, events=events)
        except ExportError as exc:
            self.message_box = show_message(self, f"Export {text} not done", str(exc))
            return []
        finally:
            QGuiApplication.restoreOverrideCursor()
        _last_export_folder = Path(target).parent if not Path(target).is_dir() else Path(target)
        self.last_export = written
        self.statusBar().showMessage(f"Exported {text}: " + ", ".join(str(p) for p in written), 15000)
        return written

    def closeEvent(self, event: QCloseEvent) -> None:
        self.recording.close()
        super().closeEvent(event)


_REVIEW_STYLE = """
QTreeWidget, QTableWidget {{ background: {t.surface}; color: {t.text}; border: 1px solid {t.border};
    font-size: 15px; gridline-color: {t.border}; }}
QTreeWidget::item:selected {{ background: {t.button}; color: {t.text}; border: 1px solid {t.phase_infusion}; }}
QHeaderView::section {{ background: {t.button}; color: {t.text_dim}; border: none; padding: 4px 6px;
    font-size: 14px; font-weight: bold; }}
QHeaderView {{ background: {t.surface}; }}
QTableCornerButton::section {{ background: {t.button}; border: none; }}
QComboBox {{ background: {t.button}; color: {t.text}; border: 1px solid {t.border}; padding: 4px 8px; font-size: 15px; }}
QSplitter::handle {{ background: {t.background}; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
"""

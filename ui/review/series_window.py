"""One patient's treatment series on screen: a row per session and a chart across the sessions.

``infusion-monitor review --patient ID`` opens it (and the library's "Treatment series"
button). The rows and the chart are the series PDF's (:mod:`ui.report.series_pdf`,
:func:`monitor.review.series.chart_lines`); double-click a row to review that session;
the export buttons write the series as PDF or CSV (never over an existing file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QMainWindow,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from monitor.export.common import ExportError
from monitor.review import RecordingOpenError
from monitor.review.series import Folders, PatientSeries, chart_lines, patient_series
from ui.app_identity import set_app_identity
from ui.dashboard.chart_panels import pen, setup_plot, style_axes
from ui.dashboard.theme import FONT_FAMILIES, SIZE_HEADER_SMALL, get_theme, stylesheet
from ui.dashboard.widgets import label
from ui.report import export_series
from ui.report.series_pdf import COLUMNS, GROUPS, PALETTE, row_cells
from ui.review.dialogs import SaveDialog, ask_save_path, documents_folder, show_message
from ui.review.review_window import _REVIEW_STYLE, ReviewWindow, column, export_buttons, open_review

EXIT_NO_SERIES = 2


class SeriesWindow(QMainWindow):
    def __init__(self, series: PatientSeries, folders: Folders, theme: str = "dark",
                 save_dialog: SaveDialog | None = None,
                 opener: Callable[[Path], ReviewWindow] | None = None) -> None:
        super().__init__()
        self.series, self.folders = series, folders
        self.theme = get_theme(theme)
        self._save_dialog = save_dialog or ask_save_path
        self._opener = opener or (lambda path: open_review(path, self.theme.name))
        self.review_windows: list[ReviewWindow] = []
        self.message_box = None
        count = len(series.rows)
        heading = label(f"Treatment series: patient {series.patient_id}", SIZE_HEADER_SMALL + 4, True)
        note = label(f"{count} session{'s' if count != 1 else ''}, oldest first. Vitals: baseline \u2192 peak (rise); "
                     "alarms high/medium/low; ready / discharge: minutes after the infusion ended. "
                     "Double-click a session to review it.", SIZE_HEADER_SMALL - 5, name="dim")
        note.setWordWrap(True)
        self.table = QTableWidget(count, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.title for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, session in enumerate(series.rows):
            for cell, text in enumerate(row_cells(row + 1, session)):
                item = QTableWidgetItem(text)
                item.setToolTip(str(session.path))
                self.table.setItem(row, cell, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.open_session(index.row()))
        self.chart = pg.GraphicsLayoutWidget()
        self.chart.setBackground(self.theme.chart_background)
        self.plots = self._draw()
        bar = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(heading)
        titles.addWidget(note)
        bar.addLayout(titles, 1)
        self.export_buttons = export_buttons(bar, {f: f"Export {f.upper()}\u2026" for f in ("pdf", "csv")},
                                             "the treatment series", self.export_as)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([220, 680])
        self.setCentralWidget(column(bar, split, (10, 8, 10, 8)))
        self.setStyleSheet(stylesheet(self.theme) + _REVIEW_STYLE.format(t=self.theme)
                           + "QTableWidget { font-size: 16px; }")
        font = self.font()
        font.setFamilies(FONT_FAMILIES)
        self.setFont(font)
        self.setWindowTitle(f"Treatment series \u2014 {series.patient_id}")
        self.resize(1500, 900)

    def _draw(self) -> list[pg.PlotItem]:
        """One plot per unit group (BP and HR; dose; scores), x = the session's number."""
        lines = list(enumerate(chart_lines(self.series.rows)))
        plots = []
        for title, units, _zero in GROUPS:
            drawn = [(i, line) for i, line in lines if line.unit in units]
            if not drawn:
                continue
            plot = self.chart.addPlot(row=len(plots), col=0, title=title)
            setup_plot(plot)
            style_axes(plot, self.theme)
            sessions = len(self.series.rows)
            plot.getAxis("bottom").setTicks([[(n, str(n)) for n in range(1, sessions + 1)]])
            plot.setXRange(0.5, sessions + 0.5, padding=0)
            plot.getViewBox().setDefaultPadding(0.2)
            plot.getViewBox().enableAutoRange(axis="y")
            veil = QColor(self.theme.chart_background)
            veil.setAlpha(210)
            plot.addLegend(offset=(10, 5), brush=pg.mkBrush(veil))
            for index, line in drawn:
                style = Qt.PenStyle.DashLine if "baseline" in line.name else Qt.PenStyle.SolidLine
                xs = [n + 1 for n, v in enumerate(line.values) if v is not None]
                ys = [v for v in line.values if v is not None]
                plot.plot(xs, ys, pen=pen(_line_colour(self.theme, index), 2.5, style), symbol="o", symbolSize=8,
                          symbolBrush=_line_colour(self.theme, index), name=f"{line.name} ({line.unit})")
            plot.setLabel("bottom", "session")
            plots.append(plot)
        self.chart.ci.layout.setRowStretchFactor(0, 2)  # blood pressure and heart rate: the most lines
        return plots

    def open_session(self, row: int) -> ReviewWindow | None:
        if not 0 <= row < len(self.series.rows):
            return None
        try:
            window = self._opener(self.series.rows[row].path)
        except RecordingOpenError as exc:
            self.message_box = show_message(self, "Cannot open this recording", str(exc))
            return None
        self.review_windows.append(window)
        window.show()
        return window

    def export_as(self, fmt: str) -> Path | None:
        suggested = documents_folder() / f"series-{self.series.patient_id}.{fmt}"
        target = self._save_dialog(self, f"Export the treatment series as {fmt.upper()}", suggested,
                                   f"{fmt.upper()} files (*.{fmt})")
        if target is None:
            return None
        try:
            written = export_series(self.folders, self.series.patient_id, fmt, target)
        except ExportError as exc:
            self.message_box = show_message(self, "Export failed", str(exc))
            return None
        self.message_box = show_message(self, "Exported", f"Saved {written}", warning=False)
        return written


def _line_colour(theme, index: int) -> str:
    """The PDF's colours on a light background; on the dark one the measurement colours."""
    if theme.name == "light":
        return PALETTE[index % len(PALETTE)]
    dark = ("#d6b4ff", "#e8ebef", "#e8ebef", "#9aa3ad", "#9aa3ad", "#3ddc84", "#3ddc84", "#7c9cff", "#ffab40")
    return dark[index % len(dark)]


def run_series(folders: Folders, patient_id: str, theme: str | None = None) -> int:
    """Open ``patient_id``'s series window; one line on stderr and 2 if there is no session of theirs."""
    series = patient_series(folders, patient_id)
    if not series.rows:
        where = " or ".join(str(f) for f in ([folders] if isinstance(folders, Path | str) else folders))
        print(f"infusion-monitor: No readable recording of patient {patient_id!r} in {where}; check the "
              "identifier as it was entered (upper and lower case count) and the folder.", file=sys.stderr)
        return EXIT_NO_SERIES
    app = QApplication.instance() or QApplication(sys.argv[:1])
    set_app_identity(app)
    if theme is None:
        from ui.dashboard.window import remembered_theme

        theme = remembered_theme()
    window = SeriesWindow(series, folders, theme)
    window.show()
    return app.exec()

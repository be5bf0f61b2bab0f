"""The session library: every recording in a folder, one row each, a search box, and opening one.

Rows come from :func:`monitor.review.list_recordings` (newest first; a bad file
is a row with status ``damaged`` or ``newer version`` and the sentence saying
why). Double-click or Enter opens the review window; a recording that cannot
be opened (damaged, another program's file, a newer format, or damage found
only by the full check when opening) gives a message with the reason instead,
never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.review import LibraryError, RecordingInfo, RecordingOpenError, list_recordings, search
from monitor.review.series import group_by_patient, patient_series
from ui.dashboard.theme import FONT_FAMILIES, SIZE_HEADER_SMALL, get_theme, stylesheet
from ui.dashboard.widgets import label
from ui.review import words
from ui.review.dialogs import FolderDialog, SaveDialog, ask_folder, show_message
from ui.review.review_window import _REVIEW_STYLE, ReviewWindow, open_review

COLUMNS = ["Patient", "Chair", "Date", "Duration", "Baseline", "Infusion", "Observation", "\u25b2 High", "\u25b2 Medium",
           "\u25b2 Low", "Status", "Details", "File"]
COLUMN = {name: i for i, name in enumerate(COLUMNS)}
ROW_ROLE = Qt.ItemDataRole.UserRole


class LibraryWindow(QMainWindow):
    def __init__(self, folder: Path | None, theme: str = "dark", save_dialog: SaveDialog | None = None,
                 folder_dialog: FolderDialog | None = None,
                 opener: Callable[[Path], ReviewWindow] | None = None) -> None:
        super().__init__()
        self.theme = get_theme(theme)
        self.folder = Path(folder) if folder is not None else None
        self.infos: list[RecordingInfo] = []
        self.review_windows: list[ReviewWindow] = []
        self.message_box = None  # the last message shown (tests read it)
        self._folder_dialog = folder_dialog or ask_folder
        self._opener = opener or (lambda path: open_review(path, self.theme.name, save_dialog))

        self.heading = label("Recorded sessions", SIZE_HEADER_SMALL + 4, True)
        self.where = label("", SIZE_HEADER_SMALL - 5, name="dim")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search: patient, chair, date (2026-11-22 or 22.11.2026), file, status, port\u2026")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.apply_search)
        self.count = label("", SIZE_HEADER_SMALL - 4, name="dim")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for priority, name in (("high", "\u25b2 High"), ("medium", "\u25b2 Medium"), ("low", "\u25b2 Low")):
            self.table.horizontalHeaderItem(COLUMN[name]).setForeground(QBrush(QColor(self.theme.alarm_colours(priority)[0])))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN["Details"], QHeaderView.ResizeMode.Stretch)
        # Enter (and, on some platforms, double-click) activates; opening twice only raises the window
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.detail = label("", SIZE_HEADER_SMALL - 4)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open  Enter")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        self.refresh_button = QPushButton("Refresh  F5")
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button = QPushButton("Change folder\u2026")
        self.folder_button.clicked.connect(self.choose_folder)
        self.group = QCheckBox("Group by patient")
        self.group.setToolTip("Each patient's sessions together, oldest first (a course of treatment)")
        self.group.toggled.connect(lambda _on: self.refresh())
        self.series_button = QPushButton("Treatment series\u2026")
        self.series_button.setToolTip("The selected patient's sessions side by side, with a chart across them")
        self.series_button.setEnabled(False)
        self.series_button.clicked.connect(self.open_series)
        self.series_windows: list = []
        self.shortcuts = [QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh),
                          QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search_box.setFocus)]

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.where)
        top.addLayout(titles, 1)
        for button in (self.open_button, self.series_button, self.refresh_button, self.folder_button):
            top.addWidget(button)
        search_row = QHBoxLayout()
        search_row.addWidget(self.group)
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.count)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addLayout(search_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.setCentralWidget(central)
        self.setStyleSheet(stylesheet(self.theme) + _REVIEW_STYLE.format(t=self.theme)
                           + f"QTableWidget {{ font-size: 16px; }} QTableWidget::item:selected "
                             f"{{ background: {self.theme.button}; }}")
        font = self.font()
        font.setFamilies(FONT_FAMILIES)
        self.setFont(font)
        self.setWindowTitle("Recorded sessions \u2014 Infusion Room Monitor")
        self.resize(1500, 800)
        self.refresh()

    # -- listing ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the folder again (new recordings, finished ones)."""
        self.infos = []
        if self.folder is None:
            self.where.setText("No recordings folder chosen: use \u201cChange folder\u2026\u201d.")
        else:
            self.where.setText(f"in {self.folder}")
            try:
                self.infos = list_recordings(self.folder)
            except LibraryError as exc:
                self.where.setText(str(exc))
        if self.group.isChecked():  # each patient's course together, oldest first; no ID last
            self.infos = [i for group in group_by_patient(self.infos).values() for i in group] + [
                i for i in self.infos if not (i.patient_id.strip() and i.openable)]
        self._fill()
        self.apply_search(self.search_box.text())

    def _fill(self) -> None:
        t = self.theme
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            lengths = info.phase_lengths
            counts = info.alarm_counts
            patient = info.patient_id or ("(no patient ID)" if info.openable else "")
            if info.simulated:
                patient += "  (simulated)"
            cells = {
                "Patient": patient,
                "Chair": info.chair_text,
                "Date": info.date_text,
                "Duration": words.duration(info.duration_s),
                "Baseline": words.duration(lengths["baseline"]) if "baseline" in lengths else "",
                "Infusion": words.duration(lengths["infusion"]) if "infusion" in lengths else "",
                "Observation": words.duration(lengths["recovery"]) if "recovery" in lengths else "",
                "\u25b2 High": str(counts.get("high", 0)) if info.openable else "",
                "\u25b2 Medium": str(counts.get("medium", 0)) if info.openable else "",
                "\u25b2 Low": str(counts.get("low", 0)) if info.openable else "",
                "Status": info.status,
                "Details": _short_reason(info),
                "File": info.name,
            }
            for name, text in cells.items():
                item = QTableWidgetItem(text)
                item.setData(ROW_ROLE, row)
                if name in ("Duration", "Baseline", "Infusion", "Observation") or name.startswith("\u25b2"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if info.reason:
                    item.setToolTip(info.reason)
                self.table.setItem(row, COLUMN[name], item)
            for priority, name in (("high", "\u25b2 High"), ("medium", "\u25b2 Medium"), ("low", "\u25b2 Low")):
                if counts.get(priority, 0):
                    self.table.item(row, COLUMN[name]).setForeground(QBrush(QColor(t.alarm_colours(priority)[0])))
            colour = _status_colour(t, info.status)
            if colour:
                for name in ("Status", "Details"):
                    self.table.item(row, COLUMN[name]).setForeground(QBrush(QColor(colour)))
            if not info.openable:
                for name in ("Patient", "Date", "File"):
                    self.table.item(row, COLUMN[name]).setForeground(QBrush(QColor(t.text_dim)))
        self._selection_changed()

    def apply_search(self, text: str) -> None:
        shown = {id(info) for info in search(self.infos, text)}
        for row, info in enumerate(self.infos):
            self.table.setRowHidden(row, id(info) not in shown)
        total = len(self.infos)
        self.count.setText(f"{len(shown)} of {total} recordings" if text.strip() else f"{total} recordings")

    def visible_rows(self) -> list[RecordingInfo]:
        return [info for row, info in enumerate(self.infos) if not self.table.isRowHidden(row)]

    def row_of(self, name: str) -> int:
        return next(row for row, info in enumerate(self.infos) if info.name == name)

    def choose_folder(self) -> None:
        chosen = self._folder_dialog(self, "Choose the recordings folder", self.folder or Path.home())
        if chosen is not None:
            self.folder = chosen
            self.refresh()

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        info = self.infos[rows[0].row()] if rows and 0 <= rows[0].row() < len(self.infos) else None
        self.open_button.setEnabled(info is not None)
        self.series_button.setEnabled(info is not None and bool(info.patient_id.strip()) and info.openable)
        if info is None:
            self.detail.setText("Double-click a session, or select it and press Enter, to review it." if self.infos
                                else "No recordings in this folder yet.")
        elif info.reason:
            colour = _status_colour(self.theme, info.status) or self.theme.text
            self.detail.setText(f"<b style='color:{colour}'>{info.status}</b>: {info.reason}")
        else:
            self.detail.setText(str(info.path))

    # -- opening ---------------------------------------------------------------------------------------------

    def open_row(self, row: int) -> ReviewWindow | None:
        """Open the recording in ``row`` for review (or bring its window to the front if it is
        open already), or say why it cannot be opened."""
        if not 0 <= row < len(self.infos):
            return None
        info = self.infos[row]
        already = next((w for w in self.review_windows if w.recording.path == info.path), None)
        if already is not None:
            already.show()
            already.raise_()
            already.activateWindow()
            return already
        if not info.openable:
            self.message_box = show_message(self, "Cannot open this recording", info.reason)
            return None
        try:
            window = self._opener(info.path)
        except RecordingOpenError as exc:
            self.message_box = show_message(self, "Cannot open this recording", str(exc))
            return None
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _obj=None, w=window: self._forget(w))
        self.review_windows.append(window)
        window.show()
        window.raise_()
        return window

    def open_series(self):
        """The treatment series of the selected session's patient, from this folder."""
        from ui.review.series_window import SeriesWindow

        rows = self.table.selectionModel().selectedRows()
        if not rows or self.folder is None:
            return None
        patient = self.infos[rows[0].row()].patient_id.strip()
        series = patient_series(self.folder, patient)
        window = SeriesWindow(series, self.folder, self.theme.name)
        self.series_windows.append(window)
        window.show()
        return window

    def _forget(self, window: ReviewWindow) -> None:
        if window in self.review_windows:
            self.review_windows.remove(window)

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in [*self.review_windows, *self.series_windows]:
            window.close()
        super().closeEvent(event)


def _short_reason(info: RecordingInfo) -> str:
    """The reason without the file name it starts with (the File column has it)."""
    return info.reason.removeprefix(f"{info.path}: ")


def _status_colour(theme, status: str) -> str | None:
    return {
        "ended unexpectedly": theme.overrun,
        "recording": theme.phase_infusion,
        "damaged": theme.recording_bad,
        "newer version": theme.alarm_medium,
    }.get(status)

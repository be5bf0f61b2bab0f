"""The panels around the review chart: cursor read-out, event list and session summary."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from monitor.parameters import MEASUREMENTS, PARAMETERS, Parameter
from monitor.review import ActionRecord, AlarmOccurrence, AlarmRecord, Event, Summary
from monitor.review.summary import PRIORITIES, RETURN_BAND
from ui.dashboard.theme import Theme
from ui.dashboard.widgets import label
from ui.review import words

SIZE_TEXT = 16
_RANK = {"low": 1, "medium": 2, "high": 3}
SIZE_READOUT = 24


# -- the cursor read-out ----------------------------------------------------------------------------------


class Readout(QFrame):
    """Every parameter's value at the cursor, grouped like the dashboard's tiles."""

    def __init__(self, theme: Theme, parameters: Sequence[Parameter]) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._theme = theme
        self.title = label("Cursor", SIZE_TEXT, True)
        self.time = label(words.DASH, SIZE_READOUT + 6, True)
        self.where = label("", SIZE_TEXT)
        self.hint = label("Move the mouse over the chart, or click it and use \u2190 \u2192 (Shift: 1 min).",
                          SIZE_TEXT - 3, name="dim")
        self.hint.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}
        self.groups = [key for key, m in MEASUREMENTS.items() if any(p in parameters for p in m.parameters)]
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        for row, key in enumerate(self.groups):
            measurement = MEASUREMENTS[key]
            colour = theme.colour(measurement.colour)
            name = label(f"{measurement.title} <span style='font-size:{SIZE_TEXT - 3}px'>{measurement.unit}</span>",
                         SIZE_TEXT + 2, True)
            name.setStyleSheet(f"color: {colour};")
            self.values[key] = label(words.DASH, SIZE_READOUT, True)
            self.values[key].setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values[key].setStyleSheet(f"color: {colour};")
            self.notes[key] = label("", SIZE_TEXT - 3, name="dim")
            grid.addWidget(name, 2 * row, 0)
            grid.addWidget(self.values[key], 2 * row, 1)
            grid.addWidget(self.notes[key], 2 * row + 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.time)
        layout.addWidget(self.where)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addSpacing(10)
        self.alarms_title = label("Alarms active", SIZE_TEXT, True)
        self.alarms = label("", SIZE_TEXT - 1)
        self.alarms.setWordWrap(True)
        self.alarms.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.alarms_title)
        layout.addWidget(self.alarms)
        layout.addStretch(1)
        layout.addWidget(self.hint)

    def show_at(self, t: float, minutes: float, phase: str,
                readings: dict[Parameter, tuple[float | None, float | None]],
                alarms: Sequence[AlarmOccurrence] = ()) -> None:
        """``readings``: parameter -> (value current at ``t``, when it was measured);
        ``alarms``: every alarm of the session (those active at ``t`` are listed)."""
        self.time.setText(words.clock(t))
        self.where.setText(f"{words.min_sec(minutes)} min" + (f" \u00b7 {phase}" if phase else ""))
        for key in self.groups:
            measurement = MEASUREMENTS[key]
            got = [readings.get(p, (None, None)) for p in measurement.parameters]
            values = [words.value(v) for v, _ in got]
            if measurement.pressure:
                text = f"{values[0]}/{values[1]}" + (f" ({values[2]})" if got[2][0] is not None else "")
            else:
                text = values[0]
            self.values[key].setText(text)
            measured = [since for v, since in got if v is not None and since is not None]
            note = ""
            if measurement.discrete and measured:
                ago = t - min(measured)
                before = "" if ago < 1 else f", {ago:.0f} s before" if ago < 60 else f", {ago / 60:.0f} min before"
                note = f"measured at {words.clock(min(measured))}{before}"
            elif not measured:
                note = "no current value"
            self.notes[key].setText(note)
        active = [o for o in alarms if o.raised <= t and (o.cleared is None or t < o.cleared)]
        lines = []
        for o in active:
            so_far = [e for e in o.events if e.time <= t]
            priority = max((e.priority for e in so_far), key=lambda p: _RANK.get(p, 0), default=o.priority)  # escalations so far
            colour = self._theme.alarm_colours(priority)[0] if priority in PRIORITIES else self._theme.alarm_high
            state = "" if o.acknowledged is None or o.acknowledged > t else " \u00b7 acknowledged"
            lines.append(f"<span style='color:{colour}'>\u25b2</span> {o.condition.replace('_', ' ')} "
                         f"({priority}){state}")
        self.alarms.setText("<br>".join(lines) if lines else "none")

    def text(self, key: str) -> str:
        return self.values[key].text()


# -- the event list -------------------------------------------------------------------------------------------

FILTERS = {
    "All events": None,
    "Alarms raised": lambda e: isinstance(e, AlarmRecord) and e.event == "raised",
    "Alarm log": lambda e: isinstance(e, AlarmRecord) and e.event != "limit_changed",
    "Notes": lambda e: e.category == "annotation",
    "Phases": lambda e: e.category == "phase",
    "Limit changes": lambda e: event_type(e) == "Limit",
    "Monitor link": lambda e: e.category == "link",
    "Treatment": lambda e: e.category == "treatment",
}


def event_type(event: Event) -> str:
    if isinstance(event, AlarmRecord):
        return "Limit" if event.event == "limit_changed" else "Alarm"
    if isinstance(event, ActionRecord):
        return "Limit" if event.action == "limit_changed" else "Action"
    return {"phase": "Phase", "annotation": "Note", "link": "Link", "treatment": "Treatment"}.get(
        event.category, event.category)


class EventList(QWidget):
    """Alarms, notes, phase changes, limit changes, link and operator events, oldest first.

    Selecting one (click, or the keyboard) emits :attr:`event_chosen` with its time.
    """

    event_chosen = Signal(float)

    def __init__(self, theme: Theme, events: Sequence[Event], origin: float) -> None:
        super().__init__()
        self.events = tuple(events)
        self.title = label(f"Events ({len(self.events)})", SIZE_TEXT + 2, True)
        self.filter = QComboBox()
        self.filter.addItems(list(FILTERS))
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Time", "Min", "Type", "Event"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        items = []
        for event in self.events:
            kind = event_type(event)
            item = QTreeWidgetItem([words.clock(event.time), words.minutes((event.time - origin) / 60.0), kind,
                                    event.describe()])
            item.setData(0, Qt.ItemDataRole.UserRole, event.time)
            item.setToolTip(3, event.describe())
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if isinstance(event, AlarmRecord) and event.event != "limit_changed":  # as the alarm bar shows it
                background, text = theme.alarm_colours(event.priority if event.priority in PRIORITIES else "high")
                item.setBackground(2, QBrush(QColor(background)))
                item.setForeground(2, QBrush(QColor(text)))
            elif colour := _event_colour(theme, event):
                item.setForeground(2, QBrush(QColor(colour)))
            items.append(item)
        self.tree.addTopLevelItems(items)
        self.tree.itemClicked.connect(lambda item, _column: self._chosen(item))
        self.tree.currentItemChanged.connect(lambda item, _previous: self._chosen(item))
        self.filter.currentTextChanged.connect(self.apply_filter)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(label("Show", SIZE_TEXT - 2, name="dim"))
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)

    def apply_filter(self, name: str) -> None:
        keep = FILTERS.get(name)
        for i, event in enumerate(self.events):
            self.tree.topLevelItem(i).setHidden(keep is not None and not keep(event))

    def item(self, index: int) -> QTreeWidgetItem:
        return self.tree.topLevelItem(index)

    def visible_texts(self) -> list[str]:
        return [self.item(i).text(3) for i in range(len(self.events)) if not self.item(i).isHidden()]

    def _chosen(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            self.event_chosen.emit(float(item.data(0, Qt.ItemDataRole.UserRole)))


def _event_colour(theme: Theme, event: Event) -> str | None:
    if isinstance(event, AlarmRecord):
        if event.event == "limit_changed":
            return theme.threshold
        return theme.alarm_colours(event.priority)[0] if event.priority in PRIORITIES else theme.alarm_high
    if event.category == "phase":
        return theme.phase_colour(getattr(event, "phase", ""))
    if event.category == "annotation":
        return theme.marker_annotation
    if event.category == "action":
        return theme.threshold
    if event.category == "treatment":
        return theme.marker_treatment
    return None


# -- the summary ----------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = ["Parameter", "Baseline", "Peak (at min)", "Lowest (at min)", "End of observation",
                   "Back to baseline"]
DIRECTION_WORDS = {"HIGH": "above", "RISE": "above", "LOW": "below", "FALL": "below"}


def back_text(summary: Summary, item) -> str:
    """Minutes back to baseline, worded as in the PDF report."""
    if summary.recovery_start is None or item.baseline is None:
        return words.DASH
    if item.recovery_values == 0:
        return "no values after the stop"
    if item.return_min is None:
        return f"not within \u00b1{RETURN_BAND:.0%}"
    return f"{item.return_min:.0f} min"


def summary_rows(summary: Summary, origin: float) -> list[list[str]]:
    rows = []
    for item in summary.parameters:
        def at(v: float | None, t: float | None) -> str:
            return words.DASH if v is None or t is None else f"{words.value(v)}  at {words.minutes((t - origin) / 60, 0)}"
        rows.append([
            f"{PARAMETERS[item.parameter].name} ({item.unit})", words.value(item.baseline), at(item.peak, item.peak_time),
            at(item.lowest, item.lowest_time),
            words.value(item.end_value) if item.end_value is not None else "no current value",
            back_text(summary, item),
        ])
    return rows


def limit_rows(summary: Summary) -> list[list[str]]:
    return [[(f"{PARAMETERS[e.parameter].name} {DIRECTION_WORDS.get(e.direction, e.direction.lower())} "
              f"{words.value(e.limit)} ({e.direction.lower()})"), words.duration_exact(e.seconds)]
            for e in summary.limits]


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = QTableWidgetItem(text)
            if c:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, cell)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    height = table.horizontalHeader().sizeHint().height() + sum(table.rowHeight(r) for r in range(len(rows))) + 4
    table.setFixedHeight(height)
    return table


class SummaryPanel(QScrollArea):
    """Alarm counts, baseline/peak/end per parameter, time beyond each limit (docs/exports.md rules)."""

    def __init__(self, theme: Theme, summary: Summary, origin: float, origin_name: str) -> None:
        super().__init__()
        self.summary = summary
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        counts = summary.alarm_counts
        chips = " &nbsp; ".join(
            f"<span style='color:{theme.alarm_colours(p)[0]}'>\u25b2</span> {counts.get(p, 0)} {p}" for p in PRIORITIES)
        self.alarms = label(f"<b>Alarms raised</b> &nbsp; {chips}", SIZE_TEXT + 1)
        self.parameters = _table(SUMMARY_COLUMNS, summary_rows(summary, origin))
        rows = limit_rows(summary)
        self.limits = _table(["Alarm limit", "Time beyond it"], rows)
        self.limits.setVisible(bool(rows))
        no_limits = label("No alarm limit was crossed or changed.", SIZE_TEXT - 1, name="dim")
        no_limits.setVisible(not rows)
        note = ("Baseline: median of the last 5 min of the baseline period (NIBP: last 3 cuff results), frozen "
                "at the infusion start. Peak/lowest: infusion and observation. Back to baseline: minutes after "
                f"the infusion stop until within \u00b1{RETURN_BAND:.0%} for two periods in a row. "
                f"'at' = {origin_name}.")
        if summary.baseline_frozen_at is None:
            note = f"No baseline period was recorded, so there are no baselines to compare with. 'at' = {origin_name}."
        self.note = label(note, SIZE_TEXT - 3, name="dim")
        self.note.setWordWrap(True)
        title = label("Summary", SIZE_TEXT + 2, True)
        layout.addWidget(title)
        layout.addWidget(self.alarms)
        layout.addWidget(self.parameters)
        layout.addWidget(label("Time beyond alarm limits", SIZE_TEXT, True))
        layout.addWidget(self.limits)
        layout.addWidget(no_limits)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setWidget(body)

    def cell(self, parameter: Parameter, column: str) -> str:
        row = next(i for i, p in enumerate(self.summary.parameters) if p.parameter == Parameter(parameter))
        return self.parameters.item(row, SUMMARY_COLUMNS.index(column)).text()

    def limit_texts(self) -> list[tuple[str, str]]:
        return [(self.limits.item(r, 0).text(), self.limits.item(r, 1).text()) for r in range(self.limits.rowCount())]

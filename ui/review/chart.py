"""The whole recorded session as the live chart draws it, plus a cursor.

:class:`ReviewChart` *is* the dashboard's :class:`~ui.dashboard.trend_chart.TrendChart`
(same panels from the catalogue, items, colours, fonts and theme code), filled
once from a recording instead of from the live trend store, and never following "now":

* HR and ART lines, NIBP ▼┃▲ bars, phases shaded and named, the planned
  infusion end, against minutes from the infusion start;
* below, x-linked, a panel for SpO2, for respiration (RR, EtCO2) and for
  temperature, each when the recording has any of its values;
* the alarm limits as dashed lines in their parameter's panel, each drawn while
  it was in force (:func:`ui.review.data.limit_segments`); the nurse's notes as
  labelled markers, as on the live chart; alarms as triangles in their priority
  colour along the bottom (hover one for its message);
* a cursor: a vertical line through every panel that follows the mouse, or the
  arrow keys (←/→ 5 s, with Shift 1 min), and reports its time with :attr:`cursor_moved`.

Zoom with the wheel or +/−, pan by dragging, Home shows the whole session. Every
item is built once from the numpy series; pyqtgraph's clip-to-view and peak
downsampling (set up by the panels) keep an 8-hour session fast to draw.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton

from monitor.parameters import PARAMETERS, charted
from monitor.review import AlarmOccurrence, Recording, alarm_occurrences
from monitor.review.treatment import CheckRecord, RateRecord
from ui.dashboard.chart_panels import MAIN_PANEL, font, legend_html, pen
from ui.dashboard.theme import SIZE_CHART_AXIS, Theme
from ui.dashboard.treatment_text import check_label, rate_label
from ui.dashboard.trend_chart import MAX_DRAWN_MARKERS, TrendChart
from ui.review import data as rd

STEP_S = 5.0  # ← / →: a Datex record
BIG_STEP_S = 60.0  # with Shift
ZOOM_FACTOR = 1.6
MIN_VIEW_MIN = 1.0
PRIORITIES = ("high", "medium", "low")
LABEL_HEIGHT_PX = 20  # a limit label's height on screen
LABEL_HEIGHT_SHARE = 0.05  # the same as a share of the y axis, before the chart has a size
# Note labels sit low, just above the alarm marks: the top holds the phase names, the limit labels and,
# in a ketamine session, the blood pressure peak; below HR there is usually nothing drawn.
NOTE_LABEL_HEIGHTS = (0.16, 0.10, 0.22)


class ReviewChart(TrendChart):
    cursor_moved = Signal(float)  # minutes

    def __init__(self, theme: Theme) -> None:
        self.alarms: tuple[AlarmOccurrence, ...] = ()
        self.limit_labels: list[pg.TextItem] = []
        self._limit_label_data: list[rd.LimitLabel] = []
        self.bounds = (0.0, 1.0)  # minutes: the session
        self.cursor_minutes: float | None = None
        self._recorded: tuple = ()
        super().__init__(theme)
        self.follow = False
        self.live_button.hide()
        self.now_line.hide()
        self.title.setText("Recorded session")
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_widget.installEventFilter(self)
        self.whole_button = QPushButton("Whole session  Home")
        self.zoom_in_button = QPushButton("Zoom in  +")
        self.zoom_out_button = QPushButton("Zoom out  −")
        top = self.layout().itemAt(0).layout()
        for button, slot in ((self.zoom_in_button, lambda: self.zoom(1 / ZOOM_FACTOR)),
                             (self.zoom_out_button, lambda: self.zoom(ZOOM_FACTOR)),
                             (self.whole_button, self.show_whole_session)):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            top.addWidget(button)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)
        self.view_box.sigXRangeChanged.connect(self._place_labels)
        self.view_box.sigResized.connect(self._stack_limit_labels)

    # -- items (created once) ------------------------------------------------------------------

    def _create_items(self) -> None:
        super()._create_items()
        self.limit_lines: dict[str, pg.PlotDataItem] = {}  # by panel
        self.cursors: dict[str, pg.InfiniteLine] = {}
        for key, panel in self.panels.items():
            lines = pg.PlotDataItem(connect="pairs", name="limits")
            lines.setZValue(-5)
            cursor = pg.InfiniteLine(angle=90, movable=False)
            cursor.setZValue(30)
            cursor.hide()
            for thing in (lines, cursor):
                panel.plot.addItem(thing)
            self.limit_lines[key], self.cursors[key] = lines, cursor
        self.cursor = self.cursors[MAIN_PANEL]
        self.alarm_marks = pg.ScatterPlotItem(symbol="t1", size=15, hoverable=True,
                                              tip=lambda x, y, data: data)
        self.alarm_marks.setZValue(5)
        self.plot_item.addItem(self.alarm_marks)

    # -- filling from a recording (once) ---------------------------------------------------------

    def load(self, recording: Recording, reader: rd.CursorReader | None = None) -> None:
        """Build every item from ``recording`` (``reader``: its lookup tables, if already made)."""
        origin = rd.plot_origin(recording)
        left, right = (recording.start - origin) / 60.0, (recording.end - origin) / 60.0
        right = max(right, left + MIN_VIEW_MIN)
        self.bounds = (left, right)
        self._origin = origin
        self._recorded = recording.parameters()
        for key, panel in self.panels.items():
            if key != MAIN_PANEL and any(p in self._recorded for p in charted(key)):
                self.show_panel(key)
            for parameter in panel.curves:
                if PARAMETERS[parameter].trend_style != "cuff":
                    panel.set_line(parameter, *rd.line_xy(*recording.series(parameter), origin))
            if panel.bars is not None:
                nibp = rd.nibp_points(recording, origin, reader)
                panel.set_cuff(nibp.minutes, nibp.sys, nibp.dia)
        self._load_phases(recording, origin)
        segments = [s for s in rd.limit_segments(recording) if s.panel is not None]
        for key, lines in self.limit_lines.items():
            lines.setData(*rd.segments_xy([s for s in segments if s.panel == key], origin), connect="pairs")
        self._make_limit_labels(rd.limit_labels([s for s in segments if s.panel == MAIN_PANEL], origin))
        self._load_markers(recording, origin)
        for key in self.shown:
            self.panels[key].fit([s.limit for s in segments if s.panel == key])
        self._stack_limit_labels()
        self._place_alarm_marks()
        self.x_title = rd.axis_title(recording)
        for panel in self.panels.values():
            panel.plot.setLabel("bottom", self.x_title, color=self._theme.chart_axis, size=f"{SIZE_CHART_AXIS}px")
        self._label_x_axis()
        pad = (right - left) * 0.02
        for panel in self.panels.values():
            panel.view_box.setLimits(xMin=left - pad, xMax=right + pad, minXRange=MIN_VIEW_MIN)
        self.legend.setText(self.legend_text())
        self.show_whole_session()

    def _load_phases(self, recording: Recording, origin: float) -> None:
        spans = {s.phase: s for s in recording.phases()}  # phases only go forward: one span each
        regions = {phase: ((span.start - origin) / 60.0, (span.end - origin) / 60.0) if span else None
                   for phase in ("baseline", "infusion", "recovery") for span in [spans.get(phase)]}
        for panel in self.panels.values():
            panel.set_phases(regions)
        for phase, region in self.regions.items():
            self.region_labels[phase].setVisible(region.isVisible())
        planned = recording.metadata.planned_infusion_s
        infusion = spans.get("infusion")
        self.planned_end.setVisible(bool(planned) and infusion is not None)
        if planned and infusion is not None:
            self.planned_end.setPos((infusion.start + planned - origin) / 60.0)

    def _make_limit_labels(self, labels: list[rd.LimitLabel]) -> None:
        self._limit_label_data = labels
        for label_data in labels:
            text = pg.TextItem(label_data.text, anchor=(1, 1))
            text.setZValue(-4)
            self.plot_item.addItem(text)
            self.limit_labels.append(text)
        self._style_lines()

    def _load_markers(self, recording: Recording, origin: float) -> None:
        notes = [(e, "annotation", e.text) for e in recording.events(frozenset({"annotation"}))]
        notes += treatment_markers(recording)
        notes = sorted(notes, key=lambda n: n[0].time)[:MAX_DRAWN_MARKERS]
        for i, (event, kind, text) in enumerate(notes):
            height = NOTE_LABEL_HEIGHTS[i % len(NOTE_LABEL_HEIGHTS)]
            line = pg.InfiniteLine(pos=(event.time - origin) / 60.0, angle=90, movable=False, label=text,
                                   labelOpts={"position": height, "anchors": [(0, 0), (0, 0)]})
            line.kind = kind
            self.plot_item.addItem(line)
            self.markers.append(line)
        self.alarms, _ = alarm_occurrences(recording.events(frozenset({"alarm"})))
        self._style_lines()

    def _place_alarm_marks(self) -> None:
        """One ▲ per alarm raised, at the bottom, in the colour of the priority it was raised with
        (as the summary counts them; the tool tip says if it escalated)."""
        low, high = self._y_range
        t = self._theme
        occurrences = self.alarms
        self.alarm_marks.setData(
            x=[(o.raised - self._origin) / 60.0 for o in occurrences],
            y=[low + (high - low) * 0.03] * len(occurrences),
            brush=[pg.mkBrush(t.alarm_colours(raised_priority(o))[0]) for o in occurrences],
            pen=[pg.mkPen(t.chart_background)] * len(occurrences),
            data=[alarm_tip(o) for o in occurrences],
        )

    # -- the cursor ---------------------------------------------------------------------------------

    def set_cursor(self, minutes: float) -> None:
        """Put the cursor at ``minutes`` (kept within the session) and report it."""
        minutes = min(max(minutes, self.bounds[0]), self.bounds[1])
        self.cursor_minutes = minutes
        for line in self.cursors.values():
            line.setPos(minutes)
            line.show()
        self.cursor_moved.emit(minutes)

    def step_cursor(self, seconds: float) -> None:
        start = self.cursor_minutes if self.cursor_minutes is not None else sum(self.x_range()) / 2
        self.set_cursor(start + seconds / 60.0)
        left, right = self.x_range()
        if not left <= self.cursor_minutes <= right:  # keep it in view
            self.center_on(self.cursor_minutes)

    def _mouse_moved(self, pos: QPointF) -> None:
        """The cursor follows the mouse over any panel (``pos`` in the chart's scene)."""
        for key in self.shown:
            box = self.panels[key].view_box
            if box.sceneBoundingRect().contains(pos):
                self.set_cursor(box.mapSceneToView(pos).x())
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot_widget and event.type() == QEvent.Type.KeyPress:
            return self.handle_key(event)  # type: ignore[arg-type]
        return super().eventFilter(watched, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        big = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = BIG_STEP_S if big else STEP_S
            self.step_cursor(step if key == Qt.Key.Key_Right else -step)
        elif key == Qt.Key.Key_Home:
            self.show_whole_session()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1 / ZOOM_FACTOR)
        elif key == Qt.Key.Key_Minus:
            self.zoom(ZOOM_FACTOR)
        else:
            return False
        return True

    # -- the view -----------------------------------------------------------------------------------

    def show_whole_session(self) -> None:
        left, right = self.bounds
        pad = (right - left) * 0.01
        self._show_x(left - pad, right + pad)

    def zoom(self, factor: float) -> None:
        left, right = self.x_range()
        centre = self.cursor_minutes if self.cursor_minutes is not None and left <= self.cursor_minutes <= right \
            else (left + right) / 2
        span = max(MIN_VIEW_MIN, (right - left) * factor)
        share = (centre - left) / (right - left) if right > left else 0.5
        self._show_x(centre - span * share, centre - span * share + span)

    def center_on(self, minutes: float) -> None:
        """Move the view (keeping its zoom) so ``minutes`` is in the middle of it."""
        left, right = self.x_range()
        span = right - left
        self._show_x(minutes - span / 2, minutes + span / 2)

    def include(self, minutes: float) -> None:
        """Make sure ``minutes`` is in view: move there if it is not, or if it is at the very edge."""
        left, right = self.x_range()
        margin = (right - left) * 0.05
        if not left + margin <= minutes <= right - margin:
            self.center_on(minutes)

    def _set_follow(self, follow: bool) -> None:  # a recording has no "live" to go back to
        self.follow = False

    def _place_labels(self, *_args: object) -> None:
        self._place_region_labels()
        right = self.x_range()[1]
        for text, label_data in zip(self.limit_labels, self._limit_label_data, strict=True):
            text.setPos(min(label_data.right, right), label_data.value)

    def _stack_limit_labels(self, *_args: object) -> None:
        """A label sits above its line, or below it when the label above would be covered."""
        low, high = self._y_range
        height = (high - low) * LABEL_HEIGHT_SHARE
        if self.view_box.height() > 50:
            height = LABEL_HEIGHT_PX * (high - low) / self.view_box.height()
        free_below = math.inf  # the lowest point taken by the labels placed so far (from the top)
        order = sorted(range(len(self._limit_label_data)), key=lambda i: -self._limit_label_data[i].value)
        for i in order:
            value = self._limit_label_data[i].value
            above = value + height <= free_below
            self.limit_labels[i].setAnchor((1, 1) if above else (1, 0))
            free_below = value if above else value - height

    # -- theme --------------------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        t = theme
        for line in self.cursors.values():
            line.setPen(pen(t.text, 1.5))
        for lines in self.limit_lines.values():
            lines.setPen(pen(t.threshold, 1.5, Qt.PenStyle.DashLine))

    def legend_text(self) -> str:
        """What the recording holds, and the marks the review draws."""
        t = self._theme
        return (
            f"{legend_html(t, self._recorded)} &nbsp;&nbsp; "
            f"<span style='color:{t.threshold}'>- - alarm limit</span> &nbsp;&nbsp; "
            f"<span style='color:{t.marker_annotation}'>\u2506 note</span> &nbsp;&nbsp; "
            f"<span style='color:{t.marker_treatment}'>\u2506 check, pump</span> &nbsp;&nbsp; "
            f"<span style='color:{t.alarm_high}'>\u25b2</span><span style='color:{t.alarm_medium}'>\u25b2</span>"
            f"<span style='color:{t.alarm_low}'>\u25b2</span> alarm"
        )

    def _style_lines(self) -> None:
        super()._style_lines()
        t = self._theme
        for text in self.limit_labels:
            text.setColor(t.threshold)
            text.setFont(font(SIZE_CHART_AXIS))
        if hasattr(self, "_origin"):
            self._place_alarm_marks()


def treatment_markers(recording: Recording) -> list[tuple[object, str, str]]:
    """Checks and pump changes as the live trend marks them (``S4``, ``Nausea``, ``Pump 75 mL/h``)."""
    marks: list[tuple[object, str, str]] = []
    for event in recording.events(frozenset({"treatment"})):
        if isinstance(event, CheckRecord) and event.source == "check":
            marks.append((event, "check", check_label(event)))
        elif isinstance(event, RateRecord):
            marks.append((event, "rate", rate_label(event)))
    return marks


def raised_priority(occurrence: AlarmOccurrence) -> str:
    first = occurrence.events[0].priority if occurrence.events else occurrence.priority
    return first if first in PRIORITIES else "high"


def alarm_tip(occurrence: AlarmOccurrence) -> str:
    text = f"{occurrence.condition} ({raised_priority(occurrence)})"
    if occurrence.priority != raised_priority(occurrence):
        text += f", escalated to {occurrence.priority}"
    return f"{text}: {occurrence.message}" if occurrence.message else text

"""The whole recorded session as the live chart draws it, plus a cursor and an SpO2 strip.

:class:`ReviewChart` *is* the dashboard's :class:`~ui.dashboard.trend_chart.TrendChart`
(same plot setup, items, colours, fonts and theme code), filled once from a
recording instead of from the live trend store, and never following "now":

* HR and ART sys/dia lines, NIBP ▼┃▲ bars, phases shaded and named, the planned
  infusion end, against minutes from the infusion start;
* the alarm limits as dashed lines, each drawn while it was in force
  (:func:`ui.review.data.limit_segments`); the nurse's notes as labelled
  markers, as on the live chart; alarms as triangles in their priority colour
  along the bottom (hover one for its message);
* SpO2 in a strip below, sharing the time axis;
* a cursor: a vertical line that follows the mouse, or the arrow keys
  (←/→ 5 s, with Shift 1 min), and reports its time with :attr:`cursor_moved`.

Zoom with the wheel or +/−, pan by dragging, Home shows the whole session. Every
item is built once from the numpy series; pyqtgraph's clip-to-view and peak
downsampling (set up by TrendChart) keep an 8-hour session fast to draw.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QPushButton

from monitor.readings import Parameter
from monitor.review import AlarmOccurrence, Recording, alarm_occurrences
from ui.dashboard.theme import SIZE_CHART_AXIS, Theme
from ui.dashboard.trend_chart import DEFAULT_Y, MAX_DRAWN_MARKERS, TrendChart, _font, _pen
from ui.review import data as rd

STEP_S = 5.0  # ← / →: a Datex record
BIG_STEP_S = 60.0  # with Shift
ZOOM_FACTOR = 1.6
MIN_VIEW_MIN = 1.0
SPO2_Y = (85.0, 100.0)
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
        self.layout().addWidget(self.spo2_widget)
        self.layout().setStretchFactor(self.plot_widget, 5)
        self.layout().setStretchFactor(self.spo2_widget, 1)
        self.plot_widget.scene().sigMouseMoved.connect(lambda pos: self._mouse_moved(self.plot_item, pos))
        self.spo2_widget.scene().sigMouseMoved.connect(lambda pos: self._mouse_moved(self.spo2_item, pos))
        self.view_box.sigXRangeChanged.connect(self._place_labels)
        self.view_box.sigResized.connect(self._stack_limit_labels)

    # -- items (created once) ------------------------------------------------------------------

    def _create_items(self) -> None:
        super()._create_items()
        item = self.plot_item
        self.limit_lines = pg.PlotDataItem(connect="pairs", name="limits")
        self.limit_lines.setZValue(-5)
        item.addItem(self.limit_lines)
        self.alarm_marks = pg.ScatterPlotItem(symbol="t1", size=15, hoverable=True,
                                              tip=lambda x, y, data: data)
        self.alarm_marks.setZValue(5)
        item.addItem(self.alarm_marks)
        self.cursor = pg.InfiniteLine(angle=90, movable=False)
        self.cursor.setZValue(30)
        self.cursor.hide()
        item.addItem(self.cursor)
        # SpO2: a strip of its own, the same minutes
        self.spo2_widget = pg.PlotWidget()
        self.spo2_item = self.spo2_widget.getPlotItem()
        self.spo2_item.hideButtons()
        self.spo2_item.setMenuEnabled(False)
        self.spo2_item.setMouseEnabled(x=True, y=False)
        self.spo2_item.setClipToView(True)
        self.spo2_item.setDownsampling(auto=True, mode="peak")
        self.spo2_item.showGrid(x=True, y=True)
        self.spo2_item.setXLink(self.plot_item)
        self.spo2_item.getViewBox().disableAutoRange()
        self.spo2_item.getAxis("left").setWidth(self.plot_item.getAxis("left").width())
        self.spo2_curve = pg.PlotDataItem(connect="finite", name="SpO2")
        self.spo2_limit_lines = pg.PlotDataItem(connect="pairs")
        self.spo2_cursor = pg.InfiniteLine(angle=90, movable=False)
        self.spo2_cursor.setZValue(30)
        self.spo2_cursor.hide()
        self.spo2_regions: dict[str, pg.LinearRegionItem] = {}
        for phase in ("baseline", "infusion", "recovery"):
            region = pg.LinearRegionItem((0, 0), movable=False)
            region.setZValue(-20)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            region.hide()
            self.spo2_item.addItem(region)
            self.spo2_regions[phase] = region
        for thing in (self.spo2_limit_lines, self.spo2_curve, self.spo2_cursor):
            self.spo2_item.addItem(thing)

    # -- filling from a recording (once) ---------------------------------------------------------

    def load(self, recording: Recording, reader: rd.CursorReader | None = None) -> None:
        """Build every item from ``recording`` (``reader``: its lookup tables, if already made)."""
        origin = rd.plot_origin(recording)
        left, right = (recording.start - origin) / 60.0, (recording.end - origin) / 60.0
        right = max(right, left + MIN_VIEW_MIN)
        self.bounds = (left, right)
        self._origin = origin
        for curve, parameter in ((self.hr_curve, Parameter.HR), (self.art_sys_curve, Parameter.ART_SYS),
                                 (self.art_dia_curve, Parameter.ART_DIA), (self.spo2_curve, Parameter.SPO2)):
            curve.setData(*rd.line_xy(*recording.series(parameter), origin), connect="finite")
        nibp = rd.nibp_points(recording, origin, reader)
        both = np.isfinite(nibp.sys) & np.isfinite(nibp.dia)
        x, sys, dia = nibp.minutes[both], nibp.sys[both], nibp.dia[both]
        self.nibp_bars.setData(np.repeat(x, 2), np.column_stack((sys, dia)).ravel(), connect="pairs")
        self.nibp_sys.setData(nibp.minutes[np.isfinite(nibp.sys)], nibp.sys[np.isfinite(nibp.sys)])
        self.nibp_dia.setData(nibp.minutes[np.isfinite(nibp.dia)], nibp.dia[np.isfinite(nibp.dia)])
        self._load_phases(recording, origin)
        segments = rd.limit_segments(recording)
        on_chart = [s for s in segments if s.parameter in rd.CHART_LIMIT_PARAMETERS]
        on_spo2 = [s for s in segments if s.parameter in rd.SPO2_LIMIT_PARAMETERS]
        self.limit_lines.setData(*rd.segments_xy(on_chart, origin), connect="pairs")
        self.spo2_limit_lines.setData(*rd.segments_xy(on_spo2, origin), connect="pairs")
        self._make_limit_labels(rd.limit_labels(on_chart, origin))
        self._load_markers(recording, origin)
        self._fit_review_y(on_chart, on_spo2)
        self._stack_limit_labels()
        self._place_alarm_marks()
        self.plot_item.setLabel("bottom", rd.axis_title(recording), color=self._theme.chart_axis,
                                size=f"{SIZE_CHART_AXIS}px")
        pad = (right - left) * 0.02
        for box in (self.view_box, self.spo2_item.getViewBox()):
            box.setLimits(xMin=left - pad, xMax=right + pad, minXRange=MIN_VIEW_MIN)
        self.spo2_widget.setVisible(Parameter.SPO2 in recording.parameters())
        self.show_whole_session()

    def _load_phases(self, recording: Recording, origin: float) -> None:
        spans = {s.phase: s for s in recording.phases()}  # phases only go forward: one span each
        for phase in ("baseline", "infusion", "recovery"):
            span = spans.get(phase)
            for region in (self.regions[phase], self.spo2_regions[phase]):
                region.setVisible(span is not None and span.end > span.start)
                if span is not None:
                    region.setRegion(((span.start - origin) / 60.0, (span.end - origin) / 60.0))
            self.region_labels[phase].setVisible(self.regions[phase].isVisible())
        self.regions["planned"].hide()
        self.region_labels["planned"].hide()
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
        notes = [e for e in recording.events(frozenset({"annotation"}))][:MAX_DRAWN_MARKERS]
        for i, event in enumerate(notes):
            height = NOTE_LABEL_HEIGHTS[i % len(NOTE_LABEL_HEIGHTS)]
            line = pg.InfiniteLine(pos=(event.time - origin) / 60.0, angle=90, movable=False, label=event.text,
                                   labelOpts={"position": height, "anchors": [(0, 0), (0, 0)]})
            line.kind = "annotation"
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

    def _fit_review_y(self, on_chart: list[rd.LimitSegment], on_spo2: list[rd.LimitSegment]) -> None:
        parts = [np.array([s.limit for s in on_chart], dtype=float)]
        for item in (self.hr_curve, self.art_sys_curve, self.art_dia_curve):
            if item.yData is not None:
                parts.append(item.yData)
        for item in (self.nibp_sys, self.nibp_dia):
            parts.append(item.data["y"])
        values = np.concatenate([np.asarray(p, dtype=float) for p in parts])
        values = values[np.isfinite(values)]
        low, high = DEFAULT_Y
        if values.size:
            low = min(low, 10 * math.floor((values.min() - 5) / 10))
            high = max(high, 10 * math.ceil((values.max() + 5) / 10))
        self._y_range = (low, high)
        self.view_box.setYRange(low, high, padding=0)
        spo2 = self.spo2_curve.yData
        spo2 = np.concatenate([np.asarray(spo2 if spo2 is not None else [], dtype=float),
                               [s.limit for s in on_spo2]])
        spo2 = spo2[np.isfinite(spo2)]
        bottom = min(SPO2_Y[0], 5 * math.floor((spo2.min() - 1) / 5)) if spo2.size else SPO2_Y[0]
        self.spo2_item.getViewBox().setYRange(bottom, SPO2_Y[1] + 1, padding=0)

    # -- the cursor ---------------------------------------------------------------------------------

    def set_cursor(self, minutes: float) -> None:
        """Put the cursor at ``minutes`` (kept within the session) and report it."""
        minutes = min(max(minutes, self.bounds[0]), self.bounds[1])
        self.cursor_minutes = minutes
        for line in (self.cursor, self.spo2_cursor):
            line.setPos(minutes)
            line.show()
        self.cursor_moved.emit(minutes)

    def step_cursor(self, seconds: float) -> None:
        start = self.cursor_minutes if self.cursor_minutes is not None else sum(self.x_range()) / 2
        self.set_cursor(start + seconds / 60.0)
        left, right = self.x_range()
        if not left <= self.cursor_minutes <= right:  # keep it in view
            self.center_on(self.cursor_minutes)

    def _mouse_moved(self, item: pg.PlotItem, pos: QPointF) -> None:
        """The cursor follows the mouse over either plot (``pos`` in that plot's scene)."""
        box = item.getViewBox()
        if box.sceneBoundingRect().contains(pos):
            self.set_cursor(box.mapSceneToView(pos).x())

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
        self.spo2_widget.setBackground(t.chart_background)
        for name in ("left", "bottom"):
            axis = self.spo2_item.getAxis(name)
            axis.setPen(pg.mkPen(t.chart_axis))
            axis.setTextPen(pg.mkPen(t.chart_axis))
            axis.setTickFont(_font(SIZE_CHART_AXIS))
            axis.setGrid(t.chart_grid_alpha)
        self.spo2_item.setLabel("left", "SpO₂ %", color=t.spo2, size=f"{SIZE_CHART_AXIS}px")
        self.spo2_curve.setPen(_pen(t.spo2, 2.5))
        for phase, region in self.spo2_regions.items():
            colour = QColor(t.phase_colour(phase))
            colour.setAlpha(t.shade_alpha)
            region.setBrush(pg.mkBrush(colour))
        for line in (self.cursor, self.spo2_cursor):
            line.setPen(_pen(t.text, 1.5))
        self.limit_lines.setPen(_pen(t.threshold, 1.5, Qt.PenStyle.DashLine))
        self.spo2_limit_lines.setPen(_pen(t.threshold, 1.5, Qt.PenStyle.DashLine))
        self.legend.setText(
            f"<span style='color:{t.hr}'>\u2501 HR</span> &nbsp;&nbsp; "
            f"<span style='color:{t.nibp}'>\u25bc\u2503\u25b2 NIBP sys/dia</span> &nbsp;&nbsp; "
            f"<span style='color:{t.art}'>\u2501 ART sys, dia</span> &nbsp;&nbsp; "
            f"<span style='color:{t.spo2}'>\u2501 SpO\u2082</span> &nbsp;&nbsp; "
            f"<span style='color:{t.threshold}'>- - alarm limit</span> &nbsp;&nbsp; "
            f"<span style='color:{t.marker_annotation}'>\u2506 note</span> &nbsp;&nbsp; "
            f"<span style='color:{t.alarm_high}'>\u25b2</span><span style='color:{t.alarm_medium}'>\u25b2</span>"
            f"<span style='color:{t.alarm_low}'>\u25b2</span> alarm"
        )

    def _style_lines(self) -> None:
        super()._style_lines()
        t = self._theme
        for text in self.limit_labels:
            text.setColor(t.threshold)
            text.setFont(_font(SIZE_CHART_AXIS))
        if hasattr(self, "_origin"):
            self._place_alarm_marks()


def raised_priority(occurrence: AlarmOccurrence) -> str:
    first = occurrence.events[0].priority if occurrence.events else occurrence.priority
    return first if first in PRIORITIES else "high"


def alarm_tip(occurrence: AlarmOccurrence) -> str:
    text = f"{occurrence.condition} ({raised_priority(occurrence)})"
    if occurrence.priority != raised_priority(occurrence):
        text += f", escalated to {occurrence.priority}"
    return f"{text}: {occurrence.message}" if occurrence.message else text

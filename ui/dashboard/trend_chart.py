"""The session trend: HR and BP against session minutes, with the phases shaded.

One pyqtgraph plot, every item created once; :meth:`TrendChart.refresh` (called
by the window's display timer, at most 2 Hz) only calls ``setData``/``setRegion``
and only when the trend store changed. x = minutes from infusion start
(negative during baseline), so the infusion is always 0 to 40.

Drawing is the dashboard's largest CPU cost, so a refresh that would change
nothing on screen changes nothing (docs/BENCHMARKS.md): "now" is drawn on a
grid of whole seconds no finer than one pixel of the plot (see
:meth:`TrendChart._on_pixel_grid`), the axes (whose grid lines span the whole
plot) are cached as pixmaps, and pyqtgraph's deferred view update is applied
before painting so a refresh costs one paint, not two.

By default the whole session is in view and the view follows the present. If
the nurse drags or zooms (x only: the y axis is always chosen to fit), the
view stays where she put it while data keeps arriving, and a "Back to live"
button (F9) returns to the whole session.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from monitor.readings import Parameter
from monitor.trends import TrendStore
from ui.dashboard.shortcuts import SHORTCUTS, with_key
from ui.dashboard.spans import Spans
from ui.dashboard.theme import SIZE_CHART_AXIS, SIZE_HEADER_SMALL, Theme
from ui.dashboard.widgets import label

DEFAULT_Y = (40.0, 180.0)  # mmHg and /min: room for a ketamine rise without rescaling
MARKER_KINDS = frozenset({"alarm", "annotation"})  # phase changes are drawn as shading
PHASES = ("baseline", "infusion", "recovery")
MAX_DRAWN_MARKERS = 200  # the newest; a chart with more lines than this says nothing
MARKER_LABEL_HEIGHTS = (0.97, 0.89, 0.81)  # consecutive marker labels step down so they do not overlap
NOW_STEPS_S = (1, 2, 5, 10, 15, 30, 60)  # each divides a minute, so whole minutes are drawn exactly


def _pen(colour: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> pg.QtGui.QPen:
    pen = pg.mkPen(colour, width=width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


class TrendChart(QWidget):
    follow_changed = Signal(bool)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self.follow = True
        self._version = -1
        self._spans: Spans | None = None
        self._drawn: Spans | None = None  # the spans as last drawn (on the pixel grid)
        self._threshold_values: list[tuple[float, str]] = []
        self.thresholds: list[pg.InfiniteLine] = []
        self.markers: list[pg.InfiniteLine] = []
        self._marker_keys: list[tuple[str, str]] = []
        self._y_range = DEFAULT_Y
        self.plot_widget = pg.PlotWidget()
        self.plot_item = self.plot_widget.getPlotItem()
        self.view_box = self.plot_item.getViewBox()
        self._setup_plot()
        self._create_items()
        self.title = label("Session trend", SIZE_HEADER_SMALL, True)
        self.legend = label("", SIZE_HEADER_SMALL - 2)
        self.live_button = QPushButton(with_key("Back to live", "back_to_live"))
        self.live_button.setToolTip(SHORTCUTS["back_to_live"][1])
        self.live_button.clicked.connect(self.back_to_live)
        self.live_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.live_button.hide()
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(20)
        top.addWidget(self.legend, 1)
        top.addWidget(self.live_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        self.view_box.sigRangeChangedManually.connect(self._user_moved_view)
        self.apply_theme(theme)

    # -- construction (once) -------------------------------------------------------------

    def _setup_plot(self) -> None:
        item = self.plot_item
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=True, y=False)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True)
        item.setLabel("bottom", "minutes from infusion start")
        self.view_box.disableAutoRange()
        self.view_box.setYRange(*DEFAULT_Y, padding=0)
        for name in ("left", "bottom"):  # their grid lines cover the plot: replayed on every paint otherwise
            item.getAxis(name).setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _create_items(self) -> None:
        item = self.plot_item
        self.regions: dict[str, pg.LinearRegionItem] = {}
        self.region_labels: dict[str, pg.TextItem] = {}
        for phase in (*PHASES, "planned"):
            region = pg.LinearRegionItem((0, 0), movable=False)
            region.setZValue(-20)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            region.hide()
            item.addItem(region)
            text = pg.TextItem("" if phase == "planned" else phase.upper(), anchor=(0, 0))
            text.setZValue(-10)
            text.hide()
            item.addItem(text)
            self.regions[phase], self.region_labels[phase] = region, text
        self.planned_end = pg.InfiniteLine(
            angle=90, movable=False, label="planned end", labelOpts={"position": 0.03, "anchors": [(1.05, 1), (1.05, 1)]}
        )
        self.planned_end.hide()
        self.now_line = pg.InfiniteLine(angle=90, movable=False)
        for line in (self.planned_end, self.now_line):
            item.addItem(line)
        self.hr_curve = pg.PlotDataItem(connect="finite", name="HR")
        self.art_sys_curve = pg.PlotDataItem(connect="finite", name="ART sys")
        self.art_dia_curve = pg.PlotDataItem(connect="finite", name="ART dia")
        self.nibp_bars = pg.PlotDataItem(connect="pairs", name="NIBP")
        self.nibp_sys = pg.ScatterPlotItem(symbol="t", size=16)  # ▼ systolic
        self.nibp_dia = pg.ScatterPlotItem(symbol="t1", size=16)  # ▲ diastolic
        for curve in (self.art_sys_curve, self.art_dia_curve, self.hr_curve, self.nibp_bars, self.nibp_sys, self.nibp_dia):
            item.addItem(curve)

    # -- API ------------------------------------------------------------------------------

    def refresh(self, store: TrendStore, spans: Spans) -> None:
        """Draw what changed since the last call; move the view if it follows the present."""
        self._spans = spans
        drawn = self._on_pixel_grid(spans)
        if store.version == self._version and drawn == self._drawn:
            return  # nothing would move by a pixel: no repaint
        self._drawn = drawn
        if store.version != self._version:
            self._version = store.version
            self._set_data(store)
        self._set_phases(drawn)
        if self.follow:
            self._show_x(*drawn.whole_session())
        self._place_region_labels()
        self.plot_widget.scene().prepareForPaint()  # apply the view change now: one paint, not two

    def now_step_s(self) -> float:
        """Seconds "now" moves before the chart draws it somewhere else (see :meth:`_on_pixel_grid`),
        as of the last refresh; 0 before the first."""
        return 0.0 if self._spans is None else float(self._now_step_s(self._spans))

    def _now_step_s(self, spans: Spans) -> int:
        left, right = spans.whole_session()
        width_px = max(1.0, self.view_box.width() or float(self.plot_widget.width()))
        pixel_s = (right - left) * 60.0 / width_px
        return next((s for s in NOW_STEPS_S if s >= pixel_s), NOW_STEPS_S[-1])

    def _on_pixel_grid(self, spans: Spans) -> Spans:
        """``spans`` with "now" floored to the finest whole-second step that spans a pixel.

        "Now" advances half a second per refresh, less than a pixel (a 10-minute
        view on a 1100-pixel plot is 0.55 s a pixel, a 45-minute one 2.5 s):
        redrawing for that costs CPU and shows nothing. So the now line and the
        open phase moves in steps of about one pixel (under two), never half.
        Steps divide a minute and floor with a tolerance, so a whole minute is
        drawn exactly where it is.
        """
        step = self._now_step_s(spans)
        now_s = math.floor(spans.now * 60.0 / step + 1e-6) * step
        return replace(spans, now=now_s / 60.0)

    def set_thresholds(self, lines: Sequence[tuple[float, str]]) -> None:
        """Horizontal lines at alarm thresholds, e.g. [(160, "SBP 160"), (110, "HR 110")]."""
        for line in self.thresholds:
            self.plot_item.removeItem(line)
        self._threshold_values = [(float(v), str(t)) for v, t in lines]
        self.thresholds = []
        for value, text in self._threshold_values:
            line = pg.InfiniteLine(
                pos=value, angle=0, movable=False, label=text, labelOpts={"position": 0.995, "anchors": [(1, 1), (1, 1)]}
            )
            line.setZValue(-5)
            self.plot_item.addItem(line)
            self.thresholds.append(line)
        self._style_lines()
        self._fit_y()

    def back_to_live(self) -> None:
        """Show the whole session again and follow the present."""
        self._set_follow(True)
        if self._spans is not None:
            self._show_x(*self._spans.whole_session())

    def show_minutes(self, left: float, right: float) -> None:
        """Look at a part of the session (what a drag or zoom does); stops following."""
        self._set_follow(False)
        self._show_x(left, right)

    def x_range(self) -> tuple[float, float]:
        left, right = self.view_box.viewRange()[0]
        return float(left), float(right)

    # -- drawing ----------------------------------------------------------------------------

    def _set_data(self, store: TrendStore) -> None:
        for curve, parameter in (
            (self.hr_curve, Parameter.HR),
            (self.art_sys_curve, Parameter.ART_SYS),
            (self.art_dia_curve, Parameter.ART_DIA),
        ):
            x, y = store.series(parameter)
            curve.setData(x, y, connect="finite")
        nibp = store.nibp()
        both = np.isfinite(nibp.sys) & np.isfinite(nibp.dia)
        x, sys, dia = nibp.minutes[both], nibp.sys[both], nibp.dia[both]
        self.nibp_bars.setData(np.repeat(x, 2), np.column_stack((sys, dia)).ravel(), connect="pairs")
        self.nibp_sys.setData(x, sys)
        self.nibp_dia.setData(x, dia)
        self._set_markers(list(store.markers(MARKER_KINDS))[-MAX_DRAWN_MARKERS:])
        self._fit_y()

    def _set_markers(self, markers: list) -> None:
        keys = [(m.kind, m.text) for m in markers]
        if keys != self._marker_keys:
            for line in self.markers:
                self.plot_item.removeItem(line)
            self.markers = []
            for i, m in enumerate(markers):
                height = MARKER_LABEL_HEIGHTS[i % len(MARKER_LABEL_HEIGHTS)]
                line = pg.InfiniteLine(
                    angle=90, movable=False, label=m.text, labelOpts={"position": height, "anchors": [(0, 0), (0, 0)]}
                )
                line.kind = m.kind
                self.plot_item.addItem(line)
                self.markers.append(line)
            self._marker_keys = keys
            self._style_lines()
        for line, m in zip(self.markers, markers, strict=True):
            line.setPos(m.minutes)

    def _fit_y(self) -> None:
        values = [np.array([v for v, _ in self._threshold_values], dtype=float)]
        for item in (self.hr_curve, self.art_sys_curve, self.art_dia_curve):
            if item.yData is not None:
                values.append(item.yData)
        for item in (self.nibp_sys, self.nibp_dia):
            values.append(item.data["y"])
        data = np.concatenate([np.asarray(v, dtype=float) for v in values])
        data = data[np.isfinite(data)]
        low, high = DEFAULT_Y
        if data.size:
            low = min(low, 10 * math.floor((data.min() - 5) / 10))
            high = max(high, 10 * math.ceil((data.max() + 5) / 10))
        if (low, high) != self._y_range:
            self._y_range = (low, high)
            self.view_box.setYRange(low, high, padding=0)

    def _set_phases(self, spans: Spans) -> None:
        regions = spans.phase_regions()
        for phase, span in regions.items():
            region, text = self.regions[phase], self.region_labels[phase]
            region.setVisible(span is not None)
            text.setVisible(span is not None)
            if span is not None:
                region.setRegion(span)
        infusing = spans.planned_end is not None and spans.infusion_stop is None
        self.planned_end.setVisible(infusing)
        if infusing:
            self.planned_end.setPos(spans.planned_end)
        self.now_line.setPos(spans.now)

    def _place_region_labels(self) -> None:
        top = self._y_range[1]
        left_edge = self.x_range()[0]
        for phase, region in self.regions.items():
            if region.isVisible():
                start = max(region.getRegion()[0], left_edge)
                self.region_labels[phase].setPos(start, top)

    def _show_x(self, left: float, right: float) -> None:
        if (left, right) != self.x_range():
            self.view_box.setXRange(left, right, padding=0)

    def _user_moved_view(self, *_args: object) -> None:
        self._set_follow(False)

    def _set_follow(self, follow: bool) -> None:
        if follow != self.follow:
            self.follow = follow
            self.live_button.setVisible(not follow)
            self.follow_changed.emit(follow)

    # -- theme -------------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        t = self._theme = theme
        self.plot_widget.setBackground(t.chart_background)
        font = _font(SIZE_CHART_AXIS)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(t.chart_axis))
            axis.setTextPen(pg.mkPen(t.chart_axis))
            axis.setTickFont(font)
            axis.setGrid(t.chart_grid_alpha)
        self.plot_item.setLabel("bottom", "minutes from infusion start", color=t.chart_axis, size=f"{SIZE_CHART_AXIS}px")
        self.hr_curve.setPen(_pen(t.hr, 3))
        self.art_sys_curve.setPen(_pen(t.art, 2.5))
        self.art_dia_curve.setPen(_pen(t.art, 2.5))
        self.nibp_bars.setPen(_pen(t.nibp, 2.5))
        for scatter in (self.nibp_sys, self.nibp_dia):
            scatter.setPen(pg.mkPen(t.nibp))
            scatter.setBrush(pg.mkBrush(t.nibp))
        planned = QColor(t.phase_infusion)
        planned.setAlpha(t.shade_alpha // 2)
        self.regions["planned"].setBrush(pg.mkBrush(planned))
        for phase in PHASES:
            colour = QColor(t.phase_colour(phase))
            colour.setAlpha(t.shade_alpha)
            self.regions[phase].setBrush(pg.mkBrush(colour))
            self.region_labels[phase].setColor(t.phase_colour(phase))
            self.region_labels[phase].setFont(_font(SIZE_CHART_AXIS + 1, bold=True))
        self.now_line.setPen(_pen(t.text_dim, 1, Qt.PenStyle.DotLine))
        self.planned_end.setPen(_pen(t.phase_infusion, 2, Qt.PenStyle.DashLine))
        self.planned_end.label.setColor(t.phase_infusion)
        self.planned_end.label.setFont(_font(SIZE_CHART_AXIS, bold=True))
        self.title.setStyleSheet(f"color: {t.text_dim};")
        self.legend.setText(
            f"<span style='color:{t.hr}'>\u2501 HR</span> &nbsp;&nbsp; "
            f"<span style='color:{t.nibp}'>\u25bc\u2503\u25b2 NIBP sys/dia</span> &nbsp;&nbsp; "
            f"<span style='color:{t.art}'>\u2501 ART sys, dia</span>"
        )
        self._style_lines()

    def _style_lines(self) -> None:
        t = self._theme
        fill = QColor(t.chart_background)
        fill.setAlpha(200)
        for line in self.thresholds:
            line.setPen(_pen(t.threshold, 1.5, Qt.PenStyle.DashLine))
            line.label.setColor(t.threshold)
            line.label.setFont(_font(SIZE_CHART_AXIS))
        for line in self.markers:
            colour = t.alarm_high if getattr(line, "kind", "") == "alarm" else t.marker_annotation
            line.setPen(_pen(colour, 1.5, Qt.PenStyle.DashLine))
            line.label.setColor(colour)
            line.label.setFont(_font(SIZE_CHART_AXIS, bold=True))
            line.label.fill = pg.mkBrush(fill)


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(size)
    font.setBold(bold)
    return font

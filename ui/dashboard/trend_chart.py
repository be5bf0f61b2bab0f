"""The session trend: every charted parameter against session minutes, with the phases shaded.

Panels from the catalogue (:mod:`ui.dashboard.chart_panels`): heart rate and
blood pressure in the main one (HR and ART as lines, each NIBP as a bar), and
below it, x-linked, a smaller panel for SpO2, for respiration (RR, EtCO2) and for
temperature, each shown once the monitor has sent any of its values. One
pyqtgraph view holds them all; every item is created once, and
:meth:`TrendChart.refresh` (called by the window's display timer, at most 2 Hz)
only calls ``setData``/``setRegion``, and only when the trend store changed.
x = minutes from infusion start (negative during baseline), so the infusion is
always 0 to 40.

Drawing is the dashboard's largest CPU cost, so a refresh that would change
nothing on screen changes nothing (docs/BENCHMARKS.md): "now" is drawn on a
grid of whole seconds no finer than one pixel of the plot (see
:meth:`TrendChart._on_pixel_grid`), the axes (whose grid lines span the whole
plot) are cached as pixmaps, and pyqtgraph's deferred view update is applied
before painting so a refresh costs one paint, not two.

Nothing written on the chart covers anything else written on it (issue 14): limit
lines at one value share a label and labels of close lines are stacked
(``ui.limit_labels``), drawn over notes on a veil; a phase name that does not fit
before the next one is left out (its shading stays); note labels sit below the row
of phase names.

By default the whole session is in view and the view follows the present. If
the nurse drags or zooms (x only: the y axis is always chosen to fit), the
view stays where she put it while data keeps arriving, and a "Back to live"
button (F9) returns to the whole session.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from monitor.parameters import PARAMETERS, charted
from monitor.trends import TrendStore
from ui.dashboard.chart_panels import (
    MAIN_PANEL,
    PHASES,
    ChartPanel,
    Threshold,
    font,
    legend_html,
    make_panels,
    marker_colour,
    pen,
)
from ui.dashboard.shortcuts import SHORTCUTS, with_key
from ui.dashboard.spans import Spans
from ui.dashboard.theme import SIZE_CHART_AXIS, SIZE_HEADER_SMALL, Theme
from ui.dashboard.widgets import label
from ui.limit_labels import LimitLabel

MARKER_KINDS = frozenset({"alarm", "annotation", "check", "rate"})  # phase changes are drawn as shading
MAX_DRAWN_MARKERS = 200  # the newest; a chart with more lines than this says nothing
# consecutive marker labels step down so they do not overlap; all below the row of phase names
MARKER_LABEL_HEIGHTS = (0.88, 0.80, 0.72)
NOW_STEPS_S = (1, 2, 5, 10, 15, 30, 60)  # each divides a minute, so whole minutes are drawn exactly
X_TITLE = "minutes from infusion start"


class TrendChart(QWidget):
    follow_changed = Signal(bool)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self.follow = True
        self._version = -1
        self._spans: Spans | None = None
        self._drawn: Spans | None = None  # the spans as last drawn (on the pixel grid)
        self._thresholds: list[Threshold] = []
        self.thresholds: list[pg.InfiniteLine] = []
        self.markers: list[pg.InfiniteLine] = []
        self._marker_keys: list[tuple[str, str]] = []
        self.x_title = X_TITLE
        self.plot_widget = pg.GraphicsLayoutWidget()  # one view: one paint for every panel
        self.plot_widget.ci.layout.setContentsMargins(0, 0, 4, 0)
        self.plot_widget.ci.layout.setVerticalSpacing(4)
        self.panels: dict[str, ChartPanel] = make_panels()
        self.main = self.panels[MAIN_PANEL]
        self.plot_item = self.main.plot
        self.view_box = self.main.view_box
        self.curves = {p: item for panel in self.panels.values() for p, item in panel.curves.items()}
        self.shown: list[str] = []  # the panels in the view, in catalogue order
        self._create_items()
        self.show_panel(MAIN_PANEL)
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
        for panel in self.panels.values():
            panel.view_box.sigRangeChangedManually.connect(self._user_moved_view)
            panel.view_box.sigResized.connect(self._place_threshold_labels)
        self.view_box.sigXRangeChanged.connect(self._place_threshold_labels)
        self.view_box.sigResized.connect(self._place_region_labels)  # whether a phase name fits
        self.apply_theme(theme)

    # -- construction (once) -------------------------------------------------------------

    def _create_items(self) -> None:
        item = self.plot_item
        self.regions = self.main.regions
        self.region_labels: dict[str, pg.TextItem] = {}
        for phase in self.regions:
            text = pg.TextItem("" if phase == "planned" else phase.upper(), anchor=(0, 0))
            text.setZValue(-10)
            text.hide()
            item.addItem(text)
            self.region_labels[phase] = text
        self.planned_end = pg.InfiniteLine(
            angle=90, movable=False, label="planned end", labelOpts={"position": 0.03, "anchors": [(1.05, 1), (1.05, 1)]}
        )
        self.planned_end.hide()
        self.now_line = pg.InfiniteLine(angle=90, movable=False)
        for line in (self.planned_end, self.now_line):
            item.addItem(line)
        for panel in self.panels.values():
            panel.plot.setXLink(item)

    def show_panel(self, key: str) -> None:
        """Put a panel in the view (in catalogue order, below the main one): once it has data."""
        if key in self.shown:
            return
        order = list(self.panels)
        self.shown = sorted([*self.shown, key], key=order.index)
        layout = self.plot_widget.ci
        for panel in self.panels.values():
            if panel.plot.scene() is not None and panel.plot in layout.items:
                layout.removeItem(panel.plot)
        for row, shown in enumerate(self.shown):
            layout.addItem(self.panels[shown].plot, row=row, col=0)
        self._label_x_axis()
        self._size_panels()
        if hasattr(self, "legend"):
            self.legend.setText(self.legend_text())

    def _size_panels(self) -> None:
        """Share the height by the catalogue's panel heights: the small panels get theirs, fixed
        (the lowest with room for the minutes under it); the main one takes the rest."""
        if len(self.shown) < 2:
            return
        layout = self.plot_widget.ci.layout
        lowest = self.panels[self.shown[-1]].plot.getAxis("bottom")
        height = self.plot_widget.viewport().height() - lowest.height()
        height -= layout.verticalSpacing() * (len(self.shown) - 1)
        total = sum(self.panels[key].spec.height for key in self.shown)
        for key in self.shown[1:]:
            plot = self.panels[key].plot
            px = height * self.panels[key].spec.height / total + (lowest.height() if plot is lowest.parentItem() else 0)
            plot.setMinimumHeight(px)
            plot.setMaximumHeight(px)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_panels()

    def _label_x_axis(self) -> None:
        """Minutes under the lowest panel only; the others keep their vertical grid lines."""
        for key in self.shown:
            axis = self.panels[key].plot.getAxis("bottom")
            lowest = key == self.shown[-1]
            axis.setStyle(showValues=lowest)
            axis.showLabel(lowest)

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

    def set_thresholds(self, lines: Sequence[tuple[float, str] | tuple[float, str, str]]) -> None:
        """Horizontal lines at alarm thresholds, e.g. [(160, "SBP"), (90, "SpO2", "spo2")], labelled
        "SBP 160" (one label for lines at one value); a line without a panel is in the main one."""
        for line, old in zip(self.thresholds, self._thresholds, strict=True):
            self.panels[old.panel].plot.removeItem(line)
        self._thresholds = [Threshold(float(t[0]), str(t[1]), *t[2:]) for t in lines]
        self.thresholds = []
        for value, _, panel in self._thresholds:
            line = pg.InfiniteLine(pos=value, angle=0, movable=False)
            line.setZValue(-5)
            self.panels[panel].plot.addItem(line)
            self.thresholds.append(line)
        for key, panel in self.panels.items():
            panel.label_limits((t.value, t.name) for t in self._thresholds if t.panel == key)
        self._style_lines()
        self._fit_y()
        self._place_threshold_labels()

    @property
    def threshold_labels(self) -> list[tuple[str, LimitLabel, pg.TextItem]]:
        """(panel, label, its item) of every limit label."""
        return [(key, merged, item) for key, panel in self.panels.items() for merged, item in panel.limit_labels]

    def _place_threshold_labels(self, *_args: object) -> None:
        right = self.x_range()[1]
        for panel in self.panels.values():
            panel.place_limit_labels(right)

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
        for panel in self.panels.values():
            for parameter in panel.curves:
                if PARAMETERS[parameter].trend_style != "cuff":
                    panel.set_line(parameter, *store.series(parameter))
            if panel.bars is not None:
                nibp = store.nibp()
                panel.set_cuff(nibp.minutes, nibp.sys, nibp.dia)
            if panel.key not in self.shown and panel.has_data():
                self.show_panel(panel.key)
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
        changed = [self.panels[key].fit([t.value for t in self._thresholds if t.panel == key]) for key in self.shown]
        if any(changed):
            self._place_threshold_labels()

    @property
    def _y_range(self) -> tuple[float, float]:
        return self.main.y_range

    def _set_phases(self, spans: Spans) -> None:
        regions = spans.phase_regions()
        for key in self.shown:
            self.panels[key].set_phases(regions)
        for phase, span in regions.items():
            self.region_labels[phase].setVisible(span is not None)
        infusing = spans.planned_end is not None and spans.infusion_stop is None
        self.planned_end.setVisible(infusing)
        if infusing:
            self.planned_end.setPos(spans.planned_end)
        self.now_line.setPos(spans.now)

    def _place_region_labels(self, *_args: object) -> None:
        """Each phase's name at the top left of its shading; one that would run into the next
        phase's name is left out (at two hours the 5-minute baseline has no room for it)."""
        top = self._y_range[1]
        left_edge, right_edge = self.x_range()
        per_pixel = (right_edge - left_edge) / max(1.0, self.view_box.width())
        placed = [(phase, max(region.getRegion()[0], left_edge)) for phase, region in self.regions.items()
                  if region.isVisible() and phase in PHASES]
        placed.sort(key=lambda item: item[1])
        for i, (phase, start) in enumerate(placed):
            label = self.region_labels[phase]
            label.setPos(start, top)
            width = label.boundingRect().width() * per_pixel
            label.setVisible(i + 1 == len(placed) or start + width <= placed[i + 1][1])

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
        for panel in self.panels.values():
            panel.apply_theme(t)
            panel.plot.setLabel("bottom", self.x_title, color=t.chart_axis, size=f"{SIZE_CHART_AXIS}px")
        self._label_x_axis()
        for phase in PHASES:
            self.region_labels[phase].setColor(t.phase_colour(phase))
            self.region_labels[phase].setFont(font(SIZE_CHART_AXIS + 1, bold=True))
        self.now_line.setPen(pen(t.text_dim, 1, Qt.PenStyle.DotLine))
        self.planned_end.setPen(pen(t.phase_infusion, 2, Qt.PenStyle.DashLine))
        self.planned_end.label.setColor(t.phase_infusion)
        self.planned_end.label.setFont(font(SIZE_CHART_AXIS, bold=True))
        self.title.setStyleSheet(f"color: {t.text_dim};")
        self.legend.setText(self.legend_text())
        self._style_lines()

    def legend_text(self) -> str:
        """The parameters of the panels in view."""
        return legend_html(self._theme, [p for key in self.shown for p in charted(key)])

    def _style_lines(self) -> None:
        t = self._theme
        fill = QColor(t.chart_background)
        fill.setAlpha(200)
        for line in self.thresholds:
            line.setPen(pen(t.threshold, 1.5, Qt.PenStyle.DashLine))
        for _, _, item in self.threshold_labels:
            item.setColor(t.threshold)
            item.setFont(font(SIZE_CHART_AXIS))
            item.fill = pg.mkBrush(fill)
        for line in self.markers:
            colour = marker_colour(t, getattr(line, "kind", ""))
            line.setPen(pen(colour, 1.5, Qt.PenStyle.DotLine if colour == t.marker_treatment else Qt.PenStyle.DashLine))
            line.label.setColor(colour)
            line.label.setFont(font(SIZE_CHART_AXIS, bold=True))
            line.label.fill = pg.mkBrush(fill)


__all__ = ["TrendChart"]

"""Trend panels built from the catalogue, for the live chart and the review chart alike.

A panel is one row of :data:`monitor.parameters.TREND_PANELS`: one pyqtgraph plot
whose y axis its parameters share (mmHg and /min; SpO2 %; RR and EtCO2; degrees
Celsius). Its curves are made once, here, from the catalogue rows charted in it
(``trend``), in their measurement's colour role and their ``trend_style``:

* ``line`` and ``dashed``: a line that breaks at NaN (``connect="finite"``);
* ``cuff``: a measurement on demand, drawn as the anaesthesia record draws NIBP:
  a bar from diastolic to systolic, a ▼ on the systolic and a ▲ on the diastolic.

So a parameter added to the catalogue with a ``trend`` panel is drawn by both
charts, with a legend entry and a y axis that fits it, without code of its own;
both charts keep the curves in :attr:`ChartPanel.curves`, keyed by parameter.
:func:`ui.scales.fit_y` is the one rule for a y axis (shared with the PDF
report): the panel's default range, widened in whole steps only when a value or a
limit line is outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from monitor.parameters import MEASUREMENTS, PARAMETERS, TREND_PANELS, Parameter, TrendPanel, charted
from ui.dashboard.theme import SIZE_CHART_AXIS, Theme
from ui.limit_labels import LimitLabel, merge_limits, stacked
from ui.scales import fit_y, tick_step

PHASES = ("baseline", "infusion", "recovery")
SHADED = (*PHASES, "planned")  # "planned": what is left of the planned infusion
LEFT_AXIS_PX = 64  # every panel's y axis as wide, so their plots line up under each other
CUFF_MARKER_PX = 16
LIMIT_LABEL_Z = 30  # over note labels and curves: a limit's label is never covered
MAIN_PANEL = next(iter(TREND_PANELS))  # heart rate and blood pressure: always drawn, the largest


class Threshold(NamedTuple):
    """A horizontal line at an alarm limit, in the panel of its parameter; labelled "SBP 160"
    (lines at one value share a label: ``ui.limit_labels``)."""

    value: float
    name: str  # "SBP": what the limit is of
    panel: str = "haemo"


def pen(colour: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> pg.QtGui.QPen:
    """A cosmetic pen: as wide on screen at any zoom."""
    result = pg.mkPen(colour, width=width)
    result.setStyle(style)
    result.setCosmetic(True)
    return result


def marker_colour(theme: Theme, kind: str) -> str:
    """A trend marker's colour: alarms red, notes violet, the treatment's checks and pump changes blue."""
    if kind == "alarm":
        return theme.alarm_high
    return theme.marker_treatment if kind in ("check", "rate") else theme.marker_annotation


def font(size: int, bold: bool = False) -> QFont:
    result = QFont()
    result.setPixelSize(size)
    result.setBold(bold)
    return result


def _line_width(parameter: Parameter) -> float:
    """A measurement's only line is drawn wider than a pressure's three."""
    return 3.0 if len(MEASUREMENTS[PARAMETERS[parameter].measurement].parameters) == 1 else 2.5


def legend_html(theme: Theme, parameters: Iterable[Parameter]) -> str:
    """The legend of what is drawn for ``parameters``, one entry per measurement, in its colour."""
    shown = set(parameters)
    entries = []
    for measurement in MEASUREMENTS.values():
        drawn = [p for p in measurement.parameters if p in shown and PARAMETERS[p].trend is not None]
        if not drawn:
            continue
        styles = {PARAMETERS[p].trend_style for p in drawn}
        if "cuff" in styles:
            text = f"\u25bc\u2503\u25b2 {measurement.title} sys/dia"
        elif len(measurement.parameters) == 1:
            text = f"\u2501 {measurement.title}"
        else:
            text = f"\u2501 {measurement.title} sys, dia" + (", \u2505 mean" if "dashed" in styles else "")
        entries.append(f"<span style='color:{theme.colour(measurement.colour)}'>{text}</span>")
    return " &nbsp;&nbsp; ".join(entries)


def setup_plot(plot: pg.PlotItem, grid: bool = True) -> None:
    """What every panel shares: x drag/zoom only, clip to view, peak downsampling, a grid and
    axes cached as pixmaps (their grid lines span the plot: replayed on every paint otherwise).

    The grid is the main panel's: an axis with grid lines is repainted over its whole plot
    whenever the view moves, the chart's largest cost (docs/BENCHMARKS.md), so the small
    panels below it, read for their trend rather than their exact values, have none."""
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=True, y=False)
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    plot.showGrid(x=grid, y=grid)
    plot.getViewBox().disableAutoRange()
    plot.getAxis("left").setWidth(LEFT_AXIS_PX)
    for name in ("left", "bottom"):
        plot.getAxis(name).setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def style_axes(plot: pg.PlotItem, theme: Theme, grid: bool = True) -> None:
    tick_font = font(SIZE_CHART_AXIS)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.chart_axis))
        axis.setTextPen(pg.mkPen(theme.chart_axis))
        axis.setTickFont(tick_font)
        axis.setGrid(theme.chart_grid_alpha if grid else False)


class ChartPanel:
    """One trend panel: its plot, its curves and phase shading, made once; its y range fitted."""

    def __init__(self, spec: TrendPanel) -> None:
        self.spec = spec
        self.key = spec.key
        self.plot = pg.PlotItem()
        self.view_box = self.plot.getViewBox()
        self.main = spec.key == MAIN_PANEL
        setup_plot(self.plot, grid=self.main)
        self.y_range = spec.default_y
        self.view_box.setYRange(*self.y_range, padding=0)
        self._space_ticks()
        self.parameters = charted(spec.key)
        # a small panel is named in its top left corner (the main one has the phase names there),
        # on a veil of the background so a curve passing under it does not hide it
        self.title: pg.TextItem | None = None
        if spec.key != MAIN_PANEL:
            self.title = pg.TextItem(spec.title, anchor=(0, 0))
            self.title.setParentItem(self.view_box)  # in the box's pixels: it stays put when the data moves
            self.title.setPos(4, 0)
            self.title.setZValue(40)
        self.regions: dict[str, pg.LinearRegionItem] = {}
        for phase in SHADED:
            region = pg.LinearRegionItem((0, 0), movable=False)
            region.setZValue(-20)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            region.hide()
            self.plot.addItem(region)
            self.regions[phase] = region
        self.limit_labels: list[tuple[LimitLabel, pg.TextItem]] = []
        self.curves: dict[Parameter, pg.PlotDataItem | pg.ScatterPlotItem] = {}
        cuff = [p for p in self.parameters if PARAMETERS[p].trend_style == "cuff"]
        self.bars = pg.PlotDataItem(connect="pairs") if cuff else None  # one per cuff measurement
        if self.bars is not None:
            self.plot.addItem(self.bars)
        for parameter in self.parameters:
            if parameter in cuff:
                down = PARAMETERS[parameter].role == "sys"  # ▼ on the systolic, ▲ on the diastolic
                item = pg.ScatterPlotItem(symbol="t" if down else "t1", size=CUFF_MARKER_PX)
            else:
                item = pg.PlotDataItem(connect="finite", name=PARAMETERS[parameter].label)
            self.curves[parameter] = item
        for item in sorted(self.curves.values(), key=lambda i: isinstance(i, pg.ScatterPlotItem)):
            self.plot.addItem(item)  # markers over lines

    # -- data -------------------------------------------------------------------------

    def set_line(self, parameter: Parameter, x: np.ndarray, y: np.ndarray) -> None:
        self.curves[parameter].setData(x, y, connect="finite")

    def set_cuff(self, minutes: np.ndarray, sys: np.ndarray, dia: np.ndarray) -> None:
        """One entry per cuff measurement (NaN where a part is missing): a marker for every
        value measured, a bar where both were."""
        sys_p, dia_p = (next(p for p in self.curves if PARAMETERS[p].role == role) for role in ("sys", "dia"))
        both = np.isfinite(sys) & np.isfinite(dia)
        assert self.bars is not None
        self.bars.setData(np.repeat(minutes[both], 2), np.column_stack((sys[both], dia[both])).ravel(),
                          connect="pairs")
        for parameter, values in ((sys_p, sys), (dia_p, dia)):
            finite = np.isfinite(values)
            self.curves[parameter].setData(minutes[finite], values[finite])

    def has_data(self) -> bool:
        return any(y.size and np.isfinite(y).any() for y in self._y_data())

    def _y_data(self) -> list[np.ndarray]:
        values = []
        for item in self.curves.values():
            y = item.data["y"] if isinstance(item, pg.ScatterPlotItem) else item.yData
            values.append(np.asarray(y if y is not None else (), dtype=float))
        return values

    def fit(self, extra: Sequence[float] = ()) -> bool:
        """Fit the y axis to the curves and ``extra`` values (limit lines); True if it changed."""
        y_range = fit_y([*self._y_data(), np.asarray(extra, dtype=float)], self.spec)
        if y_range == self.y_range:
            return False
        self.y_range = y_range
        self.view_box.setYRange(*y_range, padding=0)
        self._space_ticks()
        return True

    def _space_ticks(self) -> None:
        """A small panel labels two or three values, never more: they would overlap."""
        if self.key != MAIN_PANEL:
            major = tick_step((self.y_range[1] - self.y_range[0]) / 2)
            self.plot.getAxis("left").setTickSpacing(major, major / 2)

    def label_limits(self, lines: Iterable[tuple[float, str]]) -> None:
        """Labels for its limit lines, ``(value, name)`` each: one per value ("HR 110, DBP 110"),
        drawn over notes and curves; they replace the last ones."""
        for _, item in self.limit_labels:
            self.plot.removeItem(item)
        self.limit_labels = []
        for merged in merge_limits((value, name, 0.0) for value, name in lines):
            item = pg.TextItem(merged.text, anchor=(1, 1))
            item.setZValue(LIMIT_LABEL_Z)
            self.plot.addItem(item)
            self.limit_labels.append((merged, item))

    def place_limit_labels(self, right: float) -> None:
        """At ``right`` (minutes), each on its line or stacked below the one above it."""
        if not self.limit_labels:
            return
        low, high = self.y_range
        pixels = max(1.0, self.view_box.height())
        height = max(item.boundingRect().height() for _, item in self.limit_labels) * (high - low) / pixels
        for (_, item), y in zip(self.limit_labels, stacked([m.value for m, _ in self.limit_labels], height),
                                strict=True):
            item.setPos(right, y)

    def set_phases(self, spans: Mapping[str, tuple[float, float] | None]) -> None:
        for phase, region in self.regions.items():
            span = spans.get(phase)
            region.setVisible(span is not None and span[1] > span[0])
            if span is not None:
                region.setRegion(span)

    # -- look ---------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        style_axes(self.plot, theme, grid=self.main)
        if self.title is not None:
            veil = QColor(theme.chart_background)
            veil.setAlpha(200)
            self.title.fill = pg.mkBrush(veil)
            self.title.setColor(theme.chart_axis)
            self.title.setFont(font(SIZE_CHART_AXIS))
        for parameter, item in self.curves.items():
            row = PARAMETERS[parameter]
            colour = theme.colour(MEASUREMENTS[row.measurement].colour)
            if isinstance(item, pg.ScatterPlotItem):
                item.setPen(pg.mkPen(colour))
                item.setBrush(pg.mkBrush(colour))
                if self.bars is not None:
                    self.bars.setPen(pen(colour, 2.5))
            else:
                dashed = row.trend_style == "dashed"
                item.setPen(pen(colour, _line_width(parameter), Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
        planned = QColor(theme.phase_infusion)
        planned.setAlpha(theme.shade_alpha // 2)
        self.regions["planned"].setBrush(pg.mkBrush(planned))
        for phase in PHASES:
            colour = QColor(theme.phase_colour(phase))
            colour.setAlpha(theme.shade_alpha)
            self.regions[phase].setBrush(pg.mkBrush(colour))


def make_panels() -> dict[str, ChartPanel]:
    """Every panel of the catalogue, in its order (the first is the main one, drawn from the start)."""
    return {key: ChartPanel(spec) for key, spec in TREND_PANELS.items()}

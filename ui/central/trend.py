"""One chair's trend at the central station: every reading it received since the session began.

Drawn from :class:`central.trend.TrendData` (a copy; the station keeps
receiving). Minutes on the x axis from the first reading received; HR and
SpO2 as lines, the arterial line's systolic and diastolic as lines, each cuff
measurement as a dot, phase changes as vertical lines. When the station started
listening after the chair's session began, the title says so: the earlier part
is in the bedside's recording.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyqtgraph as pg
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from central.station import BedView
from central.trend import TrendData
from ui.dashboard.theme import Theme

LINES = (("HR", "hr", "HR"), ("ART_SYS", "art", "ART sys"), ("ART_DIA", "art", "ART dia"),
         ("SPO2", "spo2", "SpO2"))
DOTS = (("NIBP_SYS", "NIBP sys"), ("NIBP_DIA", "NIBP dia"))


def title(view: BedView, data: TrendData) -> str:
    starts = [times[0] for times, _ in data.series.values() if times]
    since = datetime.fromtimestamp(min(starts), UTC).astimezone().strftime("%H:%M:%S") if starts else "-"
    text = f"{view.bed} ({view.site}): {view.readings} readings since {since}"
    if view.first_seq not in (None, 1):
        text += ("  - this station started listening after the session began; the earlier readings "
                 "are in the bedside's recording")
    if view.backlog:
        text += f"  - {view.backlog} more on their way from the bedside"
    return text


def cuff_results(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """One dot per cuff measurement: a monitor repeats the last result with every record."""
    keep = [i for i in range(len(y)) if i == 0 or y[i] != y[i - 1]]
    return [x[i] for i in keep], [y[i] for i in keep]


class TrendDialog(QDialog):
    def __init__(self, view: BedView, data: TrendData, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{view.bed}: trend")
        self.setStyleSheet(f"QDialog {{ background: {theme.background}; }} QLabel {{ color: {theme.text}; }}")
        self.resize(1100, 600)
        layout = QVBoxLayout(self)
        self.heading = QLabel(title(view, data), self)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPixelSize(18)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.plot = pg.PlotWidget(background=theme.chart_background)
        self.plot.addLegend()
        self.plot.setLabel("bottom", "minutes")
        layout.addWidget(self.plot, 1)
        self._draw(data, theme)

    def _draw(self, data: TrendData, theme: Theme) -> None:
        starts = [times[0] for times, _ in data.series.values() if times]
        if not starts:
            return
        t0 = min(starts)

        def xy(parameter: str) -> tuple[list[float], list[float]]:
            times, values = data.series.get(parameter, ((), ()))
            pairs = [((t - t0) / 60, v) for t, v in zip(times, values, strict=True) if v is not None]
            return [p[0] for p in pairs], [p[1] for p in pairs]

        for parameter, role, name in LINES:
            x, y = xy(parameter)
            if x:
                style = pg.mkPen(theme.colour(role), width=2, style=pg.QtCore.Qt.PenStyle.DashLine
                                 if parameter == "ART_DIA" else pg.QtCore.Qt.PenStyle.SolidLine)
                self.plot.plot(x, y, pen=style, name=name)
        for parameter, name in DOTS:
            x, y = cuff_results(*xy(parameter))
            if x:
                self.plot.plot(x, y, pen=None, symbol="o", symbolSize=8, symbolBrush=theme.colour("nibp"), name=name)
        for t, phase in data.phases:
            line = pg.InfiniteLine((t - t0) / 60, angle=90, pen=pg.mkPen(theme.phase_colour(phase), width=1),
                                   label=phase, labelOpts={"color": theme.phase_colour(phase)})
            self.plot.addItem(line)

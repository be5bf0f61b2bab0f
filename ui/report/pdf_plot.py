"""The report's trend plot, drawn with QPainter in the dashboard's light-theme colours.

The panels of the catalogue (``monitor.parameters.TREND_PANELS``), as on the
screen: heart rate and blood pressure in the main one, and below it a panel for
SpO2, for respiration and for temperature when the recording has their values.
Each parameter is drawn in its measurement's colour role and ``trend_style``:
lines (a pressure's mean dashed), and the cuff as the anaesthesia-record ▼
systolic / ▲ diastolic pair joined by a bar with a dot for the mean. The phases
are shaded, baselines dashed, the nurse's notes numbered flags (the numbers of
the report's annotation list) and alarms triangles in their priority colour.
The x axis is minutes from the infusion start, as on the live chart (baseline
negative); without an infusion, minutes from the session start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QPolygonF

from monitor.parameters import MEASUREMENTS, PARAMETERS, TREND_PANELS, Parameter, charted
from monitor.review.events import AlarmRecord
from monitor.review.reader import Recording
from monitor.review.resample import measurements, stale_after_s
from monitor.review.summary import Summary
from ui.dashboard.theme import LIGHT
from ui.report.pdf_layout import DIM, INK, RULE, SMALL, Document, font, mm
from ui.scales import fit_y, tick_step

PAPER = LIGHT  # the dashboard's light theme: the colours a nurse knows, on paper
NOTE_COLOUR = QColor(PAPER.marker_annotation)
PHASE_COLOURS = {phase: QColor(PAPER.phase_colour(phase)) for phase in ("baseline", "infusion", "recovery")}
PHASE_NAMES = {"baseline": "Baseline", "infusion": "Infusion", "recovery": "Observation"}
ALARM_COLOURS = {"high": QColor("#d50000"), "medium": QColor("#e0a800"), "low": QColor("#00a0b8")}


def plot_origin(recording: Recording) -> float:
    """Time of x = 0: the infusion start, else the session start."""
    start = recording.phase_start("infusion")
    return recording.start if start is None else start


def _nice_step(span: float, target_ticks: int = 10) -> float:
    raw = span / target_ticks
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 240):
        if step >= raw:
            return step
    return 60 * math.ceil(raw / 60)


class _Axes:
    def __init__(self, rect: QRectF, x0: float, x1: float, y0: float, y1: float) -> None:
        self.rect, self.x0, self.x1, self.y0, self.y1 = rect, x0, x1, y0, y1

    def x(self, minutes: float) -> float:
        return self.rect.left() + (minutes - self.x0) / (self.x1 - self.x0) * self.rect.width()

    def y(self, value: float) -> float:
        return self.rect.bottom() - (value - self.y0) / (self.y1 - self.y0) * self.rect.height()


def _line(doc: Document, axes: _Axes, minutes: np.ndarray, values: np.ndarray, max_gap_min: float,
          pen: QPen) -> None:
    """A polyline that breaks where there is no value or the samples are too far apart."""
    path = QPainterPath()
    drawing = False
    previous = -math.inf
    for m, v in zip(minutes.tolist(), values.tolist()):
        if math.isnan(v):
            drawing = False
            continue
        point = QPointF(axes.x(m), axes.y(min(max(v, axes.y0), axes.y1)))
        if drawing and m - previous <= max_gap_min:
            path.lineTo(point)
        else:
            path.moveTo(point)
        drawing, previous = True, m
    doc.painter.setPen(pen)
    doc.painter.setBrush(Qt.BrushStyle.NoBrush)
    doc.painter.drawPath(path)


def _triangle(x: float, y: float, size: float, down: bool) -> QPolygonF:
    h = size * 0.9
    if down:  # ▼ its tip on the value
        return QPolygonF([QPointF(x - size / 2, y - h), QPointF(x + size / 2, y - h), QPointF(x, y)])
    return QPolygonF([QPointF(x - size / 2, y + h), QPointF(x + size / 2, y + h), QPointF(x, y)])


def _series(recording: Recording, parameter: Parameter, origin: float):
    times, values = measurements(recording.samples(parameter), trusted_only=True)
    return (times - origin) / 60.0, values


def _frame(doc: Document, axes: _Axes, y_step: float, label: str, x_ticks: Sequence[float], show_x: bool) -> None:
    p = doc.painter
    rect = axes.rect
    p.setFont(font(SMALL))
    value = math.ceil(axes.y0 / y_step) * y_step
    while value <= axes.y1 + 1e-9:
        y = axes.y(value)
        p.setPen(QPen(RULE, mm(0.15)))
        p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        p.setPen(DIM)
        p.drawText(QRectF(rect.left() - mm(9), y - mm(2), mm(8), mm(4)),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:g}")
        value += y_step
    for tick in x_ticks:
        x = axes.x(tick)
        p.setPen(QPen(RULE, mm(0.15)))
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if show_x:
            p.setPen(DIM)
            p.drawText(QRectF(x - mm(6), rect.bottom() + mm(0.8), mm(12), mm(4)), Qt.AlignmentFlag.AlignHCenter,
                       f"{tick:g}")
    p.setPen(QPen(DIM, mm(0.25)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect)
    p.save()
    p.translate(rect.left() - mm(11), rect.center().y())
    p.rotate(-90)
    p.setPen(DIM)
    p.drawText(QRectF(-rect.height() / 2, -mm(2.5), rect.height(), mm(4)), Qt.AlignmentFlag.AlignCenter, label)
    p.restore()


def _shade_phases(doc: Document, recording: Recording, axes_list: Sequence[_Axes], origin: float) -> None:
    p = doc.painter
    top_axes = axes_list[0]
    for span in recording.phases():
        colour = PHASE_COLOURS.get(span.phase)
        if colour is None or span.end <= span.start:
            continue
        x0 = max(top_axes.x((span.start - origin) / 60), top_axes.rect.left())
        x1 = min(top_axes.x((span.end - origin) / 60), top_axes.rect.right())
        fill = QColor(colour)
        fill.setAlpha(28)
        for axes in axes_list:
            p.fillRect(QRectF(x0, axes.rect.top(), x1 - x0, axes.rect.height()), fill)
        p.setFont(font(SMALL, bold=True))
        p.setPen(colour)
        name = PHASE_NAMES[span.phase]
        if p.fontMetrics().horizontalAdvance(name) + mm(2) <= x1 - x0:  # the legend names narrow ones
            p.drawText(QRectF(x0 + mm(1), top_axes.rect.top() + mm(0.8), x1 - x0 - mm(2), mm(4)),
                       Qt.AlignmentFlag.AlignLeft, name)


def colour(parameter: Parameter) -> QColor:
    return QColor(PAPER.colour(MEASUREMENTS[PARAMETERS[parameter].measurement].colour))


def _cuff(doc: Document, recording: Recording, axes: _Axes, origin: float, parameters: Sequence[Parameter]) -> None:
    """A cuff measurement: ▼ systolic and ▲ diastolic joined by a bar, a dot for the mean."""
    role = {PARAMETERS[p].role: p for p in MEASUREMENTS[PARAMETERS[parameters[0]].measurement].parameters}
    sys_m, sys_v = _series(recording, role["sys"], origin)
    dia_m, dia_v = _series(recording, role["dia"], origin)
    mean_m, mean_v = _series(recording, role["mean"], origin)
    ink = colour(role["sys"])
    p = doc.painter
    size = mm(2.2)
    for m, v in zip(sys_m.tolist(), sys_v.tolist()):
        x = axes.x(m)
        partner = np.flatnonzero(np.abs(dia_m - m) < 1 / 60)
        if len(partner):
            p.setPen(QPen(ink, mm(0.3)))
            p.drawLine(QPointF(x, axes.y(v)), QPointF(x, axes.y(float(dia_v[partner[0]]))))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawPolygon(_triangle(x, axes.y(v), size, down=True))
    for m, v in zip(dia_m.tolist(), dia_v.tolist()):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawPolygon(_triangle(axes.x(m), axes.y(v), size, down=False))
    for m, v in zip(mean_m.tolist(), mean_v.tolist()):
        p.setBrush(ink)
        p.drawEllipse(QPointF(axes.x(m), axes.y(v)), mm(0.55), mm(0.55))
    p.setBrush(Qt.BrushStyle.NoBrush)


def _baseline_line(doc: Document, axes: _Axes, value: float | None, colour: QColor) -> None:
    if value is None or not axes.y0 <= value <= axes.y1:
        return
    pen = QPen(colour, mm(0.25), Qt.PenStyle.DashLine)
    doc.painter.setPen(pen)
    doc.painter.drawLine(QPointF(axes.rect.left(), axes.y(value)), QPointF(axes.rect.right(), axes.y(value)))


MARKER_ROWS = 3
MAX_NOTE_LINES = 15  # more notes than this: flags only, no lines down the plot


def _markers(doc: Document, recording: Recording, axes: _Axes, origin: float,
             notes: Sequence[tuple[float, int]]) -> None:
    """Numbered note flags (stacked in up to three rows when close), alarm triangles below."""
    p = doc.painter
    radius = mm(1.7)
    row_end = [-math.inf] * MARKER_ROWS
    for t, number in notes:
        x = axes.x((t - origin) / 60)
        row = next((r for r in range(MARKER_ROWS) if x - row_end[r] >= 2 * radius + mm(0.4)), None)
        if len(notes) <= MAX_NOTE_LINES:
            p.setPen(QPen(NOTE_COLOUR, mm(0.2), Qt.PenStyle.DotLine))
            p.drawLine(QPointF(x, axes.rect.top() + mm(5)), QPointF(x, axes.rect.bottom()))
        if row is None:  # no room for its number: a tick; the annotation list has it
            p.setPen(QPen(NOTE_COLOUR, mm(0.4)))
            p.drawLine(QPointF(x, axes.rect.top()), QPointF(x, axes.rect.top() + mm(2)))
            continue
        row_end[row] = x
        centre = QPointF(x, axes.rect.top() + mm(6.5) + row * (2 * radius + mm(0.4)))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(NOTE_COLOUR)
        p.drawEllipse(centre, radius, radius)
        p.setPen(QColor("#ffffff"))
        p.setFont(font(5.5 if number < 100 else 4.5, bold=True))
        p.drawText(QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius),
                   Qt.AlignmentFlag.AlignCenter, str(number))
    for event in recording.events(frozenset({"alarm"})):
        assert isinstance(event, AlarmRecord)
        if event.event != "raised":
            continue
        x = axes.x((event.time - origin) / 60)
        p.setPen(QPen(INK, mm(0.1)))
        p.setBrush(ALARM_COLOURS.get(event.priority, INK))
        p.drawPolygon(_triangle(x, axes.rect.bottom() - mm(2.6), mm(2.4), down=False))
    p.setBrush(Qt.BrushStyle.NoBrush)


def _legend_items(parameters: Sequence[Parameter]) -> list[tuple[str, QColor, QColor | None]]:
    """``(text, colour, swatch)`` entries; a swatch is a filled square (the phase shading)."""
    items: list[tuple[str, QColor, QColor | None]] = []
    for measurement in MEASUREMENTS.values():
        drawn = [p for p in measurement.parameters if p in parameters and PARAMETERS[p].trend is not None]
        if not drawn:
            continue
        styles = {PARAMETERS[p].trend_style for p in measurement.parameters}
        if "cuff" in styles:
            text = f"▼▲ {measurement.title} sys/dia • mean"
        elif measurement.pressure:
            text = f"━ {measurement.title} sys/dia" + (", - - mean" if "dashed" in styles else "")
        else:
            text = f"━ {measurement.title}"
        items.append((text, QColor(PAPER.colour(measurement.colour)), None))
    items += [("- - baseline", DIM, None), ("● note", NOTE_COLOUR, None), ("▲ alarm", ALARM_COLOURS["high"], None)]
    items += [(PHASE_NAMES[phase], colour, colour) for phase, colour in PHASE_COLOURS.items()]
    return items


def _legend(doc: Document, left: float, right: float, y: float, parameters: Sequence[Parameter],
            draw: bool = True) -> float:
    """Draw the legend from ``y`` (its first baseline), wrapping at ``right``; returns its height."""
    p = doc.painter
    p.setFont(font(SMALL))
    metrics = p.fontMetrics()
    line_h = mm(3.6)
    x, lines = left, 1
    for text, colour, swatch in _legend_items(parameters):
        width = metrics.horizontalAdvance(text) + (mm(4) if swatch else 0)
        if x + width > right:
            x, lines = left, lines + 1
        baseline = y + (lines - 1) * line_h
        if draw:
            if swatch is not None:
                fill = QColor(swatch)
                fill.setAlpha(60)
                p.fillRect(QRectF(x, baseline - mm(2.4), mm(3), mm(2.8)), fill)
            p.setPen(colour)
            p.drawText(QPointF(x + (mm(4) if swatch else 0), baseline), text)
        x += width + mm(4)
    return lines * line_h


MAIN_AXIS_TITLE = "mmHg  ·  /min"
PRINT_Y = {"haemo": (40.0, 160.0), "spo2": (90.0, 100.0)}  # paper is small: tighter than the screen's
PRINT_STEP = {"haemo": 20.0}
PANEL_GAP_MM = 3.0
MM_PER_HEIGHT = 6.0  # a small panel's height per unit of its catalogue height
TICK_EVERY_MM = 6.0  # about one labelled value per this much of a panel's height


def panels(recording: Recording) -> list[str]:
    """The panels drawn: the main one, and each other with a value in the recording."""
    present = set(recording.parameters())
    main = next(iter(TREND_PANELS))
    return [key for key in TREND_PANELS if key == main or any(p in present for p in charted(key))]


def trend_height_mm(recording: Recording) -> float:
    """The plot's height on the page: 92 mm for heart rate, pressure and SpO2 (the first
    version's report), more for each further panel the recording has."""
    extra = [key for key in panels(recording)[1:] if key != "spo2"]
    return 92.0 + sum(TREND_PANELS[key].height * MM_PER_HEIGHT + PANEL_GAP_MM for key in extra)


def _panel_axes(recording: Recording, keys: list[str], top: float, bottom: float, left: float, right: float,
                x0: float, x1: float, origin: float) -> dict[str, _Axes]:
    """Each panel's rectangle (heights in the catalogue's proportions) and y range."""
    gap = mm(PANEL_GAP_MM)
    total = sum(TREND_PANELS[key].height for key in keys)
    usable = bottom - top - gap * (len(keys) - 1)
    axes: dict[str, _Axes] = {}
    y = top
    for key in keys:
        panel = TREND_PANELS[key]
        height = usable * panel.height / total
        values = [_series(recording, p, origin)[1] for p in charted(key) if p in recording.parameters()]
        low, high = fit_y(values, panel, margin=0.0, default=PRINT_Y.get(key), step=PRINT_STEP.get(key))
        axes[key] = _Axes(QRectF(left, y, right - left, height), x0, x1, low, high)
        y += height + gap
    return axes


def _draw_panel(doc: Document, recording: Recording, summary: Summary, key: str, axes: _Axes,
                origin: float) -> None:
    present = recording.parameters()
    doc.painter.save()
    doc.painter.setClipRect(axes.rect)
    drawn = [p for p in charted(key) if p in present]
    if key == next(iter(TREND_PANELS)):  # baselines of the main panel's single values and the cuff
        for parameter in charted(key):
            row = PARAMETERS[parameter]
            if (row.trend_style == "cuff" and row.role == "sys") or not MEASUREMENTS[row.measurement].pressure:
                item = summary.get(parameter)
                _baseline_line(doc, axes, item.baseline if item else None, colour(parameter))
    lines = [p for p in drawn if PARAMETERS[p].trend_style != "cuff"]
    for parameter in sorted(lines, key=lambda p: not MEASUREMENTS[PARAMETERS[p].measurement].pressure):
        row = PARAMETERS[parameter]
        single = not MEASUREMENTS[row.measurement].pressure
        style = Qt.PenStyle.DashLine if row.trend_style == "dashed" else Qt.PenStyle.SolidLine
        m, v = _series(recording, parameter, origin)
        _line(doc, axes, m, v, stale_after_s(parameter) / 60, QPen(colour(parameter), mm(0.45 if single else 0.35), style))
    cuff = [p for p in charted(key) if PARAMETERS[p].trend_style == "cuff"]
    if cuff:
        _cuff(doc, recording, axes, origin, cuff)
    doc.painter.restore()


def draw_trends(doc: Document, recording: Recording, summary: Summary, height_mm: float,
                notes: Sequence[tuple[float, int]]) -> None:
    """Draw the plot at the document's cursor, ``height_mm`` tall in all (:func:`trend_height_mm`)."""
    origin = plot_origin(recording)
    parameters = recording.parameters()
    keys = panels(recording)
    doc.ensure(mm(height_mm))
    left, right = doc.left + mm(13), doc.right - mm(1)
    legend_h = _legend(doc, left, right, doc.y + mm(3), parameters, draw=False)
    top = doc.y + mm(1.5) + legend_h
    bottom = doc.y + mm(height_mm) - mm(9)
    x0, x1 = (recording.start - origin) / 60, (recording.end - origin) / 60
    if x1 - x0 < 1:
        x1 = x0 + 1
    axes = _panel_axes(recording, keys, top, bottom, left, right, x0, x1, origin)
    step = _nice_step(x1 - x0)
    ticks = [t for t in np.arange(math.ceil(x0 / step) * step, x1 + 1e-9, step).tolist()]
    _legend(doc, left, right, doc.y + mm(3), parameters)
    _shade_phases(doc, recording, list(axes.values()), origin)
    for key, panel_axes in axes.items():
        span = panel_axes.y1 - panel_axes.y0
        y_step = tick_step(span / max(2.0, panel_axes.rect.height() / mm(TICK_EVERY_MM)))
        main = key == keys[0]
        _frame(doc, panel_axes, y_step, MAIN_AXIS_TITLE if main else "", ticks, show_x=key == keys[-1])
        if not main:
            doc.painter.setFont(font(SMALL))
            doc.painter.setPen(DIM)
            rect = panel_axes.rect
            doc.painter.drawText(QRectF(rect.left() + mm(1), rect.top() + mm(0.5), rect.width(), mm(4)),
                                 Qt.AlignmentFlag.AlignLeft, TREND_PANELS[key].title)
        _draw_panel(doc, recording, summary, key, panel_axes, origin)
    doc.painter.save()
    doc.painter.setClipRect(axes[keys[0]].rect)
    _markers(doc, recording, axes[keys[0]], origin, notes)
    doc.painter.restore()
    label = "minutes from infusion start" if recording.phase_start("infusion") is not None else "minutes from session start"
    doc.painter.setFont(font(SMALL))
    doc.painter.setPen(DIM)
    doc.painter.drawText(QRectF(left, bottom + mm(4.2), right - left, mm(4)), Qt.AlignmentFlag.AlignHCenter, label)
    doc.y += mm(height_mm)

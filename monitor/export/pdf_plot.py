"""The report's trend plot, drawn with QPainter in the live chart's print colours.

HR and ART as lines, NIBP as the anaesthesia-record ▼ systolic / ▲ diastolic
pair joined by a bar with a dot for the mean, SpO2 in a panel of its own below,
the phases shaded, baselines as dashed lines, the nurse's notes as numbered
flags (the numbers of the report's annotation list) and alarms as triangles in
their priority colour. The x axis is minutes from the infusion start, as on the
live chart (baseline negative); without an infusion, minutes from the session start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen, QPolygonF

from monitor.export.pdf_layout import DIM, INK, RULE, SMALL, Document, font, mm
from monitor.readings import Parameter
from monitor.review.events import AlarmRecord
from monitor.review.reader import Recording
from monitor.review.resample import measurements, stale_after_s
from monitor.review.summary import Summary

# The dashboard's light theme (ui/dashboard/theme.py): the colours a nurse knows, on paper.
HR_COLOUR = QColor("#067a34")
NIBP_COLOUR = QColor("#111417")
ART_COLOUR = QColor("#c62828")
SPO2_COLOUR = QColor("#0067a8")
NOTE_COLOUR = QColor("#7b1fa2")
PHASE_COLOURS = {"baseline": QColor("#5b636d"), "infusion": QColor("#2f55d4"), "recovery": QColor("#0d8f6f")}
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


def _nibp(doc: Document, recording: Recording, axes: _Axes, origin: float) -> None:
    sys_m, sys_v = _series(recording, Parameter.NIBP_SYS, origin)
    dia_m, dia_v = _series(recording, Parameter.NIBP_DIA, origin)
    mean_m, mean_v = _series(recording, Parameter.NIBP_MEAN, origin)
    p = doc.painter
    size = mm(2.2)
    for m, v in zip(sys_m.tolist(), sys_v.tolist()):
        x = axes.x(m)
        partner = np.flatnonzero(np.abs(dia_m - m) < 1 / 60)
        if len(partner):
            p.setPen(QPen(NIBP_COLOUR, mm(0.3)))
            p.drawLine(QPointF(x, axes.y(v)), QPointF(x, axes.y(float(dia_v[partner[0]]))))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(NIBP_COLOUR)
        p.drawPolygon(_triangle(x, axes.y(v), size, down=True))
    for m, v in zip(dia_m.tolist(), dia_v.tolist()):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(NIBP_COLOUR)
        p.drawPolygon(_triangle(axes.x(m), axes.y(v), size, down=False))
    for m, v in zip(mean_m.tolist(), mean_v.tolist()):
        p.setBrush(NIBP_COLOUR)
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
    items: list[tuple[str, QColor, QColor | None]] = [("━ HR", HR_COLOUR, None)]
    if Parameter.NIBP_SYS in parameters:
        items.append(("▼▲ NIBP sys/dia • mean", NIBP_COLOUR, None))
    if Parameter.ART_SYS in parameters:
        items.append(("━ ART sys/dia, - - mean", ART_COLOUR, None))
    if Parameter.SPO2 in parameters:
        items.append(("━ SpO2", SPO2_COLOUR, None))
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


def draw_trends(doc: Document, recording: Recording, summary: Summary, height_mm: float,
                notes: Sequence[tuple[float, int]]) -> None:
    """Draw the plot at the document's cursor, ``height_mm`` tall in all."""
    origin = plot_origin(recording)
    parameters = recording.parameters()
    has_spo2 = Parameter.SPO2 in parameters
    doc.ensure(mm(height_mm))
    left, right = doc.left + mm(13), doc.right - mm(1)
    legend_h = _legend(doc, left, right, doc.y + mm(3), parameters, draw=False)
    top = doc.y + mm(1.5) + legend_h
    bottom = doc.y + mm(height_mm) - mm(9)
    spo2_h = (bottom - top) * 0.24 if has_spo2 else 0.0
    main = QRectF(left, top, right - left, bottom - top - spo2_h - (mm(3) if has_spo2 else 0))
    x0, x1 = (recording.start - origin) / 60, (recording.end - origin) / 60
    if x1 - x0 < 1:
        x1 = x0 + 1
    values = [_series(recording, p, origin)[1] for p in parameters if p not in (Parameter.SPO2, Parameter.PR)]
    finite = np.concatenate(values) if values else np.empty(0)
    lo = min(40.0, math.floor(float(finite.min()) / 20) * 20) if len(finite) else 40.0
    hi = max(160.0, math.ceil(float(finite.max()) / 20) * 20) if len(finite) else 160.0
    axes = [_Axes(main, x0, x1, lo, hi)]
    if has_spo2:
        spo2 = _series(recording, Parameter.SPO2, origin)[1]
        low = math.floor(float(spo2.min()) / 5) * 5 if len(spo2) else 90
        axes.append(_Axes(QRectF(left, bottom - spo2_h, right - left, spo2_h), x0, x1, min(90.0, low), 100.0))
    step = _nice_step(x1 - x0)
    ticks = [t for t in np.arange(math.ceil(x0 / step) * step, x1 + 1e-9, step).tolist()]
    _legend(doc, left, right, doc.y + mm(3), parameters)
    _shade_phases(doc, recording, axes, origin)
    _frame(doc, axes[0], 20 if hi - lo <= 200 else 50, "mmHg  ·  /min", ticks, show_x=not has_spo2)
    if has_spo2:
        _frame(doc, axes[1], 5, "SpO2 %", ticks, show_x=True)
    doc.painter.save()
    doc.painter.setClipRect(main)
    for parameter, colour in ((Parameter.HR, HR_COLOUR), (Parameter.NIBP_SYS, NIBP_COLOUR)):
        item = summary.get(parameter)
        _baseline_line(doc, axes[0], item.baseline if item else None, colour)
    for parameter in (Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN):
        if parameter in parameters:
            m, v = _series(recording, parameter, origin)
            style = Qt.PenStyle.DashLine if parameter is Parameter.ART_MEAN else Qt.PenStyle.SolidLine
            _line(doc, axes[0], m, v, stale_after_s(parameter) / 60, QPen(ART_COLOUR, mm(0.35), style))
    if Parameter.HR in parameters:
        m, v = _series(recording, Parameter.HR, origin)
        _line(doc, axes[0], m, v, stale_after_s(Parameter.HR) / 60, QPen(HR_COLOUR, mm(0.45)))
    _nibp(doc, recording, axes[0], origin)
    _markers(doc, recording, axes[0], origin, notes)
    doc.painter.restore()
    if has_spo2:
        doc.painter.save()
        doc.painter.setClipRect(axes[1].rect)
        m, v = _series(recording, Parameter.SPO2, origin)
        _line(doc, axes[1], m, v, stale_after_s(Parameter.SPO2) / 60, QPen(SPO2_COLOUR, mm(0.4)))
        doc.painter.restore()
    label = "minutes from infusion start" if recording.phase_start("infusion") is not None else "minutes from session start"
    doc.painter.setFont(font(SMALL))
    doc.painter.setPen(DIM)
    doc.painter.drawText(QRectF(left, bottom + mm(4.2), right - left, mm(4)), Qt.AlignmentFlag.AlignHCenter, label)
    doc.y += mm(height_mm)

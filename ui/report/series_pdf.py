"""The treatment series PDF: one patient's sessions side by side, and charts across them.

One row per session (:func:`monitor.review.series.series_row`: date, dose, baseline and
peak BP and HR with the largest rise, alarms, time to discharge, sedation and
dissociation peaks), then the same values drawn across the sessions
(:func:`monitor.review.series.chart_lines`), grouped by unit so each chart has one
y axis. Drawn with Qt's PDF writer like the session report (:mod:`ui.report.pdf_report`).
"""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF
from PySide6.QtGui import QColor, QPen

from monitor.readings import Parameter
from monitor.review.events import number_text
from monitor.review.series import ChartLine, PatientSeries, SeriesRow, Vital, chart_lines
from monitor.treatment.entry import amount_text
from ui.report.pdf_layout import BODY, DIM, INK, RULE, SMALL, Column, Document, Qt, font, mm, new_writer
from ui.scales import tick_step

CHART_MM = 62.0
# one colour per line, in chart_lines' order; peaks solid, baselines dashed (see _pen)
PALETTE = ("#6a1b9a", "#111417", "#111417", "#555b63", "#555b63", "#067a34", "#067a34", "#2f55d4", "#c25e00")
GROUPS = (("Blood pressure and heart rate", ("mmHg", "/min"), False), ("Dose", ("mg/kg",), True),
          ("Deepest sedation and highest dissociation", ("score",), True))  # (title, units, y from 0)


def _vital(vital: Vital) -> str:
    if vital.baseline is None and vital.peak is None:
        return "—"
    rise = vital.rise
    rise_text = "" if rise is None else f" ({'+' if rise >= 0 else '−'}{number_text(round(abs(rise)))})"
    return f"{number_text(_round(vital.baseline))} → {number_text(_round(vital.peak))}{rise_text}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value)


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def row_cells(number: int, row: SeriesRow) -> list[str]:
    """The table's cells of one session (the CSV has the same values unrounded)."""
    started = row.started_at.astimezone().strftime("%d %b %Y %H:%M") if row.started_at else "—"
    dose = "—" if row.dose_mg is None else f"{amount_text(row.dose_mg)} mg ({amount_text(row.dose_mg_per_kg or 0)} mg/kg)"
    given = "—" if row.delivered_mg is None else f"{row.delivered_mg:.1f} mg"
    alarms = "/".join(str(row.alarms.get(p, 0)) for p in ("high", "medium", "low"))
    discharge = f"{_minutes(row.ready_min)} / {_minutes(row.discharge_min)}"
    peaks = " / ".join("—" if p is None else p.describe().split(" ", 1)[1] for p in (row.sedation_peak,
                                                                                     row.dissociation_peak))
    return [str(number), started, dose, given, _vital(row.vital(Parameter.NIBP_SYS)),
            _vital(row.vital(Parameter.NIBP_DIA)), _vital(row.vital(Parameter.HR)), alarms, discharge, peaks]


COLUMNS = (Column("#", 6), Column("Date", 20), Column("Dose", 22), Column("Given", 14),
           Column("Systolic mmHg", 23), Column("Diastolic mmHg", 22), Column("HR /min", 20),
           Column("Alarms H/M/L", 14), Column("Ready / disch. min", 16), Column("Sedation / dissoc.", 23))


def _largest_rises(series: PatientSeries) -> str:
    parts = []
    for parameter, name in ((Parameter.NIBP_SYS, "systolic"), (Parameter.NIBP_DIA, "diastolic"), (Parameter.HR, "HR")):
        rises = [(r.vital(parameter).rise, i) for i, r in enumerate(series.rows, start=1)
                 if r.vital(parameter).rise is not None]
        if rises:
            rise, session = max(rises)
            parts.append(f"{name} +{number_text(round(rise))} (session {session})")
    return "Largest rise: " + ", ".join(parts) + "." if parts else ""


def _pen(index: int, line: ChartLine) -> QPen:
    pen = QPen(QColor(PALETTE[index % len(PALETTE)]))
    pen.setWidthF(mm(0.5))
    if "baseline" in line.name:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _chart(doc: Document, title: str, lines: list[tuple[int, ChartLine]], sessions: int,
           zero_based: bool) -> None:
    values = [v for _, line in lines for v in line.values if v is not None]
    if not values:
        return
    doc.ensure(mm(CHART_MM + 8))
    doc.paragraph(title, font(BODY, bold=True), after_mm=0.5)
    low, high = min(min(values), 0.0) if zero_based else min(values), max(values)
    step = tick_step(max(high - low, 1.0) / 4) if high > low else max(abs(high) / 4, 0.1)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high <= low:
        low, high = low - step, high + step
    legend_w = mm(52)
    plot = QRectF(doc.left + mm(14), doc.y + mm(2), doc.width - mm(16) - legend_w, mm(CHART_MM - 14))
    painter = doc.painter

    def x(i: int) -> float:
        return plot.left() + (i + 0.5) * plot.width() / sessions

    def y(v: float) -> float:
        return plot.bottom() - (v - low) / (high - low) * plot.height()

    painter.setPen(QPen(RULE, mm(0.2)))
    tick = low
    while tick <= high + step / 2:
        painter.drawLine(QPointF(plot.left(), y(tick)), QPointF(plot.right(), y(tick)))
        doc.draw_text(doc.left, y(tick) - mm(2), mm(12), number_text(round(tick, 2)), font(SMALL), DIM,
                      align=Qt.AlignmentFlag.AlignRight)
        tick += step
    for i in range(sessions):
        doc.draw_text(x(i) - mm(6), plot.bottom() + mm(1), mm(12), str(i + 1), font(SMALL), DIM,
                      align=Qt.AlignmentFlag.AlignHCenter)
    for row, (index, line) in enumerate(lines):
        pen = _pen(index, line)
        painter.setPen(pen)
        points = [(x(i), y(v)) for i, v in enumerate(line.values) if v is not None]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        painter.setBrush(pen.color())
        for px, py in points:
            painter.drawEllipse(QPointF(px, py), mm(0.9), mm(0.9))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        ly = plot.top() + row * mm(5)
        painter.drawLine(QPointF(plot.right() + mm(3), ly + mm(2)), QPointF(plot.right() + mm(10), ly + mm(2)))
        doc.draw_text(plot.right() + mm(12), ly, legend_w - mm(12), f"{line.name} ({line.unit})", font(SMALL), INK)
    doc.draw_text(plot.left(), plot.bottom() + mm(5), plot.width(), "session", font(SMALL), DIM,
                  align=Qt.AlignmentFlag.AlignHCenter)
    doc.y = plot.bottom() + mm(11)


def render_series_pdf(series: PatientSeries) -> bytes:
    """The series as PDF bytes (laid out twice, so each page can say "page X of Y")."""
    from ui.report.pdf_report import _ensure_gui  # one offscreen application, shared with the report

    _ensure_gui()
    _, pages = _render(series, None)
    data, _ = _render(series, pages)
    return data


def _render(series: PatientSeries, total: int | None) -> tuple[bytes, int]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = new_writer(buffer)
    writer.setTitle(f"Treatment series {series.patient_id}")
    generated = datetime.now().astimezone().strftime("%d %b %Y %H:%M")
    offset = datetime.now().astimezone().strftime("%z")

    def footer(page: int, pages: int | None) -> tuple[str, str]:
        return (f"Patient {series.patient_id}  ·  Treatment series of {len(series.rows)} sessions",
                f"Generated {generated}. Times are local (UTC{offset[:3]}:{offset[3:]}).")

    doc = Document(writer, footer, f"Treatment series  ·  Patient {series.patient_id}", total)
    doc.draw_text(doc.left, doc.y, doc.width, f"Treatment series: patient {series.patient_id}", font(18, bold=True))
    doc.y += mm(10)
    count = len(series.rows)
    doc.paragraph(f"{count} session{'s' if count != 1 else ''}, oldest first. Vitals: baseline → peak (rise) "
                  "by the session report's rules; alarms by the highest priority reached; ready / discharge: "
                  "minutes from the infusion end to every discharge criterion met / to the nurse's sign-off; "
                  "sedation: the deepest score, dissociation: the highest.", font(BODY), DIM, after_mm=2)
    doc.table(list(COLUMNS), [row_cells(i, r) for i, r in enumerate(series.rows, start=1)], bold_first=True)
    rises = _largest_rises(series)
    if rises:
        doc.paragraph(rises, font(BODY, bold=True), after_mm=2)
    for path, reason in series.skipped:
        doc.paragraph(f"Left out, cannot be read: {path.name}: {reason}", font(SMALL), DIM)
    doc.paragraph("Recordings: " + ", ".join(r.path.name for r in series.rows), font(SMALL), DIM, after_mm=3)
    lines = list(enumerate(chart_lines(series.rows)))
    for title, units, zero_based in GROUPS:
        _chart(doc, title, [(i, line) for i, line in lines if line.unit in units], max(count, 1), zero_based)
    pages = doc.finish()
    buffer.close()
    return bytes(buffer.data()), pages

"""The PDF session report for the patient's chart, drawn with Qt's own PDF writer.

A4 portrait: patient and session details, the trend plot, the baseline / peak /
lowest / end table, the vitals at the end of observation, the treatment (dose,
checks, discharge criteria, sign-off; :mod:`ui.report.pdf_treatment`), time beyond alarm
limits, every alarm with its acknowledgement, the nurse's notes, operator
actions, the monitor connection, and a line to sign. Every page carries the
patient identifier and "page X of Y". Times are the local time of the computer
making the report (the offset is printed). The drawing is QtGui only
(QPdfWriter + QPainter), so it renders offscreen, from the command line as in
the review window. See ``docs/exports.md``.

Its rows, the values at the end of observation and the plot's panels follow the
catalogue (``monitor/parameters.py``: ``name``, ``report``, measurements), so a
recording with respiration or temperature reports them, and one without looks as
it always did. The monitor's human name is given by the caller (``monitor_name``):
the report knows no device.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QGuiApplication

from monitor.export.common import ExportError
from ui.report.pdf_events import (
    actions_and_link_section,
    alarms_section,
    limits_section,
    notes_section,
)
from ui.report.pdf_layout import (
    BODY,
    DIM,
    SMALL,
    Column,
    Document,
    Qt,
    font,
    mm,
    new_writer,
)
from monitor.parameters import MEASUREMENTS, PARAMETERS, Parameter
from monitor.review.events import AnnotationRecord, number_text
from monitor.review.reader import Recording
from monitor.review.summary import RETURN_BAND, ParameterSummary, Summary
from ui.report.pdf_plot import draw_trends, trend_height_mm
from ui.report.pdf_treatment import treatment_section
from ui.report.pdf_words import Words, duration_text

MonitorName = Callable[[str], str]  # protocol ("datex") -> the monitor's name for people
WARN_FILL, WARN_BORDER = QColor("#fff4e5"), QColor("#c25e00")
SIM_FILL, SIM_BORDER = QColor("#f6e8fb"), QColor("#8e24aa")
INFO_FILL, INFO_BORDER = QColor("#eef3ff"), QColor("#2f55d4")
_app: QGuiApplication | None = None


def _ensure_gui() -> None:
    """Text needs a Qt GUI application; make an offscreen one if the process has none.

    The drawing uses QtGui only. The application object made here is a
    ``QApplication`` (a ``QGuiApplication`` that also allows widgets), because Qt
    allows one application object per process: a bare ``QGuiApplication`` would
    stop the same process from opening a window later (the review window, tests).
    """
    global _app
    existing = QGuiApplication.instance()
    if existing is None:
        try:
            from PySide6.QtWidgets import QApplication as AppClass
        except ImportError:  # pragma: no cover - PySide6-Essentials always has QtWidgets
            AppClass = QGuiApplication
        _app = AppClass(["infusion-monitor", "-platform", "offscreen"])
    elif not isinstance(existing, QGuiApplication):
        raise ExportError("The PDF report needs the graphical Qt application; export to CSV or EDF+ instead.")


# -- wording ------------------------------------------------------------------------------


def _value(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{number_text(round(value, 1))} {unit}"


def _device(recording: Recording, monitor_name: MonitorName | None) -> str:
    meta = recording.metadata
    name = meta.device
    if monitor_name is not None and meta.device == meta.protocol:
        try:
            name = monitor_name(meta.protocol)
        except KeyError:  # a protocol this version does not know: its name as recorded
            pass
    where = f" on {meta.port}" if meta.port else ""
    protocol = f" ({meta.protocol})" if meta.protocol and meta.protocol != name else ""
    return f"{name or 'unknown monitor'}{protocol}{where}"


# -- sections ------------------------------------------------------------------------------


def _header(doc: Document, recording: Recording, words: Words) -> None:
    meta = recording.metadata
    date = words.local(recording.start).strftime("%a %d %b %Y")
    doc.draw_text(doc.left, doc.y, doc.width * 0.6, "Infusion session report", font(18, bold=True))
    doc.draw_text(doc.left, doc.y + mm(8.5), doc.width * 0.62, "Vital signs, alarms and notes from the "
                  "Infusion Room Monitor", font(BODY), DIM)
    right = doc.left + doc.width * 0.55
    doc.draw_text(right, doc.y, doc.width * 0.45, f"Patient ID: {meta.patient_id or 'not entered'}",
                  font(13, bold=True), align=Qt.AlignmentFlag.AlignRight)
    doc.draw_text(right, doc.y + mm(7), doc.width * 0.45, f"Session of {date}", font(BODY),
                  align=Qt.AlignmentFlag.AlignRight)
    doc.y += mm(15)
    doc.painter.setPen(QColor("#111417"))
    doc.painter.fillRect(int(doc.left), int(doc.y), int(doc.width), int(mm(0.6)), QColor("#111417"))
    doc.y += mm(3)


def _phase_text(recording: Recording, words: Words, phase: str) -> str:
    span = next((s for s in recording.phases() if s.phase == phase), None)
    if span is None:
        return "not recorded"
    text = f"{words.clock(span.start, False)}–{words.clock(span.end, False)}, {duration_text(span.duration_s)}"
    planned = recording.metadata.planned_infusion_s
    if phase == "infusion" and planned:
        text += f" (plan {duration_text(planned)})"
    return text


def _details(doc: Document, recording: Recording, words: Words, monitor_name: MonitorName | None) -> None:
    meta = recording.metadata
    end = recording.end_of_observation()
    if meta.ended_unexpectedly:
        status = "ENDED UNEXPECTEDLY (no end recorded)"
    elif meta.end_reason in ("", "ended normally"):
        status = "Ended normally"
    else:
        status = f"Ended normally ({meta.end_reason})"
    pairs = [
        ("Patient ID", meta.patient_id or "not entered"),
        *([("Chair", meta.chair_text)] if meta.chair else []),
        ("Status", status),
        ("Session", (f"{words.clock(recording.start, False)}–{words.clock(end, False)}, "
                     f"{duration_text(end - recording.start)}")),
        ("Baseline", _phase_text(recording, words, "baseline")),
        ("Infusion", _phase_text(recording, words, "infusion")),
        ("Observation", _phase_text(recording, words, "recovery")),
        ("Monitor", _device(recording, monitor_name)),
        ("Alarm profile", meta.alarm_profile or "not recorded"),
        ("Times", f"local time ({words.offset()})"),
        ("Recorded by", f"{meta.program or 'infusion-monitor'} {meta.program_version}".strip()),
    ]
    doc.fields(pairs, columns=2, label_mm=24)
    doc.paragraph(f"Recording file: {recording.path.name}", font(SMALL), DIM, after_mm=2)
    if meta.simulated:
        speed = f", clock {meta.clock_speed:g}× real time" if meta.clock_speed != 1 else ""
        doc.box(f"SIMULATED DATA — NOT A PATIENT RECORD (source {meta.port or 'simulator'}{speed}).",
                SIM_FILL, SIM_BORDER)
    if meta.ended_unexpectedly:
        ended = recording.phase_start("ended") is not None
        doc.box("The recording ended unexpectedly (the program stopped or the computer lost power). "
                f"Everything received until {words.clock(recording.end)} is included"
                + ("." if ended else "; the values at the end below are those at the end of the data."),
                WARN_FILL, WARN_BORDER, font(BODY))


def _plain(value: float | None) -> str:
    return "—" if value is None else number_text(round(value, 1))


def _summary_rows(summary: Summary, words: Words) -> list[list[str]]:
    rows = []
    for item in summary.parameters:
        if not PARAMETERS[item.parameter].report:
            continue
        peak = "—" if item.peak is None else f"{_plain(item.peak)}  at {words.minutes(item.peak_time)} min"
        low = "—" if item.lowest is None else f"{_plain(item.lowest)}  at {words.minutes(item.lowest_time)} min"
        end = _plain(item.end_value) if item.end_value is not None else "no current value"
        rows.append([f"{PARAMETERS[item.parameter].name} ({item.unit})", _plain(item.baseline), peak, low, end,
                     _back(item, summary)])
    return rows


def _summary_note(summary: Summary) -> str:
    if summary.baseline_frozen_at is None:
        baseline = "No baseline period was recorded, so there are no baselines to compare with. "
    else:
        baseline = ("Baseline: median of the last 5 min of the baseline period (NIBP: of the last 3 cuff "
                    "measurements), frozen when the infusion started. ")
    if summary.infusion_start is None:
        return baseline + "Peak/lowest: over the whole session; min = minutes from the session start."
    return baseline + (
        "Peak/lowest: during the infusion and observation; min = minutes from the infusion start. "
        f"Back to baseline: minutes after the infusion stopped until within ±{RETURN_BAND:.0%} of baseline "
        "for two consecutive minutes (NIBP: two consecutive measurements)."
    )


def _back(item: ParameterSummary, summary: Summary) -> str:
    if summary.recovery_start is None or item.baseline is None:
        return "—"
    if item.recovery_values == 0:
        return "no values after the stop"
    if item.return_min is None:
        return f"not within ±{RETURN_BAND:.0%}"
    return f"{item.return_min:.0f} min"


def _end_vitals(summary: Summary, words: Words, recording: Recording) -> tuple[str, str]:
    """``(title, vitals)`` for the box: the values current when observation ended."""
    parts = []
    got = {item.parameter: item for item in summary.parameters}

    def show(p: Parameter) -> str:
        item = got.get(p)
        return number_text(round(item.end_value, 1)) if item and item.end_value is not None else "—"

    for measurement in MEASUREMENTS.values():  # catalogue order, as on the dashboard
        if not measurement.pressure:
            if measurement.parameters[0] in got:
                parts.append(f"{measurement.title} {show(measurement.parameters[0])} {measurement.unit}")
            continue
        s, d, m = measurement.parameters
        if s in got:
            text = f"{measurement.title} {show(s)}/{show(d)}" + (f" ({show(m)})" if m in got else "")
            text += f" {measurement.unit}"
            measured = got[s].end_time
            if measurement.discrete and got[s].end_value is not None and measured is not None:
                text += f" at {words.clock(measured, False)}"
            parts.append(text)
    end = summary.end_of_observation
    since = (f", {duration_text(end - summary.recovery_start)} after the infusion stopped"
             if summary.recovery_start is not None else "")
    ended = recording.phase_start("ended") is not None
    label = "At the end of observation" if ended else "At the end of the data"
    title = f"{label}: {words.clock(end, False)}{since}"
    return title, "      ".join(parts) if parts else "No values were recorded."


def _sign_off(doc: Document) -> None:
    doc.ensure(mm(22))
    doc.y += mm(6)
    third = doc.width / 3
    doc.painter.setPen(DIM)
    for i, label in enumerate(("Reviewed by (name)", "Signature", "Date and time")):
        x = doc.left + i * third
        doc.painter.drawLine(int(x), int(doc.y + mm(8)), int(x + third - mm(6)), int(doc.y + mm(8)))
        doc.draw_text(x, doc.y + mm(9), third - mm(6), label, font(SMALL), DIM)
    doc.y += mm(16)


# -- the document ---------------------------------------------------------------------------


def _render(recording: Recording, summary: Summary, total: int | None,
            monitor_name: MonitorName | None) -> tuple[bytes, int]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = new_writer(buffer)
    meta = recording.metadata
    words = Words(recording)
    writer.setTitle(f"Infusion session report {meta.patient_id}".strip())
    writer.setCreator(f"{meta.program or 'infusion-monitor'} {meta.program_version}".strip())
    patient = meta.patient_id or "ID not entered"
    session = words.local(recording.start).strftime("%d %b %Y %H:%M")
    generated = datetime.now().astimezone().strftime("%d %b %Y %H:%M")

    def footer(page: int, pages: int | None) -> tuple[str, str]:
        return (f"Patient {patient}  ·  Session {session}",
                f"Generated {generated} from {recording.path.name}. Times are local ({words.offset()}).")

    doc = Document(writer, footer, f"Infusion session report  ·  Patient {patient}  ·  Session {session}", total)
    notes = [(i + 1, e) for i, e in enumerate(
        e for e in recording.events(frozenset({"annotation"})) if isinstance(e, AnnotationRecord))]
    _header(doc, recording, words)
    _details(doc, recording, words, monitor_name)
    height = trend_height_mm(recording)
    doc.heading("Vital-sign trends", keep_with_mm=height)
    draw_trends(doc, recording, summary, height, [(e.time, n) for n, e in notes])
    doc.heading("Summary", keep_with_mm=30)
    doc.table([
        Column("Parameter", 44), Column("Baseline", 17), Column("Peak", 28), Column("Lowest", 28),
        Column("End of observation", 26), Column("Back to baseline", 25),
    ], _summary_rows(summary, words), bold_first=True)
    doc.paragraph(_summary_note(summary), font(SMALL), DIM, after_mm=2)
    title, vitals = _end_vitals(summary, words, recording)
    doc.box(vitals, INFO_FILL, INFO_BORDER, font(11, bold=True), title=title)
    treatment_section(doc, recording, words)
    limits_section(doc, summary)
    alarms_section(doc, recording, summary, words)
    notes_section(doc, recording, words, notes)
    actions_and_link_section(doc, recording, words)
    _sign_off(doc)
    pages = doc.finish()
    buffer.close()
    return bytes(buffer.data()), pages


def render_pdf(recording: Recording, monitor_name: MonitorName | None = None) -> bytes:
    """The report as PDF bytes (laid out twice, so each page can say "page X of Y").

    ``monitor_name`` names the monitor of a recording that stored only its protocol."""
    _ensure_gui()
    summary = recording.summary()
    _, pages = _render(recording, summary, None, monitor_name)
    data, _ = _render(recording, summary, pages, monitor_name)
    return data



"""The report's treatment section: the dose, the pump rate changes, the checks, discharge and sign-off.

Read from the recording's treatment tables (:func:`monitor.review.treatment.read_treatment`);
a recording made before they existed has no such section (its side-effect notes are
still in the annotations). Wording follows the dashboard's: the plan as it was
confirmed (:meth:`~monitor.review.treatment.PlanRecord.summary`), each check and
criterion as the event list says it. See ``docs/exports.md``.
"""

from __future__ import annotations

from monitor.review.reader import Recording
from monitor.review.treatment import TreatmentRecord, read_treatment
from monitor.treatment.entry import amount_text
from ui.report.pdf_layout import BODY, DIM, Column, Document, Qt, font
from ui.report.pdf_words import Words, duration_text

RIGHT = Qt.AlignmentFlag.AlignRight


def _after(stop: float | None, t: float) -> str:
    """Minutes after the infusion ended (the discharge criteria count from there)."""
    return "—" if stop is None else f"{(t - stop) / 60.0:.0f}"


def treatment_section(doc: Document, recording: Recording, words: Words) -> None:
    record = read_treatment(recording)
    if record.is_empty:
        return
    doc.heading("Treatment", keep_with_mm=30)
    _dose(doc, recording, record, words)
    _checks(doc, record, words)
    _discharge(doc, recording, record, words)


def _dose(doc: Document, recording: Recording, record: TreatmentRecord, words: Words) -> None:
    plan = record.plan
    if plan is None:
        doc.paragraph("No dose plan was confirmed.", font(BODY, bold=True))
    else:
        doc.paragraph(f"Dose: {amount_text(plan.total_mg)} mg over {amount_text(plan.infusion_min)} minutes "
                      f"({amount_text(plan.dose_mg_per_kg)} mg/kg × {amount_text(plan.weight_kg)} kg), "
                      f"pump {amount_text(plan.rate_ml_per_h)} mL/h.", font(BODY + 1, bold=True), after_mm=0.5)
        again = f" (confirmed {len(record.plans)} times; the last counts)" if len(record.plans) > 1 else ""
        doc.paragraph(f"{plan.summary()}. Confirmed {words.clock(plan.time)} by {plan.by}, "
                      f"treatment profile {plan.profile}{again}.", font(BODY), after_mm=0.5)
        for confirmation in plan.confirmations:
            doc.paragraph(f"Confirmed outside the usual range: {confirmation.get('message', '')}", font(BODY))
        start, stop = recording.phase_start("infusion"), recording.phase_start("recovery")
        given = record.delivered_mg(start, stop)
        if given is not None and start is not None and stop is not None:
            doc.paragraph(f"Given by the logged pump rates: {given:.1f} mg in "
                          f"{duration_text(stop - start)} (the pump's own record is the authority).",
                          font(BODY), DIM)
    if record.rate_changes:
        doc.table([Column("Time", 17), Column("Min", 10, RIGHT), Column("Pump rate", 24), Column("Reason", 87),
                   Column("By", 30)],
                  [[words.clock(r.time), words.minutes(r.time), f"{amount_text(r.rate_ml_per_h)} mL/h",
                    r.reason, r.by] for r in record.rate_changes])


def _checks(doc: Document, record: TreatmentRecord, words: Words) -> None:
    doc.paragraph("Sedation and dissociation checks, side effects", font(BODY, bold=True), after_mm=0.5)
    if not record.checks:
        doc.paragraph("No checks were recorded.", font(BODY), DIM)
        return
    rows = [[words.clock(c.time), words.minutes(c.time), c.describe(),
             "quick note" if c.source == "note" else c.by] for c in record.checks]
    doc.table([Column("Time", 17), Column("Min", 10, RIGHT), Column("Check", 111), Column("By", 30)], rows)


def _discharge(doc: Document, recording: Recording, record: TreatmentRecord, words: Words) -> None:
    doc.paragraph("Discharge", font(BODY, bold=True), after_mm=0.5)
    stop = recording.phase_start("recovery")
    ready = record.ready_at
    if ready is not None:
        doc.paragraph(f"Discharge criteria met (ready for discharge) at {words.clock(ready)}, "
                      f"{_after(stop, ready)} min after the infusion ended.", font(BODY, bold=True), after_mm=0.5)
    elif stop is not None:
        doc.paragraph("Not every discharge criterion was met by the end of the recording; "
                      "the rows below say which were and when.", font(BODY, bold=True), after_mm=0.5)
    if record.criteria:
        doc.table([Column("Time", 17), Column("After end", 17, RIGHT), Column("Criterion", 134)],
                  [[words.clock(c.time), _after(stop, c.time), c.describe()] for c in record.criteria])
    sign_off = record.sign_off
    if sign_off is None:
        doc.paragraph("No discharge sign-off was recorded.", font(BODY), DIM)
        return
    doc.paragraph(f"{sign_off.describe()} at {words.clock(sign_off.time)}"
                  + (f", {_after(stop, sign_off.time)} min after the infusion ended." if stop is not None else "."),
                  font(BODY, bold=True))
    if sign_off.unmet:
        doc.paragraph("Not met at the sign-off: " + "; ".join(sign_off.unmet), font(BODY))

"""The report's event sections: time beyond limits, alarms with their acknowledgements,
annotations, operator actions and the monitor connection."""

from __future__ import annotations

from ui.report.pdf_layout import BODY, DIM, Column, Document, Qt, font
from ui.report.pdf_plot import ALARM_COLOURS
from ui.report.pdf_words import Words, duration_text
from monitor.review.events import ActionRecord, LinkRecord, number_text
from monitor.review.occurrences import alarm_occurrences
from monitor.review.reader import Recording
from monitor.review.summary import Summary


def alarms_section(doc: Document, recording: Recording, summary: Summary, words: Words) -> None:
    occurrences, other = alarm_occurrences(recording.events(frozenset({"alarm"})))
    counts = summary.alarm_counts
    doc.heading("Alarms")
    total = sum(counts.values())
    doc.paragraph(
        f"{total} alarm{'s' if total != 1 else ''} raised: {counts.get('high', 0)} high, "
        f"{counts.get('medium', 0)} medium, {counts.get('low', 0)} low priority (the highest each reached)."
        if total else "No alarms were raised during this session.",
        font(BODY, bold=True),
    )
    if occurrences:
        rows, colours = [], []
        for o in occurrences:
            worst = number_text(o.worst_value) or "—"
            limit = f" (limit {number_text(o.limit)})" if o.limit is not None else ""
            ack = (f"{words.clock(o.acknowledged)} {o.acknowledged_detail}".strip()
                   if o.acknowledged is not None else "not acknowledged")
            rows.append([
                words.clock(o.raised), words.minutes(o.raised), o.priority.upper(),
                f"{o.condition}\n{o.message}" if o.message else o.condition,
                f"{worst}{limit}", ack, words.clock(o.cleared) if o.cleared is not None else "still active at end",
            ])
            colours.append(ALARM_COLOURS["high"] if o.priority == "high" else None)
        doc.table([
            Column("Raised", 17), Column("Min", 10, Qt.AlignmentFlag.AlignRight), Column("Priority", 17),
            Column("Alarm", 44), Column("Worst value", 27), Column("Acknowledged", 33), Column("Ended", 22),
        ], rows, row_colours=colours)
    if other:
        doc.paragraph("Other alarm-system events", font(BODY, bold=True), after_mm=0.5)
        doc.table([Column("Time", 17), Column("Min", 10, Qt.AlignmentFlag.AlignRight), Column("Event", 141)],
                  [[words.clock(e.time), words.minutes(e.time), e.describe()] for e in other])


def limits_section(doc: Document, summary: Summary) -> None:
    if not summary.limits:
        return
    doc.heading("Time beyond alarm limits", keep_with_mm=15)
    rows = []
    for item in summary.limits:
        word = "above" if item.upward else "below"
        rows.append([item.condition, f"{word} {number_text(item.limit)}", duration_text(item.seconds)
                     if item.seconds >= 60 else f"{item.seconds:.0f} s"])
    doc.table([Column("Alarm condition", 60), Column("Limit", 50), Column("Time beyond", 58)], rows)


def notes_section(doc: Document, recording: Recording, words: Words, notes) -> None:
    doc.heading("Annotations", keep_with_mm=15)
    if not notes:
        doc.paragraph("No annotations were made.", font(BODY), DIM)
        return
    rows = [[str(n), words.clock(e.time), words.minutes(e.time), "button" if e.kind == "quick" else "typed", e.text]
            for n, e in notes]
    doc.table([Column("#", 7), Column("Time", 17), Column("Min", 10, Qt.AlignmentFlag.AlignRight),
               Column("Entry", 15), Column("Note", 119)], rows)


def actions_and_link_section(doc: Document, recording: Recording, words: Words) -> None:
    actions = [e for e in recording.events(frozenset({"action"})) if isinstance(e, ActionRecord)]
    if actions:
        doc.heading("Operator actions", keep_with_mm=15)
        doc.table([Column("Time", 17), Column("Min", 10, Qt.AlignmentFlag.AlignRight), Column("Action", 141)],
                  [[words.clock(e.time), words.minutes(e.time), e.describe()] for e in actions])
    link = [e for e in recording.events(frozenset({"link"})) if isinstance(e, LinkRecord)]
    first_data = next((e.time for e in link if e.state == "receiving"), None)
    problems = [  # lost, silent or unreadable; or reconnecting after data had started
        e for e in link
        if e.state in ("silent", "disconnected", "no-valid-frames")
        or (e.state in ("connecting", "waiting") and first_data is not None and e.time > first_data)
    ]
    doc.heading("Monitor connection", keep_with_mm=12)
    if not problems:
        doc.paragraph("No interruption of the monitor connection was recorded.", font(BODY), DIM)
        return
    doc.paragraph(f"{len(problems)} interruption{'s' if len(problems) != 1 else ''} of the data from the "
                  "monitor; the trends show no values while it was interrupted.", font(BODY))
    doc.table([Column("Time", 17), Column("Min", 10, Qt.AlignmentFlag.AlignRight), Column("State", 24),
               Column("Message", 117)],
              [[words.clock(e.time), words.minutes(e.time), e.state, e.message] for e in link])

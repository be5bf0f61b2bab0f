"""CSV exports: the readings as one row per timestamp, and the session's events.

Readings CSV: the columns :func:`columns` gives: the time, then every parameter the
catalogue puts in each export (``csv_always``: the nine of the first version, so older
tools keep their columns) and any other parameter the recording holds. A *timestamp* is a host receive
time (``readings.host_time``): the driver stamps every value it decodes from one
read of the serial line with the same time, so one monitor record (HR, NIBP,
SpO2, ...) becomes one row. A parameter that arrives twice with the same time
(two records in one read) starts a second row with the same time, so no reading
is ever merged away. A cell is empty when that row has no value for the
parameter: not sent at that time, or sent without a valid value (the reason is
in the recording's ``quality`` column). Values are written exactly as stored
(``72``, ``98.25``). ``time_utc`` is ISO-8601 UTC with milliseconds and ``Z``;
``elapsed_s`` counts from the session start, three decimals.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

import numpy as np

from monitor.parameters import PARAMETERS, Parameter
from monitor.review.events import (
    ActionRecord,
    AlarmRecord,
    AnnotationRecord,
    Event,
    LinkRecord,
    PhaseRecord,
    number_text,
    utc,
)
from monitor.review.reader import Recording
from monitor.review.treatment import CheckRecord, CriterionRecord, PlanRecord, RateRecord, TreatmentEvent

TIME_COLUMNS = ("time_utc", "elapsed_s")
COLUMNS = (*TIME_COLUMNS, *(row.csv_column for row in PARAMETERS.values() if row.csv_always))
EVENT_COLUMNS = (
    "time_utc", "elapsed_s", "type", "name", "priority", "event", "value", "limit", "baseline",
    "phase", "text",
)


def time_text(t: float) -> str:
    """UTC Unix seconds as ``2026-11-22T08:00:05.123Z``."""
    return utc(t).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_texts(times: np.ndarray) -> list[str]:
    """:func:`time_text` of every element at once: an 8-hour export has 28,800 rows.

    Equal to :func:`time_text` to the character (a property test holds it there):
    ``datetime.fromtimestamp`` rounds the fraction to microseconds half-to-even
    after splitting off the whole seconds, and ``isoformat`` then truncates to
    milliseconds; both steps are repeated here on arrays.
    """
    whole = np.trunc(times)
    micro = np.rint((times - whole) * 1e6)  # the same float product Python rounds; rint is half-to-even
    whole = whole + np.floor_divide(micro, 1_000_000)  # a fraction that rounded up to a whole second
    micro = np.mod(micro, 1_000_000)  # ... or, before 1970, a negative fraction
    millis = whole.astype(np.int64) * 1000 + micro.astype(np.int64) // 1000
    return [f"{text}Z" for text in np.datetime_as_string(millis.astype("datetime64[ms]"), unit="ms")]


def elapsed_text(recording: Recording, t: float) -> str:
    return f"{t - recording.start:.3f}"


def exported(recording: Recording) -> tuple[Parameter, ...]:
    """The parameters with a column: every ``csv_always`` one, and the others the recording holds."""
    present = set(recording.parameters())
    return tuple(p for p, row in PARAMETERS.items() if row.csv_always or p in present)


def columns(recording: Recording) -> tuple[str, ...]:
    return (*TIME_COLUMNS, *(PARAMETERS[p].csv_column for p in exported(recording)))


def _reading_rows(recording: Recording) -> Iterator[tuple[float, list[str | None]]]:
    """``(time, cells)`` per CSV row, cells in :func:`columns` order (None: empty).

    One pass over every reading, so the work per reading is kept to a dictionary
    lookup or two: a monitor repeats the same few hundred values all session, so
    each value's text is made once.
    """
    parameters = exported(recording)
    width = len(parameters)
    column_of = [parameters.index(p) if p in parameters else -1 for p in Parameter]  # by catalogue index
    texts: dict[float | None, str] = {}
    row_time: float | None = None
    cells: list[str | None] = []
    for host_time, slot, value in recording.indexed_rows():
        if slot < 0 or column_of[slot] < 0:  # a parameter of a newer version, or no number
            continue
        slot = column_of[slot]
        if host_time != row_time or cells[slot] is not None:
            if row_time is not None:
                yield row_time, cells
            row_time, cells = host_time, [None] * width
        text = texts.get(value)
        if text is None:
            text = texts[value] = number_text(value)
        cells[slot] = text
    if row_time is not None:
        yield row_time, cells


def write_readings(recording: Recording, out: TextIO) -> int:
    """Write the readings CSV; returns the number of data rows."""
    rows = list(_reading_rows(recording))
    times = time_texts(np.fromiter((t for t, _ in rows), dtype=float, count=len(rows)))
    start = recording.start
    writer = csv.writer(out, lineterminator="\r\n")  # writes None as an empty cell
    writer.writerow(columns(recording))
    writer.writerows([time, f"{t - start:.3f}", *cells] for time, (t, cells) in zip(times, rows, strict=True))
    return len(rows)


def event_row(recording: Recording, event: Event | TreatmentEvent) -> list[str]:
    """One events-CSV row (see :data:`EVENT_COLUMNS` and ``docs/exports.md``)."""
    base = [time_text(event.time), elapsed_text(recording, event.time), event.category]
    if isinstance(event, AlarmRecord):
        return base + [
            event.condition, event.priority, event.event, number_text(event.value),
            number_text(event.limit), number_text(event.baseline), event.phase or "", event.detail,
        ]
    if isinstance(event, PhaseRecord):
        return base + [event.phase, "", "", "", "", "", event.phase, f"by {event.by}"]
    if isinstance(event, AnnotationRecord):
        return base + [event.kind, "", "", "", "", "", "", event.text]
    if isinstance(event, LinkRecord):
        return base + [event.state, "", "", "", "", "", "", event.message]
    if isinstance(event, ActionRecord):
        return base + [event.action, "", "", "", "", "", "", event.detail]
    return base + _treatment_cells(event)


def _treatment_cells(event: TreatmentEvent) -> list[str]:
    """``name, priority, event, value, limit, baseline, phase, text`` of a treatment event."""
    if isinstance(event, PlanRecord):
        name, what, value = "plan", "confirmed", event.total_mg
    elif isinstance(event, RateRecord):
        name, what, value = "rate_change", "", event.rate_ml_per_h
    elif isinstance(event, CheckRecord):
        name, what, value = "check", event.kind, event.score
    elif isinstance(event, CriterionRecord):
        name, what, value = "discharge", event.criterion, None
    else:
        name, what, value = "sign_off", "ready" if event.ready else "not_ready", None
    if isinstance(event, CriterionRecord):
        what += ":met" if event.met else ":lost"
    return [name, "", what, number_text(value), "", "", "", event.describe()]


def write_events(recording: Recording, out: TextIO) -> int:
    """Write the events CSV (alarms, annotations, phase changes, operator and link events)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EVENT_COLUMNS)
    events = recording.events()
    for event in events:
        writer.writerow(event_row(recording, event))
    return len(events)

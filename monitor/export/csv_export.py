"""CSV exports: the readings as one row per timestamp, and the session's events.

Readings CSV: columns exactly :data:`COLUMNS`. A *timestamp* is a host receive
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
from collections.abc import Iterable
from typing import TextIO

from monitor.readings import Parameter
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

COLUMNS = ("time_utc", "elapsed_s", *(p.value for p in Parameter))
EVENT_COLUMNS = (
    "time_utc", "elapsed_s", "type", "name", "priority", "event", "value", "limit", "baseline",
    "phase", "text",
)


def time_text(t: float) -> str:
    """UTC Unix seconds as ``2026-11-22T08:00:05.123Z``."""
    return utc(t).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def elapsed_text(recording: Recording, t: float) -> str:
    return f"{t - recording.start:.3f}"


def _reading_rows(recording: Recording) -> Iterable[list[str]]:
    parameters = [p.value for p in Parameter]
    row_time: float | None = None
    row: dict[str, str] = {}

    def emit() -> list[str]:
        assert row_time is not None
        return [time_text(row_time), elapsed_text(recording, row_time), *(row.get(p, "") for p in parameters)]

    for host_time, parameter, value in recording.rows():
        if row_time is not None and (host_time != row_time or parameter in row):
            yield emit()
            row = {}
        row_time = host_time
        row[parameter] = number_text(value)
    if row_time is not None:
        yield emit()


def write_readings(recording: Recording, out: TextIO) -> int:
    """Write the readings CSV; returns the number of data rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in _reading_rows(recording):
        writer.writerow(row)
        count += 1
    return count


def event_row(recording: Recording, event: Event) -> list[str]:
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
    assert isinstance(event, ActionRecord)
    return base + [event.action, "", "", "", "", "", "", event.detail]


def write_events(recording: Recording, out: TextIO) -> int:
    """Write the events CSV (alarms, annotations, phase changes, operator and link events)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EVENT_COLUMNS)
    events = recording.events()
    for event in events:
        writer.writerow(event_row(recording, event))
    return len(events)

"""The lines ``record`` prints, as a bed listener: JSON with the bed's name, and a reader that goes away."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime

from cli.printer import Printer
from monitor.readings import DeviceStatus, Parameter, Reading
from monitor.session import Phase, PhaseChange

AT = datetime(2026, 3, 2, 8, 30, 5, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def test_each_json_line_can_carry_the_bed_it_came_from():
    out = io.StringIO()
    printer = Printer(out, jsonl=True, now=lambda: LATER, bed="Chair 3")
    printer(Reading(Parameter.HR, 72.0, "/min", AT, "datex"))
    printer(DeviceStatus(("sensor off",), received_at=AT))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"bed": "Chair 3", "type": "reading", "time": "2026-03-02T08:30:05Z", "device_time": None,
                        "parameter": "HR", "value": 72, "unit": "/min", "source": "datex", "quality": []}
    assert lines[1] == {"bed": "Chair 3", "type": "device_status", "time": "2026-03-02T08:30:05Z",
                        "device_time": None, "conditions": ["sensor off"]}


def test_a_text_line_is_stamped_with_when_the_event_happened_not_when_it_was_printed():
    out = io.StringIO()
    Printer(out, jsonl=False, now=lambda: LATER)(PhaseChange(Phase.BASELINE, AT, "nurse"))
    assert out.getvalue() == "08:30:05  phase: phase=baseline, by=nurse\n"


def test_a_reader_that_goes_away_is_said_once_and_nothing_is_raised():
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `head` does after its lines
    closed: list[bool] = []
    with os.fdopen(write_end, "w") as out:
        printer = Printer(out, jsonl=True, now=lambda: LATER, on_closed=lambda: closed.append(True))
        printer(Reading(Parameter.HR, 72.0, "/min", AT, "datex"))
        printer(Reading(Parameter.HR, 73.0, "/min", AT, "datex"))
    assert closed == [True]

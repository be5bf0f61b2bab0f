"""Writes tests/data/pre-treatment-S-1.irm.sqlite with the program as it was before the treatment
record (commit 527db95), so the tests can prove such a recording still opens, reviews, exports and
joins a patient's series. Provenance and the facts the tests rely on: tests/data/README.md.

Run from a checkout of that commit (never from a newer one: the point is the old writer):

    git archive 527db95 | tar -x -C /tmp/old && cd /tmp/old && \
        PYTHONDONTWRITEBYTECODE=1 python3 /path/to/make_pre_treatment_recording.py OUT.irm.sqlite
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alarms.model import AlarmCondition, AlarmEvent, EventType, Priority
from monitor.core import OperatorAction
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.session import Annotation, Phase, PhaseChange

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
INFUSION_S, RECOVERY_S, END_S = 600, 3000, 6600
# cuff results: (seconds, systolic, diastolic); each preceded by a record with the cuff inflating
CUFF = [
    (60, 118, 78), (300, 122, 82), (540, 120, 80),  # baseline: medians 120/80
    (900, 130, 84), (1200, 140, 88), (1500, 150, 92), (1800, 158, 94), (2100, 166, 96),  # infusion
    (2400, 160, 95), (2700, 150, 90),
    (3300, 138, 86), (3900, 128, 83), (4500, 124, 81), (5100, 121, 80), (5700, 120, 80), (6300, 119, 79),
]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def hr_at(seconds: float) -> float:
    """70 in baseline, up to 88 at 2400 s, back to 72 from 4200 s."""
    if seconds < INFUSION_S:
        return 70.0
    if seconds <= 2400:
        return 70.0 + 18.0 * (seconds - INFUSION_S) / (2400 - INFUSION_S)
    return max(72.0, 88.0 - 16.0 * (seconds - 2400) / (4200 - 2400))


def reading(parameter: Parameter, value: float | None, seconds: float, quality=Quality.NONE) -> Reading:
    return Reading(parameter, value, UNITS[parameter], at(seconds), "datex", quality)


def main(out: Path) -> None:
    recorder = SessionRecorder(out, {
        "program": "infusion-monitor", "program_version": "0.1.0",
        "started_at": T0.isoformat(), "port": "/dev/ttyUSB0", "protocol": "datex", "patient_id": "S-1",
        "clock_speed": "1", "alarm_profile": "ketamine-infusion", "planned_infusion_s": "2400",
    })
    items: list[tuple[float, object]] = [
        (0, PhaseChange(Phase.BASELINE, at(0))),
        (INFUSION_S, PhaseChange(Phase.INFUSION, at(INFUSION_S))),
        (RECOVERY_S, PhaseChange(Phase.RECOVERY, at(RECOVERY_S))),
        (END_S, PhaseChange(Phase.ENDED, at(END_S))),
        (1500, Annotation(at(1500), "Nausea", "quick")),
        (1510, Annotation(at(1510), "Antiemetic given", "quick")),
        (2000, OperatorAction(at(2000), "limit_changed", {"parameter": "HR", "high": 120})),
    ]
    alarm = AlarmCondition.NIBP_SYS_HIGH
    for seconds, priority, event in ((2101, Priority.MEDIUM, EventType.RAISED),
                                     (2221, Priority.HIGH, EventType.ESCALATED),
                                     (2250, Priority.HIGH, EventType.ACKNOWLEDGED),
                                     (2701, Priority.HIGH, EventType.CLEARED)):
        items.append((seconds, AlarmEvent(at(seconds), alarm, priority, event, 166.0, 160.0, 120.0, "infusion")))
    for seconds in range(0, END_S + 1, 5):
        items.append((seconds, reading(Parameter.HR, hr_at(seconds), seconds)))
    for seconds, systolic, diastolic in CUFF:
        for parameter in (Parameter.NIBP_SYS, Parameter.NIBP_DIA):
            items.append((seconds - 30, reading(parameter, None, seconds - 30, Quality.NIBP_MEASURING | Quality.ABSENT)))
        items.append((seconds, reading(Parameter.NIBP_SYS, systolic, seconds)))
        items.append((seconds, reading(Parameter.NIBP_DIA, diastolic, seconds)))
    for _, item in sorted(items, key=lambda pair: pair[0]):
        recorder.add(item)
    recorder.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))

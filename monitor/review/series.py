"""A patient's treatment series: the sessions of one patient side by side, and a chart across them.

A course of IV ketamine is commonly six sessions over two to three weeks; the clinician
compares them. :func:`patients` groups a folder's recordings by patient identifier
(exactly as entered, spaces trimmed: ``S-1`` and ``s-1`` stay two patients, because
merging two people's sessions is worse than showing one person twice).
:func:`patient_series` gives one :class:`SeriesRow` per session, oldest first:

* date; planned dose (mg and mg/kg) and the dose delivered by the logged rates;
* baseline and peak systolic and diastolic NIBP and HR, and the rise (peak - baseline),
  by the review summary's rules (:mod:`monitor.review.summary`);
* alarms counted once per occurrence, by the highest priority it reached (an alarm that
  escalated to high counts as high), technical alarms included;
* minutes from the infusion end to the criteria being met, to the sign-off
  (discharge) and to the end of the session;
* the deepest sedation and the highest dissociation score.

A recording made before the treatment record existed still has its row: the
treatment columns are empty. :func:`chart_lines` gives the chart's values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from monitor.readings import Parameter
from monitor.review.events import utc
from monitor.review.library import RecordingInfo, list_recordings
from monitor.review.reader import Recording, RecordingOpenError, open_recording
from monitor.review.treatment import CheckRecord, read_treatment
from monitor.treatment.scales import DISSOCIATION, SCALES, SEDATION

log = logging.getLogger(__name__)

SERIES_PARAMETERS = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.HR)


@dataclass(frozen=True, slots=True)
class Vital:
    """One parameter's baseline and peak in one session (None where not measured)."""

    baseline: float | None
    peak: float | None

    @property
    def rise(self) -> float | None:
        return None if self.baseline is None or self.peak is None else self.peak - self.baseline


@dataclass(frozen=True, slots=True)
class SeriesRow:
    path: Path
    started_at: datetime | None
    weight_kg: float | None
    dose_mg_per_kg: float | None
    dose_mg: float | None  # planned
    delivered_mg: float | None  # by the logged rates, infusion start to stop
    vitals: Mapping[Parameter, Vital]
    alarms: Mapping[str, int]  # occurrences by the highest priority reached
    ready_min: float | None  # infusion end -> every discharge criterion but the sign-off met
    discharge_min: float | None  # infusion end -> the nurse's sign-off
    observed_min: float | None  # infusion end -> end of the session (or of the data)
    sedation_peak: CheckRecord | None
    dissociation_peak: CheckRecord | None
    status: str  # ok / ended unexpectedly

    def vital(self, parameter: Parameter) -> Vital:
        return self.vitals.get(parameter, Vital(None, None))


@dataclass(frozen=True, slots=True)
class PatientSeries:
    patient_id: str
    rows: tuple[SeriesRow, ...]
    skipped: tuple[tuple[Path, str], ...] = field(default=())  # recordings that could not be read, and why


Folders = Path | str | Sequence[Path | str]


def patients(folders: Folders) -> dict[str, tuple[RecordingInfo, ...]]:
    """Readable recordings with a patient identifier, grouped by it, each group oldest first.

    ``folders``: one folder or several (e.g. the recordings folder and the current one); a
    recording reached through two of them counts once.
    """
    folders = [folders] if isinstance(folders, Path | str) else folders
    infos, seen = [], set()
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        for info in list_recordings(folder):
            if info.path.resolve() not in seen:
                seen.add(info.path.resolve())
                infos.append(info)
    return group_by_patient(infos)


def group_by_patient(infos: Iterable[RecordingInfo]) -> dict[str, tuple[RecordingInfo, ...]]:
    groups: dict[str, list[RecordingInfo]] = {}
    for info in infos:
        patient = info.patient_id.strip()
        if patient and info.openable:
            groups.setdefault(patient, []).append(info)
    return {p: tuple(sorted(g, key=_start_key)) for p, g in sorted(groups.items())}


def _start_key(info: RecordingInfo) -> tuple[float, str]:
    return (info.started_at.timestamp() if info.started_at else float("-inf"), info.name)


def patient_series(folders: Folders, patient_id: str) -> PatientSeries:
    """The series of ``patient_id`` in ``folders`` (an unknown patient gives no rows)."""
    rows, skipped = [], []
    for info in patients(folders).get(patient_id.strip(), ()):
        try:
            with open_recording(info.path) as recording:
                rows.append(series_row(recording))
        except RecordingOpenError as exc:
            log.warning("series of %s: %s", patient_id, exc)
            skipped.append((info.path, str(exc)))
    return PatientSeries(patient_id.strip(), tuple(rows), tuple(skipped))


def series_row(recording: Recording) -> SeriesRow:
    """One session's row (rules in the module docstring)."""
    summary = recording.summary()
    treatment = read_treatment(recording)
    plan = treatment.plan
    infusion, stop = recording.phase_start("infusion"), recording.phase_start("recovery")
    vitals = {}
    for parameter in SERIES_PARAMETERS:
        row = summary.get(parameter)
        vitals[parameter] = Vital(row.baseline if row else None, row.peak if row else None)
    alarms = dict(summary.alarm_counts)  # by the highest priority each reached
    sign_off = treatment.sign_off
    meta = recording.metadata
    return SeriesRow(
        path=recording.path,
        started_at=meta.started_at or utc(recording.start),
        weight_kg=plan.weight_kg if plan else None,
        dose_mg_per_kg=plan.dose_mg_per_kg if plan else None,
        dose_mg=plan.total_mg if plan else None,
        delivered_mg=treatment.delivered_mg(infusion, stop),
        vitals=MappingProxyType(vitals),
        alarms=MappingProxyType(alarms),
        ready_min=_minutes_after(stop, treatment.ready_at),
        discharge_min=_minutes_after(stop, sign_off.time if sign_off else None),
        observed_min=_minutes_after(stop, recording.end_of_observation()),
        sedation_peak=treatment.peak(SEDATION),
        dissociation_peak=treatment.peak(DISSOCIATION),
        status=meta.status,
    )


def _minutes_after(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else (end - start) / 60.0


@dataclass(frozen=True, slots=True)
class ChartLine:
    """One line of the series chart: a value per session (None: not available for that one)."""

    name: str
    unit: str
    values: tuple[float | None, ...]


def chart_lines(rows: Iterable[SeriesRow]) -> tuple[ChartLine, ...]:
    """The chart across sessions: x is the session's number (1 = first); lines with no value are left out."""
    rows = tuple(rows)
    lines = [ChartLine("Dose", "mg/kg", tuple(r.dose_mg_per_kg for r in rows))]
    for parameter, label, unit in ((Parameter.NIBP_SYS, "Systolic", "mmHg"),
                                   (Parameter.NIBP_DIA, "Diastolic", "mmHg"), (Parameter.HR, "HR", "/min")):
        lines.append(ChartLine(f"{label} baseline", unit, tuple(r.vital(parameter).baseline for r in rows)))
        lines.append(ChartLine(f"{label} peak", unit, tuple(r.vital(parameter).peak for r in rows)))
    for kind, what in ((SEDATION, "Deepest sedation"), (DISSOCIATION, "Highest dissociation")):
        for scale_id in dict.fromkeys(p.scale for r in rows if (p := _peak(r, kind)) is not None):
            values = tuple(p.score if (p := _peak(r, kind)) is not None and p.scale == scale_id else None
                           for r in rows)
            lines.append(ChartLine(f"{what} ({SCALES[scale_id].id})", "score", values))
    return tuple(line for line in lines if any(v is not None for v in line.values))


def _peak(row: SeriesRow, kind: str) -> CheckRecord | None:
    return row.sedation_peak if kind == SEDATION else row.dissociation_peak

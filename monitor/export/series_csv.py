"""The treatment series of one patient as CSV: one row per session, oldest first.

Columns in :data:`SERIES_COLUMNS`, described in ``docs/exports.md`` ("Treatment series").
Written like every export: never over an existing file, all or nothing, owner-only,
UTF-8 without byte-order mark, CRLF line ends (RFC 4180). An empty cell means not
available for that session (no plan recorded, parameter not measured, not signed off).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TextIO

from monitor.export.common import ExportError, check_target, write_atomically
from monitor.export.csv_export import time_text
from monitor.readings import Parameter
from monitor.review.events import number_text
from monitor.review.library import LibraryError
from monitor.review.series import Folders, PatientSeries, SeriesRow, patient_series
from monitor.review.treatment import CheckRecord
from monitor.treatment.entry import amount_text

SERIES_COLUMNS = (
    "patient_id", "session", "started_utc", "started_local", "recording", "status",
    "weight_kg", "dose_mg_per_kg", "dose_mg", "delivered_mg",
    "baseline_sys", "peak_sys", "rise_sys", "baseline_dia", "peak_dia", "rise_dia",
    "baseline_hr", "peak_hr", "rise_hr",
    "alarms_high", "alarms_medium", "alarms_low",
    "ready_min", "discharge_min", "observed_min",
    "sedation_peak", "sedation_scale", "dissociation_peak", "dissociation_scale",
)
_VITALS = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.HR)


def _amount(value: float | None) -> str:
    return "" if value is None else amount_text(value)


def _score(peak: CheckRecord | None) -> list[str]:
    return ["", ""] if peak is None else [number_text(peak.score), peak.scale]


def series_row_cells(patient_id: str, number: int, row: SeriesRow) -> list[str]:
    started = row.started_at
    cells = [
        patient_id, str(number), time_text(started.timestamp()) if started else "",
        started.astimezone().isoformat(timespec="seconds") if started else "", row.path.name, row.status,
        _amount(row.weight_kg), _amount(row.dose_mg_per_kg), _amount(row.dose_mg), _amount(row.delivered_mg),
    ]
    for parameter in _VITALS:
        vital = row.vital(parameter)
        cells += [number_text(vital.baseline), number_text(vital.peak), number_text(vital.rise)]
    cells += [str(row.alarms.get(p, 0)) for p in ("high", "medium", "low")]
    cells += [_amount(row.ready_min), _amount(row.discharge_min), _amount(row.observed_min)]
    return cells + _score(row.sedation_peak) + _score(row.dissociation_peak)


def write_series(series: PatientSeries, out: TextIO) -> int:
    """Write the series CSV; returns the number of sessions written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SERIES_COLUMNS)
    for number, row in enumerate(series.rows, start=1):
        writer.writerow(series_row_cells(series.patient_id, number, row))
    return len(series.rows)


def series_for_export(folders: Folders, patient_id: str) -> PatientSeries:
    """``patient_id``'s series, or :class:`ExportError` saying where none was found."""
    try:
        series = patient_series(folders, patient_id)
    except LibraryError as exc:
        raise ExportError(str(exc)) from None
    if not series.rows:
        where = " or ".join(str(f) for f in ([folders] if isinstance(folders, Path | str) else folders))
        raise ExportError(f"No readable recording of patient {patient_id!r} in {where}; check the "
                          "identifier as it was entered (upper and lower case count) and the folder.")
    return series


def export_series_csv(folders: Folders, patient_id: str, out: Path | str) -> Path:
    """Write ``patient_id``'s series from the recordings in ``folders`` to the new file ``out``."""
    out = Path(out)
    check_target(out)
    series = series_for_export(folders, patient_id)

    def write(handle) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        write_series(series, text)
        text.flush()
        text.detach()

    return write_atomically(out, write)

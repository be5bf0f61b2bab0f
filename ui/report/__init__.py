"""The PDF session report (Qt painting), and the export every front end calls.

:func:`export` is :func:`monitor.export.export` with the PDF report as one more
format: ``infusion-monitor export`` and the review window's buttons call it.
Qt is loaded only when a PDF is asked for, so a CSV or EDF+ export from the
command line starts no GUI library.
"""

from __future__ import annotations

import re
from pathlib import Path

from monitor.export import ExportError, default_name
from monitor.export import export as export_without_pdf
from monitor.export.common import check_target, write_atomically
from monitor.export.series_csv import export_series_csv, series_for_export
from monitor.review.reader import Recording
from monitor.review.series import Folders

__all__ = ["ExportError", "default_name", "export", "export_series"]


def _pdf(recording: Recording) -> bytes:
    from devices.registry import describe  # the monitor's name for people, for the report's details
    from ui.report.pdf_report import render_pdf  # Qt: only for a PDF

    return render_pdf(recording, monitor_name=describe)


def export(path: Path | str, fmt: str, out: Path | str, events: bool = False) -> list[Path]:
    """Export the recording at ``path`` as ``fmt`` ("csv", "edf" or "pdf") to ``out``; returns the
    files written. See :func:`monitor.export.export` for ``out``, ``events`` and every refusal."""
    return export_without_pdf(path, fmt, out, events, renderers={"pdf": _pdf})


def export_series(folders: Folders, patient_id: str, fmt: str, out: Path | str) -> Path:
    """Write ``patient_id``'s treatment series from the recordings in ``folders`` as ``fmt``
    ("csv" or "pdf") to the new file ``out`` (never over an existing one); returns it."""
    if fmt == "csv":
        return export_series_csv(folders, patient_id, series_target(out, patient_id, fmt))
    if fmt != "pdf":
        raise ExportError(f"A treatment series is written as csv or pdf, not {fmt}.")
    out = series_target(out, patient_id, fmt)
    check_target(out)
    series = series_for_export(folders, patient_id)
    from ui.report.series_pdf import render_series_pdf  # Qt: only for a PDF

    data = render_series_pdf(series)
    return write_atomically(out, lambda handle: handle.write(data))


def series_target(out: Path | str, patient_id: str, fmt: str) -> Path:
    """``out``, or in the folder ``out`` a file named after the patient (``series-S-1.pdf``)."""
    out = Path(out)
    if not out.is_dir():
        return out
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", patient_id).strip("_")[:40] or "patient"
    return out / f"series-{safe}.{fmt}"

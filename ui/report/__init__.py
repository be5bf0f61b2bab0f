"""The PDF session report (Qt painting), and the export every front end calls.

:func:`export` is :func:`monitor.export.export` with the PDF report as one more
format: ``infusion-monitor export`` and the review window's buttons call it.
Qt is loaded only when a PDF is asked for, so a CSV or EDF+ export from the
command line starts no GUI library.
"""

from __future__ import annotations

from pathlib import Path

from monitor.export import ExportError, default_name
from monitor.export import export as export_without_pdf
from monitor.review.reader import Recording

__all__ = ["ExportError", "default_name", "export"]


def _pdf(recording: Recording) -> bytes:
    from devices.registry import describe  # the monitor's name for people, for the report's details
    from ui.report.pdf_report import render_pdf  # Qt: only for a PDF

    return render_pdf(recording, monitor_name=describe)


def export(path: Path | str, fmt: str, out: Path | str, events: bool = False) -> list[Path]:
    """Export the recording at ``path`` as ``fmt`` ("csv", "edf" or "pdf") to ``out``; returns the
    files written. See :func:`monitor.export.export` for ``out``, ``events`` and every refusal."""
    return export_without_pdf(path, fmt, out, events, renderers={"pdf": _pdf})

"""Exporting a recording: CSV (readings, and events) and EDF+, and the machinery for any format.

:func:`export` opens the recording, refuses a target that exists, writes every
file all or nothing and says what went wrong. CSV and EDF+ are written here; a
format drawn elsewhere is passed in as a renderer (``renderers``): the PDF
report is painted with Qt, so it lives in ``ui/report`` and
:func:`ui.report.export` (what ``infusion-monitor export`` and the review
window's buttons call) passes it; nothing here imports Qt or a device.

Every failure a user can meet is an :class:`ExportError` whose text is the
sentence to show: a recording that cannot be opened, a missing or unwritable
folder, a name that already exists (never overwritten), a full disk. What each
format contains is in ``docs/exports.md``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from monitor.export.common import ExportError, check_target, write_atomically
from monitor.review.reader import Recording, RecordingOpenError, open_recording
from monitor.storage import RECORDING_SUFFIX

FORMATS = ("csv", "edf", "pdf")  # "pdf" with a renderer (ui.report)
EXTENSIONS = {"csv": ".csv", "edf": ".edf", "pdf": ".pdf"}
Renderer = Callable[[Recording], bytes]  # a whole file's bytes from an open recording

__all__ = ["EXTENSIONS", "FORMATS", "ExportError", "Renderer", "default_name", "events_path", "export"]


def default_name(recording_path: Path, fmt: str) -> str:
    """``20261122-080000-P-17.irm.sqlite`` -> ``20261122-080000-P-17.csv``."""
    name = recording_path.name
    stem = name[: -len(RECORDING_SUFFIX)] if name.endswith(RECORDING_SUFFIX) else recording_path.stem
    return stem + EXTENSIONS[fmt]


def events_path(out: Path) -> Path:
    """Where the events CSV goes beside the readings CSV: ``name-events.csv``."""
    return out.with_name(f"{out.stem}-events{out.suffix or '.csv'}")


def _text(write: Callable[[Recording, io.TextIOBase], object], recording: Recording):
    def run(handle: BinaryIO) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        write(recording, text)
        text.flush()
        text.detach()

    return run


def _writers(recording: Recording, fmt: str, out: Path, events: bool, renderers: Mapping[str, Renderer]):
    """``[(target, write), ...]`` for one export; imports only the format's own libraries."""
    if fmt in renderers:
        data = renderers[fmt](recording)
        return [(out, lambda handle: handle.write(data))]
    if fmt == "csv":
        from monitor.export.csv_export import write_events, write_readings

        jobs = [(out, _text(write_readings, recording))]
        if events:
            jobs.append((events_path(out), _text(write_events, recording)))
        return jobs
    if fmt == "edf":
        try:
            from monitor.export.edf_export import edf_bytes
        except ImportError as exc:  # an installation without the EDF writer
            raise ExportError(f"EDF+ export is not available in this installation ({exc}); "
                              "reinstall the program, or export to CSV.") from None

        data = edf_bytes(recording)  # built in memory: the disk sees only our own writes
        return [(out, lambda handle: handle.write(data))]
    raise ExportError(f"The {fmt.upper()} export is not available here; export to CSV or EDF+ instead.")


def export(path: Path | str, fmt: str, out: Path | str, events: bool = False, *,
           renderers: Mapping[str, Renderer] | None = None) -> list[Path]:
    """Export the recording at ``path`` as ``fmt`` to ``out``; returns the files written.

    ``out`` is the new file, or an existing folder to put ``<recording name>.<ext>`` in.
    ``events`` (CSV only) adds ``<out name>-events.csv``: alarms, annotations, phase
    changes, operator actions and link events. ``renderers`` draw the formats not
    written here (``{"pdf": ...}``).
    """
    renderers = renderers or {}
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if events and fmt != "csv":
        raise ExportError("The events file comes with CSV export; EDF+ and PDF already contain the events.")
    path, out = Path(path), Path(out)
    if out.is_dir():
        out = out / default_name(path, fmt)
    targets = [out, events_path(out)] if events else [out]
    for target in targets:
        check_target(target)
    try:
        recording = open_recording(path)
    except RecordingOpenError as exc:
        raise ExportError(str(exc)) from None
    written: list[Path] = []
    try:
        with recording:
            for target, write in _writers(recording, fmt, out, events, renderers):
                written.append(write_atomically(target, write))
    except RecordingOpenError as exc:  # damage found while reading
        _remove(written)
        raise ExportError(str(exc)) from None
    except BaseException:
        _remove(written)  # all or nothing: no readings CSV without its events CSV
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for written in paths:
        written.unlink(missing_ok=True)

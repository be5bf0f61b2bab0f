"""Render docs/screenshots/review.png and library.png offscreen from real recordings.

    .venv/bin/python main.py record --port sim:hypertensive-episode --protocol datex \\
        --speed 120 --duration 4800 --out /tmp/x.irm.sqlite          # and a few other scenarios
    .venv/bin/python -m ui.review.screenshots /tmp/x.irm.sqlite [MORE.irm.sqlite ...] \\
        [--out docs/screenshots] [--size 1920x1080]

The first recording is the one reviewed. For the library, every recording is
copied into a temporary folder as a clinic's folder would hold it: named like
the live app names them, with a patient identifier, and moved to a day of the
past week (every time in the copy shifted alike, so nothing inside changes
relative to anything else). One copy is left as a crash leaves a file (no end
written) and one is cut short, so the picture shows how both are listed. The
recordings given are never changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
PATIENTS = ["K-0142", "K-0117", "K-0139", "K-0128", "K-0101", "K-0093"]
TIME_TABLES = ("readings", "link_events", "device_status", "phase_changes", "annotations", "alarm_events",
               "operator_actions")


def _shift(path: Path, seconds: float, patient: str) -> None:
    """Move every time in the copy at ``path`` by ``seconds`` and set its patient identifier."""
    with sqlite3.connect(path) as db:
        for table in TIME_TABLES:
            db.execute(f"UPDATE {table} SET host_time = host_time + ?", (seconds,))
        for key in ("started_at", "ended_at"):
            row = db.execute("SELECT value FROM session_info WHERE key = ?", (key,)).fetchone()
            if row:
                moved = datetime.fromisoformat(row[0]) + timedelta(seconds=seconds)
                db.execute("UPDATE session_info SET value = ? WHERE key = ?", (moved.isoformat(), key))
        db.execute("UPDATE session_info SET value = ? WHERE key = 'patient_id'", (patient,))
    db.close()


def demo_folder(recordings: list[Path], folder: Path) -> list[Path]:
    """Copies of ``recordings`` in ``folder`` as described above; returns them, first one first."""
    copies = []
    day = datetime.now().astimezone().replace(hour=8, minute=30, second=0, microsecond=0)
    for i, source in enumerate(recordings):
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
            started = datetime.fromisoformat(db.execute(
                "SELECT value FROM session_info WHERE key = 'started_at'").fetchone()[0])
        db.close()
        when = day - timedelta(days=i, hours=-(i % 3) * 2)
        patient = PATIENTS[i % len(PATIENTS)]
        target = folder / f"{when:%Y%m%d-%H%M%S}-{patient}.irm.sqlite"
        shutil.copy(source, target)
        _shift(target, (when - started).total_seconds(), patient)
        copies.append(target)
    if len(copies) >= 3:  # as a crash leaves it: no end written
        with sqlite3.connect(copies[2]) as db:
            db.execute("DELETE FROM session_info WHERE key IN ('ended_at', 'end_reason')")
        db.close()
    cut = folder / f"{day - timedelta(days=len(copies) + 1):%Y%m%d-%H%M%S}-K-0087.irm.sqlite"
    shutil.copy(copies[0], cut)
    os.truncate(cut, cut.stat().st_size // 3)
    return copies


def render(recordings: list[Path], out: Path, size: tuple[int, int]) -> list[Path]:
    from ui.review.library import LibraryWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    written = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "recordings"
        folder.mkdir()
        copies = demo_folder(recordings, folder)
        library = LibraryWindow(folder, "dark")
        library.resize(size[0], int(size[1] * 0.5))
        library.show()
        library.table.selectRow(len(library.infos) - 1)  # the damaged one: its reason below the list
        library.search_box.setFocus()
        app.processEvents()
        written.append(out / "library.png")
        library.grab().save(str(written[-1]))
        review = library.open_row(library.row_of(copies[0].name))
        assert review is not None, library.message_box and library.message_box.text()
        review.resize(*size)
        review.setWindowState(review.windowState())
        app.processEvents()
        summary = review.summary.get("NIBP_SYS") or review.summary.parameters[0]
        if summary.peak_time is not None:
            review.jump_to(summary.peak_time)
            review.set_cursor_time(summary.peak_time)
        for _ in range(3):
            app.processEvents()
        written.append(out / "review.png")
        review.grab().save(str(written[-1]))
        library.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recordings", type=Path, nargs="+", help="recordings; the first is reviewed")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1920x1080", help="review window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in render(args.recordings, args.out, (width, height)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

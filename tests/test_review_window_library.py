"""The session library window on a real folder, offscreen: every recording listed with its facts,
bad files with the reason, search, and opening (double-click, Enter) a good or a bad one."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from monitor.readings import Parameter
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    LOCAL,
    T0,
    alarm,
    clinic_time_zone,
    phase,
    reading,
    record,
    simulated_recording,
)
from ui.review.library import COLUMN, LibraryWindow
from ui.review.review_window import ReviewWindow

pytestmark = pytest.mark.usefixtures("clinic_time_zone")
GOOD = "20261122-090000-P-0042.irm.sqlite"
CRASHED = "20261123-140000-AB-7.irm.sqlite"
CUT = "20261121-100000-CUT.irm.sqlite"
NEWER = "20261120-100000-NEW.irm.sqlite"
BROKEN_PAGE = "20261119-100000-PAGE.irm.sqlite"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recordings")
    good = simulated_recording(folder / GOOD)
    start = 86400 + 21600
    record(
        folder / CRASHED,
        [phase(start, "baseline"), *(reading(Parameter.HR, 80, start + i) for i in range(0, 900, 5)),
         phase(start + 600, "infusion"), alarm(start + 700, "HR_HIGH", "low", "raised", 111, 110)],
        close=False, patient_id="AB-7", started_at=(T0 + timedelta(days=1, hours=6)).astimezone(LOCAL).isoformat(),
    )
    shutil.copy(good, folder / CUT)
    os.truncate(folder / CUT, (folder / CUT).stat().st_size // 3)
    shutil.copy(good, folder / NEWER)
    with sqlite3.connect(folder / NEWER) as db:
        db.execute("PRAGMA user_version = 9")
    db.close()
    broken = folder / BROKEN_PAGE  # lists fine (no page check), refused by the full check when opened
    shutil.copy(good, broken)
    with sqlite3.connect(broken) as db:
        db.execute("UPDATE session_info SET value = 'Q-9' WHERE key = 'patient_id'")
    db.close()
    size = broken.stat().st_size
    with open(broken, "r+b") as handle:
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xff" * 4096)
    with sqlite3.connect(folder / "someone-else.irm.sqlite") as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    db.close()
    (folder / "notes.txt").write_text("not a recording, not listed")
    return folder


@pytest.fixture
def library(qtbot, folder) -> LibraryWindow:
    window = LibraryWindow(folder, "dark")
    qtbot.addWidget(window)
    window.resize(1500, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def cell(window: LibraryWindow, name: str, column: str) -> str:
    return window.table.item(window.row_of(name), COLUMN[column]).text()


def double_click(qtbot, window: LibraryWindow, name: str) -> None:
    """As a hand does it: the first click of a double-click is a press of its own."""
    row = window.row_of(name)
    centre = window.table.visualRect(window.table.model().index(row, COLUMN["Date"])).center()
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_every_recording_is_listed_with_its_facts_and_bad_ones_with_the_reason(library):
    names = [library.table.item(r, COLUMN["File"]).text() for r in range(library.table.rowCount())]
    # newest first; the file with a broken page reads as a copy of GOOD until the full check
    assert names == [CRASHED, GOOD, BROKEN_PAGE, CUT, NEWER, "someone-else.irm.sqlite"]
    assert [cell(library, GOOD, c) for c in ("Patient", "Date", "Duration", "Baseline", "Infusion", "Observation",
                                             "\u25b2 High", "\u25b2 Medium", "\u25b2 Low", "Status")] == [
        "P-0042", "2026-11-22 09:00", "1 h 45 min", "5 min", "40 min", "1 h 00 min", "1", "1", "0", "ok"]
    assert cell(library, CRASHED, "Status") == "ended unexpectedly"
    assert "about a second" in cell(library, CRASHED, "Details")
    assert (cell(library, CRASHED, "Infusion"), cell(library, CRASHED, "\u25b2 Low")) == ("5 min", "1")
    assert cell(library, CUT, "Status") == "damaged" and cell(library, CUT, "Date") == "2026-11-21 10:00"
    assert "damaged" in cell(library, CUT, "Details") and "Copy it again" in cell(library, CUT, "Details")
    assert library.table.item(library.row_of(CUT), COLUMN["Status"]).toolTip().startswith(str(library.folder / CUT))
    assert cell(library, NEWER, "Status") == "newer version" and "Update" in cell(library, NEWER, "Details")
    assert "another program" in cell(library, "someone-else.irm.sqlite", "Details")
    assert library.count.text() == "6 recordings"
    library.table.selectRow(library.row_of(CUT))
    assert "damaged" in library.detail.text() and "Copy it again" in library.detail.text()


def test_the_search_box_filters_the_list(qtbot, library):
    qtbot.keyClicks(library.search_box, "ab-7")
    assert [i.name for i in library.visible_rows()] == [CRASHED]
    assert library.count.text() == "1 of 6 recordings"
    library.search_box.setText("damaged")
    assert {i.name for i in library.visible_rows()} == {CUT, "someone-else.irm.sqlite"}
    library.search_box.setText("22.11.2026 p-0042")
    assert [i.name for i in library.visible_rows()] == [GOOD]
    library.search_box.setText("nobody")
    assert library.visible_rows() == []
    library.search_box.clear()
    assert len(library.visible_rows()) == 6


def test_double_click_opens_the_review_window(qtbot, library, folder):
    double_click(qtbot, library, GOOD)
    [window] = library.review_windows
    assert isinstance(window, ReviewWindow) and window.isVisible()
    assert window.recording.path == folder / GOOD and window.recording.metadata.patient_id == "P-0042"
    assert library.message_box is None
    double_click(qtbot, library, GOOD)  # again: the same window, not a second one
    assert library.review_windows == [window]
    window.close()
    qtbot.waitUntil(lambda: library.review_windows == [])


def test_enter_opens_the_selected_recording_even_one_that_ended_unexpectedly(qtbot, library, folder):
    library.table.setFocus()
    library.table.setCurrentCell(library.row_of(CRASHED), COLUMN["Patient"])
    qtbot.keyClick(library.table, Qt.Key.Key_Return)
    [window] = library.review_windows
    assert window.recording.path == folder / CRASHED
    assert "ENDED UNEXPECTEDLY" in window.flags.text()
    library.close()  # closes its review windows too
    assert not window.isVisible()


@pytest.mark.parametrize("name, phrase", [
    (CUT, "damaged"), (NEWER, "newer version of the program"), ("someone-else.irm.sqlite", "another program"),
    (BROKEN_PAGE, "damaged"),  # only the full check on opening finds this one
])
def test_opening_a_file_that_cannot_be_opened_shows_why_and_opens_nothing(qtbot, library, folder, name, phrase):
    double_click(qtbot, library, name)
    box = library.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert phrase in box.text() and str(folder / name) in box.text()
    assert library.review_windows == []
    box.close()


def test_change_folder_and_refresh(qtbot, tmp_path, folder):
    empty = tmp_path / "empty"
    empty.mkdir()
    asked = []
    window = LibraryWindow(None, "light", folder_dialog=lambda parent, caption, current: asked.append(current) or empty)
    qtbot.addWidget(window)
    assert not window.open_button.isEnabled()
    assert window.infos == [] and "No recordings folder" in window.where.text()
    window.folder_button.click()
    assert asked == [Path.home()] and window.folder == empty and window.table.rowCount() == 0
    assert window.detail.text() == "No recordings in this folder yet."
    shutil.copy(folder / GOOD, empty / GOOD)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert [i.name for i in window.infos] == [GOOD]

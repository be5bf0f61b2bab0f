"""The wired dashboard on the in-process simulator: real driver, real bytes, real recording."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import sys

import pytest
from PySide6.QtCore import QSettings

from monitor.clock import ScaledClock
from monitor.session import Phase
from tests.conftest import build_test_bed
from ui.app import keep_large_buffers_out_of_the_heap, show_bed
from ui.dashboard.plan_dialog import START_WITHOUT_PLAN, PlanAnswer


def test_simulated_session_fills_the_dashboard_follows_the_scenario_and_records_it(qtbot, tmp_path):
    # 60x: ketamine-typical starts the infusion at 5 min of scenario time, i.e. after 5 s here.
    clock = ScaledClock(speed=60)
    path = tmp_path / "live.irm.sqlite"
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    bed = build_test_bed("sim:ketamine-typical", clock, path, patient="P-1")
    view = show_bed(bed, "dark", settings)
    window = view.window
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.tiles["HR"].value.text().isdigit(), timeout=15000)
        qtbot.waitUntil(lambda: bed.session.phase is Phase.INFUSION, timeout=20000)
        assert bed.session.view().baseline  # the baseline formed from real readings
        window.annotation_requested.emit("Nausea", "quick")
    finally:
        view.stop()
        bed.stop("ended normally")
    db = sqlite3.connect(path)
    phases = [row[0] for row in db.execute("SELECT phase FROM phase_changes ORDER BY id")]
    assert phases[:2] == ["baseline", "infusion"]
    assert db.execute("SELECT text FROM annotations").fetchone() == ("Nausea",)
    assert db.execute("SELECT count(*) FROM readings WHERE parameter='HR'").fetchone()[0] > 0


def test_a_session_error_is_shown_to_the_nurse_not_raised(qtbot, tmp_path):
    clock = ScaledClock(speed=1)
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    bed = build_test_bed("sim:stable", clock, tmp_path / "s.irm.sqlite")
    view = show_bed(bed, "dark", settings)
    window = view.window
    qtbot.addWidget(window)
    notices: list[str] = []
    window.show_notice = notices.append
    try:
        window.stop_infusion_requested.emit()  # no infusion is running
    finally:
        view.stop()
        bed.stop("ended normally")
    assert notices and "infusion" in notices[0].lower()


def test_starting_without_a_baseline_bp_needs_a_confirmation_that_is_logged(qtbot, tmp_path, monkeypatch):
    import ui.app

    clock = ScaledClock(speed=1)
    path = tmp_path / "gate.irm.sqlite"
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    bed = build_test_bed("sim:stable", clock, path)
    view = show_bed(bed, "dark", settings)
    window = view.window
    qtbot.addWidget(window)
    answers = iter([False, True])
    asked: list[str] = []

    def nurse(check, systolic, diastolic, parent=None):
        asked.append(check.decision.value)
        return next(answers)

    monkeypatch.setattr(ui.app, "confirm_start_despite", nurse)
    view.treatment.dialogs.plan = lambda *args: PlanAnswer(START_WITHOUT_PLAN)  # no dose plan: the BP check only
    try:
        window.start_infusion_requested.emit()  # no NIBP yet: caution, nurse says no
        assert bed.session.phase is Phase.BASELINE
        window.start_infusion_requested.emit()  # nurse confirms
        assert bed.session.phase is Phase.INFUSION
    finally:
        view.stop()
        bed.stop("ended normally")
    assert asked == ["caution", "caution"]
    action = sqlite3.connect(path).execute("SELECT action FROM operator_actions").fetchone()
    assert action == ("start_confirmed_despite_caution",)


class _Mallinfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2``: ``hblkhd`` is the bytes in chunks with a mapping of their own."""

    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def test_a_large_buffer_still_gets_its_own_mapping_after_a_larger_one_was_freed(monkeypatch):
    """What keeps the dashboard's memory flat over a long session (ui.app.keep_large_buffers_out_of_the_heap):
    by default glibc, once a large mapped buffer is freed, serves the next ones from the main heap,
    where they fragment it for good (Qt frees its 6 MB backing store at start). With the fix a large
    buffer that the heap has no room for still gets its own mapping, returned to the system when
    freed, instead of growing the heap. Elsewhere: no change."""
    try:
        glibc = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        glibc = False
    if not glibc:
        pytest.skip("glibc only")
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
    libc.free.argtypes = (ctypes.c_void_p,)
    libc.mallinfo2.restype = _Mallinfo2

    assert keep_large_buffers_out_of_the_heap() is True
    size = libc.mallinfo2().fordblks + (1 << 20)  # more than the heap has free: it cannot be reused
    libc.free(libc.malloc(2 * size))  # without the fix, glibc's threshold would now be above size
    mapped_before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    try:
        assert libc.mallinfo2().hblkhd >= mapped_before + size  # its own mapping, not a bigger heap
    finally:
        libc.free(block)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert keep_large_buffers_out_of_the_heap() is False

"""Every nurse action on the dashboard asks through a signal, by click and by key; ending needs a yes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMainWindow

from monitor.readings import Parameter
from monitor.session import QUICK_ANNOTATIONS
from tests.test_dashboard import Bedside


@pytest.fixture
def shown(qtbot, tmp_path) -> Bedside:
    """A window that is on screen and active, so its keyboard shortcuts work."""
    bed = Bedside(qtbot, tmp_path)
    bed.window.show()
    qtbot.waitExposed(bed.window)
    bed.window.activateWindow()
    qtbot.waitUntil(bed.window.isActiveWindow, timeout=3000)
    return bed


def test_start_and_stop_infusion_by_button_and_by_key(shown, qtbot):
    window = shown.window
    with qtbot.waitSignal(window.start_infusion_requested, timeout=1000):
        qtbot.mouseClick(window.controls.start, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.start_infusion_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_F2)
    shown.session.start_infusion()  # what the app does on the request
    window.refresh()
    assert not window.controls.start.isEnabled() and window.controls.stop.isEnabled()
    with qtbot.waitSignal(window.stop_infusion_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_F3)


def test_buttons_follow_the_phase(bed_phases):
    for phase, start, stop, end, notes in bed_phases:
        assert (start, stop, end, notes) == {
            "baseline": (True, False, True, True),
            "infusion": (False, True, False, True),
            "recovery": (False, False, True, True),
            "ended": (False, False, False, False),
        }[phase], phase


@pytest.fixture
def bed_phases(qtbot, tmp_path):
    bed = Bedside(qtbot, tmp_path)
    c = bed.window.controls
    seen = []
    for command in (None, bed.session.start_infusion, bed.session.stop_infusion, bed.session.end_session):
        if command:
            bed.clock.advance(60)
            command()
        bed.window.refresh()
        seen.append((str(bed.session.view().phase), c.start.isEnabled(), c.stop.isEnabled(),
                     c.end.isEnabled(), c.quick[0].isEnabled()))
    return seen


def test_end_session_only_after_the_nurse_confirms(qtbot, tmp_path):
    answers = []
    bed = Bedside(qtbot, tmp_path, confirm=lambda parent, title, question: answers.append(question) or False)
    with qtbot.assertNotEmitted(bed.window.end_session_requested):
        bed.window.controls.end.click()
    assert answers and "End this session?" in answers[0]
    yes = Bedside(qtbot, tmp_path, confirm=lambda *_: True)
    with qtbot.waitSignal(yes.window.end_session_requested, timeout=1000):
        yes.window.controls.end.click()


def test_end_session_by_key_also_asks(qtbot, tmp_path):
    asked = []
    bed = Bedside(qtbot, tmp_path, confirm=lambda *_: asked.append(1) or False)
    bed.window.show()
    qtbot.waitExposed(bed.window)
    bed.window.activateWindow()
    qtbot.waitUntil(bed.window.isActiveWindow, timeout=3000)
    with qtbot.assertNotEmitted(bed.window.end_session_requested):
        qtbot.keyClick(bed.window, Qt.Key.Key_F4)
    assert asked == [1]


def test_quick_annotations_by_button_and_alt_digit(shown, qtbot):
    window = shown.window
    assert [b.text() for b in window.controls.quick] == list(QUICK_ANNOTATIONS)
    with qtbot.waitSignal(window.annotation_requested, timeout=1000) as signal:
        qtbot.mouseClick(window.controls.quick[0], Qt.MouseButton.LeftButton)
    assert signal.args == [QUICK_ANNOTATIONS[0], "quick"]
    with qtbot.waitSignal(window.annotation_requested, timeout=1000) as signal:
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert signal.args == [QUICK_ANNOTATIONS[1], "quick"]


def test_free_text_note_with_enter(shown, qtbot):
    window = shown.window
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.controls.note.hasFocus()
    qtbot.keyClicks(window.controls.note, "  Patient asked for water  ")
    with qtbot.waitSignal(window.annotation_requested, timeout=1000) as signal:
        qtbot.keyClick(window.controls.note, Qt.Key.Key_Return)
    assert signal.args == ["Patient asked for water", "free"]
    assert window.controls.note.text() == ""
    with qtbot.assertNotEmitted(window.annotation_requested):
        window.controls.submit_note()  # nothing written, nothing sent


def test_alarm_buttons_and_keys(shown, qtbot):
    window = shown.window
    for button, key_, signal in (
        (window.alarm_bar.acknowledge, Qt.Key.Key_F5, window.acknowledge_requested),
        (window.alarm_bar.audio_pause, Qt.Key.Key_F6, window.audio_pause_requested),
        (window.alarm_bar.limits, Qt.Key.Key_F7, window.limits_requested),
    ):
        with qtbot.waitSignal(signal, timeout=1000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(signal, timeout=1000):
            qtbot.keyClick(window, key_)


def test_help_overlay_theme_and_full_screen_keys(shown, qtbot):
    window = shown.window
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.help_overlay.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.help_overlay.isVisible()
    with qtbot.waitSignal(window.theme_toggled, timeout=1000) as signal:
        qtbot.keyClick(window, Qt.Key.Key_F8)
    assert signal.args == ["light"]
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.windowState() & Qt.WindowState.WindowFullScreen


def test_window_size_is_remembered(qtbot, tmp_path):
    first = Bedside(qtbot, tmp_path)
    first.window.show()
    qtbot.waitExposed(first.window)
    first.window.resize(1234, 777)
    qtbot.waitUntil(lambda: first.window.width() == 1234)
    first.window.close()
    assert QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat).value("window/geometry")
    second = Bedside(qtbot, tmp_path)
    reference = QMainWindow()  # what Qt makes of the saved geometry on this (small, offscreen) screen
    qtbot.addWidget(reference)
    reference.setMinimumSize(second.window.minimumSize())
    reference.restoreGeometry(QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat).value("window/geometry"))
    assert second.window.size() == reference.size()
    assert (second.window.width(), second.window.height()) != (1600, 900)  # not the first-run default


def test_an_annotation_the_session_accepted_appears_on_the_chart(bed_with_note):
    kinds = [(line.kind, line.label.format) for line in bed_with_note.window.chart.markers]
    assert kinds == [("annotation", QUICK_ANNOTATIONS[0])]


@pytest.fixture
def bed_with_note(qtbot, tmp_path) -> Bedside:
    bed = Bedside(qtbot, tmp_path)
    bed.window.annotation_requested.connect(lambda text, kind: bed.session.annotate(text, kind))
    bed.session.start_infusion()
    bed.clock.advance(120)
    bed.send(Parameter.HR, 72)
    bed.window.controls.quick[0].click()
    bed.window.refresh()
    return bed

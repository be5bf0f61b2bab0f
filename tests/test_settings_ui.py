"""Locked settings on screen: real widgets offscreen, handed what main.py hands them (a Preset)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from tests.test_dashboard_controls import shown  # noqa: F401 - the fixture: a window on screen and active
from tests.test_dashboard_connection import PORTS
from ui.dashboard.connection_dialog import ConnectionDialog
from ui.presets import Preset

LOCK = "Locked by the administrator (Clinic IT) in C:\\ProgramData\\infusion-monitor\\settings.toml line 4."


def remembered(tmp_path, protocol: str) -> QSettings:
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    settings.setValue("connection/protocol", protocol)
    return settings


def test_a_locked_protocol_is_shown_disabled_with_who_locked_it(qtbot, tmp_path):
    dialog = ConnectionDialog(lambda: list(PORTS), remembered(tmp_path, "intellivue"),
                              protocol_preset=Preset("datex", LOCK))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.protocol.currentData() == "datex"  # the lock, not the remembered intellivue
    assert not dialog.protocol.isEnabled()
    assert dialog.protocol.toolTip() == LOCK
    assert dialog.protocol_lock.isVisible() and LOCK in dialog.protocol_lock.text()
    dialog.use_sim.setChecked(True)  # switching mode re-checks the protocols: still locked
    assert not dialog.protocol.isEnabled() and dialog.protocol.currentData() == "datex"
    dialog.port.setEditText("COM3")
    dialog.use_port.setChecked(True)
    assert dialog.choice() == ("COM3", "datex")


def test_a_protocol_from_a_settings_file_is_preselected_and_can_be_changed(qtbot, tmp_path):
    dialog = ConnectionDialog(lambda: list(PORTS), remembered(tmp_path, "intellivue"),
                              protocol_preset=Preset("masimo"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.protocol.currentData() == "masimo" and dialog.protocol.isEnabled()
    assert dialog.protocol.toolTip() == "" and not dialog.protocol_lock.isVisible()


def test_without_settings_the_dialog_keeps_the_remembered_protocol(qtbot, tmp_path):
    dialog = ConnectionDialog(lambda: list(PORTS), remembered(tmp_path, "intellivue"))
    qtbot.addWidget(dialog)
    assert dialog.protocol.currentData() == "intellivue" and dialog.protocol.isEnabled()


def test_f8_on_a_locked_theme_says_who_locked_it_and_keeps_the_theme(shown, qtbot):
    """(F8 without a lock switches the theme: tests/test_dashboard_controls.py.)"""
    shown.window.lock_theme(LOCK)
    with qtbot.assertNotEmitted(shown.window.theme_toggled):
        qtbot.keyClick(shown.window, Qt.Key.Key_F8)
    assert shown.window.theme_name == "dark"
    assert shown.window.statusBar().currentMessage() == f"The theme cannot be changed on this computer. {LOCK}"

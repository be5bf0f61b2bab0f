"""The connection dialog: ports from an injected list, a protocol or the simulator, remembered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDialog

from devices.transport import PortInfo
from ui.dashboard.connection_dialog import (
    ConnectionDialog,
    choose_connection,
    remembered_connection,
)

PORTS = [
    PortInfo("/dev/ttyS0", "", "", ""),
    PortInfo("/dev/ttyUSB0", "FT232R USB UART", "0403:6001", "A10KX3"),
]


@pytest.fixture
def settings(tmp_path) -> QSettings:
    """A settings file of this test's own, never the user's."""
    return QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)


def dialog(qtbot, settings, ports=PORTS) -> ConnectionDialog:
    d = ConnectionDialog(lambda: list(ports), settings)
    qtbot.addWidget(d)
    return d


def test_lists_the_ports_the_provider_gives_with_description_and_usb_id(qtbot, settings):
    d = dialog(qtbot, settings)
    texts = [d.port.itemText(i) for i in range(d.port.count())]
    assert texts == ["/dev/ttyS0", "/dev/ttyUSB0 \u2014 FT232R USB UART, USB 0403:6001"]
    assert d.ports_hint.isHidden()


def test_no_ports_says_what_to_do(qtbot, settings):
    d = dialog(qtbot, settings, ports=[])
    assert d.port.count() == 0 and not d.ports_hint.isHidden()
    assert "Plug in the USB-serial adapter" in d.ports_hint.text()
    assert d.problem().startswith("Choose a serial port")


def test_refresh_asks_the_provider_again(qtbot, settings):
    found: list[PortInfo] = []
    d = ConnectionDialog(lambda: list(found), settings)
    qtbot.addWidget(d)
    assert d.port.count() == 0
    found.append(PORTS[1])
    qtbot.mouseClick(d.refresh_button, Qt.MouseButton.LeftButton)
    assert d.port.count() == 1


def test_choosing_a_port_and_protocol_returns_the_url_and_remembers_it(qtbot, settings):
    d = dialog(qtbot, settings)
    d.use_port.setChecked(True)
    d.port.setCurrentIndex(1)
    d.protocol.setCurrentIndex(d.protocol.findData("masimo"))
    assert d.choice() == ("/dev/ttyUSB0", "masimo")
    d.accept()
    assert d.result() == QDialog.DialogCode.Accepted
    assert remembered_connection(settings) == ("/dev/ttyUSB0", "masimo")
    again = dialog(qtbot, settings)
    assert again.use_port.isChecked() and again.choice() == ("/dev/ttyUSB0", "masimo")


def test_a_typed_network_port_is_used_as_typed(qtbot, settings):
    d = dialog(qtbot, settings)
    d.port.setEditText("socket://10.0.0.7:4001")
    assert d.choice()[0] == "socket://10.0.0.7:4001"


def test_the_simulated_monitor_with_a_scenario(qtbot, settings):
    d = dialog(qtbot, settings)
    d.use_sim.setChecked(True)
    assert not d.port.isEnabled() and d.scenario.isEnabled()
    d.scenario.setCurrentIndex(d.scenario.findData("bradycardia"))
    d.protocol.setCurrentIndex(d.protocol.findData("datex"))
    assert d.choice() == ("sim:bradycardia", "datex")
    d.accept()
    assert remembered_connection(settings) == ("sim:bradycardia", "datex")
    again = dialog(qtbot, settings)
    assert again.use_sim.isChecked() and again.choice() == ("sim:bradycardia", "datex")


def test_a_remembered_port_that_is_unplugged_is_still_offered(qtbot, settings):
    settings.setValue("connection/mode", "port")
    settings.setValue("connection/port", "/dev/ttyUSB3")
    settings.setValue("connection/protocol", "datex")
    d = dialog(qtbot, settings)
    assert d.choice() == ("/dev/ttyUSB3", "datex")


def test_first_run_has_nothing_remembered_and_defaults_to_a_real_port(qtbot, settings):
    assert remembered_connection(settings) is None
    d = dialog(qtbot, settings)
    assert d.use_port.isChecked() and d.choice() == ("/dev/ttyS0", "datex")


def test_cancel_returns_none_and_remembers_nothing(qtbot, settings):
    QTimer.singleShot(0, lambda: _reject_open_dialog())
    assert choose_connection(lambda: PORTS, settings) is None
    assert remembered_connection(settings) is None


def _reject_open_dialog() -> None:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ConnectionDialog) and widget.isVisible():
            widget.reject()

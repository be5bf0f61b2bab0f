"""Choose what to connect to: a serial port and its protocol, or the simulated monitor.

The port list comes from an injected provider (``devices.transport.list_serial_ports``
in the app, a fake list in tests). The last choice is remembered in QSettings
and preselected next time, so on most days the nurse only presses Connect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from devices import registry
from devices.simulator.scenario import builtin_scenarios
from devices.transport import PortInfo
from ui.dashboard.widgets import label
from ui.presets import Preset

PortLister = Callable[[], list[PortInfo]]
SIM_PREFIX = "sim:"
DEFAULT_SCENARIO = "ketamine-typical"
KEY_MODE, KEY_PORT, KEY_PROTOCOL, KEY_SCENARIO = (
    "connection/mode", "connection/port", "connection/protocol", "connection/scenario",
)
NO_PORTS = "No serial ports found. Plug in the USB-serial adapter and press Refresh, or type socket://HOST:PORT."


def dashboard_settings() -> QSettings:
    return QSettings("infusion-monitor", "dashboard")


def port_text(port: PortInfo) -> str:
    details = [port.description] if port.description else []
    if port.usb_id:
        details.append(f"USB {port.usb_id}")
    return f"{port.device} \u2014 {', '.join(details)}" if details else port.device


def remembered_connection(settings: QSettings | None = None) -> tuple[str, str] | None:
    """The last (port_url, protocol) chosen in the dialog, or None."""
    s = settings or dashboard_settings()
    protocol = str(s.value(KEY_PROTOCOL, "") or "")
    if not protocol:
        return None
    if s.value(KEY_MODE) == "sim":
        return f"{SIM_PREFIX}{s.value(KEY_SCENARIO, DEFAULT_SCENARIO)}", protocol
    port = str(s.value(KEY_PORT, "") or "")
    return (port, protocol) if port else None


class ConnectionDialog(QDialog):
    def __init__(
        self,
        list_ports: PortLister,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        protocols: Sequence[str] | None = None,
        scenarios: Mapping[str, str] | None = None,
        protocol_preset: Preset | None = None,
    ) -> None:
        """``protocol_preset``: the protocol the clinic's settings give, preselected over the
        remembered one, and fixed when locked."""
        super().__init__(parent)
        self.setWindowTitle("Connect to the patient monitor")
        self._list_ports = list_ports
        self._settings = settings or dashboard_settings()
        self._protocols = list(protocols if protocols is not None else registry.protocol_names())
        self._scenarios = dict(scenarios if scenarios is not None else builtin_scenarios())
        self.use_port = QRadioButton("Patient monitor on a serial port")
        self.use_sim = QRadioButton("Simulated monitor (training and testing \u2014 not a patient)")
        group = QButtonGroup(self)
        group.addButton(self.use_port)
        group.addButton(self.use_sim)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.setMinimumWidth(420)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_ports)
        self.ports_hint = label(NO_PORTS, 13, name="dim")
        self.ports_hint.setWordWrap(True)
        self.scenario = QComboBox()
        for name, description in self._scenarios.items():
            self.scenario.addItem(f"{name} \u2014 {description}", name)
        self.protocol = QComboBox()
        for name in self._protocols:
            self.protocol.addItem(f"{name} \u2014 {registry.describe(name)}", name)
        self.error = label("", 13)
        self.error.setStyleSheet("color: #ff5252;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton("Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.use_port.toggled.connect(self._mode_changed)
        self.protocol_lock = label("", 13, name="dim")
        self.protocol_lock.setWordWrap(True)
        self._build()
        self.refresh_ports()
        self._restore()
        self._apply_preset(protocol_preset)

    def _build(self) -> None:
        grid = QGridLayout()
        grid.addWidget(self.use_port, 0, 0, 1, 3)
        grid.addWidget(label("Port", 14), 1, 0)
        grid.addWidget(self.port, 1, 1)
        grid.addWidget(self.refresh_button, 1, 2)
        grid.addWidget(self.ports_hint, 2, 1, 1, 2)
        grid.addWidget(self.use_sim, 3, 0, 1, 3)
        grid.addWidget(label("Scenario", 14), 4, 0)
        grid.addWidget(self.scenario, 4, 1, 1, 2)
        grid.addWidget(label("Protocol", 14), 5, 0)
        grid.addWidget(self.protocol, 5, 1, 1, 2)
        grid.addWidget(self.protocol_lock, 6, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    # -- ports ------------------------------------------------------------------------------

    def refresh_ports(self) -> None:
        typed = self.port.currentText()
        self.ports = list(self._list_ports())
        self.port.clear()
        for port in self.ports:
            self.port.addItem(port_text(port), port.device)
        self.ports_hint.setVisible(not self.ports)
        if typed:
            self._select_port(self._url_from_text(typed))

    def _select_port(self, url: str) -> None:
        index = self.port.findData(url)
        if index >= 0:
            self.port.setCurrentIndex(index)
        else:
            self.port.setEditText(url)

    def _url_from_text(self, text: str) -> str:
        index = self.port.findText(text)
        return str(self.port.itemData(index)) if index >= 0 else text.strip()

    # -- choice -----------------------------------------------------------------------------

    def choice(self) -> tuple[str, str]:
        """(port_url, protocol): a device path or URL, or ``sim:SCENARIO``."""
        protocol = str(self.protocol.currentData())
        if self.use_sim.isChecked():
            return f"{SIM_PREFIX}{self.scenario.currentData()}", protocol
        return self._url_from_text(self.port.currentText()), protocol

    def problem(self) -> str:
        """Why the current choice cannot be used, or "" when it can."""
        url, protocol = self.choice()
        if self.use_sim.isChecked():
            if not registry.simulator_available(protocol):
                return f"The simulator cannot speak {protocol} yet; choose another protocol."
        elif not url:
            return "Choose a serial port, or type its name (e.g. /dev/ttyUSB0, COM3, socket://HOST:PORT)."
        if not registry.host_available(protocol):
            return f"The {protocol} protocol is not available in this version."
        return ""

    def accept(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        if problem:
            return
        self._save()
        super().accept()

    # -- memory -----------------------------------------------------------------------------

    def _save(self) -> None:
        url, protocol = self.choice()
        s = self._settings
        s.setValue(KEY_MODE, "sim" if self.use_sim.isChecked() else "port")
        s.setValue(KEY_PROTOCOL, protocol)
        if self.use_sim.isChecked():
            s.setValue(KEY_SCENARIO, url[len(SIM_PREFIX):])
        else:
            s.setValue(KEY_PORT, url)
        s.sync()

    def _restore(self) -> None:
        s = self._settings
        sim = s.value(KEY_MODE) == "sim"
        (self.use_sim if sim else self.use_port).setChecked(True)
        self._mode_changed()
        index = self.protocol.findData(s.value(KEY_PROTOCOL, "datex"))
        self.protocol.setCurrentIndex(max(0, index))
        scenario = self.scenario.findData(s.value(KEY_SCENARIO, DEFAULT_SCENARIO))
        self.scenario.setCurrentIndex(max(0, scenario))
        port = str(s.value(KEY_PORT, "") or "")
        if port:
            self._select_port(port)

    def _apply_preset(self, preset: Preset | None) -> None:
        self.protocol_lock.setVisible(bool(preset and preset.locked_by))
        if preset is None:
            return
        self.protocol.setCurrentIndex(max(0, self.protocol.findData(preset.value)))
        if preset.locked_by:
            self.protocol.setEnabled(False)
            self.protocol.setToolTip(preset.locked_by)
            self.protocol_lock.setText(f"Protocol fixed for this computer. {preset.locked_by}")

    def _mode_changed(self, *_args: object) -> None:
        sim = self.use_sim.isChecked()
        for widget in (self.port, self.refresh_button):
            widget.setEnabled(not sim)
        self.scenario.setEnabled(sim)
        model = self.protocol.model()
        if isinstance(model, QStandardItemModel):
            for row, name in enumerate(self._protocols):
                usable = registry.host_available(name) and (not sim or registry.simulator_available(name))
                model.item(row).setEnabled(usable)
        self.error.setText("")


def choose_connection(
    list_ports: PortLister, settings: QSettings | None = None, parent: QWidget | None = None,
    protocol_preset: Preset | None = None,
) -> tuple[str, str] | None:
    """Show the dialog; (port_url, protocol) on Connect, None on Cancel."""
    dialog = ConnectionDialog(list_ports, settings, parent, protocol_preset=protocol_preset)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

"""Opening ports: every failure a user can hit gives one sentence saying what to do."""

from __future__ import annotations

import errno
import os
import tty

import pytest
import serial
from serial.tools.list_ports_common import ListPortInfo

from devices import transport
from devices.protocols import LineSettings
from devices.transport import PortError, describe_open_error, list_serial_ports, open_port

SETTINGS = LineSettings(19200, 8, "E", 1, rtscts=True)


@pytest.fixture
def pty_path():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_missing_port_names_the_port_and_the_ports_command():
    with pytest.raises(PortError) as err:
        open_port("/dev/ttyUSB-does-not-exist", SETTINGS)
    message = str(err.value)
    assert "/dev/ttyUSB-does-not-exist" in message
    assert "not found" in message and "infusion-monitor ports" in message


def test_port_in_use_by_another_program_is_refused_with_advice(pty_path):
    first = open_port(pty_path, SETTINGS)
    try:
        with pytest.raises(PortError) as err:
            open_port(pty_path, SETTINGS)
        assert "in use by another program" in str(err.value)
    finally:
        first.close()


def test_permission_denied_names_the_dialout_group():
    message = describe_open_error("/dev/ttyS0", OSError(errno.EACCES, "Permission denied"))
    assert "dialout" in message and "/dev/ttyS0" in message


def test_refused_tcp_connection_says_nothing_is_listening():
    with pytest.raises(PortError) as err:
        open_port("socket://127.0.0.1:1", SETTINGS)
    assert "connection refused" in str(err.value)


def test_nonsense_url_is_refused_clearly():
    with pytest.raises(PortError) as err:
        open_port("bogus://x", SETTINGS)
    assert "not a serial port or a supported URL" in str(err.value)


def test_open_port_applies_the_protocol_line_settings(pty_path):
    port = open_port(pty_path, SETTINGS)
    try:
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (19200, 8, "E", 1)
        assert port.rtscts
    finally:
        port.close()


# -- Windows port names (issue 18) --------------------------------------------------------------
# pyserial's Windows back end (serialwin32.py) raises
#   SerialException("could not open port {!r}: {!r}".format(portstr, ctypes.WinError()))
# and Windows' own texts for the two errors a user hits are "Access is denied." (error 5: another
# program has the port) and "The system cannot find the file specified." (error 2: no such port).


def test_windows_access_denied_means_another_program_has_the_port():
    exc = serial.SerialException("could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)")
    message = describe_open_error("COM3", exc)
    assert "COM3 is in use by another program" in message and "dialout" not in message


def test_windows_missing_com_port_names_the_ports_command():
    exc = serial.SerialException(
        "could not open port 'COM7': FileNotFoundError(2, 'The system cannot find the file specified.', None, 2)")
    message = describe_open_error("COM7", exc)
    assert "Serial port COM7 was not found" in message and "infusion-monitor ports" in message


def test_a_com_port_name_is_taken_as_a_serial_device():
    """COM3 is a device name to open, not a URL to refuse (here, on Linux, it does not exist)."""
    with pytest.raises(PortError) as err:
        open_port("COM3", SETTINGS)
    assert "Serial port COM3 was not found" in str(err.value)


def test_ports_are_listed_in_number_order(monkeypatch):
    found = [ListPortInfo(name) for name in ("COM10", "COM3", "COM1", "COM21")]
    for port in found:
        port.description = "USB Serial Port"
    found[1].vid, found[1].pid = 0x0403, 0x6001  # an FTDI adapter
    monkeypatch.setattr(transport.list_ports, "comports", lambda: found)  # Windows' enumeration cannot run here
    ports = list_serial_ports()
    assert [p.device for p in ports] == ["COM1", "COM3", "COM10", "COM21"]
    assert ports[1].usb_id == "0403:6001"

"""Opening ports: every failure a user can hit gives one sentence saying what to do."""

from __future__ import annotations

import errno
import os
import tty

import pytest

from devices.protocols import LineSettings
from devices.transport import PortError, describe_open_error, open_port

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

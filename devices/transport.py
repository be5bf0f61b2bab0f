"""Opening serial ports, and telling the user in one sentence why one would not open.

All transports go through pyserial's ``serial_for_url``: device paths
(``/dev/ttyUSB0``, ``COM3``), ``socket://host:port`` for the serial device
servers clinics put on monitors, and ``loop://`` for tests.
"""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from devices.protocols import LineSettings

log = logging.getLogger(__name__)

try:  # pyserial lets termios.error (not an OSError) out of open() when a setting is refused
    import termios

    _TERMIOS_ERRORS: tuple[type[BaseException], ...] = (termios.error,)
except ImportError:  # Windows
    _TERMIOS_ERRORS = ()

READ_TIMEOUT_S = 0.05  # real seconds a read may block; keeps the driver responsive to stop


class PortError(Exception):
    """A port could not be opened or was lost; ``str()`` is the sentence for the user."""


@dataclass(frozen=True, slots=True)
class PortInfo:
    device: str
    description: str
    usb_id: str  # "VID:PID" in hex, or "" when not a USB device
    serial_number: str


def list_serial_ports() -> list[PortInfo]:
    """Serial ports this computer has, with description and USB VID:PID."""
    ports = []
    for p in sorted(list_ports.comports(), key=lambda p: _natural_order(p.device)):
        usb_id = f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None and p.pid is not None else ""
        ports.append(
            PortInfo(p.device, _description(p.description), usb_id, p.serial_number or "")
        )
    return ports


def _natural_order(device: str) -> tuple[tuple[int, int | str], ...]:
    """COM2 before COM10, /dev/ttyUSB2 before /dev/ttyUSB10: numbers compared as numbers."""
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in re.split(r"(\d+)", device))


def _description(text: str | None) -> str:
    return "" if not text or text == "n/a" else text  # pyserial says "n/a" for built-in UARTs


def open_port(url: str, settings: LineSettings) -> serial.SerialBase:
    """Open ``url`` with the protocol's line settings, or raise :class:`PortError`."""
    try:
        port = serial.serial_for_url(url, do_not_open=True)
    except (ValueError, serial.SerialException) as exc:
        raise PortError(
            f"'{url}' is not a serial port or a supported URL ({exc}). "
            "Use a device such as /dev/ttyUSB0 or COM3, or socket://HOST:PORT."
        ) from None
    port.baudrate = settings.baudrate
    port.bytesize = settings.bytesize
    port.parity = settings.parity
    port.stopbits = settings.stopbits
    port.rtscts = settings.rtscts
    port.timeout = READ_TIMEOUT_S
    port.write_timeout = 2.0
    if _is_device_path(url):
        port.exclusive = True  # a second program on the same port would steal bytes
    try:
        port.open()
    except (serial.SerialException, OSError, *_TERMIOS_ERRORS) as exc:
        raise PortError(describe_open_error(url, exc)) from None
    log.info("opened %s at %s", url, settings.describe())
    return port


def _is_device_path(url: str) -> bool:
    return "://" not in url


def describe_open_error(url: str, exc: BaseException) -> str:
    """One sentence saying what went wrong and what to do about it."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.EACCES or "Permission denied" in text:
        return (
            f"Permission denied opening {url}. Add your user to the 'dialout' group "
            "(sudo usermod -aG dialout $USER), then log out and back in."
        )
    # Windows opens a COM port for one program at a time and says "Access is denied" to the next.
    if code == errno.EBUSY or "exclusively lock" in text or "busy" in text.lower() or "Access is denied" in text:
        return (
            f"{url} is in use by another program. Close the other program "
            "(or the other monitor session) and try again."
        )
    if code == errno.ENOENT or "No such file" in text or "FileNotFoundError" in text:
        return (
            f"Serial port {url} was not found. Check the cable or USB adapter; "
            "'infusion-monitor ports' lists the ports this computer has."
        )
    if code is None and isinstance(exc, _TERMIOS_ERRORS) and exc.args:
        code = exc.args[0]
        text = str(exc.args[-1])
        if code == errno.EINVAL:
            return (
                f"{url} refused the line settings (Invalid argument). Check that it is a serial "
                "port and that the adapter supports them."
            )
    if code == errno.ECONNREFUSED or "refused" in text:
        return (
            f"Nothing is listening at {url} (connection refused). Check the serial "
            "device server's address and port and that it is switched on."
        )
    return f"Could not open {url}: {text}. Check the port name and the cable."

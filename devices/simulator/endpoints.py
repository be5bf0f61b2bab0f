"""Where the simulator's bytes go: a pseudo-terminal, a TCP socket or a real port.

Each endpoint behaves like the monitor's end of a cable: bytes written with no
one listening are lost (as on a real line), and the runner can pull the cable
(``drop_connection``) to inject a disconnect.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import time
from types import ModuleType
from typing import Protocol

from devices.protocols import LineSettings
from devices.transport import PortError, open_port

log = logging.getLogger(__name__)

WRITE_TIMEOUT_S = 0.5
PTY_RESET_INTERVAL_S = 0.2  # real seconds between resets of a pty's speed (see PtyEndpoint)
NO_PTY = ("The simulator's pseudo-terminal (--pty, the default) needs Linux or macOS. On Windows use "
          "--tcp 127.0.0.1:4001 and open socket://127.0.0.1:4001, or --port COM5 with a null-modem cable "
          "(or a virtual COM port pair) to the program's port.")


class Endpoint(Protocol):
    address: str  # what the program under test should open

    def read(self, timeout: float) -> bytes | None:
        """Bytes from the host (b"" if none within timeout); None if the host hung up."""

    def write(self, data: bytes) -> int:
        """Send; returns how many bytes went out (fewer when no one is reading)."""

    def drop_connection(self) -> None:
        """Pull the cable: the host sees the link go away (as far as the medium allows)."""

    def hold_down(self, down: bool) -> None:
        """While down, refuse new connections where the medium has them."""

    def close(self) -> None: ...


class PtyEndpoint:
    """A pseudo-terminal pair; the host opens ``address`` like a serial port.

    The simulator keeps its own handle on the terminal side open, so the host
    can close and reopen the port without the pair collapsing.
    """

    def __init__(self) -> None:
        self._termios, tty = _pty_modules()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: a byte is a byte
        os.set_blocking(self._master, False)
        self.address = os.ttyname(self._slave)
        self._next_reset = 0.0

    def _forget_line_settings(self) -> None:
        """Put the terminal's speed back to the default, so the host can open it again.

        A pty ignores parity, and Linux refuses (EINVAL) a settings change that ends
        up changing nothing. A host that opens at 8E1 a second time, at a speed the
        terminal already has, is therefore refused, which no real port does. Setting
        the speed back every now and then makes each open a real change; the speed of
        a pty means nothing, so a host that has it open does not notice.
        """
        now = time.monotonic()
        if now < self._next_reset:
            return
        self._next_reset = now + PTY_RESET_INTERVAL_S
        termios = self._termios
        try:
            attrs = termios.tcgetattr(self._slave)
            if attrs[4] != termios.B38400 or attrs[5] != termios.B38400:
                attrs[4] = attrs[5] = termios.B38400
                termios.tcsetattr(self._slave, termios.TCSANOW, attrs)
        except (termios.error, OSError):
            pass

    def read(self, timeout: float) -> bytes | None:
        self._forget_line_settings()
        ready, _, _ = select.select([self._master], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self._master, 65536)
        except BlockingIOError:
            return b""
        except OSError as exc:  # EIO: no terminal side open at all
            if exc.errno == errno.EIO:
                return b""
            raise

    def write(self, data: bytes) -> int:
        sent = 0
        while sent < len(data):
            _, ready, _ = select.select([], [self._master], [], WRITE_TIMEOUT_S)
            if not ready:
                break  # nobody is reading: the line drops the rest
            try:
                sent += os.write(self._master, data[sent:])
            except BlockingIOError:
                continue
        return sent

    def drop_connection(self) -> None:
        """A pty cannot be unplugged; the runner goes silent and resets the device."""
        self._discard_pending()

    def hold_down(self, down: bool) -> None:
        """A pty has no connections to refuse; silence is all a pulled cable shows."""

    def _discard_pending(self) -> None:
        while self.read(0.0):
            pass

    def close(self) -> None:
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass


def _pty_modules() -> tuple[ModuleType, ModuleType]:
    """termios and tty, which only POSIX systems have: imported when a pty is made, so the
    in-process simulator and the TCP and serial endpoints also run on Windows."""
    try:
        import termios
        import tty
    except ImportError:
        raise PortError(NO_PTY) from None
    if not hasattr(os, "openpty"):
        raise PortError(NO_PTY)
    return termios, tty


class TcpEndpoint:
    """A serial device server: listens on HOST:PORT and serves one host at a time."""

    def __init__(self, host: str, port: int) -> None:
        self._listener: socket.socket | None = self._listen(host, port)
        self._client: socket.socket | None = None
        self._bound = self._listener.getsockname()[:2]
        self.address = f"socket://{self._bound[0]}:{self._bound[1]}"
        self.accepting = True

    @staticmethod
    def _listen(host: str, port: int) -> socket.socket:
        listener = socket.create_server((host, port), reuse_port=False)
        listener.setblocking(False)
        return listener

    def read(self, timeout: float) -> bytes | None:
        if self.accepting:
            self._listen_again()
        watch = ([self._listener] if self._listener else []) + ([self._client] if self._client else [])
        if not watch:  # held down: wait as a read would (Windows' select refuses three empty lists)
            time.sleep(max(0.0, timeout))
            return b""
        ready, _, _ = select.select(watch, [], [], max(0.0, timeout))
        if self._listener is not None and self._listener in ready:
            self._accept()
        if self._client is not None and self._client in ready:
            try:
                data = self._client.recv(65536)
            except (BlockingIOError, InterruptedError):
                return b""
            except OSError:
                data = b""
            if not data:
                self._drop_client()
                return None
            return data
        return b""

    def _accept(self) -> None:
        assert self._listener is not None
        conn, peer = self._listener.accept()
        if not self.accepting:
            conn.close()
            return
        if self._client is not None:
            log.info("new host %s replaces the previous one", peer)
            self._drop_client()
        conn.setblocking(True)
        conn.settimeout(WRITE_TIMEOUT_S)
        self._client = conn

    def write(self, data: bytes) -> int:
        if self._client is None:
            return 0
        try:
            self._client.sendall(data)
        except OSError:
            self._drop_client()
            return 0
        return len(data)

    def drop_connection(self) -> None:
        self._drop_client()

    def hold_down(self, down: bool) -> None:
        """While down nothing listens, so a host's connect is refused, as by a server that is off."""
        self.accepting = not down
        if down and self._listener is not None:
            self._listener.close()
            self._listener = None
        elif not down:
            self._listen_again()

    def _listen_again(self) -> None:
        if self._listener is not None:
            return
        try:
            self._listener = self._listen(*self._bound)
        except OSError as exc:  # the port is taken meanwhile: try again on the next read
            log.warning("cannot listen on %s again yet: %s", self.address, exc)

    def _drop_client(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                pass
            self._client = None

    def close(self) -> None:
        self._drop_client()
        if self._listener is not None:
            self._listener.close()


class SerialEndpoint:
    """A real port behind a null-modem cable, with the protocol's line settings."""

    def __init__(self, device: str, settings: LineSettings) -> None:
        self._port = open_port(device, settings)
        self.address = device

    def read(self, timeout: float) -> bytes | None:
        self._port.timeout = max(0.0, timeout)
        return self._port.read(max(1, self._port.in_waiting))

    def write(self, data: bytes) -> int:
        return self._port.write(data) or 0

    def drop_connection(self) -> None:
        self._port.reset_input_buffer()

    def hold_down(self, down: bool) -> None:
        """A real cable stays plugged in; silence is what the host sees."""

    def close(self) -> None:
        self._port.close()

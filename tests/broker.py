"""A real Mosquitto broker for the tests: ``mosquitto -c FILE`` in the foreground on a free loopback port.

No broker mock (the brief): the central station's tests talk MQTT to the real
thing, only on 127.0.0.1. ``make test`` installs the Debian package when it is
missing (scripts/ensure-test-tools.sh); without it these tests are skipped with
the command to run.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
START_TIMEOUT_S = 10.0
# As deploy/mosquitto/clinic.conf keeps sessions: persistence, and room for a station's queue.
PLAIN = """listener {port} 127.0.0.1
allow_anonymous true
user {user}
persistence true
persistence_location {folder}/
max_queued_messages 1000000
"""


def need_mosquitto() -> None:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed: apt-get install -y mosquitto (make test does it as root)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout_s: float, what: str) -> None:
    """Wait on a condition with a timeout (never a bare sleep): polls ``predicate``."""
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.02)


class Broker:
    """One mosquitto process; :meth:`stop` and :meth:`start` again on the same port (an outage)."""

    def __init__(self, folder: Path, config: str | None = None, port: int | None = None) -> None:
        need_mosquitto()
        self.folder = folder
        self.port = port or free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text((config or PLAIN).replace("{port}", str(self.port)).replace("{folder}", str(folder))
                               .replace("{user}", getpass.getuser()))  # root: stay root, to write {folder}
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Broker:
        out = self.log.open("ab")
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=out, stderr=out,
                                        cwd=self.folder)
        out.close()
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, START_TIMEOUT_S, "mosquitto")
        if self.process.poll() is not None:
            raise AssertionError(f"mosquitto did not start: {self.log.read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()

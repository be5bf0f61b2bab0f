"""One running sound process, as the supervisor sees it: its pipes, when it was last heard,
and how it ended. The mechanics only; when to ping, kill or restart is the supervisor's.

No Qt. Writes go to a non-blocking pipe and never wait: a write that would block
marks the process as hung (it stopped reading). A thread per process reads its
lines until its output ends.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable

from ui.sound.protocol import Message, child_env, decode, encode

log = logging.getLogger(__name__)

QUIT_S = 2.0  # how long a process told to quit (or killed) may take to go


class SoundProcess:
    def __init__(self, command: list[str], now: Callable[[], float], wake: threading.Event,
                 on_message: Callable[[SoundProcess, Message], None]) -> None:
        """Start it (OSError if it cannot be) and its reading thread; ``wake`` is set on trouble."""
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env(), close_fds=True,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        try:
            os.set_blocking(self._proc.stdin.fileno(), False)
        except OSError:  # Windows before Python 3.12: a hung process is still found by its silence
            log.warning("the sound process's input cannot be made non-blocking")
        self.pid = self._proc.pid
        self._now = now
        self._wake = wake
        self._on_message = on_message
        self.started = self.heard = now()
        self.ready = False  # it said hello
        self.hung: str | None = None  # why it is being killed
        self.ended = threading.Event()  # its output ended
        threading.Thread(target=self._read, name=f"sound-output-{self.pid}", daemon=True).start()

    @property
    def running(self) -> bool:
        return not self.ended.is_set() and self._proc.poll() is None

    def send(self, op: str, **fields: object) -> None:
        """Never blocks: a full pipe means the process stopped reading, which is a hang."""
        if self.hung is not None:
            return
        try:
            os.write(self._proc.stdin.fileno(), encode(op, **fields))
        except BlockingIOError:
            self.hung = "not reading its input"
            self._wake.set()
        except (OSError, ValueError):  # it died (broken pipe) or was ended (closed): the reader says so
            self._wake.set()

    def kill(self, why: str) -> None:
        self.hung = why
        self._proc.kill()
        self.ended.wait(QUIT_S)

    def reap(self) -> str:
        """Wait for it to be gone and its last lines read; how it ended, in words."""
        try:
            code = self._proc.wait(QUIT_S)
        except subprocess.TimeoutExpired:  # its output ended but it lives on: make sure
            self._proc.kill()
            code = self._proc.wait()
        self.ended.wait(QUIT_S)
        return self.hung or (f"killed by {_signal_name(-code)}" if code < 0 else f"ended with exit code {code}")

    def end(self) -> None:
        """Ask it to quit, end its input (it exits even if it missed that), kill it if it stays."""
        self.send("quit")
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(QUIT_S)
        except subprocess.TimeoutExpired:
            log.warning("alarm sound process %d did not quit: killing it", self.pid)
            self._proc.kill()
            self._proc.wait()

    def _read(self) -> None:
        """Its messages, until its output ends."""
        try:
            for line in self._proc.stdout:
                self.heard = self._now()
                message = decode(line)
                if message is not None:
                    self._on_message(self, message)
        except (OSError, ValueError):
            log.exception("reading the sound process's output failed")
        finally:
            self.ended.set()
            self._wake.set()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


__all__ = ["SoundProcess"]

"""The sound process: ``python -m ui.sound.child --output qt|null|jsonl:PATH``.

Started, fed and watched by ``ui.sound.supervisor`` (the dashboard's side); the
protocol is in ``ui.sound.protocol``. The audio stack (Qt Multimedia, the sound
server's libraries) lives only here, so when it crashes it takes this process
down, not the dashboard, which raises a technical alarm and starts a new one.

It also holds the display watchdog: the dashboard's GUI thread sends a heartbeat
every 250 ms; when none has come for more than 2 s this process sounds the
high-priority pattern by itself and tells the dashboard, whose other threads
raise the DISPLAY_FROZEN technical alarm. When heartbeats resume it goes back to
what the dashboard asked for and says how long the display was frozen.

It ends when told to, and when its input ends: a dashboard that died (even by
``kill -9``) closes the pipe, so the sound process never outlives it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO, NoReturn

from PySide6.QtCore import QCoreApplication, QLoggingCategory, QObject, QTimer, Signal

from ui.sound.outputs import output_factory
from ui.sound.player import BurstPlayer
from ui.sound.protocol import PROTOCOL_VERSION, Message, decode, encode, priority_name
from ui.sound.watchdog import DisplayWatchdog

log = logging.getLogger(__name__)

CHECK_MS = 100  # how often the watchdog looks at the heartbeat


class SoundChild(QObject):
    """Runs the player and the watchdog on this process's main thread; answers the dashboard."""

    received = Signal(object, float)  # (message, arrival time) from the input thread
    ended = Signal()  # the input ended: the dashboard is gone or closed the pipe

    def __init__(self, player: BurstPlayer, write: Callable[[bytes], None],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.player = player
        self.watchdog = DisplayWatchdog()
        self._write = write
        self._monotonic = monotonic
        self._wanted: str | None = None  # what the dashboard asked to sound
        self.received.connect(self._on_message)
        self.ended.connect(self.quit)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._check_display)

    def start(self) -> None:
        """Open the output, say hello with what it can do, then report changes as they come."""
        available = self.player.check()
        self.player.unavailable.connect(lambda text: self.send("sound", available=False, text=text))
        self.player.restored.connect(lambda: self.send("sound", available=True, text=self.player.description))
        text = self.player.description if available else self.player.problem
        self.send("hello", pid=os.getpid(), protocol=PROTOCOL_VERSION, available=available, text=text)
        self._timer.start()

    def send(self, op: str, **fields: Any) -> None:
        try:
            self._write(encode(op, **fields))
        except OSError:  # the dashboard is gone
            self.quit()

    def quit(self) -> None:
        self._timer.stop()
        self.player.stop()
        QCoreApplication.exit(0)

    # -- from the dashboard -----------------------------------------------------------------------

    def _on_message(self, message: Message, arrived: float) -> None:
        op = message["op"]
        try:
            if op == "play":
                self._wanted = priority_name(message.get("priority"))
                self._sound()
            elif op == "heartbeat":
                self._heartbeat(arrived)
            elif op == "ping":
                self.send("pong", seq=message.get("seq"))
            elif op == "display":
                self.watchdog.inherit(float(message.get("silent_s", 0.0)), bool(message.get("frozen")), arrived)
                self._sound()
            elif op == "quit":
                self.quit()
            else:
                log.warning("sound process: ignored unknown message %r", message)
        except (TypeError, ValueError) as exc:
            log.warning("sound process: ignored a bad message %r (%s)", message, exc)

    def _heartbeat(self, arrived: float) -> None:
        frozen_s = self.watchdog.heartbeat(arrived)
        if frozen_s is not None:
            log.warning("display responds again after %.1f s", frozen_s)
            self.send("display", frozen=False, frozen_s=round(frozen_s, 2))
            self._sound()

    def _check_display(self) -> None:
        silent_s = self.watchdog.check(self._monotonic())
        if silent_s is not None:
            log.error("display frozen: no heartbeat for %.1f s; sounding the high-priority alarm", silent_s)
            self.send("display", frozen=True, silent_s=round(silent_s, 2))
            self._sound()

    def _sound(self) -> None:
        """What the dashboard asked for, or the high-priority pattern while the display is frozen."""
        self.player.play("high" if self.watchdog.frozen else self._wanted)


def read_messages(stream: BinaryIO, deliver: Callable[[Message, float], None], end: Callable[[], None]) -> None:
    """The input thread: each line as a message with its arrival time, then the end."""
    try:
        for line in stream:
            message = decode(line)
            if message is not None:
                deliver(message, time.monotonic())
    except (OSError, ValueError):
        log.exception("sound process: reading the input failed")
    finally:
        end()


def protocol_pipes() -> tuple[BinaryIO, BinaryIO]:
    """(input, output) of the protocol: file descriptors 0 and 1 themselves, which are the
    dashboard's pipes even where ``sys.stdout`` is None (a windowed bundle). Output is a copy
    of fd 1, and fd 1 then goes to stderr, so nothing a library prints (Qt's warnings, a C
    library's printf) can mix into the protocol."""
    out = open(os.dup(1), "wb", buffering=0)  # noqa: SIM115 - open for the life of the process
    try:
        os.dup2(2, 1)
    except OSError:  # no stderr (a windowed bundle): leave fd 1, which nothing else writes to
        pass
    return open(0, "rb", closefd=False), out


def _log_handler() -> logging.Handler:
    """The dashboard's stderr, which the sound process shares; nowhere if there is none."""
    return logging.StreamHandler(sys.stderr) if sys.stderr is not None else logging.NullHandler()


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="infusion-monitor sound process")
    parser.add_argument("--output", default="qt", help="qt (the sound card), null, or jsonl:PATH (tests)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, handlers=[_log_handler()],
                        format="%(asctime)s sound process %(process)d %(levelname)s %(message)s")
    # Ctrl-C, and a stop signal sent to the whole process group (a logout, `timeout`, a service
    # manager), are for the dashboard, which then ends this process (its input closes; it is
    # killed if it does not go). Ending here first would only make the supervisor restart it.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):  # Windows has no SIGHUP
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")  # optional codecs, at every start
    factory, follow_devices = output_factory(args.output)
    inp, out = protocol_pipes()
    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    child = SoundChild(BurstPlayer(output_factory=factory, watch_devices=follow_devices), out.write)
    reader = threading.Thread(target=read_messages, args=(inp, child.received.emit, child.ended.emit),
                              name="sound-input", daemon=True)
    reader.start()
    child.start()
    code = app.exec()
    logging.shutdown()
    # Leave without the interpreter's teardown: the input thread may be inside a read of
    # stdin, which would make finalisation abort, and the audio stack has nothing to save.
    os._exit(code)


if __name__ == "__main__":
    main()

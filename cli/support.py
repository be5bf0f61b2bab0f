"""Small pieces both command-line programs (infusion-monitor, infusion-sim) share.

Every refusal either program gives is one line on stderr and exit status 2
(README, "Errors a user can hit"): argument errors included, so a script or a
nurse reading a terminal sees the same shape of answer whatever went wrong.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, Protocol, TextIO

if TYPE_CHECKING:
    from monitor.clock import Clock

EXIT_USAGE = 2
MAX_SPEED = 100_000.0  # a day of monitor time in under a second; beyond it the date arithmetic of
# a long run overflows, and no test needs it
MAX_LINE = 600  # characters of one error line; longer text is cut (a 5 MB value stays in its file)


class PortLike(Protocol):
    """A serial port as ``devices.transport.list_serial_ports`` describes it."""

    device: str
    description: str
    usb_id: str


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors as one line (no usage block), pointing at ``--help`` instead.

    argparse prints the usage synopsis and then the error; the synopsis of these
    programs is several lines, which buries the one line that says what is wrong.
    """

    def error(self, message: str) -> NoReturn:
        fail(self.prog, f"error: {message} (see '{self.prog} --help')")


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` made safe to print as one line: control characters escaped, length capped.

    Messages quote file names, keys and values from the user's input; a newline or
    an escape sequence in a hostile file must not split or repaint the terminal.
    """
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return safe if len(safe) <= limit else safe[: limit - 1] + "\u2026"


def fail(prog: str, message: str) -> NoReturn:
    """Print ``prog: message`` as one line on stderr and exit with status 2."""
    print(one_line(f"{prog}: {message}"), file=sys.stderr)
    sys.exit(EXIT_USAGE)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number above zero (durations, lengths)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def speed_factor(text: str) -> float:
    """argparse type: how many times faster than real time a clock runs (0 < X <= MAX_SPEED)."""
    value = positive_float(text)
    if value > MAX_SPEED:
        raise argparse.ArgumentTypeError(f"at most {MAX_SPEED:g} times real time, not {text!r}")
    return value


def bounded_float(high: float, unit: str) -> Callable[[str], float]:
    """argparse type factory: a finite number in (0, ``high``]."""

    def parse(text: str) -> float:
        value = positive_float(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"at most {high:g} {unit}, not {text!r}")
        return value

    return parse


# What a logout or shutdown (SIGTERM), Ctrl-C (SIGINT) and a closed terminal (SIGHUP) send;
# Windows has no SIGHUP.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def on_stop_signals(stop: Callable[[str], object]) -> None:
    """Call ``stop(reason)`` on the main thread when a stop signal comes, e.g. with
    "program closed (SIGTERM)": the session then ends as a normal end, with that reason."""

    def handler(signum: int, frame: object) -> None:
        stop(f"program closed ({signal.Signals(signum).name})")

    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, handler)


class StopRequest(threading.Event):
    """Set when the run should end; ``reason`` says why ("program closed (SIGTERM)"), or is
    None when the program itself ended the run (its output closed)."""

    reason: str | None = None

    def request(self, reason: str) -> None:
        self.reason = self.reason or reason
        self.set()


def wait_for_end(clock: Clock, stop: threading.Event, duration_s: float | None) -> None:
    """Until ``duration_s`` of the monitor's clock has passed, or SIGTERM, SIGINT or SIGHUP."""
    if duration_s is None:
        stop.wait()
    else:
        clock.wait(stop, duration_s)


def print_ports(ports: Sequence[PortLike], out: TextIO) -> int:
    """``infusion-monitor ports``: each serial port with what the system says of it."""
    if not ports:
        print("No serial ports found. Plug in the USB-serial adapter, or use socket://HOST:PORT.", file=out)
    for port in ports:
        usb = f"  USB {port.usb_id}" if port.usb_id else ""
        print(f"{port.device:<20} {port.description}{usb}", file=out)
    return 0


def stop_on_signals() -> StopRequest:
    """A request set by SIGTERM, SIGINT or SIGHUP, so a run ends cleanly and closes its files."""
    stop = StopRequest()
    on_stop_signals(stop.request)
    return stop

"""Small pieces both command-line programs (infusion-monitor, infusion-sim) share."""

from __future__ import annotations

import argparse
import signal
import threading


def positive_float(text: str) -> float:
    """argparse type: a number above zero (speeds, durations)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so a run ends cleanly and closes its files."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop

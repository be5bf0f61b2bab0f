"""Replays a raw capture of any protocol to an endpoint at the pace of the line.

A real monitor's bytes are the best test input there is; QA push a capture
through the program with ``infusion-sim --replay FILE``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from devices.protocols import LineSettings
from devices.simulator.endpoints import Endpoint
from monitor.clock import Clock

log = logging.getLogger(__name__)

CHUNK_BYTES = 256


class ReplayError(Exception):
    """The capture cannot be read; ``str()`` is the sentence for the user."""


def bytes_per_second(settings: LineSettings) -> float:
    """Line throughput: start bit + data bits + parity + stop bits per byte."""
    bits = 1 + settings.bytesize + (0 if settings.parity == "N" else 1) + settings.stopbits
    return settings.baudrate / bits


def read_capture(path: Path) -> bytes:
    """The whole capture, or ReplayError saying why not.

    Only regular files are read: a FIFO would block before the first byte and a
    device such as /dev/zero never ends, so either would hang the simulator.
    """
    try:
        if path.is_dir():
            raise ReplayError(f"{path} is a folder, not a capture file.")
        if path.exists() and not path.is_file():
            raise ReplayError(f"{path} is not a regular file (a pipe or a device); "
                              "give a capture file.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReplayError(f"Capture file {path} does not exist.") from None
    except IsADirectoryError:
        raise ReplayError(f"{path} is a folder, not a capture file.") from None
    except OSError as exc:
        raise ReplayError(f"Cannot read capture file {path}: {exc.strerror}.") from None
    if not data:
        raise ReplayError(f"Capture file {path} is empty.")
    return data


def replay(data: bytes, endpoint: Endpoint, settings: LineSettings, clock: Clock, stop: threading.Event,
           duration_s: float | None = None) -> int:
    """Write ``data`` at the line's pace on ``clock``; returns bytes written.

    No capture byte is ever dropped: while no one reads (the program has not
    opened the port yet), the replay waits, and the pace counts from the
    moment the bytes start flowing. After the last byte the line stays open,
    silent like a monitor with nothing more to say, until ``stop`` or
    ``duration_s`` of the clock: a pseudo-terminal buffers a few kilobytes, so a
    short capture is all "sent" before the program opens the port, and closing
    then would take the port, and the bytes, away from it.
    """
    rate = bytes_per_second(settings)
    start = clock.monotonic()
    t0: float | None = None
    sent = 0

    def running() -> bool:
        return not stop.is_set() and (duration_s is None or clock.monotonic() - start < duration_s)

    while sent < len(data) and running():
        elapsed = 0.0 if t0 is None else clock.monotonic() - t0
        due = min(len(data), int(elapsed * rate) + CHUNK_BYTES)
        if due > sent:
            wrote = endpoint.write(data[sent:due])
            sent += wrote
            if wrote < due - (sent - wrote) or t0 is None:
                t0 = clock.monotonic() - sent / rate  # re-anchor: no burst after a wait
        endpoint.read(0.0)  # the host may talk; a capture cannot answer
        clock.wait(stop, CHUNK_BYTES / rate)
    log.info("replayed %d of %d bytes; holding the line until stopped", sent, len(data))
    while running():
        endpoint.read(0.0)
        left = float("inf") if duration_s is None else duration_s - (clock.monotonic() - start)
        clock.wait(stop, min(0.25 * clock.speed, left))  # a quarter of a real second at most
    return sent

"""What ``infusion-monitor record`` prints: every event of a bed as a line, text or JSON.

QA runs and checks of a monitor's serial output without a screen read these
lines; they are the bed's own events (the alarms a nurse would see), handed to
the printer as to any other listener. Each JSON object can carry the bed's name
(``"bed"``), so the lines of several beds in one stream can be told apart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from monitor.core import RecordingStatus
from monitor.event_json import event_to_json as as_json
from monitor.event_json import TREATMENT_TYPES
from monitor.event_json import json_number as _number
from monitor.readings import DeviceStatus, LinkEvent, Reading

log = logging.getLogger(__name__)


def as_text(event: object, received_at: datetime) -> str:
    stamp = received_at.strftime("%H:%M:%S")
    if isinstance(event, Reading):
        value = "---" if event.value is None else f"{_number(event.value)}"
        flags = f"  [{', '.join(event.quality.names)}]" if event.quality.names else ""
        return f"{stamp}  {event.parameter.value:<9} {value:>6} {event.unit:<5} {event.source}{flags}"
    if isinstance(event, LinkEvent):
        return f"{event.at.strftime('%H:%M:%S')}  link: {event.state.value}: {event.message}"
    if isinstance(event, DeviceStatus):
        return f"{stamp}  device: {', '.join(event.conditions) or 'normal'}"
    data = as_json(event, received_at)
    if "text" in data and data["type"] in TREATMENT_TYPES.values():  # the treatment's own sentence
        return f"{stamp}  {data['type']}: {data['text']}"
    details = ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("type", "time") and v not in (None, ""))
    return f"{stamp}  {data['type']}: {details}"


def _own_time(event: object) -> datetime | None:
    """When the event happened, if it says: a line is stamped with that, not with when it is printed."""
    for name in ("received_at", "at", "time"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    return None


class Printer:
    """A bed listener: one line per event on ``out`` (``jsonl``: one JSON object per line).

    A bed calls it on its own thread. When whoever reads the lines goes away
    (``record --jsonl | head``), what is still to be printed is sent nowhere and
    ``on_closed`` is called (``record`` then ends the session and closes the
    recording properly).
    """

    def __init__(self, out: TextIO, jsonl: bool, now: Callable[[], datetime], *,
                 on_closed: Callable[[], object] = lambda: None, bed: str | None = None,
                 lock: threading.Lock | None = None) -> None:
        """``now``: the clock's ``now`` (the text stamp); ``bed``: the name each JSON line carries;
        ``lock``: shared by the printers of several beds writing to one ``out`` (whole lines each)."""
        self._out = out
        self._jsonl = jsonl
        self._now = now
        self._on_closed = on_closed
        self._bed = bed
        self._lock = lock or threading.Lock()

    def __call__(self, event: object) -> None:
        if isinstance(event, RecordingStatus):  # the RECORDING_FAILED alarm says it
            return
        line = self.line(event)
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except BrokenPipeError:
                self._discard_output()
                self._on_closed()

    def line(self, event: object) -> str:
        received_at = _own_time(event) or self._now()
        if not self._jsonl:
            text = as_text(event, received_at)
            return text if self._bed is None else f"[{self._bed}] {text}"
        data = as_json(event, received_at)
        return json.dumps(data if self._bed is None else {"bed": self._bed, **data})

    def _discard_output(self) -> None:
        """Send what is still to be printed nowhere (Python's advice for a closed pipe:
        the file descriptor, not the stream, is redirected)."""
        log.info("standard output was closed; ending the session without printing")
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._out.fileno())
        os.close(devnull)

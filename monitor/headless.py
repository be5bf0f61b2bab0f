"""The headless recorder: readings and link changes as lines on a stream, and into the recording.

``infusion-monitor record`` uses it for QA runs and for bench checks of a
monitor's serial output without a screen.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from typing import TextIO

from monitor.clock import Clock
from monitor.readings import DeviceStatus, LinkEvent, Reading
from monitor.recording import SessionRecorder

Event = Reading | LinkEvent | DeviceStatus


def _number(value: float | None) -> float | int | None:
    """72.0 prints as 72: monitors send whole numbers for most parameters."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def _utc(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def as_json(event: Event, received_at) -> dict:
    if isinstance(event, Reading):
        return {
            "type": "reading",
            "time": _utc(event.received_at),
            "device_time": event.device_time.isoformat() if event.device_time else None,
            "parameter": event.parameter.value,
            "value": _number(event.value),
            "unit": event.unit,
            "source": event.source,
            "quality": list(event.quality.names),
        }
    if isinstance(event, LinkEvent):
        return {"type": "link", "time": _utc(event.at), "state": event.state.value, "message": event.message}
    return {
        "type": "device_status",
        "time": _utc(received_at),
        "device_time": event.device_time.isoformat() if event.device_time else None,
        "conditions": list(event.conditions),
    }


def as_text(event: Event, received_at) -> str:
    if isinstance(event, Reading):
        stamp = event.received_at.strftime("%H:%M:%S")
        value = "---" if event.value is None else f"{_number(event.value)}"
        flags = f"  [{', '.join(event.quality.names)}]" if event.quality.names else ""
        return f"{stamp}  {event.parameter.value:<9} {value:>6} {event.unit:<5} {event.source}{flags}"
    if isinstance(event, LinkEvent):
        return f"{event.at.strftime('%H:%M:%S')}  link: {event.state.value}: {event.message}"
    conditions = ", ".join(event.conditions) or "normal"
    return f"{received_at.strftime('%H:%M:%S')}  device: {conditions}"


class HeadlessRecorder:
    """Consumes driver events on the calling thread until the duration has passed."""

    def __init__(self, events: queue.Queue, clock: Clock, out: TextIO, jsonl: bool) -> None:
        self._events = events
        self._clock = clock
        self._out = out
        self._format: Callable = (lambda e, t: json.dumps(as_json(e, t))) if jsonl else as_text

    def run(self, recorder: SessionRecorder, duration_s: float | None, stop: threading.Event) -> int:
        """Print and record events; returns how many readings were handled."""
        t0 = self._clock.monotonic()
        readings = 0
        while not stop.is_set():
            if duration_s is not None and self._clock.monotonic() - t0 >= duration_s:
                break
            try:
                event = self._events.get(timeout=0.05)
            except queue.Empty:
                continue
            readings += self.handle(event, recorder)
        return readings

    def drain(self, recorder: SessionRecorder) -> None:
        """Handle what the driver sent before it stopped: no reading is dropped."""
        while True:
            try:
                self.handle(self._events.get_nowait(), recorder)
            except queue.Empty:
                return

    def handle(self, event: Event, recorder: SessionRecorder) -> int:
        received_at = self._clock.now()
        self._out.write(self._format(event, received_at) + "\n")
        self._out.flush()
        recorder.add((received_at, event) if isinstance(event, DeviceStatus) else event)
        return 1 if isinstance(event, Reading) else 0

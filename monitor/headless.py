"""The headless recorder: every event as a line on a stream, and into the recording.

``infusion-monitor record`` uses it for QA runs and for checking a monitor's
serial output without a screen. It runs the same :class:`MonitoringCore` as the
dashboard, so the alarms it prints are the alarms a nurse would see.
"""

from __future__ import annotations

import json
import queue
import threading
from datetime import datetime
from typing import TextIO

from monitor.clock import Clock
from monitor.core import MonitoringCore, RecordingStatus
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, Reading

DriverEvent = Reading | LinkEvent | DeviceStatus


def _number(value: float | None) -> float | int | None:
    """72.0 prints as 72: monitors send whole numbers for most parameters."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def _utc(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def as_json(event: object, received_at: datetime) -> dict:
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
    if isinstance(event, DeviceStatus):
        return {
            "type": "device_status",
            "time": _utc(received_at),
            "device_time": event.device_time.isoformat() if event.device_time else None,
            "conditions": list(event.conditions),
        }
    return event.as_json()  # alarm events, phase changes, annotations


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
    data = event.as_json()
    details = ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("type", "time") and v not in (None, ""))
    return f"{stamp}  {data['type']}: {details}"


class HeadlessRecorder:
    """Consumes driver events on the calling thread until the duration has passed."""

    def __init__(self, events: queue.Queue, clock: Clock, out: TextIO, jsonl: bool) -> None:
        self._events = events
        self._clock = clock
        self._out = out
        self._jsonl = jsonl

    def emit(self, item: object) -> None:
        """Print one event (readings, link changes, alarms, phases, notes)."""
        received_at = self._clock.now()
        line = json.dumps(as_json(item, received_at)) if self._jsonl else as_text(item, received_at)
        self._out.write(line + "\n")
        self._out.flush()

    def run(self, core: MonitoringCore, duration_s: float | None, stop: threading.Event, scenario_run=None) -> None:
        t0 = self._clock.monotonic()
        scenario_s = 0.0
        while not stop.is_set():
            if duration_s is not None and self._clock.monotonic() - t0 >= duration_s:
                break
            try:
                self.handle(self._events.get(timeout=0.05), core)
            except queue.Empty:
                pass
            core.tick()
            if scenario_run is not None:
                scenario_s = _follow_scenario(core, scenario_run, scenario_s, self._clock)

    def drain(self, core: MonitoringCore) -> None:
        """Record what the driver sent before it stopped: no reading is dropped.

        Monitoring has ended, so these are not alarmed on: stopping takes clock
        time, and at a high --speed that pause would look like a lost link.
        """
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            if not isinstance(event, FrameStats | RecordingStatus):
                core.record_driver_event(event)

    def handle(self, event: object, core: MonitoringCore) -> None:
        if not isinstance(event, FrameStats | RecordingStatus):  # these only feed the alarms
            core.record_driver_event(event)
        core.on_event(event)


def _follow_scenario(core: MonitoringCore, run, since_s: float, clock: Clock) -> float:
    now_s = (clock.now() - run.start).total_seconds()
    if now_s > since_s:
        core.session.apply_scenario_events(run.events_between(since_s, now_s))
    return max(now_s, since_s)

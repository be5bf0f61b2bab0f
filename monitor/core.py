"""Routes what the driver reports to the session model and the alarm engine.

The headless recorder and the dashboard both use this, so an alarm raised in
a QA ``record --jsonl`` run is exactly the alarm the nurse would see. It keeps
the engine's view of the session (phase, baseline) in step with the session
model, and hands every event worth keeping to ``record`` (the recording, and
the printed log). It is not thread-safe: call it from one thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.alarms import AlarmEngine, AlarmEvent
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, Reading
from monitor.session import Annotation, InfusionSession, Phase, PhaseChange

log = logging.getLogger(__name__)

Record = Callable[[object], None]


@dataclass(frozen=True, slots=True)
class RecordingStatus:
    """The recorder's writer thread says writing failed or works again (crosses threads)."""

    failed: bool
    message: str


@dataclass(frozen=True, slots=True)
class OperatorAction:
    """Something an operator did that belongs in the record (e.g. starting despite a caution)."""

    at: datetime
    action: str
    detail: Mapping[str, object]

    def to_record(self) -> tuple[str, dict[str, object]]:
        return "operator_actions", {
            "host_time": self.at.timestamp(), "action": self.action, "detail": json.dumps(dict(self.detail)),
        }

    def as_json(self) -> dict[str, object]:
        time = self.at.isoformat().replace("+00:00", "Z")
        return {"type": "operator_action", "time": time, "action": self.action, **self.detail}


class MonitoringCore:
    def __init__(self, session_factory: Callable[[Callable], InfusionSession], engine: AlarmEngine, record: Record) -> None:
        self.engine = engine
        self._record = record
        self.session = session_factory(self._on_session_event)

    # -- from the driver --------------------------------------------------------
    def record_driver_event(self, event: object) -> None:
        """Readings, link changes and device conditions go to the record as they are."""
        self._record(event)

    def on_event(self, event: object) -> list[AlarmEvent]:
        """One driver event; returns the alarm events it caused (already recorded)."""
        if isinstance(event, Reading):
            self.session.on_reading(event)
            return self._keep(self.engine.on_reading(event))
        if isinstance(event, LinkEvent):
            return self._keep(self.engine.on_link(event))
        if isinstance(event, DeviceStatus):
            return self._keep(self.engine.on_device_status(event))
        if isinstance(event, FrameStats):
            return self._keep(self.engine.on_frame_stats(event))
        if isinstance(event, RecordingStatus):
            return self._keep(self.engine.on_recording(event.failed, event.message))
        return []

    def tick(self) -> list[AlarmEvent]:
        """Time-driven transitions (delays, escalation, reminders, link watchdogs)."""
        return self._keep(self.engine.tick())

    def on_recording(self, failed: bool, message: str = "") -> list[AlarmEvent]:
        return self._keep(self.engine.on_recording(failed, message))

    def on_audio(self, available: bool, message: str = "") -> list[AlarmEvent]:
        return self._keep(self.engine.on_audio(available, message))

    def keep(self, events: list[AlarmEvent]) -> list[AlarmEvent]:
        """Record events from operator actions on the engine (acknowledge, pause, limits)."""
        return self._keep(events)

    # -- from the session model -----------------------------------------------------
    def _on_session_event(self, event: PhaseChange | Annotation) -> None:
        self._record(event)
        if not isinstance(event, PhaseChange):
            return
        if event.phase is Phase.INFUSION:
            self._keep(self.engine.set_baseline(self.session.baseline()))
        self._keep(self.engine.set_phase(event.phase.value))

    def _keep(self, events: list[AlarmEvent]) -> list[AlarmEvent]:
        for event in events:
            self._record(event)
        return events

"""The single-threaded heart of a bed: routes events to the session model and the alarm engine.

:class:`monitor.bed.Bed` owns one and calls it under its lock, from whichever
thread holds it; nothing else does. It keeps the engine's view of the session
(phase, baseline) in step with the session model, and hands every event worth
keeping to ``record`` (the bed's listeners: the recording, the printed log, the
window). It is not thread-safe.

Why :class:`ArrivalClock`: a bed judges an event when its thread takes it from
the inbox, and that thread can be held up (a busy computer, a slow listener).
Events then wait; judged at the moment they are finally taken, a 30-second
excursion that arrived during a one-minute stall would look instantaneous, and
its alarm, which needs 10 s beyond the limit, would never be raised. So each
event is judged at the moment it arrived, in order, before any timer tick, and
the alarm log is the one an unhindered thread would have written.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from monitor.alarms import AlarmEngine, AlarmEvent
from monitor.clock import Clock
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, Reading
from monitor.session import Annotation, InfusionSession, Phase, PhaseChange

log = logging.getLogger(__name__)

Record = Callable[[object], None]
Instant = tuple[float, datetime]  # (monotonic, wall) on the program's clock


class ArrivalClock:
    """The alarm engine's clock: the program's clock, except while a posted event is judged,
    when it reads the moment that event arrived (see the module docstring)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.speed = clock.speed
        self._pinned: Instant | None = None

    def now(self) -> datetime:
        return self._clock.now() if self._pinned is None else self._pinned[1]

    def monotonic(self) -> float:
        return self._clock.monotonic() if self._pinned is None else self._pinned[0]

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return self._clock.wait(event, seconds)

    def stamp(self) -> Instant:
        """This moment on the program's clock (any thread)."""
        return self._clock.monotonic(), self._clock.now()

    @contextmanager
    def pinned(self, instant: Instant) -> Iterator[None]:
        self._pinned = instant
        try:
            yield
        finally:
            self._pinned = None


@dataclass(frozen=True, slots=True)
class RecordingStatus:
    """The recorder's writer thread says writing failed or works again (crosses threads)."""

    failed: bool
    message: str


@dataclass(frozen=True, slots=True)
class DisplayStatus:
    """The sound process's display watchdog (crosses threads): the GUI thread stopped sending
    heartbeats ``seconds`` ago (frozen), or responds again after ``seconds`` frozen."""

    frozen: bool
    seconds: float


@dataclass(frozen=True, slots=True)
class CentralStatus:
    """The publisher to the central station (crosses threads): whether the broker takes this bed's
    messages, and if not, why (one sentence)."""

    reachable: bool
    message: str


@dataclass(frozen=True, slots=True)
class AudioStatus:
    """The sound process can play (``available``) or cannot (``message`` says why): from the
    annunciator's supervising thread, which must never wait for a bed (crosses threads)."""

    available: bool
    message: str = ""


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
    def __init__(self, session_factory: Callable[[Callable], InfusionSession], engine: AlarmEngine,
                 record: Record) -> None:
        self.engine = engine
        self._record = record
        self.session = session_factory(self._on_session_event)

    # -- from the driver --------------------------------------------------------
    def on_event(self, event: object) -> list[AlarmEvent]:
        """One driver event (or recorder status); returns the alarm events it caused (already recorded)."""
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
        if isinstance(event, DisplayStatus):
            return self._keep(self.engine.on_display(event.frozen, event.seconds))
        if isinstance(event, CentralStatus):
            return self._keep(self.engine.on_central(event.reachable, event.message))
        if isinstance(event, AudioStatus):
            return self._keep(self.engine.on_audio(event.available, event.message))
        return []

    def tick(self) -> list[AlarmEvent]:
        """Time-driven transitions (delays, escalation, reminders, link watchdogs)."""
        return self._keep(self.engine.tick())

    def record(self, event: object) -> None:
        """An event the bed's commands make themselves (an operator action)."""
        self._record(event)

    def keep(self, events: list[AlarmEvent]) -> list[AlarmEvent]:
        """Record events from operator actions on the engine (acknowledge, pause, limits, audio)."""
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

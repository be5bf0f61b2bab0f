"""What ``infusion-monitor central --jsonl`` prints: every message it accepted, state changes, its alarms.

One JSON object per line. A reading, alarm or session event is printed with the
fields it arrived with (the bedside's ``record --jsonl`` fields, checked) plus
``bed``, ``site``, ``session``, ``seq`` and ``late``; a bed's state when what a
nurse sees of it changes; the station's own technical alarms with ``"source":
"central"``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TextIO

from central.alarms import CentralAlarmEvent
from central.station import BedMessage, BedState, StationEvent
from monitor.alarms.model import utc_text
from monitor.clock import Clock


def state_json(event: BedState, now: str) -> dict[str, object]:
    view = event.view
    data: dict[str, object] = {"type": "state", "time": now, "bed": view.bed, "site": view.site,
                               "session": view.session, "late": False, "status": view.status,
                               "backlog": view.backlog}
    snap = view.snapshot
    if snap is not None:
        data.update({
            "patient": snap.patient, "phase": snap.phase.value, "link": snap.link, "sounding": snap.sounding,
            "alarms": [{"condition": a.condition, "priority": a.priority, "status": a.status,
                        "acknowledged_by": a.acknowledged_by,
                        "acknowledged_at": None if a.acknowledged_at is None else utc_text(a.acknowledged_at)}
                       for a in snap.alarms],
        })
    return data


def line(event: StationEvent, now: str) -> dict[str, object]:
    if isinstance(event, BedMessage):
        m = event.message
        return {**m.data, "bed": m.bed, "site": m.site, "session": m.session}
    if isinstance(event, BedState):
        return state_json(event, now)
    assert isinstance(event, CentralAlarmEvent)
    return event.as_json()


class StationPrinter:
    """A station listener writing one JSON line per event; ``on_closed`` when the reader went away."""

    def __init__(self, out: TextIO, clock: Clock, on_closed: Callable[[], object] = lambda: None) -> None:
        self._out = out
        self._clock = clock
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, event: StationEvent) -> None:
        text = json.dumps(line(event, utc_text(self._clock.now())))
        with self._lock:
            if self._closed:
                return
            try:
                self._out.write(text + "\n")
                self._out.flush()
            except (BrokenPipeError, ValueError):
                self._closed = True
                self._on_closed()

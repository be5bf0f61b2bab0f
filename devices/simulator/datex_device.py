"""A simulated GE Datex-Ohmeda S/5 monitor behind its Computer Interface port (§A.12).

It behaves as the spec says the monitor does, so the driver can be exercised
against the awkward parts too: nothing is sent until the host asks; there is
no acknowledgement; a second request within 5 s of the last accepted one is
silently ignored; malformed input is ignored. Records are built by the same
codec the driver decodes with (:mod:`devices.protocols.datex`), and every
emission carries the values it encodes so QA can diff decoded against sent.
Deterministic: no clock, no randomness; time is the runner's simulated seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devices.protocols import datex_layout as layout
from devices.protocols.datex import (
    LINE_SETTINGS,
    Deframer,
    Request,
    encode_frame,
    parse_request,
)
from devices.simulator.datex_record import displ_truth, encode_displ_record
from devices.simulator.device import Emission, SnapshotAt
from devices.simulator.snapshot import Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Schedule:
    """When the next DISPL record is due and what it holds."""

    next_s: float
    interval_s: float | None  # None: a single record (tx_ival -1)
    class_bf: int

    def after_emission(self) -> _Schedule | None:
        if self.interval_s is None:
            return None
        return _Schedule(self.next_s + self.interval_s, self.interval_s, self.class_bf)


def _is_valid_interval(interval_s: int) -> bool:
    """tx_ival the monitor acts on: -1 once, 0 stop, >= 5 periodic (§A.4)."""
    return interval_s in (layout.TX_ONCE, layout.TX_STOP) or interval_s >= layout.MIN_INTERVAL_S


class DatexDevice:
    """:class:`~devices.simulator.device.SimulatedDevice` for the S/5 Computer Interface."""

    name = "datex"
    settings = LINE_SETTINGS

    def __init__(self, *, dri_level: int = 9) -> None:
        self.dri_level = dri_level
        self._deframer = Deframer()
        self._last_accepted_s: float | None = None
        self._schedule: _Schedule | None = None
        self._r_nbr = 0

    def reset(self) -> None:
        """Forget the session, as after power-cycling: silent until asked again."""
        self._deframer = Deframer()
        self._last_accepted_s = None
        self._schedule = None
        self._r_nbr = 0

    def feed(self, data: bytes, elapsed_s: float) -> list[Emission]:
        """Take requests from the host; the S/5 never replies directly (no ack)."""
        for record in self._deframer.feed(data):
            request = parse_request(record)
            if request is None:
                log.debug("datex device: ignoring a record that is not a request")
                continue
            self._handle(request, elapsed_s)
        return []

    def due(self, elapsed_s: float, snapshot_at: SnapshotAt) -> list[Emission]:
        """Every DISPL record due up to ``elapsed_s``, each from its own instant."""
        emissions: list[Emission] = []
        while self._schedule is not None and self._schedule.next_s <= elapsed_s:
            schedule = self._schedule
            emissions.append(self._emit(snapshot_at(schedule.next_s), schedule.class_bf))
            self._schedule = schedule.after_emission()
        return emissions

    def next_due_s(self) -> float | None:
        return None if self._schedule is None else self._schedule.next_s

    def _handle(self, request: Request, now_s: float) -> None:
        if not _is_valid_interval(request.interval_s):
            log.debug("datex device: ignoring tx_ival %d", request.interval_s)
            return
        last = self._last_accepted_s
        if last is not None and now_s - last < layout.MIN_INTERVAL_S:
            log.debug("datex device: ignoring a request %.1f s after the last one", now_s - last)
            return
        self._last_accepted_s = now_s
        if request.record_type != layout.PH_DISPL:
            log.debug("datex device: record type %d is not simulated", request.record_type)
            return
        if request.interval_s == layout.TX_STOP and self._schedule is not None:
            log.info("datex device: transmission stopped by the host")  # the host's goodbye (QA)
        self._schedule = self._schedule_for(request, now_s)

    @staticmethod
    def _schedule_for(request: Request, now_s: float) -> _Schedule | None:
        """First record at once, then every tx_ival; None once stopped."""
        if request.interval_s == layout.TX_STOP:
            return None
        interval = None if request.interval_s == layout.TX_ONCE else float(request.interval_s)
        return _Schedule(now_s, interval, request.class_bf)

    def _emit(self, snapshot: Snapshot, class_bf: int) -> Emission:
        record = encode_displ_record(
            snapshot, r_nbr=self._r_nbr, dri_level=self.dri_level, class_bf=class_bf
        )
        self._r_nbr = (self._r_nbr + 1) & 0xFF
        return Emission(data=encode_frame(record), truth=displ_truth(snapshot, class_bf=class_bf))

"""Host side of a Datex-Ohmeda S/5 connection, as a sans-I/O session.

The S/5 has no handshake and no keep-alive (§A.4): the host sends one DISPL
request when the port opens and a stop request before it closes; in between it
only deframes and decodes what arrives. Sending the request once matters: the
monitor ignores a second request within 5 s, so repeats only hide bugs.
"""

from __future__ import annotations

import logging

from devices.protocols import Decoded
from devices.protocols.datex import (
    LINE_SETTINGS,
    Deframer,
    build_displ_request,
    build_stop_request,
    decode_record,
    effective_interval_s,
)
from devices.protocols.plausibility import screen
from monitor.readings import FrameStats

log = logging.getLogger(__name__)


class DatexSession:
    """:class:`~devices.protocols.ProtocolSession` for the S/5 Computer Interface."""

    name = "datex"
    settings = LINE_SETTINGS

    def __init__(self, interval_s: int = 5) -> None:
        if interval_s < 1:
            raise ValueError(f"a streaming session needs a positive interval, not {interval_s}")
        self.interval_s = effective_interval_s(interval_s)  # the monitor's minimum is 5 s
        self.expected_interval_s: float = float(self.interval_s)
        self._deframer = Deframer()

    def on_open(self, now_s: float) -> bytes:
        """One DISPL request: basic + ext1..3 every ``interval_s`` seconds."""
        self._deframer.reset()
        log.info("datex: requesting displayed values every %d s", self.interval_s)
        return build_displ_request(self.interval_s)

    def feed(self, data: bytes, now_s: float) -> list[Decoded]:
        decoded: list[Decoded] = []
        for record in self._deframer.feed(data):
            decoded.extend(screen(decode_record(record)))
        return decoded

    def poll(self, now_s: float) -> bytes:
        return b""  # the monitor keeps sending on its own; there is nothing to poll

    def on_close(self) -> bytes:
        log.info("datex: stopping displayed values")
        return build_stop_request()

    @property
    def stats(self) -> FrameStats:
        return self._deframer.stats

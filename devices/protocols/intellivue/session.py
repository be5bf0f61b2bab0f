"""The host side of an IntelliVue MIB/RS232 Data Export connection (spec §B.4, §B.7).

A sans-I/O state machine: the driver passes received bytes to :meth:`feed` and
calls :meth:`poll` often (every ~100 ms is plenty) to collect what is due. Times
are seconds on the injected clock, passed in; nothing here reads a clock.

Phases (§B.4)::

    on_open -AARQ-> ASSOCIATING -AARE-> AWAITING_MDS -MDS Create Event-> ASSOCIATED
                        |                   |        (answer: Create Result)  |  every poll
                        | refuse/abort/     | timeout/abort                   |  period: poll;
                        | timeout           |                                 |  keep-alive
                        v                   v                                 |  if quiet
                    BACKING_OFF <-----------+------ ROER/abort/link lost -----+
                        | back-off elapsed (1 s, 2 s, 4 s ... capped): AARQ again
                        v
                    ASSOCIATING

``on_close`` sends the release request (§B.4 step 8).

Decisions where the spec is silent or unsure (§E):

* The numerics poll carries **no** NOM_ATTR_TIME_PD_POLL, so the monitor answers
  each poll once; we re-poll every ``poll_period_s``. The spec's observation that a
  period makes the monitor push replies by itself is medium-low confidence, and
  re-polling with a period (as VSCaptureMP does) could stack push streams.
* Invoke id and poll number are a constant 1, as VSCaptureMP sends them.
* Keep-alive: VSCaptureMP's MDS Create Result, sent when nothing else went out
  for ``keep_alive_s`` (default 5 s: §B.4 step 7 recommends ≤ 5 s). With the
  default 1 s poll period the polls themselves keep the association alive.
* Link lost = no valid frame for ``link_timeout_s`` (default 5 poll periods, at
  least 5 s) while associated: send a release, back off, re-associate.
* Poll replies are decoded in every phase: an FCS-checked reply from the monitor
  is real data even if it arrives while we are re-associating.
"""

from __future__ import annotations

import enum
import logging
from collections import Counter
from datetime import timezone, tzinfo

from devices.protocols import Decoded, LineSettings
from devices.protocols.intellivue.fastpath import PollReplyDecoder
from devices.protocols.intellivue.framing import Deframer, encode_frame
from devices.protocols.intellivue.messages import (
    AssociationControl,
    AssociationEvent,
    MdsCreateEvent,
    Message,
    RemoteError,
    build_association_request,
    build_extended_poll_request,
    build_keep_alive,
    build_mds_create_result,
    build_release_request,
    parse_message,
)
from devices.protocols.intellivue.numerics import SourceSelector, TimeBase, readings_from_reply
from devices.protocols.intellivue.polling import PollReply
from devices.protocols.intellivue.wire import DecodeError, decode_bcd_time
from monitor.readings import FrameStats

log = logging.getLogger(__name__)

LINE_SETTINGS = LineSettings(115200, 8, "N", 1)  # §B.1, no handshake

POLL_INVOKE_ID = 1
POLL_NUMBER = 1


class Phase(enum.StrEnum):
    IDLE = "idle"  # not opened yet
    ASSOCIATING = "associating"  # AARQ sent, waiting for the AARE
    AWAITING_MDS = "awaiting-mds"  # accepted, waiting for the MDS Create Event
    ASSOCIATED = "associated"  # polling numerics
    BACKING_OFF = "backing-off"  # waiting before the next association attempt
    CLOSED = "closed"


_ENDS_ASSOCIATION = {
    AssociationEvent.REFUSE: "association refused",
    AssociationEvent.ABORT: "association aborted by the monitor",
    AssociationEvent.RELEASE_REQUEST: "association released by the monitor",
    AssociationEvent.RELEASE_RESPONSE: "association released",
}
_IN_ASSOCIATION = (Phase.ASSOCIATING, Phase.AWAITING_MDS, Phase.ASSOCIATED)


class IntelliVueSession:
    """Host side of one MIB/RS232 connection; implements ``ProtocolSession``."""

    name = "intellivue"
    settings = LINE_SETTINGS

    # per-connection state, set by _reset()
    _phase: Phase
    _outbox: bytearray
    _selector: SourceSelector
    _time_base: TimeBase | None
    _backoff_s: float
    _deadline_s: float
    _next_poll_s: float
    _last_rx_s: float
    _last_tx_s: float
    _mds_invoke_id: int
    _mds_event_time: int

    def __init__(
        self,
        poll_period_s: float = 1.0,
        *,
        keep_alive_s: float = 5.0,
        link_timeout_s: float | None = None,
        response_timeout_s: float = 5.0,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 8.0,
        device_tz: tzinfo = timezone.utc,
    ) -> None:
        """``device_tz``: the zone the monitor's clock runs in (its BCD times carry none)."""
        if poll_period_s <= 0:
            raise ValueError("poll_period_s must be positive")
        self.expected_interval_s = poll_period_s
        self._poll_period_s = poll_period_s
        self._keep_alive_s = keep_alive_s
        self._link_timeout_s = link_timeout_s or max(5 * poll_period_s, 5.0)
        self._response_timeout_s = response_timeout_s
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._tz = device_tz
        self._deframer = Deframer()
        self._replies = PollReplyDecoder()  # keeps only pure results, so it outlives _reset
        self._events: Counter[str] = Counter()
        self._reset()

    # --- ProtocolSession -------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def time_base(self) -> TimeBase | None:
        """The MDS time reference from the last MDS Create Event, if it had a valid time."""
        return self._time_base

    @property
    def stats(self) -> FrameStats:
        frames = self._deframer.stats
        extra = tuple(f"{what}: {n}" for what, n in sorted(self._events.items()))
        return FrameStats(
            frames.frames_ok, frames.frames_bad, frames.bytes_discarded, frames.details + extra
        )

    def on_open(self, now_s: float) -> bytes:
        """Start associating (§B.4 step 1)."""
        self._reset()
        self._deframer.reset()
        self._associate(now_s)
        return self._flush()

    def feed(self, data: bytes, now_s: float) -> list[Decoded]:
        decoded: list[Decoded] = []
        for user_data in self._deframer.feed_user_data(data):
            self._last_rx_s = now_s
            # most frames are numerics poll replies: the fast path gives what the general
            # path below would, or None (anything else, or anything it is unsure of)
            shown = self._replies.decode(user_data, self._selector, self._time_base, self._tz)
            if shown is not None:
                decoded += shown
                continue
            try:
                message = parse_message(user_data)
            except DecodeError as err:
                self._count("message not understood", str(err))
                continue
            decoded.extend(self._handle(message, now_s))
        return decoded

    def poll(self, now_s: float) -> bytes:
        if self._phase in (Phase.ASSOCIATING, Phase.AWAITING_MDS) and now_s >= self._deadline_s:
            waiting_for = "association response" if self._phase is Phase.ASSOCIATING else "MDS"
            self._fail(
                now_s,
                f"no {waiting_for} from the monitor",
                release=self._phase is Phase.AWAITING_MDS,
            )
        elif self._phase is Phase.BACKING_OFF and now_s >= self._deadline_s:
            self._associate(now_s)
        elif self._phase is Phase.ASSOCIATED:
            self._keep_polling(now_s)
        return self._flush()

    def on_close(self) -> bytes:
        """Release the association (§B.4 step 8) if one is under way."""
        if self._phase in _IN_ASSOCIATION:
            self._send(build_release_request(), self._last_tx_s)
        self._phase = Phase.CLOSED
        return self._flush()

    # --- receiving -------------------------------------------------------------------

    def _handle(self, message: Message, now_s: float) -> list[Decoded]:
        if isinstance(message, PollReply):
            return self._on_poll_reply(message)
        if isinstance(message, AssociationControl):
            self._on_association(message.event, now_s)
        elif isinstance(message, MdsCreateEvent):
            self._on_mds_create(message, now_s)
        elif isinstance(message, RemoteError):
            self._count("remote error", f"error value {message.error_value}")
            if self._phase in (Phase.AWAITING_MDS, Phase.ASSOCIATED):
                self._fail(
                    now_s, f"monitor answered with error {message.error_value}", release=True
                )
        return []

    def _on_poll_reply(self, reply: PollReply) -> list[Decoded]:
        readings = readings_from_reply(reply, self._time_base, self._tz)
        key = (reply.invoke_id, reply.poll_number, reply.rel_time)
        shown = self._selector.select(key, readings)
        if reply.linked is None:  # a RORS ends the reply (§B.4 step 6)
            self._selector.reset()
        return list(shown)

    def _on_association(self, event: AssociationEvent, now_s: float) -> None:
        if event is AssociationEvent.ACCEPT:
            if self._phase is Phase.ASSOCIATING:
                log.info("IntelliVue association accepted")
                self._phase = Phase.AWAITING_MDS
                self._deadline_s = now_s + self._response_timeout_s
            return
        reason = _ENDS_ASSOCIATION.get(event)
        if reason is not None and self._phase in _IN_ASSOCIATION:
            self._count(reason)
            self._fail(now_s, reason, release=False)

    def _on_mds_create(self, event: MdsCreateEvent, now_s: float) -> None:
        """Take the time base, answer (§B.4 step 4) and start polling (step 5)."""
        abs_time = decode_bcd_time(event.abs_time_raw or b"", self._tz)
        rel_time = event.rel_time
        if abs_time is not None and rel_time is not None:
            self._time_base = TimeBase(abs_time, rel_time)
        if self._phase in (Phase.IDLE, Phase.CLOSED):
            return
        self._mds_invoke_id = event.invoke_id
        self._mds_event_time = event.event_time
        self._send(build_mds_create_result(event.invoke_id, event.event_time), now_s)
        if self._phase is not Phase.ASSOCIATED:
            log.info("IntelliVue MDS created; polling numerics every %.1f s", self._poll_period_s)
        self._phase = Phase.ASSOCIATED
        self._selector.reset()
        self._backoff_s = self._backoff_initial_s
        self._next_poll_s = now_s

    # --- sending ---------------------------------------------------------------------

    def _associate(self, now_s: float) -> None:
        self._send(build_association_request(), now_s)
        self._phase = Phase.ASSOCIATING
        self._deadline_s = now_s + self._response_timeout_s

    def _keep_polling(self, now_s: float) -> None:
        if now_s - self._last_rx_s >= self._link_timeout_s:
            self._count("link lost")
            self._fail(now_s, f"no frames for {now_s - self._last_rx_s:.1f} s", release=True)
        elif now_s >= self._next_poll_s:
            self._send(build_extended_poll_request(POLL_INVOKE_ID, POLL_NUMBER), now_s)
            self._next_poll_s += self._poll_period_s
            if self._next_poll_s <= now_s:  # fell behind (e.g. the host stalled): no burst
                self._next_poll_s = now_s + self._poll_period_s
        elif now_s - self._last_tx_s >= self._keep_alive_s:
            self._send(build_keep_alive(self._mds_invoke_id, self._mds_event_time), now_s)

    def _fail(self, now_s: float, reason: str, *, release: bool) -> None:
        """End this attempt; try again after the back-off (§B.7: re-associate, inferred)."""
        log.info("IntelliVue: %s; re-associating in %.0f s", reason, self._backoff_s)
        if release:
            self._send(build_release_request(), now_s)
        self._phase = Phase.BACKING_OFF
        self._deadline_s = now_s + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, self._backoff_max_s)

    def _count(self, event: str, detail: str = "") -> None:
        """Count an event for ``stats.details``; log a detail the first time only (no spam)."""
        self._events[event] += 1
        if detail:
            level = logging.WARNING if self._events[event] == 1 else logging.DEBUG
            log.log(level, "IntelliVue %s: %s", event, detail)

    def _send(self, user_data: bytes, now_s: float) -> None:
        self._outbox += encode_frame(user_data)
        self._last_tx_s = now_s

    def _flush(self) -> bytes:
        out, self._outbox = bytes(self._outbox), bytearray()
        return out

    def _reset(self) -> None:
        self._phase = Phase.IDLE
        self._outbox = bytearray()
        self._selector = SourceSelector()
        self._time_base = None
        self._backoff_s = self._backoff_initial_s
        self._deadline_s = 0.0
        self._next_poll_s = 0.0
        self._last_rx_s = 0.0
        self._last_tx_s = 0.0
        self._mds_invoke_id = 1
        self._mds_event_time = 0

"""A simulated Philips IntelliVue behind its MIB/RS232 Data Export port (spec §B.8).

It behaves as §B.4/§B.8 say the monitor does, so the host session meets the same
sequence as on a real bedside monitor:

    IDLE --AARQ--> (AARE) --> MDS Create Event --> AWAITING_MDS_RESULT
    AWAITING_MDS_RESULT --MDS Create Result--> ASSOCIATED --poll--> reply (RORS / RORLS chain)
    any --release request--> (release response) --> IDLE;  abort --> IDLE

Replies come from :mod:`devices.simulator.intellivue_replies`, built with the
same codec the host decodes with; each emission carries the values it encodes.
Deterministic: no clock, no randomness; time is the runner's simulated seconds.

Decisions where the spec is silent:

* What needs the scenario (the MDS Create Event's absolute time, poll replies)
  is produced by :meth:`due` for the instant the request arrived; the runner calls
  it right after :meth:`feed`, so it goes out at once. The association answer and
  the release response come straight from :meth:`feed`.
* Polls, release requests and MDS results that arrive without an association
  (e.g. after a power cycle or a pulled cable) are ignored: the host then finds
  the link silent and re-associates (§B.7), which is what QA wants to exercise.
* A poll period (NOM_ATTR_TIME_PD_POLL) is not honoured with pushed replies (§B.8
  says "optionally"); every poll is answered once. The host does not send one.
* RelativeTime counts from ``rel_time_origin`` (the capture's MDS event time) at
  8000 ticks per simulated second and keeps running across :meth:`reset`; the
  refusal budget of ``refuse_first`` is also kept across resets.
* One ``sequence_no`` per answered poll (all frames of a chain share it).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.framing import Deframer, encode_frame
from devices.protocols.intellivue.messages import (
    REFUSE,
    RELEASE_RESPONSE,
    AssociationControl,
    AssociationEvent,
    MdsCreateResult,
    Message,
    PollRequest,
    build_association_response,
    build_mds_create_event,
    parse_message,
)
from devices.protocols.intellivue.session import LINE_SETTINGS
from devices.protocols.intellivue.wire import TICKS_PER_SECOND, DecodeError
from devices.simulator.device import Emission, SnapshotAt
from devices.simulator.intellivue_replies import (
    MIN_USER_DATA,
    MONITOR_MTU,
    TYPICAL_MAX_USER_DATA,
    NumericObject,
    TimeReference,
    monitor_time,
    numeric_objects,
    reply_frames,
    reply_template,
)

log = logging.getLogger(__name__)

REAL_MDS_EVENT_TIME = 0x001DC200  # RelativeTime of the MDS Create Event in the capture (§B.9 P6)
MDS_INVOKE_ID = 1  # as the real monitor (§B.4 step 4)
_U32 = 0xFFFF_FFFF


class Link(enum.StrEnum):
    """Where the monitor is in the association (§B.4)."""

    IDLE = "idle"  # waiting for an AARQ
    AWAITING_MDS_RESULT = "awaiting-mds-result"  # AARE and MDS Create Event sent
    ASSOCIATED = "associated"  # answering polls


@dataclass(frozen=True, slots=True)
class _Job:
    """Something to send from :meth:`IntelliVueDevice.due` for the instant ``at_s``."""

    at_s: float
    poll: PollRequest | None  # None: the MDS Create Event


class IntelliVueDevice:
    """:class:`~devices.simulator.device.SimulatedDevice` for the MIB/RS232 port."""

    name = "intellivue"
    settings = LINE_SETTINGS

    def __init__(
        self,
        *,
        refuse_first: int = 0,
        max_user_data: int = TYPICAL_MAX_USER_DATA,
        rel_time_origin: int = REAL_MDS_EVENT_TIME,
    ) -> None:
        """``refuse_first``: refuse that many association requests before accepting (QA).

        ``max_user_data`` caps the user data of each poll-reply frame (≤ the MTU of
        996, §B.8); longer replies become RORLS chains. The replayed AARE (206 bytes)
        and the MDS Create Event are fixed and not cut. ``rel_time_origin``: RelativeTime at t = 0.
        """
        if not MIN_USER_DATA <= max_user_data <= MONITOR_MTU:
            raise ValueError(
                f"max_user_data must be {MIN_USER_DATA}..{MONITOR_MTU}, got {max_user_data}"
            )
        if refuse_first < 0:
            raise ValueError("refuse_first must not be negative")
        self._refusals_left = refuse_first
        self._max_user_data = max_user_data
        self._rel_time_origin = rel_time_origin
        self._deframer = Deframer()
        self._link = Link.IDLE
        self._jobs: list[_Job] = []
        self._time_ref: TimeReference | None = None
        self._sequence_no = 0

    @property
    def link(self) -> Link:
        return self._link

    # --- SimulatedDevice -----------------------------------------------------------

    def reset(self) -> None:
        """Power-cycled or cable pulled: forget the association and anything half-received."""
        if self._link is not Link.IDLE:
            log.info("intellivue device: reset, association forgotten")
        self._deframer = Deframer()
        self._forget_association()

    def feed(self, data: bytes, elapsed_s: float) -> list[Emission]:
        """Take the host's frames; returns the association-control answers due at once."""
        replies: list[Emission] = []
        for frame in self._deframer.feed(data):
            try:
                message = parse_message(frame.user_data)
            except DecodeError as err:
                log.debug("intellivue device: ignoring a message not understood: %s", err)
                continue
            replies.extend(self._handle(message, elapsed_s))
        return replies

    def due(self, elapsed_s: float, snapshot_at: SnapshotAt) -> list[Emission]:
        """The MDS Create Event and poll replies for requests received up to ``elapsed_s``."""
        emissions: list[Emission] = []
        while self._jobs and self._jobs[0].at_s <= elapsed_s:
            job = self._jobs.pop(0)
            if job.poll is None:
                emissions.append(self._mds_create_event(job.at_s, snapshot_at))
            else:
                emissions.extend(self._poll_reply(job.poll, job.at_s, snapshot_at))
        return emissions

    def next_due_s(self) -> float | None:
        return self._jobs[0].at_s if self._jobs else None

    # --- receiving -----------------------------------------------------------------

    def _handle(self, message: Message, now_s: float) -> list[Emission]:
        if isinstance(message, AssociationControl):
            return self._on_association_control(message.event, now_s)
        if isinstance(message, MdsCreateResult):
            self._on_mds_create_result(message)
        elif isinstance(message, PollRequest):
            self._on_poll(message, now_s)
        else:
            log.debug("intellivue device: ignoring %s", type(message).__name__)
        return []

    def _on_association_control(self, event: AssociationEvent, now_s: float) -> list[Emission]:
        if event is AssociationEvent.REQUEST:
            return [self._on_association_request(now_s)]
        if event is AssociationEvent.RELEASE_REQUEST and self._link is not Link.IDLE:
            log.info("intellivue device: association released by the host")
            self._forget_association()
            return [Emission(encode_frame(RELEASE_RESPONSE))]
        if event is AssociationEvent.ABORT:
            log.info("intellivue device: association aborted by the host")
            self._forget_association()
        else:
            log.debug("intellivue device: ignoring %s while %s", event.name, self._link)
        return []

    def _on_association_request(self, now_s: float) -> Emission:
        """Accept (AARE, then the MDS Create Event from :meth:`due`) or refuse (§B.4 steps 1-3)."""
        self._forget_association()
        if self._refusals_left > 0:
            self._refusals_left -= 1
            log.info("intellivue device: refusing the association (%d more)", self._refusals_left)
            return Emission(encode_frame(REFUSE))
        log.info("intellivue device: association accepted")
        self._link = Link.AWAITING_MDS_RESULT
        self._jobs.append(_Job(now_s, None))
        return Emission(encode_frame(build_association_response()))

    def _on_mds_create_result(self, result: MdsCreateResult) -> None:
        """The host took the MDS (§B.4 step 4): polls are answered from now on.

        Later results are the host's keep-alive (§B.4 step 7) and change nothing.
        """
        if self._link is Link.AWAITING_MDS_RESULT and self._time_ref is not None:
            if result.invoke_id != MDS_INVOKE_ID:
                log.debug("intellivue device: MDS result for invoke id %d", result.invoke_id)
                return
            log.info("intellivue device: MDS created; answering polls")
            self._link = Link.ASSOCIATED

    def _on_poll(self, request: PollRequest, now_s: float) -> None:
        if self._link is not Link.ASSOCIATED:
            log.debug("intellivue device: ignoring a poll while %s", self._link)
            return
        self._jobs.append(_Job(now_s, request))

    def _forget_association(self) -> None:
        self._link = Link.IDLE
        self._jobs.clear()
        self._time_ref = None

    # --- sending -------------------------------------------------------------------

    def _ticks(self, elapsed_s: float) -> int:
        """RelativeTime as an unbounded count: 8000 ticks per simulated second (§B.8)."""
        return self._rel_time_origin + round(elapsed_s * TICKS_PER_SECOND)

    def _mds_create_event(self, at_s: float, snapshot_at: SnapshotAt) -> Emission:
        """Absolute and relative time of one instant: the host's time base (§B.4 step 3)."""
        abs_time = monitor_time(snapshot_at(at_s).device_time)
        ticks = self._ticks(at_s)
        self._time_ref = TimeReference(abs_time, ticks)
        event = build_mds_create_event(MDS_INVOKE_ID, ticks & _U32, abs_time)
        return Emission(encode_frame(event))

    def _poll_reply(
        self, request: PollRequest, at_s: float, snapshot_at: SnapshotAt
    ) -> list[Emission]:
        """Numerics for a numerics poll, an empty list for other object types (§B.5)."""
        assert self._time_ref is not None  # set before the link became ASSOCIATED
        ticks = self._ticks(at_s)
        objects: list[NumericObject] = []
        if (request.partition, request.code) == (nom.NOM_PART_OBJ, nom.NOM_MOC_VMO_METRIC_NU):
            objects = numeric_objects(snapshot_at(at_s), self._time_ref.at(ticks))
        template = reply_template(request, ticks, self._sequence_no)
        self._sequence_no = (self._sequence_no + 1) & 0xFFFF
        frames = reply_frames(template, objects, self._max_user_data)
        return [Emission(encode_frame(f.user_data), f.truth) for f in frames]

"""IntelliVue messages: builders for both ends and one parser (spec §B.3, §B.4, §B.7).

Builders return *user data*; wrap them with
:func:`devices.protocols.intellivue.framing.encode_frame` to send. The host
session uses the request builders; a simulated monitor uses the reply builders
(:func:`build_association_response`, :func:`build_mds_create_event`,
:func:`devices.protocols.intellivue.polling.build_poll_reply`).

:func:`parse_message` tells apart everything either side can receive.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from datetime import datetime

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.polling import (
    MDS_OBJECT,
    LinkedState,
    PollReply,
    parse_poll_result,
)
from devices.protocols.intellivue.wire import (
    DecodeError,
    Reader,
    encode_attributes,
    encode_bcd_time,
    read_attributes,
    u16,
    u32,
)

# AARQ for numerics, VSCaptureMP `aarq_msg` [S7], said to be the example of the
# Philips guide [S9]; the tail offers a 2500/1000-byte MTU and poll-profile
# options (§B.4 step 1). Proven against real monitors, so sent verbatim.
ASSOCIATION_REQUEST = bytes.fromhex(
    "0dec0508130100160102800014020002c1dc3180a0808001010000a280a00300"
    "0001a4803080020101060452010001308006025101000000003080020102060c"
    "2a8648ce14020100000001013080060c2a8648ce140201000000020100000000"
    "000061803080020101a0806080a180060c2a8648ce14020100000003010000be"
    "802880060c2a8648ce1402010000000101020102814880000000400000000000"
    "00008000000020000000000000000001002c0001002880000000000009c40000"
    "09c4000003e8ffffffff600000000001000cf00100088c000000000000000000"
    "0000000000000000000000000000"
)

# The real AARE that opens the capture [S8] (§B.9 P5): min poll period 4000
# ticks, MTU 996/996. A simulated monitor replays it.
ASSOCIATION_RESPONSE = bytes.fromhex(
    "0ece0508130100160102800014020002c1be3180a0808001010000a280a00300"
    "0001a58030808001008102510100003080800100810c2a8648ce140201000000"
    "02010000000061803080020101a0806180a180060c2a8648ce14020100000003"
    "010000a203020100a305a103020100be80288002010281488000000040000000"
    "000000000080000080000000000000000001002c000100288000000000000fa0"
    "000003e4000003e4ffffffff600000000001000cf00100088e00000000000000"
    "00000000000000000000000000000000"
)

# Release request, VSCaptureMP `rlrq_msg` [S7] (§B.4 step 8).
RELEASE_REQUEST = bytes.fromhex("0918c11661803080020101a08062808001000000000000000000")

# (constructed) Refuse, abort and release response: the spec gives only their
# SPDU ids (§B.3). A peer only looks at the first byte, so these carry the id
# and an empty parameter list. For tests and the simulator, not sent by the host.
REFUSE = bytes((nom.SPDU_REFUSE, 0x00))
ABORT = bytes((nom.SPDU_ABORT, 0x00))
RELEASE_RESPONSE = bytes((nom.SPDU_DISCONNECT, 0x00))


class AssociationEvent(enum.Enum):
    """What an association-control SPDU (§B.3) means to the receiver."""

    REQUEST = nom.SPDU_CONNECT
    ACCEPT = nom.SPDU_ACCEPT
    REFUSE = nom.SPDU_REFUSE
    RELEASE_REQUEST = nom.SPDU_FINISH
    RELEASE_RESPONSE = nom.SPDU_DISCONNECT
    ABORT = nom.SPDU_ABORT


@dataclass(frozen=True, slots=True)
class AssociationControl:
    event: AssociationEvent


@dataclass(frozen=True, slots=True)
class MdsCreateEvent:
    """The monitor's MDS Create Event Report (§B.4 step 3), attributes raw by id."""

    invoke_id: int
    event_time: int
    attributes: dict[int, bytes]

    @property
    def abs_time_raw(self) -> bytes | None:
        return self.attributes.get(nom.NOM_ATTR_TIME_ABS)

    @property
    def rel_time(self) -> int | None:
        raw = self.attributes.get(nom.NOM_ATTR_TIME_REL)
        return int.from_bytes(raw, "big") if raw is not None and len(raw) == 4 else None


@dataclass(frozen=True, slots=True)
class MdsCreateResult:
    """The host's answer to the MDS Create Event (what a simulated monitor waits for)."""

    invoke_id: int


@dataclass(frozen=True, slots=True)
class PollRequest:
    """A host's (extended) poll, as a simulated monitor receives it (§B.4 step 5)."""

    invoke_id: int
    action_type: int
    poll_number: int
    partition: int
    code: int
    attribute_group: int
    period_ticks: int | None


@dataclass(frozen=True, slots=True)
class RemoteError:
    """ROER (§B.3): the peer rejected an operation."""

    invoke_id: int
    error_value: int


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """A well-formed message this package has no use for (GET/SET results, waves…)."""

    description: str


Message = (
    AssociationControl
    | MdsCreateEvent
    | MdsCreateResult
    | PollRequest
    | PollReply
    | RemoteError
    | OtherMessage
)


# --- builders ------------------------------------------------------------------------


def _data_export(ro_type: int, body: bytes) -> bytes:
    """SPpdu + ROapdus header around ``body`` (§B.3)."""
    header = u16(nom.SESSION_ID) + u16(nom.PRESENTATION_CONTEXT)
    return header + u16(ro_type) + u16(len(body)) + body


def _command(invoke_id: int, command_type: int, args: bytes) -> bytes:
    return u16(invoke_id) + u16(command_type) + u16(len(args)) + args


def _object(managed_object: tuple[int, int, int] = MDS_OBJECT) -> bytes:
    return b"".join(u16(v) for v in managed_object)


def build_association_request() -> bytes:
    """AARQ user data (§B.4 step 1)."""
    return ASSOCIATION_REQUEST


def build_association_response() -> bytes:
    """AARE user data, the real one from the capture (§B.9 P5); monitor side."""
    return ASSOCIATION_RESPONSE


def build_release_request() -> bytes:
    """Release request user data (§B.4 step 8)."""
    return RELEASE_REQUEST


def build_mds_create_result(invoke_id: int, current_time: int) -> bytes:
    """RORS to the MDS Create Event (§B.4 step 4); echo the event's invoke id.

    With ``invoke_id=1, current_time=0x000ABD00`` this is VSCaptureMP's
    ``mds_create_resp_msg`` byte for byte.
    """
    args = _object() + u32(current_time) + u16(nom.NOM_NOTI_MDS_CREAT) + u16(0)
    return _data_export(nom.RO_RESULT, _command(invoke_id, nom.CMD_CONFIRMED_EVENT_REPORT, args))


def build_keep_alive(invoke_id: int, current_time: int) -> bytes:
    """Keep-alive: VSCaptureMP re-sends the MDS Create Result every 6 s (§B.4 step 7).

    Chosen over a single MDS poll because it is what is proven on real monitors
    and it cannot draw an error reply that would end the association.
    """
    return build_mds_create_result(invoke_id, current_time)


def build_extended_poll_request(
    invoke_id: int = 1,
    poll_number: int = 1,
    code: int = nom.NOM_MOC_VMO_METRIC_NU,
    period_ticks: int | None = None,
) -> bytes:
    """Extended poll (action 0xF13B) on the MDS for objects of type {1, code} (§B.4 step 5).

    Without ``period_ticks`` the extension list is empty (VSCaptureMP
    ``ext_poll_request_msg``): one reply per request. With it, NOM_ATTR_TIME_PD_POLL
    is added; ``period_ticks=240000`` gives ``ext_poll_request_msg5`` byte for byte.
    """
    extensions = [] if period_ticks is None else [(nom.NOM_ATTR_TIME_PD_POLL, u32(period_ticks))]
    poll = u16(poll_number) + u16(nom.NOM_PART_OBJ) + u16(code) + u16(0)
    poll += encode_attributes(extensions)
    action = u16(nom.NOM_ACT_POLL_MDIB_DATA_EXT) + u16(len(poll)) + poll
    args = _object() + u32(0) + action  # scope 0
    return _data_export(nom.RO_INVOKE, _command(invoke_id, nom.CMD_CONFIRMED_ACTION, args))


def build_mds_create_event(
    invoke_id: int,
    rel_time: int,
    abs_time: datetime | None,
    extra_attributes: tuple[tuple[int, bytes], ...] = (),
) -> bytes:
    """MDS Create Event Report (ROIV, CONFIRMED_EVENT_REPORT, 0x0D06); monitor side.

    Carries the time reference the host needs (§B.4 step 3): absolute time
    0x0987 (BCD) and relative time 0x098F, both for the same instant.
    """
    attributes = (
        (nom.NOM_ATTR_TIME_ABS, encode_bcd_time(abs_time)),
        (nom.NOM_ATTR_TIME_REL, u32(rel_time)),
        *extra_attributes,
    )
    info = _object() + encode_attributes(attributes)
    args = _object() + u32(rel_time) + u16(nom.NOM_NOTI_MDS_CREAT) + u16(len(info)) + info
    return _data_export(nom.RO_INVOKE, _command(invoke_id, nom.CMD_CONFIRMED_EVENT_REPORT, args))


def build_remote_error(invoke_id: int, error_value: int) -> bytes:
    """ROER (§B.3) with an empty parameter; for tests and the simulator."""
    return _data_export(nom.RO_ERROR, u16(invoke_id) + u16(error_value) + u16(0))


# --- parser --------------------------------------------------------------------------


def parse_message(user_data: bytes) -> Message:
    """Classify and decode one frame's user data (§B.3). Raises DecodeError."""
    if type(user_data) is bytes:
        reply = _well_formed_poll_reply(user_data)
        if reply is not None:
            return reply
    if not user_data:
        raise DecodeError("empty user data")
    if user_data[0] != nom.SESSION_ID >> 8:
        return _parse_spdu(user_data[0])
    reader = Reader(user_data)
    if reader.u16() != nom.SESSION_ID:
        raise DecodeError("unknown session id")
    reader.u16()  # presentation context id
    ro_type = reader.u16()
    body = reader.sub(reader.u16())
    reader.expect_end("the ROapdu")
    if ro_type == nom.RO_INVOKE:
        return _parse_invoke(body)
    if ro_type == nom.RO_RESULT:
        return _parse_result(body, linked=None)
    if ro_type == nom.RO_LINKED_RESULT:
        return _parse_result(body, linked=LinkedState(body.u8(), body.u8()))
    if ro_type == nom.RO_ERROR:
        return RemoteError(invoke_id=body.u16(), error_value=body.u16())
    raise DecodeError(f"unknown ROapdu type {ro_type}")


_DATA_EXPORT_HEAD = struct.Struct(">HHHH")  # session id, presentation context, ROapdu type, length
_ACTION_RESULT_HEAD = struct.Struct(">HHHHHHHH")  # invoke, command, length, object (3), action, length
_POLL_ACTIONS = (nom.NOM_ACT_POLL_MDIB_DATA, nom.NOM_ACT_POLL_MDIB_DATA_EXT)


def poll_result_span(data: bytes) -> tuple[bool, int, int, tuple[int, int, int], int, int] | None:
    """Where the poll result of a RORS/RORLS poll reply lies, if its ROSE headers are all
    consistent: ``(linked, invoke_id, action_type, managed_object, start, end)``, with
    ``linked`` True for a RORLS (its LinkedState is ``data[8:10]``). None for anything else,
    which the general path then parses (or refuses).

    Half the frames a monitor sends, and all the numerics, are poll results; reading
    their fixed headers field by field was a third of the parse (docs/BENCHMARKS.md), so
    they are read with two struct unpacks, with the checks the general path makes. The
    session's fast path (``fastpath.py``) and :func:`_well_formed_poll_reply` share it.
    """
    size = len(data)
    if size < 8:
        return None
    session, _context, ro_type, ro_length = _DATA_EXPORT_HEAD.unpack_from(data)
    if session != nom.SESSION_ID or ro_length != size - 8:
        return None
    if ro_type == nom.RO_RESULT:
        body = 8
    elif ro_type == nom.RO_LINKED_RESULT and size >= 10:
        body = 10
    else:
        return None
    if size - body < 16:
        return None
    invoke_id, command, args_length, m_class, m_context, m_handle, action_type, result_length = (
        _ACTION_RESULT_HEAD.unpack_from(data, body)
    )
    start = body + 16
    if (command != nom.CMD_CONFIRMED_ACTION or action_type not in _POLL_ACTIONS or args_length < 10
            or body + 6 + args_length > size or start + result_length > body + 6 + args_length):
        return None
    return body == 10, invoke_id, action_type, (m_class, m_context, m_handle), start, start + result_length


def _well_formed_poll_reply(data: bytes) -> PollReply | None:
    """A poll reply read through :func:`poll_result_span`; None where that gives None."""
    span = poll_result_span(data)
    if span is None:
        return None
    linked, invoke_id, action_type, managed_object, start, end = span
    return parse_poll_result(
        Reader(data, start, end),
        invoke_id=invoke_id,
        action_type=action_type,
        linked=LinkedState(data[8], data[9]) if linked else None,
        managed_object=managed_object,
    )


def _parse_spdu(spdu_id: int) -> AssociationControl:
    try:
        return AssociationControl(AssociationEvent(spdu_id))
    except ValueError:
        raise DecodeError(f"unknown SPDU 0x{spdu_id:02X}") from None


def _read_object(reader: Reader) -> tuple[int, int, int]:
    return reader.u16(), reader.u16(), reader.u16()


def _parse_invoke(body: Reader) -> Message:
    invoke_id, command = body.u16(), body.u16()
    args = body.sub(body.u16())
    _read_object(args)
    if command in (nom.CMD_EVENT_REPORT, nom.CMD_CONFIRMED_EVENT_REPORT):
        event_time, event_type = args.u32(), args.u16()
        info = args.sub(args.u16())
        if event_type != nom.NOM_NOTI_MDS_CREAT:
            return OtherMessage(f"event report 0x{event_type:04X}")
        _read_object(info)
        return MdsCreateEvent(invoke_id, event_time, read_attributes(info))
    if command == nom.CMD_CONFIRMED_ACTION:
        args.u32()  # scope
        return _parse_poll_request(invoke_id, args)
    return OtherMessage(f"invoke of command {command}")


def _parse_poll_request(invoke_id: int, args: Reader) -> Message:
    action_type = args.u16()
    poll = args.sub(args.u16())
    if action_type not in (nom.NOM_ACT_POLL_MDIB_DATA, nom.NOM_ACT_POLL_MDIB_DATA_EXT):
        return OtherMessage(f"action 0x{action_type:04X}")
    poll_number, partition, code, group = poll.u16(), poll.u16(), poll.u16(), poll.u16()
    period = None
    if action_type == nom.NOM_ACT_POLL_MDIB_DATA_EXT and poll.remaining:
        raw = read_attributes(poll).get(nom.NOM_ATTR_TIME_PD_POLL)
        period = int.from_bytes(raw, "big") if raw is not None and len(raw) == 4 else None
    return PollRequest(invoke_id, action_type, poll_number, partition, code, group, period)


def _parse_result(body: Reader, linked: LinkedState | None) -> Message:
    invoke_id, command = body.u16(), body.u16()
    args = body.sub(body.u16())
    managed_object = _read_object(args)
    if command == nom.CMD_CONFIRMED_EVENT_REPORT:
        args.u32()  # current time
        if args.u16() == nom.NOM_NOTI_MDS_CREAT:
            return MdsCreateResult(invoke_id)
        return OtherMessage("event report result")
    if command != nom.CMD_CONFIRMED_ACTION:
        return OtherMessage(f"result of command {command}")
    action_type = args.u16()
    result = args.sub(args.u16())
    if action_type not in (nom.NOM_ACT_POLL_MDIB_DATA, nom.NOM_ACT_POLL_MDIB_DATA_EXT):
        return OtherMessage(f"result of action 0x{action_type:04X}")
    return parse_poll_result(
        result,
        invoke_id=invoke_id,
        action_type=action_type,
        linked=linked,
        managed_object=managed_object,
    )

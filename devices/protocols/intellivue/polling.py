"""Poll replies: the nested lists that carry numerics (spec §B.5).

A reply to a (extended) poll is a RORS, or a chain of RORLS frames followed by
a RORS, each holding::

    PollInfoList      {count; length; SingleContextPoll[count]}
    SingleContextPoll {context_id; count; length; ObservationPoll[count]}
    ObservationPoll   {obj_handle; AttributeList}

This module turns those bytes into plain dataclasses and back. Building is here
too, so a simulated monitor encodes replies with the same layout the host
decodes (one source of truth for §B.5).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.wire import (
    ABS_TIME_UNAVAILABLE,
    DecodeError,
    Reader,
    encode_attributes,
    encode_list,
    read_list,
    u16,
    u32,
    walk_attributes,
)

MDS_OBJECT = (nom.NOM_MOC_VMS_MDS, 0, 0)  # {class, context, handle}, §B.3


@dataclass(frozen=True, slots=True)
class ObservationPoll:
    """One object (e.g. the HR numeric) and its attributes, raw values by attribute id."""

    handle: int
    attributes: tuple[tuple[int, bytes], ...]

    def get(self, attribute_id: int) -> bytes | None:
        for aid, value in self.attributes:
            if aid == attribute_id:
                return value
        return None


@dataclass(frozen=True, slots=True)
class SingleContextPoll:
    context_id: int
    observations: tuple[ObservationPoll, ...]


@dataclass(frozen=True, slots=True)
class LinkedState:
    """RORLS header bytes: ``state`` 1 first, 2 middle, 3 last; ``count`` numbers the frame."""

    state: int
    count: int


@dataclass(frozen=True, slots=True)
class PollReply:
    """One RORS or RORLS frame answering a poll (§B.5).

    ``sequence_no`` is None for the simple poll (action 0x0C16), whose result has
    no such field. ``linked`` is None for the RORS that ends a reply.
    """

    invoke_id: int
    poll_number: int
    rel_time: int
    contexts: tuple[SingleContextPoll, ...] = ()
    sequence_no: int | None = 0
    abs_time: bytes = ABS_TIME_UNAVAILABLE
    partition: int = nom.NOM_PART_OBJ
    code: int = nom.NOM_MOC_VMO_METRIC_NU
    attribute_group: int = 0
    linked: LinkedState | None = None
    managed_object: tuple[int, int, int] = MDS_OBJECT
    action_type: int = nom.NOM_ACT_POLL_MDIB_DATA_EXT

    @property
    def observations(self) -> tuple[ObservationPoll, ...]:
        if len(self.contexts) == 1:  # the usual reply: one context
            return self.contexts[0].observations
        return tuple(obs for ctx in self.contexts for obs in ctx.observations)


_EXTENDED_HEAD = struct.Struct(">HHI8sHHH")  # poll number, sequence no, rel/abs time, type, group
_SIMPLE_HEAD = struct.Struct(">HI8sHHH")  # the same without the sequence number


def parse_poll_result(
    args: Reader,
    *,
    invoke_id: int,
    action_type: int,
    linked: LinkedState | None,
    managed_object: tuple[int, int, int],
) -> PollReply:
    """Decode the action result that follows ``{action_type; length}`` (§B.5)."""
    extended = action_type == nom.NOM_ACT_POLL_MDIB_DATA_EXT
    head = _EXTENDED_HEAD if extended else _SIMPLE_HEAD
    if args.remaining >= head.size and type(args._data) is bytes:  # the fixed fields in one unpack
        fields = head.unpack_from(args._data, args._pos)
        args._pos += head.size
        if extended:
            poll_number, sequence_no, rel_time, abs_time, partition, code, attribute_group = fields
        else:
            poll_number, rel_time, abs_time, partition, code, attribute_group = fields
            sequence_no = None
    else:  # too short: read field by field, which says where it ran out
        poll_number = args.u16()
        sequence_no = args.u16() if extended else None
        rel_time = args.u32()
        abs_time = args.take(8)
        partition, code, attribute_group = args.u16(), args.u16(), args.u16()
    if code == nom.NOM_MOC_VMO_METRIC_SA_RT:
        contexts: tuple[SingleContextPoll, ...] = ()  # waveforms: nothing to read, much to parse
    else:
        contexts = _read_poll_info_list(args)
        args.expect_end("the poll info list")
    return PollReply(
        invoke_id=invoke_id,
        poll_number=poll_number,
        rel_time=rel_time,
        contexts=contexts,
        sequence_no=sequence_no,
        abs_time=abs_time,
        partition=partition,
        code=code,
        attribute_group=attribute_group,
        linked=linked,
        managed_object=managed_object,
        action_type=action_type,
    )


def _read_poll_info_list(reader: Reader) -> tuple[SingleContextPoll, ...]:
    count, items = read_list(reader)
    contexts = tuple(_read_single_context(items) for _ in range(count))
    items.expect_end("PollInfoList")
    return contexts


_OBJECT_HEADER = struct.Struct(">HHH")  # obj_handle, then the AttributeList's count and length
# Raw object bytes -> the ObservationPoll they parse to. A monitor repeats the same few
# dozen objects second after second (an unchanged value, label and state are the same
# bytes): 98 % of the objects in the real capture and in the simulator's stream were
# seen before, so most objects cost one dict lookup (docs/BENCHMARKS.md).
_OBJECT_CACHE: dict[bytes, ObservationPoll] = {}
_OBJECT_CACHE_MAX = 2048  # a session has a few hundred distinct objects; bounded all the same


def _read_single_context(reader: Reader) -> SingleContextPoll:
    """One SingleContextPoll: every ObservationPoll and its attributes.

    The decoder's hottest parse (a reply carries an object per numeric, each with
    several attributes), so it walks the bytes with struct like
    :func:`~devices.protocols.intellivue.wire.read_attributes`, with the same bound
    checks; ``read_attributes`` on each object gives the same result, slower. An
    object whose exact bytes were parsed before is taken from :data:`_OBJECT_CACHE`
    (parsing is a pure function of the bytes, and only objects that parsed are kept).
    """
    context_id = reader.u16()
    count, items = read_list(reader)
    data, pos, end = items._data, items._pos, items._end
    cache = _OBJECT_CACHE if type(data) is bytes else None  # slices of a bytearray are unhashable
    object_header = _OBJECT_HEADER.unpack_from
    observations = []
    for _ in range(count):
        if end - pos < 6:
            raise DecodeError("object header runs past the list")
        handle, attribute_count, length = object_header(data, pos)
        list_end = pos + 6 + length
        if list_end > end:
            raise DecodeError(f"length {length} exceeds the {end - pos - 6} bytes left")
        if cache is None:
            observations.append(_read_object(data, pos + 6, list_end, handle, attribute_count))
        else:
            raw = data[pos:list_end]
            obj = cache.get(raw)
            if obj is None:
                obj = _read_object(data, pos + 6, list_end, handle, attribute_count)
                if len(cache) >= _OBJECT_CACHE_MAX:
                    cache.clear()
                cache[raw] = obj
            observations.append(obj)
        pos = list_end
    items._pos = pos
    items.expect_end("SingleContextPoll")
    return SingleContextPoll(context_id, tuple(observations))


def _read_object(data: bytes, pos: int, list_end: int, handle: int, attribute_count: int) -> ObservationPoll:
    """The AttributeList of one object, ``data[pos:list_end]``, which must hold exactly it."""
    attributes, pos = walk_attributes(data, pos, list_end, attribute_count)
    if pos != list_end:
        raise DecodeError(f"{list_end - pos} unexpected bytes after the attribute list")
    return ObservationPoll(handle, tuple(attributes.items()))


def encode_poll_info_list(contexts: tuple[SingleContextPoll, ...]) -> bytes:
    return encode_list(
        u16(ctx.context_id) + encode_list(_encode_observation(obs) for obs in ctx.observations)
        for ctx in contexts
    )


def _encode_observation(obs: ObservationPoll) -> bytes:
    return u16(obs.handle) + encode_attributes(obs.attributes)


def build_poll_reply(reply: PollReply) -> bytes:
    """User data of a RORS (``linked`` None) or RORLS frame carrying ``reply`` (§B.5).

    For the monitor side (simulator). The SPpdu and every length are filled in here.
    """
    result = u16(reply.poll_number)
    if reply.action_type == nom.NOM_ACT_POLL_MDIB_DATA_EXT:
        result += u16(reply.sequence_no or 0)
    result += u32(reply.rel_time) + _abs_time_bytes(reply.abs_time)
    result += u16(reply.partition) + u16(reply.code) + u16(reply.attribute_group)
    result += encode_poll_info_list(reply.contexts)
    action = b"".join(u16(v) for v in reply.managed_object)
    action += u16(reply.action_type) + u16(len(result)) + result
    command = u16(reply.invoke_id) + u16(nom.CMD_CONFIRMED_ACTION) + u16(len(action)) + action
    if reply.linked is None:
        ro = u16(nom.RO_RESULT) + u16(len(command)) + command
    else:
        linked = bytes((reply.linked.state, reply.linked.count))
        ro = u16(nom.RO_LINKED_RESULT) + u16(len(command) + 2) + linked + command
    return u16(nom.SESSION_ID) + u16(nom.PRESENTATION_CONTEXT) + ro


def _abs_time_bytes(raw: bytes) -> bytes:
    if len(raw) != 8:
        raise DecodeError("AbsoluteTime must be 8 bytes")
    return raw

"""The session's fast path for poll replies: a frame's bytes to the Observations it shows.

Why: the general path (:func:`~devices.protocols.intellivue.messages.parse_message`,
:func:`~devices.protocols.intellivue.numerics.readings_from_reply`, then
:class:`~devices.protocols.intellivue.numerics.SourceSelector`) makes a PollReply, its
contexts, a SourceReading per source and an Observation per value *before* choosing,
for every 1 Hz reply; on the simulator's compact replies that cost twice the budget of
1000x the wire (docs/BENCHMARKS.md). This path walks the same bytes once, takes what
each distinct object means and the choice of sources from caches, and makes only the
Observations shown.

What keeps it exact:

* It *recognises* rather than parses: every bound and header the general path checks
  is checked here the same way, and anything else (a short list, a bad length, an
  object whose attributes do not parse or whose values do not decode, any other
  message) makes it answer None, and the session runs the general path, which
  refuses or logs as before.
* What an object means comes from the general path's own functions
  (``polling._read_object``, ``numerics._template``); the choice of sources from the
  selector's own :func:`~devices.protocols.intellivue.numerics.choose`, starting from
  the selector's state, which is left as ``SourceSelector.select`` would leave it.
* The times (the reply's RelativeTime/AbsoluteTime, the objects' own times) are
  worked out per frame, as the general path does.

tests/test_intellivue_fastpath.py checks it gives what the general path gives, on the
real capture, the simulator's stream and generated replies, malformed ones included.
"""

from __future__ import annotations

import itertools
import struct
from datetime import datetime, tzinfo

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.messages import poll_result_span
from devices.protocols.intellivue.numerics import (
    OBSERVATION_TWIN,
    SourceSelector,
    TimeBase,
    _bcd_time,
    _template,
    choose,
)
from devices.protocols.intellivue.polling import (
    _EXTENDED_HEAD,
    _SIMPLE_HEAD,
    ObservationPoll,
    _read_object,
)
from devices.protocols.intellivue.wire import ABS_TIME_UNAVAILABLE, DecodeError
from monitor.readings import Observation, Parameter, Quality

_LIST_HEAD = struct.Struct(">HH")
_OBJECT_HEAD = struct.Struct(">HHH")  # obj_handle, then the AttributeList's count and length

_Value = tuple[Parameter, float | None, Quality, str, bool]  # origin; the bool: takes the object's own time
_Reading = tuple[tuple[int, int], str, tuple[_Value, ...]]  # (score, group, values)
_Best = tuple[tuple[str, tuple[int, int]], ...]  # the selector's best score per group, as items
_Choice = tuple[tuple[tuple[int, int], ...], _Best]  # (object, reading) indexes shown; best after


_UNKNOWN, _BAD = -1, -2  # _Object.signature before work_out, and when its values do not decode


class _Object:
    """One distinct object (its exact bytes): parsed once, its meaning worked out once."""

    __slots__ = ("poll", "readings", "signature", "raw_abs", "raw_rel", "has_own_time", "_own")

    def __init__(self, poll: ObservationPoll) -> None:
        self.poll = poll
        self.readings: tuple[_Reading, ...] = ()
        self.signature = _UNKNOWN  # an id >= 0 once worked out (only numerics replies need it)
        self.raw_abs: bytes | None = None
        self.raw_rel: bytes | None = None
        self.has_own_time = False
        # (base, tz, own time) of the last own_time call: one tuple, so a session in another
        # thread never pairs one call's time base with another call's answer
        self._own: tuple[object, object, datetime | None] = (self, self, None)

    def work_out(self) -> None:
        """Readings without times, from the general path's own template (which checks each value).

        ``signature`` is set last, so whoever sees it set sees the readings too.
        """
        try:
            raw_abs, raw_rel, groups = _template(self.poll)
        except DecodeError:  # the general path skips this object and logs why
            self.signature = _BAD
            return
        self.raw_abs, self.raw_rel = raw_abs, raw_rel
        self.has_own_time = raw_abs is not None or (raw_rel is not None and len(raw_rel) == 4)
        readings = []
        for group, rank, values in groups:
            has_number = any(value is not None for _, value, _, _ in values)
            timed = tuple((p, v, q, o, self.has_own_time and v is not None) for p, v, q, o in values)
            readings.append(((0 if has_number else 1, rank), group, timed))
        self.readings = tuple(readings)
        self.signature = _signature_id(tuple((score, group) for score, group, _ in readings))

    def own_time(self, base: TimeBase | None, tz: tzinfo) -> datetime | None:
        """The object's measurement time, found as numerics.readings_from_object finds it.

        Remembered for the last (base, tz): a NIBP object repeats for minutes.
        """
        last_base, last_tz, own = self._own
        if last_base is base and last_tz is tz:
            return own
        own = _bcd_time(self.raw_abs, tz) if self.raw_abs is not None else None
        raw_rel = self.raw_rel
        if own is None and raw_rel is not None and len(raw_rel) == 4 and base is not None:
            own = base.at(int.from_bytes(raw_rel, "big"))
        self._own = (base, tz, own)
        return own


# Caches shared by all sessions: pure functions of their keys, bounded, cleared when full.
_OBJECTS: dict[bytes, _Object] = {}  # by raw object bytes, as polling._OBJECT_CACHE
_OBJECTS_MAX = 2048
_SIGNATURES: dict[tuple[tuple[tuple[int, int], str], ...], int] = {}  # (score, group)s -> id
_SIGNATURES_MAX = 1024
_NEXT_SIGNATURE = itertools.count()  # ids are never reused, even after a clear
_CHOICES: dict[tuple[tuple[int, ...], _Best], _Choice] = {}  # (signature ids, best so far)
_CHOICES_MAX = 1024


def _signature_id(signature: tuple[tuple[tuple[int, int], str], ...]) -> int:
    """A small id per distinct (score, group) sequence: all the choice of sources looks at."""
    found = _SIGNATURES.get(signature)
    if found is None:
        if len(_SIGNATURES) >= _SIGNATURES_MAX:
            _SIGNATURES.clear()
        found = _SIGNATURES[signature] = next(_NEXT_SIGNATURE)
    return found


def _choice(objects: tuple[_Object, ...], signatures: tuple[int, ...], prior: _Best) -> _Choice:
    """Which (object, reading) pairs the selector shows, in order, starting from ``prior``."""
    key = (signatures, prior)
    found = _CHOICES.get(key)
    if found is None:
        candidates = [
            (score, group, (i, j))
            for i, obj in enumerate(objects)
            for j, (score, group, _) in enumerate(obj.readings)
        ]
        best = dict(prior)
        found = (tuple(choose(candidates, best)), tuple(best.items()))
        if len(_CHOICES) >= _CHOICES_MAX:
            _CHOICES.clear()
        _CHOICES[key] = found
    return found


# What a numerics PollInfoList shows: its objects, their signature ids, and for a reply
# the selector starts afresh (the usual case) the values shown, in order, and best scores.
_Shown = tuple[tuple[_Object, tuple[_Value, ...]], ...]
_Entry = tuple[tuple[_Object, ...], tuple[int, ...], _Shown, _Best]


class PollReplyDecoder:
    """One session's fast path (see the module docstring).

    Keeps what its recent numerics replies show by the bytes of their PollInfoList: a
    monitor often repeats a reply but for its times (a third of the replies in the
    simulator's stream and in the real capture, nearly all within 64 replies), and then
    a repeat costs one lookup. Per session, so a fresh session pays for its own.
    """

    RECENT_MAX = 256

    def __init__(self) -> None:
        self._recent: dict[bytes, _Entry] = {}

    def decode(
        self, data: bytes, selector: SourceSelector, base: TimeBase | None, tz: tzinfo
    ) -> list[Observation] | None:
        """What the session shows for the frame with user data ``data``, or None: not handled here.

        When it returns a list it has also left ``selector`` as the general path would;
        when it returns None it has changed nothing.
        """
        if len(data) < 8 or type(data) is not bytes or OBSERVATION_TWIN is None:
            return None
        span = poll_result_span(data)  # the ROSE headers, with the general path's checks
        if span is None:
            return None
        linked, invoke_id, action_type, _object, pos, end = span
        # the poll result's fixed fields, as polling.parse_poll_result reads them
        if action_type == nom.NOM_ACT_POLL_MDIB_DATA_EXT:
            if end - pos < _EXTENDED_HEAD.size:
                return None
            poll_number, _seq, rel_time, abs_time, partition, code, _group = _EXTENDED_HEAD.unpack_from(data, pos)
            pos += _EXTENDED_HEAD.size
        elif action_type == nom.NOM_ACT_POLL_MDIB_DATA:
            if end - pos < _SIMPLE_HEAD.size:
                return None
            poll_number, rel_time, abs_time, partition, code, _group = _SIMPLE_HEAD.unpack_from(data, pos)
            pos += _SIMPLE_HEAD.size
        else:
            return None
        reply_key = (invoke_id, poll_number, rel_time)  # as session._on_poll_reply keys the selector
        afresh = selector.starts_afresh(reply_key)
        if partition != nom.NOM_PART_OBJ or code != nom.NOM_MOC_VMO_METRIC_NU:
            # nothing to show; waves (SA_RT): the general path reads nothing after the fixed fields
            if code != nom.NOM_MOC_VMO_METRIC_SA_RT and not _walk_poll_info_list(data, pos, end, [], False):
                return None
            shown: list[Observation] = []
            best: _Best = ()
        else:
            region = data[pos:end]  # everything the entry depends on (every check is within it)
            recent = self._recent
            entry = recent.get(region)
            if entry is None:
                entry = _entry(data, pos, end)
                if entry is None:
                    return None
                if len(recent) >= self.RECENT_MAX:
                    recent.clear()
                recent[region] = entry
            objects, signatures, values_shown, best = entry
            if not afresh:  # a later frame of a RORLS chain: weighed against the earlier ones
                order, best = _choice(objects, signatures, selector.best_so_far())
                values_shown = tuple((objects[i], objects[i].readings[j][2]) for i, j in order)
            shown = _observations(values_shown, rel_time, abs_time, base, tz) if values_shown else []
        if linked:
            if afresh or best:
                selector.adopt(reply_key, dict(best))
        else:  # a RORS ends the reply (§B.4 step 6)
            selector.reset()
        return shown


def _entry(data: bytes, pos: int, end: int) -> _Entry | None:
    """What the numerics PollInfoList ``data[pos:end]`` shows; None: not for this path."""
    found: list[_Object] = []
    if not _walk_poll_info_list(data, pos, end, found, True):
        return None
    objects = tuple(found)
    signatures = tuple([obj.signature for obj in found])
    order, best = _choice(objects, signatures, ())
    return objects, signatures, tuple([(objects[i], objects[i].readings[j][2]) for i, j in order]), best


def _observations(
    values_shown: _Shown, rel_time: int, abs_time: bytes, base: TimeBase | None, tz: tzinfo
) -> list[Observation]:
    """The Observations shown, with the times numerics.readings_from_object gives them."""
    received = _bcd_time(abs_time, tz) if abs_time != ABS_TIME_UNAVAILABLE else None
    if received is None and base is not None:
        received = base.at(rel_time)
    new, twin, cls = object.__new__, OBSERVATION_TWIN, Observation
    shown = []
    append = shown.append
    for obj, values in values_shown:
        own = obj.own_time(base, tz) if obj.has_own_time else None
        for parameter, value, quality, origin, timed in values:
            o = new(twin)  # see numerics._observation_twin: an Observation in the end
            o.parameter = parameter
            o.value = value
            o.quality = quality
            o.device_time = own if timed and own is not None else received
            o.origin = origin
            o.__class__ = cls
            append(o)
    return shown


def _walk_poll_info_list(data: bytes, pos: int, end: int, objects: list[_Object], numerics: bool) -> bool:
    """Collect the objects of the PollInfoList in ``data[pos:end]``, which must be exactly it.

    False wherever polling._read_poll_info_list would raise; with ``numerics``, also for
    an object whose values do not decode (the general path skips it and logs why).
    """
    if end - pos < 4:
        return False
    count, length = _LIST_HEAD.unpack_from(data, pos)
    pos += 4
    if length != end - pos:  # read_list's bound, then expect_end after the list
        return False
    cache, unpack_object = _OBJECTS, _OBJECT_HEAD.unpack_from
    for _ in range(count):  # SingleContextPoll {context_id; count; length; ObservationPoll[count]}
        if end - pos < 6:
            return False
        n_objects, context_length = _LIST_HEAD.unpack_from(data, pos + 2)
        pos += 6
        context_end = pos + context_length
        if context_end > end:
            return False
        for _ in range(n_objects):
            if context_end - pos < 6:
                return False
            object_end = pos + 6 + (data[pos + 4] << 8 | data[pos + 5])  # + the AttributeList length
            if object_end > context_end:
                return False
            raw = data[pos:object_end]
            obj = cache.get(raw)
            if obj is None:
                handle, attribute_count, _ = unpack_object(data, pos)
                try:
                    poll = _read_object(data, pos + 6, object_end, handle, attribute_count)
                except DecodeError:
                    return False
                if len(cache) >= _OBJECTS_MAX:
                    cache.clear()
                obj = cache[raw] = _Object(poll)
            if numerics and obj.signature < 0:
                if obj.signature == _UNKNOWN:
                    obj.work_out()
                if obj.signature == _BAD:
                    return False
            objects.append(obj)
            pos = object_end
        if pos != context_end:
            return False
    return pos == end

"""From numeric objects in poll replies to :class:`Observation` s, and back (spec §B.5, §B.6).

Rules, with the spec section that asks for each:

* Values: NuObsValue ``{physio_id; state; unit; FLOAT-Type}`` in attribute 0x0950,
  or a compound list of them in 0x094B (NIBP, invasive pressures) — §B.5.
* Validity — §B.6: a value is a number only if the MeasurementState has none of
  INVALID, QUESTIONABLE, UNAVAILABLE, CALIBRATION_ONGOING, TEST_DATA
  (``state & 0xF800 == 0``, as [S15]) *and* the FLOAT-Type is not special.
  Otherwise the value is None with a reason: UNAVAILABLE → ABSENT;
  INVALID/QUESTIONABLE → INVALID; calibrating → CALIBRATING+INVALID; test data →
  DEMO+INVALID; NaN/NRes → INVALID (unless the state already gave a reason);
  +∞ → OVER_RANGE; −∞ → UNDER_RANGE. DEMO_DATA keeps the number and adds DEMO;
  MSMT_ONGOING on NIBP adds NIBP_MEASURING.
* Units — §B.6: only the unit a parameter is measured in is accepted (beats/min,
  %, mmHg, breaths/min, degC); kPa pressures and EtCO2 are converted to mmHg
  (0.1 mmHg), degF to degC (0.01 degC). Any other unit (EtCO2 in %) gives
  None + INVALID: a number in an unknown unit is not shown.
* Sources: RR from the capnograph (awRR) beats impedance RR (see ``values.SOURCES``);
  the observation's ``origin`` says which ("co2", "impedance").
* Time — §B.5/§B.6: a *number* takes its object's own measurement time (0x0990
  absolute, e.g. NIBP; else 0x0991 relative). A value without a number, and a
  number whose object has no time, take the reply's time: its AbsoluteTime if
  the monitor fills it, else its RelativeTime converted with the MDS time base
  (abs = base_abs + (rel − base_rel) × 0.125 ms). No base → no device_time.
  (The object time is not put on a None value: in the real capture the NIBP
  object carries the time of a cuff reading 24 days older than the session.)
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.floattype import FloatSpecial, encode_float
from devices.protocols.intellivue.polling import ObservationPoll, PollReply
from devices.protocols.intellivue.values import (
    DEFAULT_PHYSIO_ID,
    DEFAULT_UNIT,
    SOURCES,
    NuObsValue,
    _value_and_quality,
    decode_compound,
)
from devices.protocols.intellivue.wire import DecodeError, decode_bcd_time, encode_bcd_time, u16
from monitor.readings import Observation, Parameter, Quality

log = logging.getLogger(__name__)

TICK_MICROSECONDS = 125
_U32 = 1 << 32
_T = TypeVar("_T")


# --- time ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeBase:
    """The MDS's absolute time and relative time at one instant (§B.4 step 3, §B.6)."""

    abs_time: datetime
    rel_time: int

    def at(self, rel_time: int) -> datetime | None:
        """Absolute time of a RelativeTime stamp: base_abs + (rel − base_rel) × 0.125 ms.

        None if that falls outside the calendar (a damaged MDS time near year 1 or 9999).
        """
        ticks = (rel_time - self.rel_time) % _U32  # wire.tick_delta, inlined: once per reply
        if ticks >= _U32 // 2:
            ticks -= _U32
        try:
            return self.abs_time + timedelta(0, 0, ticks * TICK_MICROSECONDS)
        except OverflowError:
            return None


def reply_time(reply: PollReply, base: TimeBase | None, tz: tzinfo) -> datetime | None:
    """When the monitor built the reply: its AbsoluteTime, else its RelativeTime via ``base``."""
    stamped = _bcd_time(reply.abs_time, tz)
    if stamped is not None:
        return stamped
    return base.at(reply.rel_time) if base is not None else None


def object_time(obj: ObservationPoll, base: TimeBase | None, tz: tzinfo) -> datetime | None:
    """An object's own measurement time (0x0990 absolute, else 0x0991 relative), if any."""
    raw_abs = obj.get(nom.NOM_ATTR_TIME_STAMP_ABS)
    if raw_abs is not None and (stamped := _bcd_time(raw_abs, tz)) is not None:
        return stamped
    raw_rel = obj.get(nom.NOM_ATTR_TIME_STAMP_REL)
    if raw_rel is not None and len(raw_rel) == 4 and base is not None:
        return base.at(int.from_bytes(raw_rel, "big"))
    return None


# --- objects -> observations -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What one numeric object says about one parameter group (e.g. ABP sys/dia/mean)."""

    group: str
    rank: int
    observations: tuple[Observation, ...]

    @property
    def has_number(self) -> bool:
        for obs in self.observations:  # a loop: any() over a generator costs twice as much here
            if obs.value is not None:
                return True
        return False


_NU_OBS_VALUE = struct.Struct(">HHHI")
_LIST_HEADER = struct.Struct(">HH")
_bcd_time = functools.lru_cache(maxsize=256)(decode_bcd_time)  # pure; replies repeat a few stamps


def _raw_values(obj: ObservationPoll) -> list[tuple[int, int, int, int]]:
    """:func:`object_values` as plain ``(physio_id, state, unit_code, value)`` tuples (hot path)."""
    values = []
    single = obj.get(nom.NOM_ATTR_NU_VAL_OBS)
    if single is not None:
        if len(single) != NuObsValue.SIZE:
            raise DecodeError(f"NuObsValue needs {NuObsValue.SIZE} bytes, got {len(single)}")
        values.append(_NU_OBS_VALUE.unpack(single))
    compound = obj.get(nom.NOM_ATTR_NU_CMPD_VAL_OBS)
    if compound is not None:  # {count; length; NuObsValue[count]}, checked as decode_compound does
        if len(compound) < 4:
            raise DecodeError("compound value shorter than its list header")
        count, length = _LIST_HEADER.unpack_from(compound)
        if length > len(compound) - 4 or count * NuObsValue.SIZE != length:
            raise DecodeError(f"compound of {count} values in a {length}-byte list")
        values.extend(_NU_OBS_VALUE.iter_unpack(compound[4 : 4 + length]))
    return values


def object_values(obj: ObservationPoll) -> list[NuObsValue]:
    """All NuObsValues of an object: its 0x0950 value and its 0x094B compound members."""
    values = []
    single = obj.get(nom.NOM_ATTR_NU_VAL_OBS)
    if single is not None:
        values.append(NuObsValue.decode(single))
    compound = obj.get(nom.NOM_ATTR_NU_CMPD_VAL_OBS)
    if compound is not None:
        values.extend(decode_compound(compound))
    return values


# What an object says, without the times: its raw 0x0990/0x0991 stamps and, per source in
# order of appearance, (group, rank, ((parameter, value, quality, origin), ...)).
_Value = tuple[Parameter, float | None, Quality, str]
_Template = tuple[bytes | None, bytes | None, tuple[tuple[str, int, tuple[_Value, ...]], ...]]
_TEMPLATES: dict[ObservationPoll, _Template] = {}
_TEMPLATES_MAX = 2048  # one per distinct object (see polling._OBJECT_CACHE)


def _template(obj: ObservationPoll) -> _Template:
    """Everything in an object that does not depend on time, worked out once per distinct object.

    Each (parameter, value, quality, origin) is checked here by building a real
    :class:`Observation` (which refuses a number flagged not-a-number, or a None without
    a reason), so :func:`_observation` may later stamp it with a time without checking again.
    """
    template = _TEMPLATES.get(obj)
    if template is not None:
        return template
    grouped: dict[tuple[str, int], list[_Value]] = {}
    for physio_id, state, unit_code, raw in _raw_values(obj):
        source = SOURCES.get(physio_id)
        if source is None:
            continue
        value, quality = _value_and_quality(state, unit_code, raw, source.parameter)
        checked = (source.parameter, value, quality, source.origin)
        Observation(source.parameter, value, quality, None, source.origin)  # the invariant, once
        grouped.setdefault((source.group, source.rank), []).append(checked)
    groups = tuple((group, rank, tuple(values)) for (group, rank), values in grouped.items())
    template = (obj.get(nom.NOM_ATTR_TIME_STAMP_ABS), obj.get(nom.NOM_ATTR_TIME_STAMP_REL), groups)
    if len(_TEMPLATES) >= _TEMPLATES_MAX:
        _TEMPLATES.clear()
    _TEMPLATES[obj] = template
    return template


def _observation_twin() -> type | None:
    """A plain class with Observation's slots, whose instances become Observations.

    Why: a poll reply makes an Observation per value every second, and the decoder's
    budget is about 2 µs a value. ``Observation(...)`` costs about 3 µs (most of it the
    Quality arithmetic of its invariant check); filling a frozen dataclass's slots
    through their descriptors (the only way past its ``__setattr__``) about 1 µs;
    storing to a plain class's slots and then setting ``__class__`` a third of that.
    CPython allows that assignment only between classes of identical layout (same slots
    in the same order) and raises otherwise; the result is an ordinary, equal and
    immutable Observation. Only used for (parameter, value, quality) triples that
    :func:`_template` checked through a real Observation. None if Observation is not
    the five-slot class this expects: then the ordinary constructor is used.
    """
    names = ("parameter", "value", "quality", "device_time", "origin")
    if getattr(Observation, "__slots__", None) != names or tuple(f.name for f in fields(Observation)) != names:
        return None
    twin = type("_ObservationSlots", (), {"__slots__": names})
    probe = object.__new__(twin)
    probe.parameter, probe.value, probe.quality, probe.device_time = Parameter.RR, 12.0, Quality.NONE, None
    probe.origin = "co2"
    try:
        probe.__class__ = Observation
    except TypeError:
        return None
    expected = Observation(Parameter.RR, 12.0, Quality.NONE, None, "co2")
    return twin if type(probe) is Observation and probe == expected else None


OBSERVATION_TWIN = _observation_twin()


def _observation_maker() -> Callable[..., Observation]:
    """A constructor of Observations whose (parameter, value, quality, origin) was already
    checked (see :func:`_observation_twin`); the ordinary constructor where the twin is unavailable."""
    twin = OBSERVATION_TWIN
    if twin is None:
        return Observation
    new = object.__new__

    def make(
        parameter: Parameter, value: float | None, quality: Quality, when: datetime | None,
        origin: str = "",
    ) -> Observation:
        obs = new(twin)
        obs.parameter, obs.value, obs.quality, obs.device_time, obs.origin = parameter, value, quality, when, origin
        obs.__class__ = Observation
        return obs

    return make


_observation = _observation_maker()


def readings_from_object(
    obj: ObservationPoll, received: datetime | None, base: TimeBase | None, tz: tzinfo
) -> list[SourceReading]:
    """Observations of the parameters we know in one object, grouped by source.

    A number takes the object's own time if it has one, anything else the reply's
    (``received``): see the module docstring.
    """
    raw_abs, raw_rel, groups = _template(obj)
    own_time = None
    if raw_abs is not None:
        own_time = _bcd_time(raw_abs, tz)
    if own_time is None and raw_rel is not None and len(raw_rel) == 4 and base is not None:
        own_time = base.at(int.from_bytes(raw_rel, "big"))
    make = _observation
    readings = []
    for group, rank, values in groups:
        observations = [
            make(parameter, value, quality, own_time if value is not None and own_time is not None else received,
                 origin)
            for parameter, value, quality, origin in values
        ]
        readings.append(SourceReading(group, rank, tuple(observations)))
    return readings


def readings_from_reply(reply: PollReply, base: TimeBase | None, tz: tzinfo) -> list[SourceReading]:
    """Every source reading in a numerics poll reply frame (RORS or one RORLS of a chain).

    Replies to polls of other object types (waves, alerts, MDS) yield nothing. A
    malformed object is skipped (logged) without losing the others.
    """
    if (reply.partition, reply.code) != (nom.NOM_PART_OBJ, nom.NOM_MOC_VMO_METRIC_NU):
        return []
    received = reply_time(reply, base, tz)
    readings: list[SourceReading] = []
    for obj in reply.observations:
        try:
            readings.extend(readings_from_object(obj, received, base, tz))
        except DecodeError as err:
            log.warning("IntelliVue numeric object 0x%04X skipped: %s", obj.handle, err)
    return readings


class SourceSelector:
    """Forwards one source per parameter group for each poll reply (a RORS or RORLS chain).

    Why: a monitor can have several arterial lines (ART, ABP, femoral, brachial)
    or pulse sources (pleth, pressure, NIBP); passing them all would show
    contradictory numbers for one parameter at one instant. Preference: a
    source with a number beats one without; then the lower rank (the order of
    :data:`SOURCES`). Frames of one chain share a ``reply_key`` (and the caller
    calls :meth:`reset` after the closing RORS); a better source in a later frame
    still gets through (it supersedes), a worse one does not.
    """

    def __init__(self) -> None:
        self._key: object = None
        self._best: dict[str, tuple[int, int]] = {}

    def reset(self) -> None:
        """The reply is complete (its RORS arrived): the next frame starts a new one."""
        self._key, self._best = None, {}

    def select(self, reply_key: object, readings: list[SourceReading]) -> list[Observation]:
        if reply_key != self._key:
            self._key, self._best = reply_key, {}
        chosen: list[Observation] = []
        # score: a source with a number first, then the lower rank
        candidates = [((0 if r.has_number else 1, r.rank), r.group, r) for r in readings]
        for reading in choose(candidates, self._best):
            chosen.extend(reading.observations)
        return chosen

    def starts_afresh(self, reply_key: object) -> bool:
        """True if :meth:`select` with this key would start from no choices at all."""
        return reply_key != self._key

    def best_so_far(self) -> tuple[tuple[str, tuple[int, int]], ...]:
        """The best score per group chosen so far in the current reply (see :meth:`adopt`)."""
        return tuple(self._best.items())

    def adopt(self, reply_key: object, best: dict[str, tuple[int, int]]) -> None:
        """Take the state :meth:`select` leaves when its choices for ``reply_key`` end with ``best``.

        For a caller that made the same choice with :func:`choose` itself (the
        session's fast path, :mod:`devices.protocols.intellivue.fastpath`).
        """
        self._key, self._best = reply_key, best


def choose(candidates: list[tuple[tuple[int, int], str, _T]], best: dict[str, tuple[int, int]]) -> list[_T]:
    """The choice :class:`SourceSelector` makes: ``(score, group, item)`` sorted by score
    (stable), each item kept if it beats its group's best score so far; ``best`` is updated.

    Shared by the selector and the session's fast path, so both choose alike.
    """
    candidates.sort(key=_first)
    chosen: list[_T] = []
    for score, group, item in candidates:
        previous = best.get(group)
        if previous is None or score < previous:
            best[group] = score
            chosen.append(item)
    return chosen


def _first(candidate: tuple[tuple[int, int], str, object]) -> tuple[int, int]:
    return candidate[0]


# --- monitor side: values -> objects -------------------------------------------------------


def nu_value(
    parameter: Parameter,
    value: float | FloatSpecial | None,
    *,
    state: int = 0,
    unit_code: int | None = None,
    physio_id: int | None = None,
) -> NuObsValue:
    """A NuObsValue for ``parameter`` (simulator). None is sent as NaN; pair it with a
    state such as ``STATE_UNAVAILABLE`` the way the real monitor does."""
    raw = encode_float(FloatSpecial.NAN if value is None else value)
    return NuObsValue(
        physio_id if physio_id is not None else DEFAULT_PHYSIO_ID[parameter],
        state,
        unit_code if unit_code is not None else DEFAULT_UNIT[parameter],
        raw,
    )


def numeric_object(
    handle: int,
    values: NuObsValue | Sequence[NuObsValue],
    *,
    measured_at: datetime | None = None,
) -> ObservationPoll:
    """An ObservationPoll with one value (0x0950) or a compound (0x094B) (simulator).

    ``measured_at`` adds the NIBP-style measurement time 0x0990.
    """
    attributes: list[tuple[int, bytes]] = []
    if measured_at is not None:
        attributes.append((nom.NOM_ATTR_TIME_STAMP_ABS, encode_bcd_time(measured_at)))
    if isinstance(values, NuObsValue):
        attributes.append((nom.NOM_ATTR_NU_VAL_OBS, values.encode()))
    else:
        body = b"".join(v.encode() for v in values)
        compound = u16(len(values)) + u16(len(body)) + body
        attributes.append((nom.NOM_ATTR_NU_CMPD_VAL_OBS, compound))
    return ObservationPoll(handle, tuple(attributes))

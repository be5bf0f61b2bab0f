"""What a simulated IntelliVue puts in its numerics poll replies (spec §B.5, §B.6, §B.8).

Two jobs, kept together so they cannot disagree:

* turn a scenario :class:`Snapshot` into numeric objects (HR, pleth PR, SpO2, the
  NIBP compound; with an arterial line the ABP compound; with a respiration
  measurement impedance RR, with a capnograph awRR and etCO2 in mmHg, with a
  probe the temperature in degC) *and* the truth values a correct host will
  decode from them;
* cut those objects into frames that respect the monitor's MTU: one RORS when
  they fit, else a RORLS chain (first, middle…, last) closed by an empty RORS,
  as the real monitor does (§B.4 step 6, §B.9 P2).

Conventions where the spec leaves a choice:

* Values go out as the monitor displays them (round half up): whole units, the
  temperature to 0.1 degC.
* "No value" is NaN with MeasurementState UNAVAILABLE (as the real NIBP before a
  cuff reading, §B.9 P3); SpO2/PR with the probe off, EtCO2/awRR with the
  capnograph's sampling line off, the temperature with its probe off, and any
  parameter the scenario marks invalid, carry INVALID (the number, if any, stays
  on the wire).
* RR comes in two objects when there is a capnograph (awRR first, then impedance
  RR); the truth holds the one a host keeps (``values.SOURCES``: a number first,
  then the capnograph), frame by frame as the host meets them in a RORLS chain.
* Only the NIBP object carries a measurement time (0x0990), and only once a
  cuff reading exists; the monitor's clock runs in UTC, the host's default zone.
* Truth times follow the host's rule (§B.6, ``numerics`` module docstring): a
  number from an object with its own time takes that time; everything else takes
  the reply's time, i.e. the MDS time base plus elapsed ticks × 125 µs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.messages import PollRequest
from devices.protocols.intellivue.numerics import NuObsValue, nu_value, numeric_object
from devices.protocols.intellivue.polling import (
    LinkedState,
    ObservationPoll,
    PollReply,
    SingleContextPoll,
    build_poll_reply,
)
from devices.protocols.intellivue.wire import (
    ABS_TIME_UNAVAILABLE,
    TICKS_PER_SECOND,
    decode_bcd_time,
    encode_bcd_time,
    u32,
)
from devices.simulator.device import TruthValue
from devices.simulator.snapshot import Snapshot
from monitor.parameters import PARAMETERS
from monitor.readings import ART_PARAMETERS, NIBP_PARAMETERS, Parameter

TYPICAL_MAX_USER_DATA = 886  # the largest user data in the real capture (§B.2, §B.8)
MONITOR_MTU = 996  # the MTU in the real AARE: never exceed it (§B.2, §B.8)
MIN_USER_DATA = 122  # the largest object (NIBP with its time) alone in a RORLS frame
TICK_MICROSECONDS = 1_000_000 // TICKS_PER_SECOND  # 125 µs
NOT_A_NUMBER_STATES = 0xF800  # §B.6: any of these bits means "not a number" ([S15])
CONTEXT_ID = 0  # as §B.9 P4
LABEL_PARTITION = 0x0002_0000  # NOM_ATTR_ID_LABEL = partition 2 | physio id (§B.9 P3)

# (handle, parent physio id for the label) of each object; handles as §B.9 P4
HR_OBJECT = (0x0050, nom.NOM_ECG_CARD_BEAT_RATE)
NIBP_OBJECT = (0x0051, nom.NOM_PRESS_BLD_NONINV)
ART_OBJECT = (0x0052, nom.NOM_PRESS_BLD_ART_ABP)
PR_OBJECT = (0x0053, nom.NOM_PLETH_PULS_RATE)
SPO2_OBJECT = (0x0054, nom.NOM_PULS_OXIM_SAT_O2)
AWRR_OBJECT = (0x0055, nom.NOM_AWAY_RESP_RATE)
RR_OBJECT = (0x0056, nom.NOM_RESP_RATE)
ETCO2_OBJECT = (0x0057, nom.NOM_AWAY_CO2_ET)
TEMP_OBJECT = (0x0058, nom.NOM_TEMP)


def on_monitor_clock(stamp: datetime) -> datetime:
    """``stamp`` in UTC, the zone the simulated monitor's clock (and BCD times) run in.

    BCD AbsoluteTime carries no zone (§B.4): encoding another zone's wall clock
    would shift every time the host decodes. Naive stamps are taken as UTC.
    """
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def monitor_time(stamp: datetime) -> datetime:
    """``stamp`` as a BCD AbsoluteTime carries it back: UTC, whole hundredths (§B.4)."""
    decoded = decode_bcd_time(encode_bcd_time(on_monitor_clock(stamp)), UTC)
    assert decoded is not None  # any datetime in years 0-9999 encodes to a valid BCD time
    return decoded


@dataclass(frozen=True, slots=True)
class TimeReference:
    """The MDS time base the host takes from the MDS Create Event (§B.4 step 3, §B.6).

    ``ticks`` is an unbounded tick count: the difference is exact even where the
    u32 RelativeTime on the wire wraps.
    """

    abs_time: datetime  # as decoded from the BCD: UTC, 10 ms resolution
    ticks: int

    def at(self, ticks: int) -> datetime:
        """Absolute time of a tick count: abs + (ticks − base) × 0.125 ms (§B.6)."""
        return self.abs_time + timedelta(microseconds=(ticks - self.ticks) * TICK_MICROSECONDS)


@dataclass(frozen=True, slots=True)
class NumericObject:
    """One numeric object ready for a reply, with the values a host must decode from it."""

    poll: ObservationPoll
    truth: tuple[TruthValue, ...]
    rank: int = 0  # among objects of one parameter: the host keeps the best (values.SOURCES)


@dataclass(frozen=True, slots=True)
class ReplyFrame:
    """The user data of one RORS/RORLS frame and the truth it carries."""

    user_data: bytes
    truth: tuple[TruthValue, ...]


# --- snapshot -> numeric objects ------------------------------------------------------


def whole_units(value: float | None, decimals: int = 0) -> float | None:
    """What the monitor sends for ``value``: whole units (or ``decimals``), half up; None stays None."""
    if value is None or not math.isfinite(value):
        return None
    scale = 10**decimals
    return math.floor(value * scale + 0.5) / scale


def _member(
    parameter: Parameter,
    value: float | None,
    snapshot: Snapshot,
    *,
    absent_state: int,
    extra: int = 0,
    physio_id: int | None = None,
) -> tuple[NuObsValue, float | None]:
    """One NuObsValue and the number a host may show from it (None if the state forbids)."""
    sent = whole_units(value, PARAMETERS[parameter].decimals)
    state = extra
    if sent is None:
        state |= absent_state
    if parameter in snapshot.invalid:
        state |= nom.STATE_INVALID
    shown = sent if not state & NOT_A_NUMBER_STATES else None
    return nu_value(parameter, sent, state=state, physio_id=physio_id), shown


def _numeric(
    identity: tuple[int, int],
    members: Sequence[tuple[Parameter, float | None]],
    snapshot: Snapshot,
    reply_time: datetime,
    *,
    absent_state: int = nom.STATE_UNAVAILABLE,
    extra_state: int = 0,
    measured_at: datetime | None = None,
    origin: str = "",
    rank: int = 0,
) -> NumericObject:
    """A single (one member, the label's physio id) or compound numeric object, labelled like
    the monitor's."""
    handle, label = identity
    single = label if len(members) == 1 else None
    encoded = [
        _member(p, v, snapshot, absent_state=absent_state, extra=extra_state, physio_id=single)
        for p, v in members
    ]
    values = [nu for nu, _ in encoded]
    stamp = on_monitor_clock(measured_at) if measured_at is not None else None
    obj = numeric_object(handle, values[0] if len(values) == 1 else values, measured_at=stamp)
    labelled = ObservationPoll(
        handle, ((nom.NOM_ATTR_ID_LABEL, u32(LABEL_PARTITION | label)), *obj.attributes)
    )
    own_time = monitor_time(measured_at) if measured_at is not None else None
    truth = tuple(
        TruthValue(
            p, shown, own_time if shown is not None and own_time is not None else reply_time, origin
        )
        for (p, _), (_, shown) in zip(members, encoded, strict=True)
    )
    return NumericObject(labelled, truth, rank)


def numeric_objects(snapshot: Snapshot, reply_time: datetime) -> list[NumericObject]:
    """Every numeric object the monitor has for ``snapshot`` (§B.5, §B.8).

    ``reply_time`` is the time the host will derive from the reply's RelativeTime.
    """
    probe_off = snapshot.sensor_off
    pulse_ox_absent = nom.STATE_INVALID if probe_off else nom.STATE_UNAVAILABLE
    nibp = snapshot.nibp
    nibp_values = (nibp.sys, nibp.dia, nibp.mean) if nibp else (None, None, None)
    objects = [
        _numeric(HR_OBJECT, [(Parameter.HR, snapshot.hr)], snapshot, reply_time),
        _numeric(
            PR_OBJECT, [(Parameter.PR, None if probe_off else snapshot.pr)], snapshot, reply_time,
            absent_state=pulse_ox_absent,
        ),
        _numeric(
            SPO2_OBJECT, [(Parameter.SPO2, None if probe_off else snapshot.spo2)], snapshot,
            reply_time, absent_state=pulse_ox_absent,
        ),
        _numeric(
            NIBP_OBJECT, list(zip(NIBP_PARAMETERS, nibp_values, strict=True)), snapshot, reply_time,
            extra_state=nom.STATE_MSMT_ONGOING if snapshot.nibp_measuring else 0,
            measured_at=nibp.measured_at if nibp else None,
        ),
    ]  # fmt: skip
    if snapshot.art is not None:
        art = list(zip(ART_PARAMETERS, snapshot.art, strict=True))
        objects.append(_numeric(ART_OBJECT, art, snapshot, reply_time))
    return objects + _sedation_objects(snapshot, reply_time)


def _sedation_objects(snapshot: Snapshot, reply_time: datetime) -> list[NumericObject]:
    """awRR and etCO2 with a capnograph, impedance RR with a respiration measurement, the
    temperature with a probe; an off sensor's values are INVALID NaN, like the SpO2 probe's."""
    objects = []
    off = snapshot.sensors_off
    if snapshot.capnograph:
        line_off = Parameter.ETCO2 in off
        absent = nom.STATE_INVALID if line_off else nom.STATE_UNAVAILABLE
        etco2 = None if line_off else snapshot.etco2
        objects += [
            _numeric(AWRR_OBJECT, [(Parameter.RR, snapshot.co2_rr)], snapshot, reply_time,
                     absent_state=absent, origin="co2"),
            _numeric(ETCO2_OBJECT, [(Parameter.ETCO2, etco2)], snapshot, reply_time,
                     absent_state=absent),
        ]
    if snapshot.rr is not None:
        objects.append(_numeric(RR_OBJECT, [(Parameter.RR, snapshot.rr)], snapshot, reply_time,
                                origin="impedance", rank=1))
    if snapshot.thermometer:
        probe_off = Parameter.TEMP in off
        temp = None if probe_off else snapshot.temp
        objects.append(_numeric(TEMP_OBJECT, [(Parameter.TEMP, temp)], snapshot, reply_time,
                                absent_state=nom.STATE_INVALID if probe_off else nom.STATE_UNAVAILABLE))
    return objects  # fmt: skip


# --- objects -> frames ------------------------------------------------------------------


def reply_template(request: PollRequest, rel_time: int, sequence_no: int) -> PollReply:
    """The reply fields that echo the request (§B.8): invoke id, poll number, object type."""
    extended = request.action_type == nom.NOM_ACT_POLL_MDIB_DATA_EXT
    return PollReply(
        invoke_id=request.invoke_id,
        poll_number=request.poll_number,
        rel_time=rel_time & 0xFFFF_FFFF,
        sequence_no=sequence_no & 0xFFFF if extended else None,
        abs_time=ABS_TIME_UNAVAILABLE,  # FF×8, as the real monitor (§B.5, §B.8)
        partition=request.partition,
        code=request.code,
        attribute_group=request.attribute_group,
        action_type=request.action_type,
    )


def _with(
    template: PollReply, objects: Sequence[NumericObject], linked: LinkedState | None
) -> bytes:
    contexts = (SingleContextPoll(CONTEXT_ID, tuple(o.poll for o in objects)),) if objects else ()
    return build_poll_reply(replace(template, contexts=contexts, linked=linked))


def _pack(
    template: PollReply, objects: Sequence[NumericObject], max_user_data: int
) -> list[list[NumericObject]]:
    """Greedy: as many objects per RORLS frame as fit in ``max_user_data``."""
    widest = LinkedState(nom.RORLS_NOT_FIRST_NOT_LAST, 0xFF)
    groups: list[list[NumericObject]] = [[]]
    for obj in objects:
        if len(_with(template, [*groups[-1], obj], widest)) <= max_user_data:
            groups[-1].append(obj)
        elif groups[-1] and len(_with(template, [obj], widest)) <= max_user_data:
            groups.append([obj])
        else:
            raise ValueError(f"object 0x{obj.poll.handle:04X} alone exceeds {max_user_data} bytes")
    return groups


def _linked_state(index: int, total: int) -> LinkedState:
    if index == 0:
        state = nom.RORLS_FIRST
    elif index == total - 1:
        state = nom.RORLS_LAST
    else:
        state = nom.RORLS_NOT_FIRST_NOT_LAST
    return LinkedState(state, (index + 1) & 0xFF)


def reply_frames(
    template: PollReply, objects: Sequence[NumericObject], max_user_data: int
) -> list[ReplyFrame]:
    """One RORS if everything fits, else RORLS first…last and a closing empty RORS (§B.4 step 6)."""
    single = _with(template, objects, None)
    if len(single) <= max_user_data:
        return [ReplyFrame(single, _truth(objects, {}))]
    groups = _pack(template, objects, max_user_data)
    kept: dict[Parameter, tuple[int, int]] = {}  # across the frames of one reply, as a host
    frames = [
        ReplyFrame(_with(template, group, _linked_state(i, len(groups))), _truth(group, kept))
        for i, group in enumerate(groups)
    ]
    frames.append(ReplyFrame(_with(template, (), None), ()))  # 0 entries, as §B.9 P2
    return frames


def _truth(
    objects: Iterable[NumericObject], kept: dict[Parameter, tuple[int, int]]
) -> tuple[TruthValue, ...]:
    """The values a host shows from one frame's objects: best first (a number beats none, then
    the lower rank), each that beats what was kept so far in this reply; ``kept`` is updated."""
    candidates = [
        ((0 if value.value is not None else 1, obj.rank), value)
        for obj in objects
        for value in obj.truth
    ]
    shown = []
    for score, value in sorted(candidates, key=lambda candidate: candidate[0]):
        best = kept.get(value.parameter)
        if best is None or score < best:
            kept[value.parameter] = score
            shown.append(value)
    return tuple(shown)

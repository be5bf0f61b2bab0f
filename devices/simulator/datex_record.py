"""What an S/5 monitor sends for a DISPL request, built from a simulator snapshot.

The simulator and the tests need the exact record a monitor would put on the
wire (§A.10 example D4 is built this way), plus the values as the wire rounds
them ("truth"), so QA can diff what the driver decoded against what was sent.
Both come from one table of wire values so they cannot disagree.

Conventions where the spec leaves a choice (§A.7, §A.12): absent groups have
status 0, label 0 and every value DATA_INVALID; reserved bytes are 0; ext
classes are all-invalid filler. The ECG module is always there; without a
respiration measurement its imp_rr is DATA_INVALID. A capnograph (co2 group) or
temperature probe (t1) is there only if the scenario has one; a sensor off keeps
its module present with DATA_INVALID values, as the SpO2 probe does.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from devices.protocols import datex_layout as layout
from devices.simulator.device import TruthValue
from devices.simulator.snapshot import Snapshot
from monitor.readings import ART_PARAMETERS, NIBP_PARAMETERS, Parameter

ECG_STATUS = layout.STATUS_PRESENT | (
    layout.ECG_HR_SOURCE_ECG << layout.ECG_HR_SOURCE_SHIFT
)  # 0x0B
ECG_LABEL = layout.ECG_LEAD_II << layout.ECG_LABEL_CHANNEL1_SHIFT  # 0x0200: channel 1 shows lead II
NIBP_OLDER_AFTER = timedelta(seconds=60)
DEFAULT_DRI_LEVEL = 9  # '05

# Parameter -> divisor from wire units to product units (§A.6)
WIRE_SCALE: dict[Parameter, int] = {
    Parameter.HR: 1,
    Parameter.PR: 1,
    Parameter.SPO2: layout.SPO2_SCALE,
    **{p: layout.PRESSURE_SCALE for p in NIBP_PARAMETERS + ART_PARAMETERS},
}

_INVALID_WORD = layout.I16.pack(layout.DATA_INVALID)


def _filler_class(groups: tuple[layout.Group, ...]) -> bytes:
    """270 bytes: each group status 0, label 0, values DATA_INVALID; gaps are 0."""
    data = bytearray(layout.CLASS_DATA_SIZE)
    for group in groups:
        start = group.offset + (layout.GROUP_HEADER_SIZE if group.has_header else 0)
        data[start : group.offset + group.size] = _INVALID_WORD * group.value_count
    return bytes(data)


BASIC_FILLER = _filler_class(layout.BASIC_GROUPS)
EXT1_FILLER = _filler_class(layout.EXT1_GROUPS)
# The spec gives no ext2/ext3 layout: every word reads as "no valid data".
EXT_UNKNOWN_FILLER = _INVALID_WORD * (layout.CLASS_DATA_SIZE // 2)


def to_wire(value: float | None, scale: int = 1) -> int:
    """A value in product units as the i16 the monitor stores (round half up)."""
    if value is None or not math.isfinite(value):
        return layout.DATA_INVALID
    raw = math.floor(value * scale + 0.5)
    if raw > layout.MAX_VALUE:
        return layout.DATA_OVER_RANGE
    if raw < layout.MIN_VALID_VALUE:
        return layout.DATA_UNDER_RANGE
    return raw


def _snapshot_values(snapshot: Snapshot) -> dict[Parameter, float | None]:
    """Product-unit values the monitor has for each parameter right now."""
    nibp = snapshot.nibp
    values: dict[Parameter, float | None] = {
        Parameter.HR: snapshot.hr,
        Parameter.NIBP_SYS: nibp.sys if nibp else None,
        Parameter.NIBP_DIA: nibp.dia if nibp else None,
        Parameter.NIBP_MEAN: nibp.mean if nibp else None,
        Parameter.SPO2: None if snapshot.sensor_off else snapshot.spo2,
        Parameter.PR: None if snapshot.sensor_off else snapshot.pr,
    }
    if snapshot.art is not None:
        values.update(zip(ART_PARAMETERS, snapshot.art))
    return values


def wire_values(snapshot: Snapshot) -> dict[Parameter, int]:
    """Raw i16 per parameter, in decode order; ART only with an arterial line."""
    return {
        parameter: layout.DATA_INVALID
        if parameter in snapshot.invalid
        else to_wire(value, WIRE_SCALE[parameter])
        for parameter, value in _snapshot_values(snapshot).items()
    }


def wire_time(device_time: datetime) -> int:
    """The u32 Unix seconds the subrecord carries."""
    return math.floor(device_time.timestamp())


def _nibp_label(snapshot: Snapshot) -> int:
    label = layout.NIBP_LABEL_AUTO
    if snapshot.nibp_measuring:
        label |= layout.NIBP_LABEL_MEASURING
    nibp = snapshot.nibp
    if nibp is not None and snapshot.device_time - nibp.measured_at > NIBP_OLDER_AFTER:
        label |= layout.NIBP_LABEL_OLDER_THAN_60S
    return label


def _put_group(
    data: bytearray, group: layout.Group, status: int, label: int, values: tuple[int, ...]
) -> None:
    """Write a group's header and its first ``len(values)`` values."""
    layout.GROUP_HEADER_STRUCT.pack_into(data, group.offset, status, label)
    start = group.offset + layout.GROUP_HEADER_SIZE
    for i, value in enumerate(values):
        layout.I16.pack_into(data, start + 2 * i, value)


def _invalid_if(marked: bool, raw: int) -> int:
    return layout.DATA_INVALID if marked else raw


def _sedation_wire(snapshot: Snapshot) -> dict[str, int]:
    """Raw i16 of imp_rr, and with a capnograph co2 et/rr/amb_press, with a probe t1."""
    invalid, off = snapshot.invalid, snapshot.sensors_off
    rr_invalid = Parameter.RR in invalid
    wire = {"imp_rr": _invalid_if(rr_invalid, to_wire(snapshot.rr))}
    if snapshot.capnograph:
        ambient = to_wire(snapshot.ambient_mmhg, layout.AMB_PRESS_SCALE)
        et = None
        if snapshot.etco2 is not None and Parameter.ETCO2 not in off:  # % of the ambient pressure
            et = snapshot.etco2 * 100 / snapshot.ambient_mmhg
        wire["co2_et"] = _invalid_if(Parameter.ETCO2 in invalid, to_wire(et, layout.CO2_SCALE))
        wire["co2_rr"] = _invalid_if(rr_invalid, to_wire(snapshot.co2_rr))
        wire["amb_press"] = ambient
    if snapshot.thermometer:
        temp = None if Parameter.TEMP in off else snapshot.temp
        wire["t1"] = _invalid_if(Parameter.TEMP in invalid, to_wire(temp, layout.TEMP_SCALE))
    return wire


def _put_sedation(data: bytearray, wire: dict[str, int]) -> None:
    layout.I16.pack_into(data, layout.ECG.offset + layout.ECG_IMP_RR, wire["imp_rr"])
    if "co2_et" in wire:
        fi = 0  # inspired CO2: room air
        values = (wire["co2_et"], fi, wire["co2_rr"], wire["amb_press"])
        _put_group(data, layout.CO2, layout.STATUS_PRESENT, 0, values)
    if "t1" in wire:
        _put_group(data, layout.T1, layout.STATUS_PRESENT, 0, (wire["t1"],))


def _sedation_truth(wire: dict[str, int], device_time: datetime | None) -> list[TruthValue]:
    """What a host decodes from :func:`_sedation_wire`'s values (RR rule: devices.protocols.datex)."""

    def valid(raw: int) -> bool:
        return raw >= layout.MIN_VALID_VALUE

    co2_rr = wire.get("co2_rr")
    if co2_rr is not None and valid(co2_rr):
        rr, origin = float(co2_rr), "co2"
    elif valid(wire["imp_rr"]):
        rr, origin = float(wire["imp_rr"]), "impedance"
    else:
        rr, origin = None, "co2" if co2_rr is not None else "impedance"
    truth = [TruthValue(Parameter.RR, rr, device_time, origin)]
    if co2_rr is not None:
        et, ambient = wire["co2_et"], wire["amb_press"]
        etco2 = round(et * ambient / 100_000, 1) if valid(et) else None
        truth.append(TruthValue(Parameter.ETCO2, etco2, device_time))
    if "t1" in wire:
        temp = wire["t1"] / layout.TEMP_SCALE if valid(wire["t1"]) else None
        truth.append(TruthValue(Parameter.TEMP, temp, device_time))
    return truth


def _basic_class(snapshot: Snapshot, wire: dict[Parameter, int], art_pr: float | None) -> bytes:
    data = bytearray(BASIC_FILLER)
    hr = wire[Parameter.HR]
    _put_group(data, layout.ECG, ECG_STATUS, ECG_LABEL, (hr,))
    _put_sedation(data, _sedation_wire(snapshot))
    layout.I16.pack_into(data, layout.ECG_EXTRA.offset + layout.ECG_EXTRA_HR_ECG, hr)
    if snapshot.art is not None:
        pulse = to_wire(snapshot.hr if art_pr is None else art_pr)
        art = tuple(wire[p] for p in ART_PARAMETERS)
        _put_group(data, layout.P1, layout.STATUS_PRESENT, layout.P_LABEL_ART, (*art, pulse))
    nibp_pulse = hr if snapshot.nibp is not None else layout.DATA_INVALID
    nibp = tuple(wire[p] for p in NIBP_PARAMETERS)
    _put_group(data, layout.NIBP, layout.STATUS_PRESENT, _nibp_label(snapshot), (*nibp, nibp_pulse))
    spo2 = (wire[Parameter.SPO2], wire[Parameter.PR])
    _put_group(data, layout.SPO2, layout.STATUS_PRESENT, 0, spo2)
    return bytes(data)


def _subrecord(unix_s: int, phdb_class: int, class_data: bytes) -> bytes:
    """278 bytes: time, class data, marker 0, reserved 0, class in bits 8-11."""
    cl_drilvl_subt = phdb_class << layout.CLASS_SHIFT
    return layout.U32.pack(unix_s) + class_data + b"\x00\x00" + layout.U16.pack(cl_drilvl_subt)


def requested_classes(class_bf: int) -> tuple[int, ...]:
    """Classes a DISPL request asks for, in the order the monitor sends them."""
    classes = [] if class_bf & layout.CLASS_BF_DENY_BASIC else [layout.CLASS_BASIC]
    for phdb_class, bit in (
        (layout.CLASS_EXT1, layout.CLASS_BF_EXT1),
        (layout.CLASS_EXT2, layout.CLASS_BF_EXT2),
        (layout.CLASS_EXT3, layout.CLASS_BF_EXT3),
    ):
        if class_bf & bit:
            classes.append(phdb_class)
    return tuple(classes)


def encode_displ_record(
    snapshot: Snapshot,
    *,
    r_nbr: int = 0,
    dri_level: int = DEFAULT_DRI_LEVEL,
    class_bf: int = layout.CLASS_BF_ALL,
    art_pr: float | None = None,
) -> bytes:
    """The un-framed DISPL record a monitor sends for ``snapshot`` (§A.4, §A.12).

    ``art_pr`` is the pulse rate the arterial channel reports (p1.hr); it
    defaults to the snapshot's HR.
    """
    unix_s = wire_time(snapshot.device_time)
    fillers = {
        layout.CLASS_EXT1: EXT1_FILLER,
        layout.CLASS_EXT2: EXT_UNKNOWN_FILLER,
        layout.CLASS_EXT3: EXT_UNKNOWN_FILLER,
    }
    subrecords = []
    for phdb_class in requested_classes(class_bf):
        if phdb_class == layout.CLASS_BASIC:
            class_data = _basic_class(snapshot, wire_values(snapshot), art_pr)
        else:
            class_data = fillers[phdb_class]
        subrecords.append(_subrecord(unix_s, phdb_class, class_data))
    sr_desc = tuple((k * layout.SUBRECORD_SIZE, layout.SR_PH_DISPL) for k in range(len(subrecords)))
    r_len = layout.HEADER_SIZE + layout.SUBRECORD_SIZE * len(subrecords)
    header = layout.pack_header(
        r_len, r_nbr=r_nbr & 0xFF, dri_level=dri_level, r_time=unix_s, sr_desc=sr_desc
    )
    return header + b"".join(subrecords)


def displ_truth(
    snapshot: Snapshot, *, class_bf: int = layout.CLASS_BF_ALL
) -> tuple[TruthValue, ...]:
    """The values :func:`encode_displ_record` puts on the wire, as a decoder should read them."""
    if layout.CLASS_BASIC not in requested_classes(class_bf):
        return ()
    unix_s = wire_time(snapshot.device_time)
    device_time = datetime.fromtimestamp(unix_s, tz=UTC) if unix_s else None
    basic = [
        TruthValue(
            parameter,
            raw / WIRE_SCALE[parameter] if raw >= layout.MIN_VALID_VALUE else None,
            device_time,
        )
        for parameter, raw in wire_values(snapshot).items()
    ]
    art = [t for t in basic if t.parameter in ART_PARAMETERS]  # decoded after the basic class
    others = [t for t in basic if t.parameter not in ART_PARAMETERS]
    return (*others, *_sedation_truth(_sedation_wire(snapshot), device_time), *art)

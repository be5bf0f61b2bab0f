"""What an S/5 monitor sends for a DISPL request, built from a simulator snapshot.

The simulator and the tests need the exact record a monitor would put on the
wire (§A.10 example D4 is built this way), plus the values as the wire rounds
them ("truth"), so QA can diff what the driver decoded against what was sent.
Both come from one table of wire values so they cannot disagree.

Conventions where the spec leaves a choice (§A.7, §A.12): absent groups have
status 0, label 0 and every value DATA_INVALID; reserved bytes are 0; ext
classes are all-invalid filler.
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


def _basic_class(snapshot: Snapshot, wire: dict[Parameter, int], art_pr: float | None) -> bytes:
    data = bytearray(BASIC_FILLER)
    hr = wire[Parameter.HR]
    _put_group(data, layout.ECG, ECG_STATUS, ECG_LABEL, (hr,))
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
    return tuple(
        TruthValue(
            parameter,
            raw / WIRE_SCALE[parameter] if raw >= layout.MIN_VALID_VALUE else None,
            device_time,
        )
        for parameter, raw in wire_values(snapshot).items()
    )

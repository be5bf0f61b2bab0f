"""GE Datex-Ohmeda S/5 Computer Interface (DRI records over RS-232): requests and decoding.

The host sends one transmission request; the monitor then sends a DISPL record
every few seconds holding HR, NIBP, invasive pressures, SpO2, respiration rate,
end-tidal CO2 and temperature (§A.4–A.6).
This module is pure (no I/O, no clock, no Qt) so the driver, the simulator and
the tests all run exactly the same code. Framing lives in
:mod:`devices.protocols.datex_framing`, byte offsets in
:mod:`devices.protocols.datex_layout`, the simulator's encoder in
:mod:`devices.simulator.datex_record` (the monitor's side, used by the simulator).

Every special value (v < -32000, §A.7) and every absent module becomes
``value=None`` with a quality flag: never a number.

Respiration rate has two sources: the ECG electrodes' impedance (``ecg.imp_rr``)
and the capnograph (``co2.rr``). The capnograph's wins when both have a number,
as on the monitors themselves: it counts exhaled breaths, while impedance counts
chest movement, which goes on during an obstructed airway, the hazard of sedation.
The observation's ``origin`` ("co2" or "impedance") says which one it is.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from devices.protocols import LineSettings
from devices.protocols import datex_layout as layout
from devices.protocols.datex_framing import Deframer, checksum, encode_frame
from monitor.readings import ART_PARAMETERS, NIBP_PARAMETERS, Observation, Parameter, Quality

__all__ = [
    "LINE_SETTINGS",
    "Deframer",
    "Request",
    "build_displ_request",
    "build_stop_request",
    "checksum",
    "decode_record",
    "effective_interval_s",
    "encode_frame",
    "encode_request",
    "parse_request",
]

# 19200 8E1 with RTS/CTS; the monitor does not allow other settings (§A.1).
LINE_SETTINGS = LineSettings(19200, 8, "E", 1, rtscts=True)

SPECIAL_VALUE_QUALITY: dict[int, Quality] = {
    layout.DATA_INVALID: Quality.INVALID,
    layout.DATA_NOT_UPDATED: Quality.NOT_UPDATED,
    layout.DATA_DISCONT: Quality.INVALID,
    layout.DATA_UNDER_RANGE: Quality.UNDER_RANGE,
    layout.DATA_OVER_RANGE: Quality.OVER_RANGE,
    layout.DATA_NOT_CALIBRATED: Quality.NOT_CALIBRATED,
}

_NIBP_LABEL_QUALITY = (
    (layout.NIBP_LABEL_MEASURING, Quality.NIBP_MEASURING),
    (layout.NIBP_LABEL_CALIBRATING, Quality.CALIBRATING),
    (layout.NIBP_LABEL_OLDER_THAN_60S, Quality.OLDER_THAN_60S),
)


# --- Requests (§A.4) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """A physiological transmission request as the monitor reads it."""

    record_type: int  # PH_DISPL, PH_10S_TREND, PH_60S_TREND, PH_AUX_INFO
    interval_s: int  # -1 once, 0 stop, >= 5 periodic
    class_bf: int


def encode_request(request: Request) -> bytes:
    """The 49-byte request record (un-framed), dri_level 0 as [S1] sends it."""
    header = layout.pack_header(
        layout.REQUEST_RECORD_SIZE, sr_desc=((0, layout.SR_PH_TRANSMISSION_REQUEST),)
    )
    data = layout.REQUEST_DATA_STRUCT.pack(
        request.record_type, request.interval_s, request.class_bf & 0xFFFFFFFF, 0
    )
    return header + data


def effective_interval_s(interval_s: int) -> int:
    """-1 stays "once"; anything else is clamped to the 5 s minimum (§A.4)."""
    return (
        layout.TX_ONCE if interval_s == layout.TX_ONCE else max(layout.MIN_INTERVAL_S, interval_s)
    )


def build_displ_request(interval_s: int = 5, class_bf: int = layout.CLASS_BF_ALL) -> bytes:
    """Wire frame asking for displayed values every ``interval_s`` s (-1: once)."""
    request = Request(layout.PH_DISPL, effective_interval_s(interval_s), class_bf)
    return encode_frame(encode_request(request))


def build_stop_request() -> bytes:
    """Wire frame cancelling displayed values: tx_ival 0, class_bf 0 (example D2)."""
    return encode_frame(encode_request(Request(layout.PH_DISPL, layout.TX_STOP, 0)))


def parse_request(record: bytes) -> Request | None:
    """The request in a 49-byte record, or None if it is not a well-formed request."""
    if len(record) != layout.REQUEST_RECORD_SIZE:
        return None
    header = layout.HEADER_STRUCT.unpack_from(record)
    r_len, r_maintype, sr_offset, sr_type = header[0], header[8], header[9], header[10]
    if r_len != len(record) or r_maintype != layout.MT_PHDB:
        return None
    if sr_offset != 0 or sr_type != layout.SR_PH_TRANSMISSION_REQUEST:
        return None
    record_type, interval_s, class_bf, _ = layout.REQUEST_DATA_STRUCT.unpack_from(
        record, layout.HEADER_SIZE
    )
    if record_type not in layout.REQUEST_RECORD_TYPES:
        return None
    return Request(record_type, interval_s, class_bf)


# --- Decoding (§A.5–A.7) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subrecord:
    data: bytes  # the 270 bytes of class data
    phdb_class: int
    device_time: datetime | None


def _device_time(unix_s: int) -> datetime | None:
    """Subrecord time as aware UTC; 0 means the monitor did not say."""
    return datetime.fromtimestamp(unix_s, tz=UTC) if unix_s else None


def _displ_subrecords(record: bytes) -> Iterator[_Subrecord]:
    """DISPL subrecords of a physiological record; anything malformed is skipped."""
    if len(record) < layout.HEADER_SIZE:
        return
    header = layout.HEADER_STRUCT.unpack_from(record)
    if header[8] != layout.MT_PHDB:
        return
    for i in range(layout.MAX_SUBRECORDS):
        sr_offset, sr_type = header[9 + 2 * i], header[10 + 2 * i]
        if sr_type == layout.SR_EOL:
            return
        start = layout.HEADER_SIZE + sr_offset
        if (
            sr_type != layout.SR_PH_DISPL
            or sr_offset < 0
            or start + layout.SUBRECORD_SIZE > len(record)
        ):
            continue
        (unix_s,) = layout.U32.unpack_from(record, start + layout.SUB_TIME)
        (cl_drilvl_subt,) = layout.U16.unpack_from(record, start + layout.SUB_CL_DRILVL_SUBT)
        data_start = start + layout.SUB_CLASS_DATA
        yield _Subrecord(
            data=record[data_start : data_start + layout.CLASS_DATA_SIZE],
            phdb_class=(cl_drilvl_subt >> layout.CLASS_SHIFT) & layout.CLASS_MASK,
            device_time=_device_time(unix_s),
        )


def _status_label(data: bytes, group: layout.Group) -> tuple[int, int]:
    status, label = layout.GROUP_HEADER_STRUCT.unpack_from(data, group.offset)
    return status, label


def _is_present(status: int) -> bool:
    """Module exists and measurement active (status bits 0 and 1)."""
    return status & layout.STATUS_PRESENT == layout.STATUS_PRESENT


def _observe(
    parameter: Parameter, raw: int, scale: int, qualifiers: Quality, device_time: datetime | None
) -> Observation:
    """One wire value: a number when valid (v >= -32000), else None with the reason."""
    if raw >= layout.MIN_VALID_VALUE:
        return Observation(parameter, raw / scale, qualifiers, device_time)
    reason = SPECIAL_VALUE_QUALITY.get(raw, Quality.INVALID)
    return Observation(parameter, None, reason | qualifiers, device_time)


def _absent(parameter: Parameter, device_time: datetime | None) -> Observation:
    return Observation(parameter, None, Quality.ABSENT, device_time)


def _group_values(
    sub: _Subrecord,
    group: layout.Group,
    fields: tuple[tuple[Parameter, int, int], ...],
    qualifiers: Quality = Quality.NONE,
) -> list[Observation]:
    """Observations for (parameter, offset-in-group, scale) fields of one group."""
    status, _ = _status_label(sub.data, group)
    if not _is_present(status):
        return [_absent(parameter, sub.device_time) for parameter, _, _ in fields]
    return [
        _observe(
            parameter,
            layout.I16.unpack_from(sub.data, group.offset + offset)[0],
            scale,
            qualifiers,
            sub.device_time,
        )
        for parameter, offset, scale in fields
    ]


_HR_FIELDS = ((Parameter.HR, layout.ECG_HR, 1),)
_PRESSURE_FIELDS = (layout.PRESSURE_SYS, layout.PRESSURE_DIA, layout.PRESSURE_MEAN)
_NIBP_FIELDS = tuple(
    (p, offset, layout.PRESSURE_SCALE) for p, offset in zip(NIBP_PARAMETERS, _PRESSURE_FIELDS)
)
_ART_FIELDS = tuple(
    (p, offset, layout.PRESSURE_SCALE) for p, offset in zip(ART_PARAMETERS, _PRESSURE_FIELDS)
)
_SPO2_FIELDS = (
    (Parameter.SPO2, layout.SPO2_SPO2, layout.SPO2_SCALE),
    (Parameter.PR, layout.SPO2_PR, 1),
)


def _nibp_qualifiers(label: int) -> Quality:
    quality = Quality.NONE
    for bit, flag in _NIBP_LABEL_QUALITY:
        if label & bit:
            quality |= flag
    return quality


def _decode_basic(sub: _Subrecord) -> list[Observation]:
    """HR, NIBP and SpO2/PR: always emitted, so absent ones show as dashes.

    RR, EtCO2 and temperature only when the monitor has a module that measures
    them (status bit 0), so a monitor without a capnograph shows no EtCO2 at all.
    """
    _, nibp_label = _status_label(sub.data, layout.NIBP)
    return [
        *_group_values(sub, layout.ECG, _HR_FIELDS),
        *_group_values(sub, layout.NIBP, _NIBP_FIELDS, _nibp_qualifiers(nibp_label)),
        *_group_values(sub, layout.SPO2, _SPO2_FIELDS),
        *_respiration_rate(sub),
        *_end_tidal_co2(sub),
        *_temperature(sub),
    ]


def _exists(status: int) -> bool:
    return bool(status & layout.STATUS_EXISTS)


# Where a monitor counts breaths, preferred first (see the module docstring).
_RR_SOURCES = ((layout.CO2, layout.CO2_RR, "co2"), (layout.ECG, layout.ECG_IMP_RR, "impedance"))
_RR_NUMBER, _RR_NO_NUMBER, _RR_NOT_MEASURING, _RR_NO_MODULE = range(4)  # ranks, best first


def _respiration_rate(sub: _Subrecord) -> list[Observation]:
    """RR from the preferred source with a number; else why the measuring source has none.

    Ranks, best first: a number from an active module; an active module's reason
    for having none; ABSENT from a module that exists but is not measuring. Ties go
    to the capnograph. No RR at all when neither module exists.
    """
    sources = []
    for group, offset, origin in _RR_SOURCES:
        status, _ = _status_label(sub.data, group)
        (raw,) = layout.I16.unpack_from(sub.data, group.offset + offset)
        sources.append((_rr_rank(status, raw), raw, origin))
    rank, raw, origin = min(sources, key=lambda source: source[0])  # min keeps the first of equals
    if rank == _RR_NO_MODULE:
        return []
    if rank == _RR_NOT_MEASURING:
        return [replace(_absent(Parameter.RR, sub.device_time), origin=origin)]
    return [replace(_observe(Parameter.RR, raw, 1, Quality.NONE, sub.device_time), origin=origin)]


def _rr_rank(status: int, raw: int) -> int:
    if _is_present(status):
        return _RR_NUMBER if raw >= layout.MIN_VALID_VALUE else _RR_NO_NUMBER
    return _RR_NOT_MEASURING if _exists(status) else _RR_NO_MODULE


def _end_tidal_co2(sub: _Subrecord) -> list[Observation]:
    """EtCO2 in mmHg = et (1/100 %) x ambient pressure (1/10 mmHg) x 1e-5 (§A.6, [S3]).

    Rounded to 0.1 mmHg (the monitor shows whole mmHg). Without a valid ambient
    pressure the percentage cannot be converted: no number, the pressure's reason.
    """
    status, _ = _status_label(sub.data, layout.CO2)
    if not _exists(status):
        return []
    if not _is_present(status):
        return [_absent(Parameter.ETCO2, sub.device_time)]
    (et,) = layout.I16.unpack_from(sub.data, layout.CO2.offset + layout.CO2_ET)
    (ambient,) = layout.I16.unpack_from(sub.data, layout.CO2.offset + layout.CO2_AMB_PRESS)
    if et < layout.MIN_VALID_VALUE:
        return [_observe(Parameter.ETCO2, et, 1, Quality.NONE, sub.device_time)]
    if ambient <= 0:  # a special value (all negative), or a pressure no air has
        reason = SPECIAL_VALUE_QUALITY.get(ambient, Quality.INVALID)
        return [Observation(Parameter.ETCO2, None, reason, sub.device_time)]
    scale = layout.CO2_SCALE * 100 * layout.AMB_PRESS_SCALE  # % -> fraction, 1/10 mmHg -> mmHg
    return [Observation(Parameter.ETCO2, round(et * ambient / scale, 1), Quality.NONE, sub.device_time)]


def _temperature(sub: _Subrecord) -> list[Observation]:
    """Temperature from channel t1 (1/100 degC), when a temperature module exists."""
    status, _ = _status_label(sub.data, layout.T1)
    if not _exists(status):
        return []
    return _group_values(sub, layout.T1, ((Parameter.TEMP, layout.TEMP_TEMP, layout.TEMP_SCALE),))


def _arterial_channels(sub: _Subrecord) -> Iterator[tuple[int, layout.Group]]:
    """(status, group) of channels in this subrecord whose label says arterial."""
    if sub.phdb_class == layout.CLASS_BASIC:
        channels = layout.BASIC_PRESSURE_CHANNELS
    elif sub.phdb_class == layout.CLASS_EXT1:
        channels = layout.EXT1_PRESSURE_CHANNELS
    else:
        return
    for group in channels:
        status, label = _status_label(sub.data, group)
        if label in layout.ARTERIAL_LABELS:
            yield status, group


def _decode_art(subrecords: list[_Subrecord]) -> list[Observation]:
    """ART from the first arterial channel p1..p8, preferring one that is active."""
    in_channel_order = sorted(subrecords, key=lambda sub: sub.phdb_class)  # p1..p6, then p7, p8
    candidates = [
        (status, group, sub)
        for sub in in_channel_order
        for status, group in _arterial_channels(sub)
    ]
    if not candidates:
        return []
    active = [c for c in candidates if _is_present(c[0])]
    _, group, sub = (active or candidates)[0]
    return _group_values(sub, group, _ART_FIELDS)


def decode_record(record: bytes) -> list[Observation]:
    """Observations in one un-framed record; [] for anything that is not a DISPL record.

    Never raises: a truncated or malformed record yields what can be read safely.
    """
    try:
        subrecords = list(_displ_subrecords(record))
    except struct.error:  # pragma: no cover - bounds are checked above
        return []
    observations: list[Observation] = []
    for sub in subrecords:
        if sub.phdb_class == layout.CLASS_BASIC:
            observations += _decode_basic(sub)
    observations += _decode_art(subrecords)
    return observations

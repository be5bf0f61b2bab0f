"""Byte layout of GE Datex-Ohmeda S/5 DRI records, as constants named from the spec.

Kept apart from the codec so the encoder (simulator) and the decoder (driver)
read the same offsets and cannot drift apart. Section numbers refer to
``/work/shared/protocols/bedside-monitor-protocols.md`` (§A).

All multi-byte fields are little-endian and packed (§A.2).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# --- Framing (§A.2) -------------------------------------------------------
FLAG = 0x7E
ESCAPE = 0x7D
ESCAPE_BIT = 0x20  # escaped byte = original with bit 5 cleared; un-escape ORs it back
MAX_RECORD_SIZE = 1490  # 40-byte header + at most 1450 data bytes

# --- Record header, 40 bytes (§A.3) ----------------------------------------
HEADER_SIZE = 40
MAX_SUBRECORDS = 8
# r_len, r_nbr, dri_level, plug_id, r_time, n_subnet, reserved2, reserved3, r_maintype,
# then sr_desc[8] = {i16 sr_offset; u8 sr_type}.
HEADER_STRUCT = struct.Struct("<hBBHIBBHh" + "hB" * MAX_SUBRECORDS)
assert HEADER_STRUCT.size == HEADER_SIZE

MT_PHDB = 0  # r_maintype: physiological database record
SR_EOL = 0xFF  # DRI_EOL_SUBR_LIST: ends the sr_desc list
SR_PH_TRANSMISSION_REQUEST = 0  # sr_type of a host request subrecord (§A.4)
SR_PH_DISPL = 1  # sr_type of a displayed-values subrecord the monitor sends

# --- Physiological transmission request, 9 data bytes (§A.4) -------------
PH_DISPL = 1
PH_10S_TREND = 2
PH_60S_TREND = 3
PH_AUX_INFO = 4
REQUEST_RECORD_TYPES = frozenset({PH_DISPL, PH_10S_TREND, PH_60S_TREND, PH_AUX_INFO})
# phdb_rcrd_type, tx_ival, phdb_class_bf (u32, see §A.9 item 2), reserved
REQUEST_DATA_STRUCT = struct.Struct("<BhIh")
REQUEST_RECORD_SIZE = HEADER_SIZE + REQUEST_DATA_STRUCT.size  # 49
TX_ONCE = -1
TX_STOP = 0
MIN_INTERVAL_S = 5  # two requests within 5 s: the monitor ignores the later one

# phdb_class_bf bits
CLASS_BF_DENY_BASIC = 0x0001
CLASS_BF_EXT1 = 0x0002
CLASS_BF_EXT2 = 0x0004
CLASS_BF_EXT3 = 0x0008
CLASS_BF_ALL = CLASS_BF_EXT1 | CLASS_BF_EXT2 | CLASS_BF_EXT3  # 0x0E: basic + ext1..3

# --- Physiological subrecord, 278 bytes (§A.5) ------------------------------
SUBRECORD_SIZE = 278
SUB_TIME = 0  # u32 Unix seconds
SUB_CLASS_DATA = 4
CLASS_DATA_SIZE = 270
SUB_MARKER = 274
SUB_CL_DRILVL_SUBT = 276  # u16; bits 8-11 = class
CLASS_SHIFT = 8
CLASS_MASK = 0x0F
MAX_PHDB_SUBRECORDS = 5  # (1430 - 40) / 278

CLASS_BASIC = 0
CLASS_EXT1 = 1
CLASS_EXT2 = 2
CLASS_EXT3 = 3

# --- Groups (§A.6) ----------------------------------------------------------
GROUP_STATUS = 0  # u32
GROUP_LABEL = 4  # u16
GROUP_HEADER_SIZE = 6
GROUP_HEADER_STRUCT = struct.Struct("<IH")

STATUS_EXISTS = 0x1  # bit 0: module exists
STATUS_ACTIVE = 0x2  # bit 1: measurement active
STATUS_PRESENT = STATUS_EXISTS | STATUS_ACTIVE

# Values inside a group, as offsets from the group start.
ECG_HR = 6
ECG_IMP_RR = 14  # respiration rate from the ECG electrodes' impedance, 1/min
PRESSURE_SYS = 6  # p1..p8 and nibp share this layout
PRESSURE_DIA = 8
PRESSURE_MEAN = 10
PRESSURE_HR = 12
SPO2_SPO2 = 6
SPO2_PR = 8
TEMP_TEMP = 6  # t1..t4
CO2_ET = 6  # end-tidal CO2, 1/100 %
CO2_FI = 8
CO2_RR = 10  # respiration rate counted by the capnograph, 1/min
CO2_AMB_PRESS = 12  # ambient pressure, 1/10 mmHg
ECG_EXTRA_HR_ECG = 0  # ecg_extra has no group header

PRESSURE_SCALE = 100  # 1/100 mmHg
SPO2_SCALE = 100  # 1/100 %
TEMP_SCALE = 100  # 1/100 degC
CO2_SCALE = 100  # 1/100 %
AMB_PRESS_SCALE = 10  # 1/10 mmHg

# ecg.status bits 3-6: HR source
ECG_HR_SOURCE_SHIFT = 3
ECG_HR_SOURCE_ECG = 1
# ecg.label: bits 8-11 lead of channel 1 (NOT bits 0-3, see §A.6 caution)
ECG_LABEL_CHANNEL1_SHIFT = 8
ECG_LEAD_II = 2

# nibp.label bits (§A.6)
NIBP_LABEL_AUTO = 1 << 3
NIBP_LABEL_STAT = 1 << 4
NIBP_LABEL_MEASURING = 1 << 5
NIBP_LABEL_STASIS = 1 << 6
NIBP_LABEL_CALIBRATING = 1 << 7
NIBP_LABEL_OLDER_THAN_60S = 1 << 8

# p_group.label is a whole word; these mean an arterial line ((inferred) grouping, §A.6)
P_LABEL_ART = 1
P_LABEL_CVP = 2
P_LABEL_ABP = 8
P_LABEL_FEM = 16
P_LABEL_UAC = 17
ARTERIAL_LABELS = frozenset({P_LABEL_ART, P_LABEL_ABP, P_LABEL_FEM, P_LABEL_UAC})


@dataclass(frozen=True, slots=True)
class Group:
    """One group of a class: where it sits and how many i16 values follow its header."""

    name: str
    offset: int  # inside the 270-byte class data
    size: int
    has_header: bool = True

    @property
    def value_count(self) -> int:
        header = GROUP_HEADER_SIZE if self.has_header else 0
        return (self.size - header) // 2


def _pressure(name: str, offset: int) -> Group:
    return Group(name, offset, 14)


# Basic class (§A.6), in wire order; sizes add up to 270.
ECG = Group("ecg", 0, 16)
P1, P2, P3, P4 = (_pressure(f"p{i + 1}", 16 + 14 * i) for i in range(4))
NIBP = Group("nibp", 72, 14)
T1, T2, T3, T4 = (Group(f"t{i + 1}", 86 + 8 * i, 8) for i in range(4))
SPO2 = Group("spo2", 118, 14)
CO2 = Group("co2", 132, 14)
O2 = Group("o2", 146, 10)
N2O = Group("n2o", 156, 10)
AA = Group("aa", 166, 12)
FLOW_VOL = Group("flow_vol", 178, 22)
CO_WEDGE = Group("co_wedge", 200, 14)
NMT = Group("nmt", 214, 12)
ECG_EXTRA = Group("ecg_extra", 226, 6, has_header=False)
SVO2 = Group("svo2", 232, 8)
P5 = _pressure("p5", 240)
P6 = _pressure("p6", 254)
BASIC_RESERVED_SIZE = 2  # at 268

BASIC_GROUPS: tuple[Group, ...] = (
    ECG,
    P1,
    P2,
    P3,
    P4,
    NIBP,
    T1,
    T2,
    T3,
    T4,
    SPO2,
    CO2,
    O2,
    N2O,
    AA,
    FLOW_VOL,
    CO_WEDGE,
    NMT,
    ECG_EXTRA,
    SVO2,
    P5,
    P6,
)

# Ext1 class (§A.6): arrh_ecg (48), ecg_12 (30), p7, p8, SpO2_ch2, t5, t6, then reserved.
P7 = _pressure("p7", 78)
P8 = _pressure("p8", 92)
EXT1_GROUPS: tuple[Group, ...] = (
    Group("arrh_ecg", 0, 48),
    Group("ecg_12", 48, 30),
    P7,
    P8,
    Group("spo2_ch2", 106, 14),
    Group("t5", 120, 8),
    Group("t6", 128, 8),
)

# Invasive channels in the order "first arterial channel wins" walks them.
BASIC_PRESSURE_CHANNELS: tuple[Group, ...] = (P1, P2, P3, P4, P5, P6)
EXT1_PRESSURE_CHANNELS: tuple[Group, ...] = (P7, P8)

# --- Special values (§A.7) ---------------------------------------------------
DATA_INVALID = -32767
DATA_NOT_UPDATED = -32766
DATA_DISCONT = -32765
DATA_UNDER_RANGE = -32764
DATA_OVER_RANGE = -32763
DATA_NOT_CALIBRATED = -32762
MIN_VALID_VALUE = -32000  # a value is valid iff v >= -32000
MAX_VALUE = 32767

I16 = struct.Struct("<h")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")


def pack_header(
    r_len: int,
    *,
    r_nbr: int = 0,
    dri_level: int = 0,
    r_time: int = 0,
    sr_desc: tuple[tuple[int, int], ...] = (),
) -> bytes:
    """A 40-byte physiological record header.

    ``sr_desc`` lists (sr_offset, sr_type); the list is closed with sr_type 0xFF
    and the unused slots are zero, as in the spec's example frames (§A.10).
    """
    entries = [*sr_desc, (0, SR_EOL)][:MAX_SUBRECORDS]
    entries += [(0, 0)] * (MAX_SUBRECORDS - len(entries))
    flat = [field for entry in entries for field in entry]
    return HEADER_STRUCT.pack(r_len, r_nbr, dri_level, 0, r_time, 0, 0, 0, MT_PHDB, *flat)

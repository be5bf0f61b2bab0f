"""Numeric values as the monitor sends them, and what they mean (spec §B.5, §B.6).

A NuObsValue ``{physio_id; state; unit; FLOAT-Type}``; which physio id is which
parameter and source; the units accepted for each parameter; and the number and
quality flags a value means (the rules are listed in
:mod:`devices.protocols.intellivue.numerics`, which turns objects into
observations with these). Kept apart from it so each module stays readable.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.floattype import FloatSpecial, decode_float
from devices.protocols.intellivue.wire import DecodeError, Reader, read_list
from monitor.parameters import PARAMETERS
from monitor.readings import ART_PARAMETERS, NIBP_PARAMETERS, NOT_A_NUMBER, Parameter, Quality

log = logging.getLogger(__name__)

MMHG_PER_KPA = 7.500615758


@dataclass(frozen=True, slots=True)
class NuObsValue:
    """One numeric value as on the wire (§B.5): ``value`` is the raw u32 FLOAT-Type."""

    physio_id: int
    state: int
    unit_code: int
    value: int

    SIZE = 10

    @classmethod
    def decode(cls, raw: bytes) -> NuObsValue:
        if len(raw) != cls.SIZE:
            raise DecodeError(f"NuObsValue needs {cls.SIZE} bytes, got {len(raw)}")
        return cls(*struct.unpack(">HHHI", raw))

    def encode(self) -> bytes:
        return struct.pack(">HHHI", self.physio_id, self.state, self.unit_code, self.value)


def decode_compound(raw: bytes) -> list[NuObsValue]:
    """NuObsValueCmp ``{count; length; NuObsValue[count]}`` (attribute 0x094B)."""
    count, items = read_list(Reader(raw))
    values = [NuObsValue.decode(items.take(NuObsValue.SIZE)) for _ in range(count)]
    items.expect_end("the compound value")
    return values


# --- which physio id is which parameter ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where a parameter comes from: ``group`` of parameters read together, ``rank`` 0 = best.

    ``origin`` becomes the observation's origin: how the monitor measured it.
    """

    parameter: Parameter
    group: str
    rank: int
    origin: str = ""


def _pressure_sources(
    group: str, bases: Sequence[int], params: Sequence[Parameter]
) -> dict[int, Source]:
    """sys/dia/mean ids are the compound's id + 1/2/3 (§B.6); earlier bases rank better."""
    return {
        base + offset: Source(param, group, rank)
        for rank, base in enumerate(bases)
        for offset, param in enumerate(params, start=1)
    }


# Temperature sites, best first when several have a number: core sites, then the
# tympanic, unspecified, oral and axillary sites, user-labelled channels, skin last.
TEMPERATURE_SITES = (
    nom.NOM_TEMP_CORE, nom.NOM_TEMP_ESOPH, nom.NOM_TEMP_NASOPH, nom.NOM_TEMP_RECT,
    nom.NOM_TEMP_VESICAL, nom.NOM_TEMP_BLD, nom.NOM_TEMP_TYMP, nom.NOM_TEMP, nom.NOM_TEMP_ORAL,
    nom.NOM_TEMP_AXIL, *range(nom.NOM_TEMP_GEN_1, nom.NOM_TEMP_GEN_1 + 4), nom.NOM_TEMP_SKIN,
)  # fmt: skip

SOURCES: dict[int, Source] = {
    nom.NOM_ECG_CARD_BEAT_RATE: Source(Parameter.HR, "HR", 0),
    nom.NOM_PLETH_PULS_RATE: Source(Parameter.PR, "PR", 0),
    nom.NOM_PULS_RATE: Source(Parameter.PR, "PR", 1),
    nom.NOM_PRESS_BLD_NONINV_PULS_RATE: Source(Parameter.PR, "PR", 2),
    nom.NOM_PULS_OXIM_SAT_O2: Source(Parameter.SPO2, "SPO2", 0),
    **_pressure_sources("NIBP", [nom.NOM_PRESS_BLD_NONINV], NIBP_PARAMETERS),
    **_pressure_sources(
        "ART",
        [
            nom.NOM_PRESS_BLD_ART,
            nom.NOM_PRESS_BLD_ART_ABP,
            nom.NOM_PRESS_BLD_ART_FEMORAL,
            nom.NOM_PRESS_BLD_ART_BRACHIAL,
        ],
        ART_PARAMETERS,
    ),
    # The capnograph's count wins over impedance, as in the Datex decoder (why: its docstring).
    nom.NOM_AWAY_RESP_RATE: Source(Parameter.RR, "RR", 0, "co2"),
    nom.NOM_RESP_RATE: Source(Parameter.RR, "RR", 1, "impedance"),
    nom.NOM_AWAY_CO2_ET: Source(Parameter.ETCO2, "ETCO2", 0),
    **{site: Source(Parameter.TEMP, "TEMP", rank) for rank, site in enumerate(TEMPERATURE_SITES)},
}

# The id and unit a simulated monitor uses for each parameter (ART as "ABP", as §B.9 P4).
DEFAULT_PHYSIO_ID: dict[Parameter, int] = {
    Parameter.HR: nom.NOM_ECG_CARD_BEAT_RATE,
    Parameter.PR: nom.NOM_PLETH_PULS_RATE,
    Parameter.SPO2: nom.NOM_PULS_OXIM_SAT_O2,
    Parameter.NIBP_SYS: nom.NOM_PRESS_BLD_NONINV_SYS,
    Parameter.NIBP_DIA: nom.NOM_PRESS_BLD_NONINV_DIA,
    Parameter.NIBP_MEAN: nom.NOM_PRESS_BLD_NONINV_MEAN,
    Parameter.ART_SYS: nom.NOM_PRESS_BLD_ART_ABP + 1,
    Parameter.ART_DIA: nom.NOM_PRESS_BLD_ART_ABP + 2,
    Parameter.ART_MEAN: nom.NOM_PRESS_BLD_ART_ABP + 3,
    Parameter.RR: nom.NOM_RESP_RATE,
    Parameter.ETCO2: nom.NOM_AWAY_CO2_ET,
    Parameter.TEMP: nom.NOM_TEMP,
}


@dataclass(frozen=True, slots=True)
class Conversion:
    """From a unit the monitor sends to the product's unit: ``(value + offset) * scale``."""

    scale: float = 1.0
    offset: float = 0.0

    def apply(self, value: float, decimals: int) -> float:
        """Converted, rounded to one digit more than the product shows (unchanged if identity)."""
        if self.scale == 1.0 and self.offset == 0.0:
            return value
        return round((value + self.offset) * self.scale, decimals + 1)


_SAME = Conversion()
_PRESSURE_UNITS = {nom.NOM_DIM_MMHG: _SAME, nom.NOM_DIM_KILO_PASCAL: Conversion(MMHG_PER_KPA)}
# The first unit of each parameter is the one a simulated monitor sends. A unit not
# listed (e.g. EtCO2 in %, which needs the ambient pressure) gives no number.
ACCEPTED_UNITS: dict[Parameter, dict[int, Conversion]] = {
    Parameter.HR: {nom.NOM_DIM_BEAT_PER_MIN: _SAME},
    Parameter.PR: {nom.NOM_DIM_BEAT_PER_MIN: _SAME},
    Parameter.SPO2: {nom.NOM_DIM_PERCENT: _SAME},
    **{p: _PRESSURE_UNITS for p in (*NIBP_PARAMETERS, *ART_PARAMETERS)},
    Parameter.RR: {nom.NOM_DIM_RESP_PER_MIN: _SAME},
    Parameter.ETCO2: _PRESSURE_UNITS,
    Parameter.TEMP: {nom.NOM_DIM_DEGC: _SAME, nom.NOM_DIM_FAHR: Conversion(5 / 9, -32.0)},
}
DEFAULT_UNIT: dict[Parameter, int] = {p: next(iter(units)) for p, units in ACCEPTED_UNITS.items()}


# --- value and quality ---------------------------------------------------------------------

_SPECIAL_QUALITY = {
    FloatSpecial.NAN: Quality.INVALID,
    FloatSpecial.NRES: Quality.INVALID,
    FloatSpecial.RESERVED: Quality.INVALID,
    FloatSpecial.POS_INF: Quality.OVER_RANGE,
    FloatSpecial.NEG_INF: Quality.UNDER_RANGE,
}


def state_quality(state: int, parameter: Parameter) -> Quality:
    """Quality flags a MeasurementState (§B.6) means for ``parameter``."""
    quality = Quality.NONE
    if state & (nom.STATE_INVALID | nom.STATE_QUESTIONABLE):
        quality |= Quality.INVALID
    if state & nom.STATE_UNAVAILABLE:
        quality |= Quality.ABSENT
    if state & nom.STATE_CALIBRATION_ONGOING:
        quality |= Quality.CALIBRATING | Quality.INVALID
    if state & nom.STATE_TEST_DATA:
        quality |= Quality.DEMO | Quality.INVALID
    if state & nom.STATE_DEMO_DATA:
        quality |= Quality.DEMO
    if state & nom.STATE_MSMT_ONGOING and parameter in NIBP_PARAMETERS:
        quality |= Quality.NIBP_MEASURING
    return quality


def value_and_quality(nu: NuObsValue, parameter: Parameter) -> tuple[float | None, Quality]:
    """The number a NuObsValue carries for ``parameter`` in product units, or None and why."""
    quality = state_quality(nu.state, parameter)
    decoded = decode_float(nu.value)
    if isinstance(decoded, FloatSpecial):
        reason = _SPECIAL_QUALITY[decoded]
        if not (quality & NOT_A_NUMBER and reason is Quality.INVALID):
            quality |= reason
        return None, quality
    conversion = ACCEPTED_UNITS[parameter].get(nu.unit_code)
    if conversion is None:
        log.debug("%s: unit 0x%04X is not accepted; value dropped", parameter, nu.unit_code)
        return None, quality | Quality.INVALID
    if quality & NOT_A_NUMBER:
        return None, quality
    return conversion.apply(decoded, PARAMETERS[parameter].decimals), quality


_VALUE_CACHE: dict[tuple[int, int, int, Parameter], tuple[float | None, Quality]] = {}
_VALUE_CACHE_MAX = 4096  # distinct (state, unit, raw, parameter): a session uses a few hundred


def _value_and_quality(
    state: int, unit_code: int, raw: int, parameter: Parameter
) -> tuple[float | None, Quality]:
    """:func:`value_and_quality`, memoised: the decoder's hottest call (docs/BENCHMARKS.md).

    A monitor sends the same few values, states and units over and over, and the
    result is a pure function of them, so most values cost one dict lookup
    instead of FLOAT-Type decoding and half a dozen Quality flag operations.
    """
    key = (state, unit_code, raw, parameter)
    result = _VALUE_CACHE.get(key)
    if result is None:
        if len(_VALUE_CACHE) >= _VALUE_CACHE_MAX:
            _VALUE_CACHE.clear()
        result = _VALUE_CACHE[key] = value_and_quality(NuObsValue(0, state, unit_code, raw), parameter)
    return result

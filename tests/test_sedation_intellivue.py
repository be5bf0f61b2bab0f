"""Respiration rate, end-tidal CO2 and temperature from a Philips IntelliVue (spec §B.5, §B.6).

Independent truth: replies are built here with struct.pack from the §B.5 layout (the
encoder reproduces the spec's worked example P4 byte for byte first), not with the
simulator's code; ids and units are the Philips nomenclature numbers as VSCaptureMP
[S7] lists them (Class2.cs), written out here in decimal as it does; expected values
are worked out by hand. Both decoding paths (general and fast) must agree.
"""

from __future__ import annotations

import struct

import pytest

from devices.protocols.intellivue.numerics import SourceSelector
from monitor.readings import Observation, Parameter, Quality
from tests.test_intellivue_fastpath import BASE, assert_same_as_general, general
from tests.test_intellivue_numerics import P4

# physio ids and units, decimal as in VSCaptureMP Class2.cs
HR, RESP_RATE, AWAY_RESP_RATE, AWAY_CO2_ET = 16770, 20490, 20498, 20656
TEMP, TEMP_TYMP, TEMP_SKIN, TEMP_RECT = 19272, 19320, 19316, 57348
BEAT_PER_MIN, RESP_PER_MIN, PERCENT, KILO_PASCAL, MMHG, DEGC, FAHR = (
    2720, 2784, 544, 3843, 3872, 6048, 4416)
INVALID_STATE, UNAVAILABLE_STATE = 0x8000, 0x2000
NAN = 0x007FFFFF


def spec_float(mantissa: int, exponent: int = 0) -> int:
    """FLOAT-Type: signed 8-bit exponent on top, signed 24-bit mantissa below (§B.6)."""
    return (exponent & 0xFF) << 24 | (mantissa & 0xFFFFFF)


def spec_numeric(handle: int, physio_id: int, unit: int, value: int, state: int = 0) -> bytes:
    """An ObservationPoll with one NU_VAL_OBS (0x0950) attribute: {physio, state, unit, FLOAT}."""
    ava = struct.pack(">HHHHHI", 0x0950, 10, physio_id, state, unit, value)
    return struct.pack(">HHH", handle, 1, len(ava)) + ava


def spec_reply_user_data(objects: list[bytes], rel_time: int = 0x001DF400) -> bytes:
    """An extended-poll RORS (§B.5): one SingleContextPoll (context 0) holding ``objects``."""
    body = b"".join(objects)
    poll_info = struct.pack(">HH", 1, 6 + len(body)) + struct.pack(">HHH", 0, len(objects), len(body)) + body
    result = struct.pack(">HHI", 1, 0, rel_time) + b"\xff" * 8 + struct.pack(">HHH", 1, 6, 0) + poll_info
    action = struct.pack(">HH", 0xF13B, len(result)) + result
    rors = struct.pack(">HHH", 0x0021, 0, 0) + action
    return bytes.fromhex("e1000002") + struct.pack(">HH", 2, 6 + len(rors)) + struct.pack(
        ">HHH", 1, 7, len(rors)) + rors


def test_the_encoder_reproduces_the_spec_example_p4():
    nibp = [(0x4A05, 120), (0x4A06, 80), (0x4A07, 93)]
    abp = [(0x4A15, 118), (0x4A16, 76), (0x4A17, 92)]

    def compound(handle: int, members: list[tuple[int, int]]) -> bytes:
        values = b"".join(struct.pack(">HHHI", p, 0, MMHG, v) for p, v in members)
        ava = struct.pack(">HHHH", 0x094B, 4 + len(values), len(members), len(values)) + values
        return struct.pack(">HHH", handle, 1, len(ava)) + ava

    objects = [spec_numeric(0x50, HR, BEAT_PER_MIN, 72), compound(0x51, nibp), compound(0x52, abp)]
    assert spec_reply_user_data(objects) == P4[5:-3]  # the frame without header, FCS and flags


def shown(objects: list[bytes]) -> dict[Parameter, Observation]:
    data = spec_reply_user_data(objects)
    assert_same_as_general([data])  # the fast path shows exactly what the general path shows
    observations = general(data, SourceSelector(), BASE)
    assert observations is not None
    result = {o.parameter: o for o in observations}
    assert len(result) == len(observations), "one value per parameter"
    return result


def test_respiration_co2_and_temperature_with_their_units():
    values = shown([
        spec_numeric(1, AWAY_RESP_RATE, RESP_PER_MIN, spec_float(11)),
        spec_numeric(2, RESP_RATE, RESP_PER_MIN, spec_float(15)),
        spec_numeric(3, AWAY_CO2_ET, MMHG, spec_float(38)),
        spec_numeric(4, TEMP_TYMP, DEGC, spec_float(368, -1)),
    ])
    assert (values[Parameter.RR].value, values[Parameter.RR].origin) == (11.0, "co2")
    assert values[Parameter.ETCO2].value == 38.0
    assert values[Parameter.TEMP].value == 36.8
    assert all(o.quality == Quality.NONE for o in values.values())


@pytest.mark.parametrize(
    ("raw", "mmhg"),
    [
        (spec_float(51, -1), 38.3),  # 5.1 kPa x 7.50062 mmHg/kPa = 38.253
        (spec_float(533, -2), 40.0),  # 5.33 kPa = 39.978
        (spec_float(0), 0.0),
    ],
)
def test_etco2_in_kpa_is_converted_to_mmhg(raw, mmhg):
    assert shown([spec_numeric(3, AWAY_CO2_ET, KILO_PASCAL, raw)])[Parameter.ETCO2].value == mmhg


@pytest.mark.parametrize(("raw", "celsius"), [(spec_float(986, -1), 37.0), (spec_float(1004, -1), 38.0),
                                              (spec_float(979, -1), 36.61)])  # 97.9 degF = 36.611
def test_temperature_in_fahrenheit_is_converted_to_celsius(raw, celsius):
    assert shown([spec_numeric(4, TEMP, FAHR, raw)])[Parameter.TEMP].value == celsius


def test_etco2_as_a_percentage_is_not_shown_as_a_number():
    """A percentage needs the ambient pressure, which the numeric does not carry."""
    etco2 = shown([spec_numeric(3, AWAY_CO2_ET, PERCENT, spec_float(50, -1))])[Parameter.ETCO2]
    assert (etco2.value, etco2.quality) == (None, Quality.INVALID)


def test_rr_in_beats_per_minute_is_an_unknown_unit_for_respiration():
    rr = shown([spec_numeric(2, RESP_RATE, BEAT_PER_MIN, spec_float(15))])[Parameter.RR]
    assert (rr.value, rr.quality) == (None, Quality.INVALID)


def test_impedance_rr_takes_over_while_the_capnograph_has_no_count():
    values = shown([
        spec_numeric(1, AWAY_RESP_RATE, RESP_PER_MIN, NAN, INVALID_STATE),  # sampling line off
        spec_numeric(2, RESP_RATE, RESP_PER_MIN, spec_float(15)),
    ])
    assert (values[Parameter.RR].value, values[Parameter.RR].origin) == (15.0, "impedance")


def test_without_any_count_the_capnograph_says_why():
    values = shown([
        spec_numeric(1, AWAY_RESP_RATE, RESP_PER_MIN, NAN, UNAVAILABLE_STATE),
        spec_numeric(2, RESP_RATE, RESP_PER_MIN, NAN, INVALID_STATE),
    ])
    rr = values[Parameter.RR]
    assert (rr.value, rr.quality, rr.origin) == (None, Quality.ABSENT, "co2")


@pytest.mark.parametrize(
    ("state", "value", "quality"),
    [
        (INVALID_STATE, spec_float(38), Quality.INVALID),
        (UNAVAILABLE_STATE, NAN, Quality.ABSENT),
        (0, NAN, Quality.INVALID),
        (0, 0x007FFFFE, Quality.OVER_RANGE),  # +infinity
        (0, 0x00800002, Quality.UNDER_RANGE),  # -infinity
    ],
)
def test_invalid_states_and_special_values_give_no_number(state, value, quality):
    values = shown([
        spec_numeric(1, AWAY_RESP_RATE, RESP_PER_MIN, value, state),
        spec_numeric(3, AWAY_CO2_ET, MMHG, value, state),
        spec_numeric(4, TEMP, DEGC, value, state),
    ])
    for parameter in (Parameter.RR, Parameter.ETCO2, Parameter.TEMP):
        assert (values[parameter].value, values[parameter].quality) == (None, quality), parameter


def test_a_core_temperature_beats_a_skin_temperature():
    values = shown([
        spec_numeric(5, TEMP_SKIN, DEGC, spec_float(342, -1)),
        spec_numeric(6, TEMP_RECT, DEGC, spec_float(373, -1)),
    ])
    assert values[Parameter.TEMP].value == 37.3

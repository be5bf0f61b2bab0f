"""IntelliVue numerics (spec §B.5, §B.6, §B.9): the numbers a clinician would see, or why not."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.floattype import FloatSpecial, decode_float, encode_float
from devices.protocols.intellivue.framing import Deframer, encode_frame
from devices.protocols.intellivue.messages import parse_message
from devices.protocols.intellivue.numerics import (
    NuObsValue,
    SourceSelector,
    TimeBase,
    nu_value,
    numeric_object,
    readings_from_reply,
)
from devices.protocols.intellivue.polling import PollReply, SingleContextPoll, build_poll_reply
from devices.protocols.intellivue.session import IntelliVueSession
from monitor.readings import NIBP_PARAMETERS, Observation, Parameter, Quality
from tests.conftest import DATA

P = Parameter
UTC = timezone.utc
CAPTURE = DATA / "philips-intellivue-mib-rs232.raw"
P4 = bytes.fromhex(
    "c0 11 01 00 a4 e1 00 00 02 00 02 00 9c 00 01 00 07 00 96 00 21 00 00 00 "
    "00 f1 3b 00 8c 00 01 00 00 00 1d f4 00 ff ff ff ff ff ff ff ff 00 01 00 "
    "06 00 00 00 01 00 72 00 00 00 03 00 6c 00 50 00 01 00 0e 09 50 00 0a 41 "
    "82 00 00 0a a0 00 00 00 48 00 51 00 01 00 26 09 4b 00 22 00 03 00 1e 4a "
    "05 00 00 0f 20 00 00 00 78 4a 06 00 00 0f 20 00 00 00 50 4a 07 00 00 0f "
    "20 00 00 00 5d 00 52 00 01 00 26 09 4b 00 22 00 03 00 1e 4a 15 00 00 0f "
    "20 00 00 00 76 4a 16 00 00 0f 20 00 00 00 4c 4a 17 00 00 0f 20 00 00 00 "
    "5c ce 53 c1"
)
BASE = TimeBase(datetime(2021, 4, 22, 11, 47, 26, tzinfo=UTC), 0x001DC200)


def decode(reply: PollReply, base: TimeBase | None = BASE) -> dict[Parameter, Observation]:
    """What one reply shows, one observation per parameter (the selector's choice)."""
    chosen = SourceSelector().select("reply", readings_from_reply(reply, base, UTC))
    shown = {obs.parameter: obs for obs in chosen}
    assert len(shown) == len(chosen), "one observation per parameter"
    return shown


def reply_with(*objects, rel_time: int = 0x001DF400, abs_time: bytes = b"\xff" * 8) -> PollReply:
    return PollReply(1, 1, rel_time, (SingleContextPoll(0, tuple(objects)),), abs_time=abs_time)


def values(shown: dict[Parameter, Observation]) -> dict[Parameter, float | None]:
    return {p: o.value for p, o in shown.items()}


# --- FLOAT-Type -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [(0x0000003C, 60.0), (0xFF000007, 0.7), (0xFFFFFFF7, -0.9), (0x02000003, 300.0)],
)
def test_float_type_real_examples_exponent_is_the_top_byte(raw, value):
    assert decode_float(raw) == value
    assert decode_float(encode_float(value)) == value


def test_whole_numbers_encode_with_exponent_zero_like_the_monitor():
    assert encode_float(60.0) == 0x0000003C
    assert encode_float(0.7) == 0xFF000007
    assert encode_float(-0.9) == 0xFFFFFFF7


@pytest.mark.parametrize(
    ("raw", "special"),
    [
        (0x007FFFFF, FloatSpecial.NAN),
        (0x00800000, FloatSpecial.NRES),
        (0x007FFFFE, FloatSpecial.POS_INF),
        (0x00800002, FloatSpecial.NEG_INF),
        (0xFF7FFFFF, FloatSpecial.NAN),  # a special mantissa is never a number
    ],
)
def test_special_codes_are_not_numbers(raw, special):
    assert decode_float(raw) is special
    assert encode_float(special) == raw & 0x00FFFFFF


def test_float_nan_and_infinities_encode_as_the_special_codes():
    assert encode_float(math.nan) == 0x007FFFFF
    assert encode_float(math.inf) == 0x007FFFFE
    assert encode_float(-math.inf) == 0x00800002


@given(st.integers(0, 0xFFFFFFFF))
def test_every_float_type_re_encodes_to_the_same_value(raw):
    value = decode_float(raw)
    assert decode_float(encode_float(value)) == value


@given(st.integers(-8388605, 8388605), st.integers(-8, 8))
def test_decimal_values_round_trip_exactly(mantissa, exponent):
    value = decode_float((exponent & 0xFF) << 24 | (mantissa & 0xFFFFFF))
    assert decode_float(encode_float(value)) == value


@given(st.floats(min_value=-1e100, max_value=1e100, allow_nan=False))
def test_any_float_encodes_to_within_the_mantissa_precision(value):
    decoded = decode_float(encode_float(value))
    assert math.isclose(decoded, value, rel_tol=1e-6, abs_tol=1e-120)


# --- worked example P4 ------------------------------------------------------------------------


def test_p4_decodes_to_hr_nibp_and_abp():
    reply = parse_message(Deframer().feed(P4)[0].user_data)
    shown = decode(reply)
    assert values(shown) == {
        P.HR: 72, P.NIBP_SYS: 120, P.NIBP_DIA: 80, P.NIBP_MEAN: 93,
        P.ART_SYS: 118, P.ART_DIA: 76, P.ART_MEAN: 92,
    }  # fmt: skip
    assert all(o.quality is Quality.NONE for o in shown.values())
    # rel 0x1DF400 is 12800 ticks (1.6 s) after the MDS time reference
    assert shown[P.HR].device_time == BASE.abs_time + timedelta(seconds=1.6)


def test_p4_is_encoded_from_values_byte_for_byte():
    nibp = [nu_value(p, v) for p, v in zip(NIBP_PARAMETERS, (120, 80, 93))]
    abp = [nu_value(p, v) for p, v in zip((P.ART_SYS, P.ART_DIA, P.ART_MEAN), (118, 76, 92))]
    objects = (
        numeric_object(0x50, nu_value(P.HR, 72)),
        numeric_object(0x51, nibp),
        numeric_object(0x52, abp),
    )
    reply = PollReply(1, 1, 0x001DF400, (SingleContextPoll(0, objects),))
    assert encode_frame(build_poll_reply(reply)) == P4


# --- the real capture -----------------------------------------------------------------------


def test_capture_hr_60_exactly_361_times_and_nibp_never_a_number():
    session = IntelliVueSession()
    session.on_open(0.0)
    data = CAPTURE.read_bytes()
    shown = [o for i in range(0, len(data), 8192) for o in session.feed(data[i : i + 8192], 0.0)]
    hr = [o for o in shown if o.parameter is P.HR]
    assert len(hr) == 361 and all(o.value == 60 and o.quality is Quality.NONE for o in hr)
    nibp = [o for o in shown if o.parameter in NIBP_PARAMETERS]
    assert len(nibp) == 3 * 361
    assert all(o.value is None and o.quality & (Quality.INVALID | Quality.ABSENT) for o in nibp)
    assert all(o.quality is Quality.ABSENT for o in nibp)  # state 0x2000: no measurement
    assert not [o for o in shown if o.parameter in (P.ART_SYS, P.ART_DIA, P.ART_MEAN)]
    # SpO2 and pleth pulse are NaN with INVALID states: shown as invalid, never a number
    for parameter in (P.SPO2, P.PR):
        assert {(o.value, o.quality) for o in shown if o.parameter is parameter} == {
            (None, Quality.INVALID)
        }


def test_capture_times_follow_the_monitor_clock():
    session = IntelliVueSession()
    session.on_open(0.0)
    shown = session.feed(CAPTURE.read_bytes(), 0.0)
    times = [o.device_time for o in shown if o.parameter is P.HR]
    assert times[0] == datetime(2021, 4, 22, 11, 47, 27, 600000, tzinfo=UTC)
    assert {b - a for a, b in pairwise(times)} == {timedelta(seconds=1.024)}
    # NIBP carries an old measurement time; with no number it takes the reply's time instead.
    nibp_times = {o.device_time for o in shown if o.parameter is P.NIBP_SYS}
    assert nibp_times == set(times)


# --- validity, units, sources -------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "raw", "quality"),
    [
        (nom.STATE_INVALID, 0x0000003C, Quality.INVALID),
        (nom.STATE_QUESTIONABLE, 0x0000003C, Quality.INVALID),
        (nom.STATE_UNAVAILABLE, 0x007FFFFF, Quality.ABSENT),
        (nom.STATE_CALIBRATION_ONGOING, 0x0000003C, Quality.CALIBRATING | Quality.INVALID),
        (nom.STATE_TEST_DATA, 0x0000003C, Quality.DEMO | Quality.INVALID),
        (0, 0x007FFFFF, Quality.INVALID),
        (0, 0x00800000, Quality.INVALID),
        (0, 0x007FFFFE, Quality.OVER_RANGE),
        (0, 0x00800002, Quality.UNDER_RANGE),
        (nom.STATE_INVALID | nom.STATE_IN_ALARM, 0x007FFFFF, Quality.INVALID),
    ],
)
def test_invalid_states_and_special_values_show_no_number(state, raw, quality):
    hr = NuObsValue(nom.NOM_ECG_CARD_BEAT_RATE, state, nom.NOM_DIM_BEAT_PER_MIN, raw)
    shown = decode(reply_with(numeric_object(1, hr)))
    assert shown[P.HR].value is None
    assert shown[P.HR].quality == quality


def test_demo_data_keeps_the_number_and_says_demo():
    shown = decode(reply_with(numeric_object(1, nu_value(P.HR, 72, state=nom.STATE_DEMO_DATA))))
    assert (shown[P.HR].value, shown[P.HR].quality) == (72, Quality.DEMO)


def test_nibp_measurement_ongoing_is_flagged():
    ongoing = nom.STATE_MSMT_ONGOING
    nibp = [nu_value(p, v, state=ongoing) for p, v in zip(NIBP_PARAMETERS, (1, 2, 3))]
    shown = decode(reply_with(numeric_object(1, nibp)))
    assert shown[P.NIBP_SYS].value == 1 and shown[P.NIBP_SYS].quality is Quality.NIBP_MEASURING


def test_kpa_pressures_are_converted_to_mmhg():
    kpa = nom.NOM_DIM_KILO_PASCAL
    nibp = [nu_value(p, v, unit_code=kpa) for p, v in zip(NIBP_PARAMETERS, (16.0, 10.7, 12.4))]
    assert values(decode(reply_with(numeric_object(1, nibp)))) == {
        P.NIBP_SYS: 120.0, P.NIBP_DIA: 80.3, P.NIBP_MEAN: 93.0,
    }  # fmt: skip


def test_a_number_in_an_unknown_unit_is_not_shown():
    hr = nu_value(P.HR, 72, unit_code=nom.NOM_DIM_DIMLESS)
    shown = decode(reply_with(numeric_object(1, hr)))
    assert (shown[P.HR].value, shown[P.HR].quality) == (None, Quality.INVALID)


@pytest.mark.parametrize(
    ("base", "parameter"),
    [(0x4A10, P.ART_SYS), (0x4A14, P.ART_SYS), (0xF0BC, P.ART_SYS), (0xF0C0, P.ART_SYS)],
)
def test_every_arterial_label_maps_to_art(base, parameter):
    art = [nu_value(P.ART_SYS, v, physio_id=base + i) for i, v in enumerate((110, 70, 85), 1)]
    assert values(decode(reply_with(numeric_object(1, art)))) == {
        P.ART_SYS: 110,
        P.ART_DIA: 70,
        P.ART_MEAN: 85,
    }


def test_pulmonary_artery_pressure_is_not_taken_for_arterial():
    pap = [nu_value(P.ART_SYS, v, physio_id=0x4A1C + i) for i, v in enumerate((25, 10, 15), 1)]
    assert decode(reply_with(numeric_object(1, pap))) == {}


def test_pulse_rates_from_pleth_and_pressures_map_to_pr():
    for physio in (nom.NOM_PLETH_PULS_RATE, nom.NOM_PULS_RATE, nom.NOM_PRESS_BLD_NONINV_PULS_RATE):
        shown = decode(reply_with(numeric_object(1, nu_value(P.PR, 64, physio_id=physio))))
        assert values(shown) == {P.PR: 64}


def test_two_arterial_lines_show_one_consistent_set():
    art = [nu_value(P.ART_SYS, v, physio_id=0x4A10 + i) for i, v in enumerate((110, 70, 85), 1)]
    abp = [nu_value(P.ART_SYS, v, physio_id=0x4A14 + i) for i, v in enumerate((140, 90, 100), 1)]
    both = decode(reply_with(numeric_object(1, abp), numeric_object(2, art)))
    assert values(both) == {P.ART_SYS: 110, P.ART_DIA: 70, P.ART_MEAN: 85}  # "ART" preferred


def test_a_source_with_a_number_beats_a_preferred_one_without():
    pleth = nu_value(P.PR, None, state=nom.STATE_INVALID)
    pressure = nu_value(P.PR, 64, physio_id=nom.NOM_PULS_RATE)
    shown = decode(reply_with(numeric_object(1, pleth), numeric_object(2, pressure)))
    assert values(shown) == {P.PR: 64}


def test_a_later_frame_of_the_same_chain_cannot_override_a_better_source():
    selector = SourceSelector()
    art = [nu_value(P.ART_SYS, 110, physio_id=0x4A11)]
    abp = [nu_value(P.ART_SYS, 140, physio_id=0x4A15)]
    art_frame = readings_from_reply(reply_with(numeric_object(1, art)), BASE, UTC)
    abp_frame = readings_from_reply(reply_with(numeric_object(2, abp)), BASE, UTC)
    assert [o.value for o in selector.select("chain", art_frame)] == [110]
    assert selector.select("chain", abp_frame) == []
    assert [o.value for o in selector.select("next reply", abp_frame)] == [140]


# --- time -------------------------------------------------------------------------------------


def test_nibp_takes_its_measurement_time():
    measured = datetime(2021, 4, 22, 11, 45, 0, tzinfo=UTC)
    nibp = [nu_value(p, v) for p, v in zip(NIBP_PARAMETERS, (120, 80, 93))]
    shown = decode(reply_with(numeric_object(1, nibp, measured_at=measured)))
    assert {o.device_time for o in shown.values()} == {measured}


def test_reply_absolute_time_is_used_when_the_monitor_fills_it():
    stamp = bytes.fromhex("2021042211473050")  # 11:47:30.50
    shown = decode(reply_with(numeric_object(1, nu_value(P.HR, 72)), abs_time=stamp))
    assert shown[P.HR].device_time == datetime(2021, 4, 22, 11, 47, 30, 500000, tzinfo=UTC)


def test_relative_time_across_the_32_bit_wrap():
    base = TimeBase(datetime(2021, 1, 1, tzinfo=UTC), 0xFFFFF000)
    assert base.at(0x00001000) == base.abs_time + timedelta(microseconds=0x2000 * 125)
    assert base.at(0xFFFFE000) == base.abs_time - timedelta(microseconds=0x1000 * 125)


def test_without_a_time_base_there_is_no_device_time():
    shown = decode(reply_with(numeric_object(1, nu_value(P.HR, 72))), base=None)
    assert shown[P.HR].value == 72 and shown[P.HR].device_time is None


def test_replies_to_other_polls_show_nothing():
    wave = PollReply(
        4,
        3,
        0,
        (SingleContextPoll(0, (numeric_object(1, nu_value(P.HR, 72)),)),),
        code=nom.NOM_MOC_VMO_METRIC_SA_RT,
    )
    assert readings_from_reply(wave, BASE, UTC) == []

"""Masimo ASCII 1: what the dashboard would show for the bytes a monitor sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.protocols.masimo import (
    LINE_SETTINGS,
    LineDecoder,
    MasimoSession,
    exc_conditions,
    observations,
    parse_line,
)
from devices.simulator.masimo_device import MasimoDevice, encode_line, truth_for
from devices.simulator.snapshot import Snapshot
from monitor.readings import DeviceStatus, Observation, Parameter, Quality

RAD8 = (
    b"02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% "
    b"SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800\r\n"
)
RADICAL7 = (
    b"12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=240 PI=20.00% SPCO=01.0% "
    b"SPMET=00.5% DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820\r\n"
)
RADICAL5 = b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n"
OPENING_PARTIAL = b"=097 PI=03.60% ALARM=0000 EXC=000800\r\n"  # port opened mid-line


def decode(*chunks: bytes) -> list:
    """What a freshly opened connection decodes from the opening partial line plus chunks."""
    decoder = LineDecoder()
    out = decoder.feed(OPENING_PARTIAL)
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


def values(decoded: list) -> dict[Parameter, Observation]:
    return {d.parameter: d for d in decoded if isinstance(d, Observation)}


def statuses(decoded: list) -> list[DeviceStatus]:
    return [d for d in decoded if isinstance(d, DeviceStatus)]


def with_field(line: bytes, field: bytes, replacement: bytes) -> bytes:
    assert field in line
    return line.replace(field, replacement)


# --------------------------------------------------------------------------- spec lines


def test_rad8_capture_parses() -> None:
    line = parse_line(RAD8)
    assert line is not None
    assert (line.spo2, line.bpm, line.pi) == (98, 97, 3.6)
    assert (line.alarm, line.exc, line.serial) == (0, 0x800, "0000056661")
    assert line.device_time == datetime(2016, 2, 22, 22, 47, 45)


def test_radical5_short_form_parses() -> None:
    line = parse_line(RADICAL5)
    assert line is not None
    assert (line.spo2, line.bpm, line.pi, line.alarm, line.exc) == (97, 64, 11.82, 0x20, 0x800)
    assert line.serial is None
    assert line.device_time == datetime(2010, 9, 15, 15, 10, 29)


def test_radical7_example_parses_and_its_sensor_off_bit_hides_the_numbers() -> None:
    line = parse_line(RADICAL7)
    assert line is not None
    assert (line.spo2, line.bpm, line.pi, line.exc) == (98, 240, 20.0, 0x820)
    shown = values(observations(line))
    assert shown[Parameter.SPO2].value is None
    assert shown[Parameter.PR].quality == Quality.SENSOR_OFF
    assert statuses(observations(line))[0].conditions == ("sensor off",)


def test_normal_line_shows_spo2_and_pulse_rate_with_device_time() -> None:
    decoded = decode(RAD8)
    shown = values(decoded)
    assert shown[Parameter.SPO2].value == 98
    assert shown[Parameter.PR].value == 97
    assert shown[Parameter.PR].quality == Quality.NONE
    assert shown[Parameter.PR].device_time == datetime(2016, 2, 22, 22, 47, 45)
    assert statuses(decoded) == [DeviceStatus((), datetime(2016, 2, 22, 22, 47, 45))]


def test_parse_is_tolerant_of_field_order_and_trailing_blanks() -> None:
    line = b"09/15/10 15:10:29 EXC=800 BPM=064 ALARM=20 SPO2=097% PI=11.82%  \r \n"
    assert parse_line(line) == parse_line(RADICAL5)


# --------------------------------------------------------------------------- no value


@pytest.mark.parametrize("dashes", [b"SPO2=---%", b"SPO2=--%", b"SPO2=--.--%"])
def test_dashed_spo2_is_absent_never_a_number(dashes: bytes) -> None:
    shown = values(decode(with_field(RAD8, b"SPO2=098%", dashes)))
    assert shown[Parameter.SPO2].value is None
    assert shown[Parameter.SPO2].quality == Quality.ABSENT
    assert shown[Parameter.PR].value == 97


def test_sensor_off_shows_no_values_and_names_the_condition() -> None:
    line = with_field(RAD8, b"EXC=000800", b"EXC=000821")
    decoded = decode(line)
    shown = values(decoded)
    assert shown[Parameter.SPO2].value is None
    assert shown[Parameter.SPO2].quality == Quality.SENSOR_OFF
    assert shown[Parameter.PR].quality == Quality.SENSOR_OFF
    assert statuses(decoded)[0].conditions == ("no sensor", "sensor off")


def test_device_condition_clears_on_the_next_normal_line() -> None:
    off = with_field(RAD8, b"EXC=000800", b"EXC=000820")
    assert [s.conditions for s in statuses(decode(off, RAD8))] == [("sensor off",), ()]


def test_low_perfusion_and_interference_flag_the_numbers_but_keep_them() -> None:
    shown = values(decode(with_field(RAD8, b"EXC=000800", b"EXC=000814")))
    assert shown[Parameter.SPO2].value == 98
    assert shown[Parameter.SPO2].quality == Quality.LOW_PERFUSION | Quality.INTERFERENCE


def test_exc_conditions_names_bits_but_not_set_mode() -> None:
    assert exc_conditions(0x800) == ()
    assert exc_conditions(0x0C0A) == ("defective sensor", "pulse search", "low signal IQ")
    assert exc_conditions(0x200) == ("exception 0x000200",)


# --------------------------------------------------------------------------- framing


def test_first_partial_line_after_opening_is_dropped() -> None:
    decoder = LineDecoder()
    assert decoder.feed(RAD8[20:]) == []  # the tail of a line already under way
    assert values(decoder.feed(RAD8))[Parameter.PR].value == 97
    assert decoder.stats.frames_ok == 1
    assert decoder.stats.frames_bad == 0


def test_truncated_line_is_held_until_its_terminator_arrives() -> None:
    decoder = LineDecoder()
    decoder.feed(OPENING_PARTIAL)
    assert decoder.feed(RAD8[:-2]) == []
    assert decoder.feed(b"\r") == []
    assert values(decoder.feed(b"\n"))[Parameter.SPO2].value == 98


def test_lines_split_at_every_byte_boundary_decode_the_same() -> None:
    stream = OPENING_PARTIAL + RAD8 + RADICAL5
    whole = LineDecoder().feed(stream)
    assert len(values(whole)) == 2 and len(statuses(whole)) == 2
    for cut in range(len(stream) + 1):
        decoder = LineDecoder()
        assert decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]) == whole, cut


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\x13garbage\r\n",
        b"02/22/16 22:47:45 SPO2=098% BP02/22/16 22:47:46 SPO2=097% BPM=090\r\n",  # run together
        with_field(RAD8, b"EXC=000800", b"EXC=00G800"),  # invalid hex
        with_field(RAD8, b"SPO2=098%", b"SPO2=180%"),  # not a possible saturation
        with_field(RAD8, b"BPM=097", b"BPM=97"),  # not the monitor's format
        with_field(RAD8, b"BPM=097 ", b""),  # no pulse rate field
        with_field(RAD8, b"02/22/16", b"13/45/16"),  # impossible date
        with_field(RAD8, b"SPO2=098%", b"SPO2=0\xb88%"),  # high bit flipped on the line
    ],
)
def test_garbage_line_is_rejected_without_disturbing_the_next(garbage: bytes) -> None:
    decoder = LineDecoder()
    decoder.feed(OPENING_PARTIAL)
    assert decoder.feed(garbage) == []
    assert values(decoder.feed(RADICAL5))[Parameter.PR].value == 64
    assert (decoder.stats.frames_ok, decoder.stats.frames_bad) == (1, 1)
    assert parse_line(garbage) is None


def test_endless_line_is_discarded_not_accumulated() -> None:
    decoder = LineDecoder()
    decoder.feed(OPENING_PARTIAL)
    for _ in range(100):
        assert decoder.feed(b"A" * 100) == []
    assert decoder.stats.bytes_discarded >= 9_000
    decoder.feed(b"tail of the endless line\r\n")
    assert values(decoder.feed(RAD8))[Parameter.SPO2].value == 98
    assert decoder.stats.frames_bad == 1


# --------------------------------------------------------------------------- session and device


def test_session_drops_the_partial_first_line_on_every_reopen() -> None:
    session = MasimoSession()
    assert (session.name, session.settings, session.expected_interval_s) == (
        "masimo", LINE_SETTINGS, 1.0,
    )
    assert session.on_open(0.0) == b""
    assert session.feed(RAD8, 0.1) == []
    assert values(session.feed(RAD8, 1.1))[Parameter.PR].value == 97
    assert session.on_close() == b"" and session.poll(2.0) == b""
    session.on_open(5.0)
    assert session.feed(RAD8, 5.1) == []
    assert session.stats.frames_ok == 1  # counts carry over the reopen


def scenario_snapshot(t: float) -> Snapshot:
    return Snapshot(
        device_time=datetime(2024, 5, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=t),
        elapsed_s=t, hr=70.0, pr=70.0 + t, spo2=97.0, art=None, nibp=None,
    )


def test_device_sends_one_line_per_simulated_second_and_ignores_input() -> None:
    device = MasimoDevice()
    assert device.feed(b"anything", 0.0) == []
    emissions = device.due(2.5, scenario_snapshot)
    assert [e.truth[1].value for e in emissions] == [70.0, 71.0, 72.0]
    assert device.next_due_s() == 3.0
    assert emissions[0].data == encode_line(scenario_snapshot(0.0))
    assert emissions == MasimoDevice().due(2.5, scenario_snapshot)  # deterministic


def test_device_reset_does_not_replay_the_dead_time() -> None:
    device = MasimoDevice()
    device.due(1.0, scenario_snapshot)
    device.reset()
    assert device.due(10.5, scenario_snapshot) == []
    assert [e.truth[0].device_time.second for e in device.due(11.0, scenario_snapshot)] == [11]


def test_encoded_line_looks_like_the_rad8_capture() -> None:
    snapshot = Snapshot(
        device_time=datetime(2016, 2, 22, 22, 47, 45, tzinfo=UTC), elapsed_s=0.0,
        hr=None, pr=97.4, spo2=97.5, art=None, nibp=None,
    )
    assert encode_line(snapshot) == RAD8.replace(b"PI=03.60%", b"PI=--.--%")


# --------------------------------------------------------------------------- properties

snapshots = st.builds(
    Snapshot,
    device_time=st.datetimes(
        datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    elapsed_s=st.just(0.0),
    hr=st.none(),
    pr=st.none() | st.floats(-10, 400),
    spo2=st.none() | st.floats(-10, 120),
    art=st.none(),
    nibp=st.none(),
    sensor_off=st.booleans(),
    invalid=st.frozensets(st.sampled_from([Parameter.SPO2, Parameter.PR, Parameter.HR])),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted({c % (len(data) + 1) for c in cuts}), len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(snapshots, st.lists(st.integers(0, 10_000), max_size=12))
def test_round_trip_decodes_exactly_what_was_sent(snapshot: Snapshot, cuts: list[int]) -> None:
    decoded = decode(*chunked(encode_line(snapshot), cuts))
    shown = values(decoded)
    for truth in truth_for(snapshot):
        obs = shown[truth.parameter]
        assert (obs.value, obs.device_time) == (truth.value, truth.device_time)
        if obs.value is None:
            assert obs.quality == (Quality.SENSOR_OFF if snapshot.sensor_off else Quality.ABSENT)
    assert statuses(decoded)[0].conditions == (("sensor off",) if snapshot.sensor_off else ())


def assert_plausible(decoded: list) -> None:
    for obs in values(decoded).values():
        if obs.value is not None:
            assert 0 <= obs.value <= (100 if obs.parameter is Parameter.SPO2 else 300)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes_never_raise_or_yield_implausible_numbers(chunks: list[bytes]) -> None:
    assert_plausible(decode(*chunks))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(RAD8) - 3), st.binary(min_size=1, max_size=4))
def test_damaged_lines_never_yield_implausible_numbers(at: int, noise: bytes) -> None:
    damaged = RAD8[:at] + noise + RAD8[at + len(noise):]
    assert_plausible(decode(damaged, RADICAL5))

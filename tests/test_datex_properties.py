"""Datex-Ohmeda S/5 properties: whatever the snapshot, the chunking or the noise, the
dashboard gets exactly the values the monitor put on the wire, and a special
value never shows as a number.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import example, given, settings
from hypothesis import strategies as st

from devices.protocols.datex import (
    Deframer,
    checksum,
    decode_record,
    encode_frame,
)
from devices.simulator.datex_record import displ_truth, encode_displ_record
from devices.simulator.snapshot import NibpResult, Snapshot
from monitor.readings import NOT_A_NUMBER, Parameter, Quality
from tests.test_datex import (
    D1,
    D4,
    D4_SNAPSHOT,
    D4_VALUES,
    shown,
    spec_basic_class,
    spec_group,
    spec_record,
)

ESCAPE_BYTES = (0x7D, 0x7E)
# raw i16 values whose bytes need escaping: 0x7D7E, 0x7E7D, 0x7D7D, 0x7E7E, 0x7D, 0x7E ...
ESCAPING_RAW = st.sampled_from([0x7D7E, 0x7E7D, 0x7D7D, 0x7E7E, 0x7D, 0x7E, 0x7E00, 0x7D01])


def wire_value(low: int, high: int, scale: int) -> st.SearchStrategy[float | None]:
    """A value in product units that survives the wire's rounding, often needing escapes."""
    raw = st.one_of(ESCAPING_RAW.filter(lambda r: low <= r <= high), st.integers(low, high))
    return st.one_of(st.none(), raw.map(lambda r: r / scale))


UNIX_S = st.one_of(
    st.sampled_from([0x657D7E00, 0x7E7E7E7E, 0x6553F17D]), st.integers(1, 0xFFFF_FFFF)
)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    device_time = datetime.fromtimestamp(draw(UNIX_S), tz=UTC)
    device_time += timedelta(seconds=draw(st.sampled_from([0.0, 0.25, 0.999])))
    pressure = wire_value(-32000, 32767, 100)
    art = draw(st.one_of(st.none(), st.tuples(pressure, pressure, pressure)))
    nibp = None
    if draw(st.booleans()):
        sys_, dia, mean = (draw(pressure.filter(lambda v: v is not None)) for _ in range(3))
        age = timedelta(seconds=draw(st.sampled_from([0, 59, 60, 61, 3600])))
        nibp = NibpResult(sys_, dia, mean, measured_at=device_time - age)
    return Snapshot(
        device_time=device_time,
        elapsed_s=0.0,
        hr=draw(wire_value(0, 400, 1)),
        pr=draw(wire_value(0, 400, 1)),
        spo2=draw(wire_value(0, 10000, 100)),
        art=art,
        nibp=nibp,
        nibp_measuring=draw(st.booleans()),
        sensor_off=draw(st.booleans()),
        invalid=frozenset(draw(st.sets(st.sampled_from(list(Parameter))))),
        rr=draw(wire_value(0, 400, 1)),
        etco2=draw(st.one_of(st.none(), st.floats(0, 150))),
        temp=draw(wire_value(-32000, 32767, 100)),
        capnograph=draw(st.booleans()),
        thermometer=draw(st.booleans()),
        sensors_off=frozenset(draw(st.sets(st.sampled_from([Parameter.ETCO2, Parameter.TEMP])))),
        ambient_mmhg=draw(st.sampled_from([760.0, 630.0, 812.5])),
    )


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points)]


def feed_all(deframer: Deframer, chunks: list[bytes]) -> list[bytes]:
    return [record for chunk in chunks for record in deframer.feed(chunk)]


@settings(max_examples=300, deadline=None)
@given(
    snapshot=snapshots(),
    r_nbr=st.one_of(st.sampled_from(ESCAPE_BYTES), st.integers(0, 255)),
    class_bf=st.sampled_from([0x00, 0x0E, 0x02, 0x0C, 0x0F]),
    cuts=st.lists(st.integers(0, 5000), max_size=12),
)
def test_what_is_sent_is_what_is_shown(snapshot, r_nbr, class_bf, cuts):
    frame = encode_frame(encode_displ_record(snapshot, r_nbr=r_nbr, class_bf=class_bf))
    deframer = Deframer()
    out = feed_all(deframer, chunked(frame + frame, cuts))
    assert len(out) == 2 and deframer.stats.frames_bad == 0
    decoded = decode_record(out[1])
    expected = displ_truth(snapshot, class_bf=class_bf)
    assert [(o.parameter, o.value, o.device_time, o.origin) for o in decoded] == [
        (t.parameter, t.value, t.device_time, t.origin) for t in expected
    ]
    for observation in decoded:
        assert (observation.value is None) == bool(observation.quality & NOT_A_NUMBER)
        if observation.parameter.name.startswith("NIBP"):
            measuring = bool(observation.quality & Quality.NIBP_MEASURING)
            assert measuring == (snapshot.nibp_measuring and observation.quality != Quality.ABSENT)


@given(target=st.sampled_from(ESCAPE_BYTES), snapshot=snapshots())
def test_checksum_that_needs_escaping_still_decodes(target, snapshot):
    record = encode_displ_record(snapshot, r_nbr=0, class_bf=0)
    r_nbr = (target - checksum(record)) % 256  # checksum moves 1:1 with r_nbr
    record = encode_displ_record(snapshot, r_nbr=r_nbr, class_bf=0)
    frame = encode_frame(record)
    assert checksum(record) == target and frame[-3:] == bytes([0x7D, target ^ 0x20, 0x7E])
    assert Deframer().feed(frame) == [record]


@settings(max_examples=300)
@given(raw=st.integers(-32768, 32767), slot=st.sampled_from(["ecg", "nibp", "spo2", "p1"]))
@example(raw=-32001, slot="nibp")
@example(raw=-32000, slot="nibp")
def test_special_values_never_become_numbers(raw, slot):
    groups = {
        "ecg": spec_group(3, 0, raw, raw, raw, raw, raw),  # HR and the impedance RR
        "nibp": spec_group(3, 0, raw, raw, raw, raw),
        "spo2": spec_group(3, 0, raw, raw),
        "p1": spec_group(3, 1, raw, raw, raw, raw),
    }
    observations = decode_record(spec_record([(1, 0, spec_basic_class({slot: groups[slot]}))]))
    scale = {"ecg": 1, "nibp": 100, "spo2": 100, "p1": 100}[slot]
    for observation in observations:
        if raw < -32000:
            assert observation.value is None and observation.quality & NOT_A_NUMBER
        elif observation.quality != Quality.ABSENT and observation.parameter != Parameter.PR:
            assert observation.value == raw / scale


@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(0, 1000), max_size=6))
@example(garbage=b"\x7e\x7d", cuts=[])
@example(garbage=b"\x7e" + D4[1:200], cuts=[])
def test_garbage_before_a_frame_does_not_disturb_it(garbage, cuts):
    out = feed_all(Deframer(), chunked(garbage + D4, cuts))
    assert out and shown(decode_record(out[-1])) == D4_VALUES


@st.composite
def corruptions(draw: st.DrawFn) -> bytes:
    """D4 with one byte changed, dropped or inserted somewhere between its flags."""
    at = draw(st.integers(1, len(D4) - 2))
    byte = draw(st.one_of(st.sampled_from([0x7D, 0x7E, 0x5D, 0x5E]), st.integers(0, 255)))
    kind = draw(st.sampled_from(["change", "drop", "insert"]))
    if kind == "change":
        if D4[at] == byte:
            byte ^= 0x01
        return D4[:at] + bytes([byte]) + D4[at + 1 :]
    if kind == "drop":
        return D4[:at] + D4[at + 1 :]
    return D4[:at] + bytes([byte]) + D4[at:]


@settings(max_examples=300)
@given(corrupt=corruptions(), cuts=st.lists(st.integers(0, 1000), max_size=6))
@example(corrupt=D4[:1] + b"\x7e" + D4[1:], cuts=[])  # an extra flag is not a corruption
def test_a_corrupt_frame_never_shows_wrong_values_nor_hides_the_next_frame(corrupt, cuts):
    (d4_record,) = Deframer().feed(D4)
    (d1_record,) = Deframer().feed(D1)
    deframer = Deframer()
    out = feed_all(deframer, chunked(corrupt + D1, cuts))
    assert out[-1] == d1_record
    assert all(record == d4_record for record in out[:-1])
    assert deframer.stats.frames_bad >= 1 or len(out) == 2


def test_all_invalid_snapshot_shows_only_dashes():
    snapshot = Snapshot(
        device_time=D4_SNAPSHOT.device_time,
        elapsed_s=0,
        hr=None,
        pr=72,
        spo2=98,
        art=(120, 80, 90),
        nibp=D4_SNAPSHOT.nibp,
        sensor_off=True,
        invalid=frozenset(
            {
                Parameter.ART_SYS,
                Parameter.ART_DIA,
                Parameter.ART_MEAN,
                Parameter.NIBP_SYS,
                Parameter.NIBP_DIA,
                Parameter.NIBP_MEAN,
            }
        ),
    )
    decoded = decode_record(encode_displ_record(snapshot))
    assert len(decoded) == 10  # and RR: the ECG module measures no respiration
    assert all(o.value is None and o.quality == Quality.INVALID for o in decoded)

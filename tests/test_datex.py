"""GE Datex-Ohmeda S/5: the spec's example frames (§A.10), its negative cases (§F),
and an independent encoder written here from the spec with ``struct.pack``.

What a user would notice: the right numbers on the dashboard for the bytes a
monitor sends, dashes (never numbers) for invalid or absent values, and a noisy
line that costs a frame but never the next one.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from devices.protocols.datex import (
    LINE_SETTINGS,
    Deframer,
    Request,
    build_displ_request,
    build_stop_request,
    checksum,
    decode_record,
    encode_frame,
    encode_request,
    parse_request,
)
from devices.simulator.datex_record import encode_displ_record
from devices.simulator.snapshot import NibpResult, Snapshot
from monitor.readings import Observation, Parameter, Quality


def wire(hexdump: str) -> bytes:
    """Bytes from a hex dump whose lines may start with an ``0000:`` offset."""
    return bytes.fromhex(" ".join(line.split(":", 1)[-1] for line in hexdump.strip().splitlines()))


# §A.10, as printed in the spec.
D1 = wire("""
7e 31 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 01 0a 00 0e 00 00 00 00 00 49 7e
""")
D2 = wire("""
7e 31 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 31 7e
""")
D3 = D1[:41] + bytes.fromhex("03 3c 00 0e 00 00 00 00 00 7d 5d 7e")
D4 = wire("""
0000: 7e 3e 01 7d 5e 09 00 00 00 f1 53 65 00 00 00 00
0010: 00 00 00 00 01 00 00 ff 00 00 00 00 00 00 00 00
0020: 00 00 00 00 00 00 00 00 00 00 00 f1 53 65 0b 00
0030: 00 00 00 02 48 00 01 80 01 80 01 80 01 80 03 00
0040: 00 00 01 00 18 2e b0 1d f0 23 47 00 00 00 00 00
0050: 00 00 01 80 01 80 01 80 01 80 00 00 00 00 00 00
0060: 01 80 01 80 01 80 01 80 00 00 00 00 00 00 01 80
0070: 01 80 01 80 01 80 03 00 00 00 08 00 e0 2e 40 1f
0080: 54 24 48 00 00 00 00 00 00 00 01 80 00 00 00 00
0090: 00 00 01 80 00 00 00 00 00 00 01 80 00 00 00 00
00a0: 00 00 01 80 03 00 00 00 00 00 48 26 48 00 01 80
00b0: 01 80 00 00 00 00 00 00 01 80 01 80 01 80 01 80
00c0: 00 00 00 00 00 00 01 80 01 80 00 00 00 00 00 00
00d0: 01 80 01 80 00 00 00 00 00 00 01 80 01 80 01 80
00e0: 00 00 00 00 00 00 01 80 01 80 01 80 01 80 01 80
00f0: 01 80 01 80 01 80 00 00 00 00 00 00 01 80 01 80
0100: 01 80 01 80 00 00 00 00 00 00 01 80 01 80 01 80
0110: 48 00 01 80 01 80 00 00 00 00 00 00 01 80 00 00
0120: 00 00 00 00 01 80 01 80 01 80 01 80 00 00 00 00
0130: 00 00 01 80 01 80 01 80 01 80 00 00 00 00 00 00
0140: d2 7e
""")
D4_TIME = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000
D4_VALUES = {  # D4's imp_rr is invalid: the respiration rate is shown as dashes
    Parameter.HR: 72.0,
    Parameter.NIBP_SYS: 120.0,
    Parameter.NIBP_DIA: 80.0,
    Parameter.NIBP_MEAN: 93.0,
    Parameter.SPO2: 98.0,
    Parameter.PR: 72.0,
    Parameter.ART_SYS: 118.0,
    Parameter.ART_DIA: 76.0,
    Parameter.ART_MEAN: 92.0,
    Parameter.RR: None,
}
D4_SNAPSHOT = Snapshot(
    device_time=D4_TIME,
    elapsed_s=0.0,
    hr=72,
    pr=72,
    spo2=98,
    art=(118, 76, 92),
    nibp=NibpResult(120, 80, 93, measured_at=D4_TIME),
)


def records(*chunks: bytes) -> list[bytes]:
    deframer = Deframer()
    return [record for chunk in chunks for record in deframer.feed(chunk)]


def by_parameter(observations: list[Observation]) -> dict[Parameter, Observation]:
    result = {o.parameter: o for o in observations}
    assert len(result) == len(observations), "a parameter was reported twice"
    return result


def shown(observations: list[Observation]) -> dict[Parameter, float | None]:
    return {p: o.value for p, o in by_parameter(observations).items()}


# --- Independent encoder, written from §A.3–A.6 with struct.pack only ----------

INVALID = -32767


def spec_group(status: int, label: int, *values: int) -> bytes:
    return struct.pack("<IH", status, label) + struct.pack(f"<{len(values)}h", *values)


def spec_basic_class(groups: dict[str, bytes]) -> bytes:
    """270 bytes of basic class: named groups given, every other group absent (§A.6)."""
    layout = [  # (name, size, has status+label header) in wire order, from the spec table
        ("ecg", 16, True),
        ("p1", 14, True),
        ("p2", 14, True),
        ("p3", 14, True),
        ("p4", 14, True),
        ("nibp", 14, True),
        ("t1", 8, True),
        ("t2", 8, True),
        ("t3", 8, True),
        ("t4", 8, True),
        ("spo2", 14, True),
        ("co2", 14, True),
        ("o2", 10, True),
        ("n2o", 10, True),
        ("aa", 12, True),
        ("flow_vol", 22, True),
        ("co_wedge", 14, True),
        ("nmt", 12, True),
        ("ecg_extra", 6, False),
        ("svo2", 8, True),
        ("p5", 14, True),
        ("p6", 14, True),
    ]
    out = b""
    for name, size, has_header in layout:
        if name in groups:
            group = groups[name].ljust(size, b"\x00")[:size]
        elif has_header:
            group = spec_group(0, 0, *[INVALID] * ((size - 6) // 2))
        else:
            group = struct.pack(f"<{size // 2}h", *[INVALID] * (size // 2))
        out += group
    out += b"\x00\x00"  # reserved
    assert len(out) == 270
    return out


def spec_ext1_class(p7: bytes | None = None, p8: bytes | None = None) -> bytes:
    """270 bytes of ext1: only p7 (class offset 78) and p8 (92) matter here."""
    data = bytearray(270)
    absent = spec_group(0, 0, INVALID, INVALID, INVALID, INVALID)
    data[78:92] = p7 or absent
    data[92:106] = p8 or absent
    return bytes(data)


def spec_record(
    subrecords: list[tuple[int, int, bytes]],
    *,
    r_nbr: int = 0,
    sr_type: int = 1,
    r_maintype: int = 0,
) -> bytes:
    """Header + 278-byte subrecords given as (unix time, class, 270 class bytes)."""
    body = b"".join(
        struct.pack("<I", unix) + data + bytes([0, 0]) + struct.pack("<H", cls << 8)
        for unix, cls, data in subrecords
    )
    descs = [(278 * k, sr_type) for k in range(len(subrecords))] + [(0, 0xFF)]
    descs += [(0, 0)] * (8 - len(descs))
    header = struct.pack(
        "<hBBHIBBHh",
        40 + len(body),
        r_nbr,
        9,
        0,
        subrecords[0][0] if subrecords else 0,
        0,
        0,
        0,
        r_maintype,
    )
    header += b"".join(struct.pack("<hB", offset, kind) for offset, kind in descs)
    return header + body


def spec_frame(record: bytes) -> bytes:
    """§A.2 done byte by byte: sum mod 256, then escape 7D/7E in record and checksum."""
    out = bytearray([0x7E])
    for byte in record + bytes([sum(record) % 256]):
        out += bytes([0x7D, byte ^ 0x20]) if byte in (0x7D, 0x7E) else bytes([byte])
    out.append(0x7E)
    return bytes(out)


def spec_d4_record() -> bytes:
    basic = spec_basic_class(
        {
            "ecg": spec_group(0x0B, 0x0200, 72, INVALID, INVALID, INVALID, INVALID),
            "p1": spec_group(3, 1, 11800, 7600, 9200, 71),
            "nibp": spec_group(3, 0x0008, 12000, 8000, 9300, 72),
            "spo2": spec_group(3, 0, 9800, 72, INVALID, INVALID),
            "ecg_extra": struct.pack("<3h", 72, INVALID, INVALID),
        }
    )
    return spec_record([(1700000000, 0, basic)], r_nbr=0x7E)


# --- §A.10 worked examples -------------------------------------------------------


def test_line_settings_are_19200_8e1_with_rts_cts():
    assert LINE_SETTINGS.describe() == "19200 8E1 RTS/CTS"


def test_d1_start_displayed_values_every_10_s_is_byte_exact():
    assert build_displ_request(10) == D1
    assert build_displ_request(10, 0x0E) == D1


def test_d2_stop_is_byte_exact():
    assert build_stop_request() == D2


def test_d3_checksum_0x7d_is_escaped():
    assert encode_frame(encode_request(Request(3, 60, 0x0E))) == D3
    assert checksum(records(D3)[0]) == 0x7D


@pytest.mark.parametrize(
    ("frame", "expected"),
    [(D1, Request(1, 10, 0x0E)), (D2, Request(1, 0, 0)), (D3, Request(3, 60, 0x0E))],
)
def test_d1_d2_d3_decode_back_to_their_requests(frame, expected):
    (record,) = records(frame)
    assert len(record) == 49
    assert parse_request(record) == expected


def test_d4_shows_the_listed_values_with_the_monitor_time():
    (record,) = records(D4)
    assert len(record) == 318 and record[2] == 0x7E  # r_nbr went through the 7D 5E escape
    observations = decode_record(record)
    assert shown(observations) == D4_VALUES
    assert all(o.device_time == D4_TIME for o in observations)
    assert {o.parameter: o.quality for o in observations if o.quality} == {Parameter.RR: Quality.INVALID}
    assert by_parameter(observations)[Parameter.RR].origin == "impedance"


def test_d4_is_what_the_simulator_sends_for_the_same_snapshot():
    record = encode_displ_record(D4_SNAPSHOT, r_nbr=0x7E, dri_level=9, class_bf=0, art_pr=71)
    assert encode_frame(record) == D4


def test_independent_spec_encoder_reproduces_d4():
    assert spec_frame(spec_d4_record()) == D4


# --- Independent encoder -> decode_record ------------------------------------------


def test_independent_encoder_frames_decode_exactly():
    basic = spec_basic_class(
        {
            "ecg": spec_group(0x0B, 0x0200, 126, INVALID, INVALID, INVALID, 0x7D),  # 0x7E, 0x7D
            "p3": spec_group(3, 8, 32381, 7037, 12541, 70),  # ABP, 0x7E7D / 0x7D7D bytes
            "nibp": spec_group(3, 0x0008 | 0x0020, 12541, 8000, 9300, 72),  # measuring
            "spo2": spec_group(3, 0, 9650, 125),
        }
    )
    frame = spec_frame(spec_record([(1700000125, 0, basic)], r_nbr=0x7D))
    (record,) = records(frame)
    observations = by_parameter(decode_record(record))
    assert {p: o.value for p, o in observations.items()} == {
        Parameter.HR: 126.0,
        Parameter.SPO2: 96.5,
        Parameter.PR: 125.0,
        Parameter.NIBP_SYS: 125.41,
        Parameter.NIBP_DIA: 80.0,
        Parameter.NIBP_MEAN: 93.0,
        Parameter.ART_SYS: 323.81,
        Parameter.ART_DIA: 70.37,
        Parameter.ART_MEAN: 125.41,
        Parameter.RR: 125.0,  # imp_rr: the only source of respiration here
    }
    assert observations[Parameter.NIBP_SYS].quality == Quality.NIBP_MEASURING
    assert observations[Parameter.HR].device_time == datetime.fromtimestamp(1700000125, tz=UTC)


# --- §F.2 negative cases and resync (§A.8) -----------------------------------------


def flip(frame: bytes, index: int) -> bytes:
    return frame[:index] + bytes([frame[index] ^ 0x01]) + frame[index + 1 :]


def test_one_flipped_data_byte_is_a_checksum_reject():
    deframer = Deframer()
    assert deframer.feed(flip(D4, 100)) == []
    assert deframer.stats.frames_bad == 1 and deframer.stats.frames_ok == 0
    assert "checksum" in deframer.stats.details[-1]


def test_truncated_frame_without_end_flag_costs_that_frame_but_not_the_next():
    deframer = Deframer()
    out = deframer.feed(D4[:-20] + D1)  # D4 cut short, its end flag lost
    assert [parse_request(r) for r in out] == [Request(1, 10, 0x0E)]
    assert deframer.stats.frames_bad == 1


def test_lost_end_flag_of_an_intact_frame_loses_nothing():
    # §F.2 expects D4 rejected here, but D1's start flag closes an intact D4:
    # both frames are valid and both are read.
    deframer = Deframer()
    out = deframer.feed(D4[:-1] + D1)
    assert len(out) == 2 and shown(decode_record(out[0])) == D4_VALUES
    assert parse_request(out[1]) == Request(1, 10, 0x0E)


def test_garbage_between_frames_is_dropped_without_losing_a_frame():
    deframer = Deframer()
    out = deframer.feed(D1 + b"\x00\x11\xff" + D4 + b"\x7e\x7d\x7d" + D2)
    assert [len(r) for r in out] == [49, 318, 49]
    assert deframer.stats.frames_ok == 3


def test_garbage_and_empty_frame_before_d1():
    deframer = Deframer()
    out = deframer.feed(bytes.fromhex("00 11 7e 7e") + D1)
    assert [parse_request(r) for r in out] == [Request(1, 10, 0x0E)]
    assert deframer.stats.frames_bad == 0 and deframer.stats.bytes_discarded == 2


def test_illegal_escape_before_a_flag_aborts_and_resyncs():
    deframer = Deframer()
    aborted = D4[:150] + b"\x7d"  # then 7E: the next frame's start flag
    out = deframer.feed(aborted + D4)
    assert len(out) == 1 and shown(decode_record(out[0])) == D4_VALUES
    assert deframer.stats.frames_bad == 1


def test_r_len_that_disagrees_with_the_frame_is_rejected():
    record = bytearray(spec_d4_record())
    record[0] += 1  # r_len 319 for a 318-byte record, checksum recomputed
    deframer = Deframer()
    assert deframer.feed(spec_frame(bytes(record)) + D4) != []
    assert deframer.stats.frames_bad == 1 and deframer.stats.frames_ok == 1
    assert "r_len" in deframer.stats.details[0]


def test_oversize_frame_is_rejected_and_the_next_one_read():
    big = struct.pack("<h", 1491) + bytes(1489)  # r_len matches, but over 1490 bytes
    deframer = Deframer()
    assert deframer.feed(spec_frame(big)) == []
    assert deframer.feed(b"\x11" * 5000) == []  # a runaway with no flags at all
    out = deframer.feed(D4)
    assert len(out) == 1 and deframer.stats.frames_bad == 2


def test_frames_split_at_every_byte_boundary():
    stream = D1 + D4 + D2
    deframer = Deframer()
    out = [r for i in range(len(stream)) for r in deframer.feed(stream[i : i + 1])]
    assert [len(r) for r in out] == [49, 318, 49]
    assert deframer.stats.frames_bad == 0 and deframer.stats.bytes_discarded == 0


def test_other_escape_sequences_are_rejected():
    frame = D1[:10] + b"\x7d\x01" + D1[11:]  # 7D 01 is never sent by a monitor
    deframer = Deframer()
    assert deframer.feed(frame + D2) and deframer.stats.frames_bad == 1

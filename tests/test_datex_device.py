"""The simulated S/5 monitor and the host session, as QA and the driver see them:
nothing until asked, a record every interval, the 5 s rule, stop on request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devices.protocols.datex import (
    Deframer,
    Request,
    build_displ_request,
    build_stop_request,
    decode_record,
    encode_frame,
    encode_request,
)
from devices.protocols.datex_session import DatexSession
from devices.simulator.datex_device import DatexDevice
from devices.simulator.device import Emission
from devices.simulator.snapshot import NibpResult, Snapshot
from monitor.readings import Observation, Parameter, Quality
from tests.test_datex import D1, D2, D4

T0 = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)
ONCE = encode_frame(encode_request(Request(1, -1, 0x0E)))


def snapshot_at(t: float) -> Snapshot:
    """A patient whose HR is 60 + whole seconds / 10, so each record is distinguishable."""
    at = T0 + timedelta(seconds=t)
    return Snapshot(
        device_time=at,
        elapsed_s=t,
        hr=60 + int(t) // 10,
        pr=61,
        spo2=97.5,
        art=(125.4, 82.0, 96.6) if t >= 30 else None,
        nibp=NibpResult(121, 79, 93, measured_at=T0) if t >= 20 else None,
        nibp_measuring=15 <= t < 20,
    )


def decoded(emission: Emission) -> list[Observation]:
    (record,) = Deframer().feed(emission.data)
    return decode_record(record)


def values(emission: Emission) -> dict[Parameter, float | None]:
    return {o.parameter: o.value for o in decoded(emission)}


def r_nbr(emission: Emission) -> int:
    return Deframer().feed(emission.data)[0][2]


def started(request: bytes = build_displ_request(10), at: float = 0.0) -> DatexDevice:
    device = DatexDevice()
    assert device.feed(request, at) == []  # the S/5 never acknowledges
    return device


def test_silent_until_the_host_asks():
    device = DatexDevice()
    assert device.next_due_s() is None
    assert device.due(3600.0, snapshot_at) == []


def test_records_arrive_every_interval_from_the_moment_of_the_request():
    device = started(at=2.0)
    emissions = device.due(32.0, snapshot_at)
    assert [values(e)[Parameter.HR] for e in emissions] == [60, 61, 62, 63]  # t = 2, 12, 22, 32
    assert [r_nbr(e) for e in emissions] == [0, 1, 2, 3]
    assert device.next_due_s() == 42.0
    assert device.due(41.9, snapshot_at) == []


def test_each_record_carries_the_values_it_encodes():
    device = started()
    for emission in device.due(60.0, snapshot_at):
        assert [(o.parameter, o.value, o.device_time) for o in decoded(emission)] == [
            (t.parameter, t.value, t.device_time) for t in emission.truth
        ]


def test_record_holds_one_subrecord_per_requested_class():
    emission = started(build_displ_request(5, 0x0E)).due(0.0, snapshot_at)[0]
    (record,) = Deframer().feed(emission.data)
    assert len(record) == 40 + 4 * 278
    classes = [record[40 + 278 * k + 277] & 0x0F for k in range(4)]
    assert classes == [0, 1, 2, 3]


def test_values_the_monitor_reports_over_a_session():
    shown = [values(e) for e in started().due(40.0, snapshot_at)]
    assert shown[0][Parameter.NIBP_SYS] is None  # no cuff measurement yet
    assert shown[2][Parameter.NIBP_SYS] == 121.0
    assert Parameter.ART_SYS not in shown[2]
    assert (shown[3][Parameter.ART_SYS], shown[3][Parameter.ART_MEAN]) == (125.4, 96.6)
    assert shown[3][Parameter.SPO2] == 97.5


def test_second_request_within_5_s_is_ignored():
    device = started(build_displ_request(10), at=0.0)
    device.feed(build_displ_request(5), 4.9)
    device.feed(build_stop_request(), 4.99)
    assert device.due(30.0, snapshot_at) and device.next_due_s() == 40.0


def test_request_5_s_after_the_last_accepted_one_is_honoured():
    device = started(build_displ_request(10), at=0.0)
    assert len(device.due(0.0, snapshot_at)) == 1
    device.feed(build_displ_request(5), 3.0)  # ignored: does not restart the 5 s window
    device.feed(build_displ_request(5), 5.0)
    assert device.next_due_s() == 5.0
    assert len(device.due(20.0, snapshot_at)) == 4  # t = 5, 10, 15, 20


def test_stop_request_stops_the_records():
    device = started(build_displ_request(10))
    assert len(device.due(10.0, snapshot_at)) == 2
    device.feed(build_stop_request(), 12.0)
    assert device.next_due_s() is None
    assert device.due(600.0, snapshot_at) == []


def test_send_once_sends_one_record():
    device = started(ONCE)
    assert len(device.due(1000.0, snapshot_at)) == 1
    assert device.next_due_s() is None


@pytest.mark.parametrize(
    "noise",
    [
        b"\x00\x11\x22",
        D4,  # a monitor record, not a request
        encode_frame(encode_request(Request(1, 3, 0x0E))),  # tx_ival below the minimum
        encode_frame(encode_request(Request(9, 10, 0x0E))),  # unknown record type
        D1[:20] + b"\x7d\x7e",  # aborted frame
        D1[:-3] + bytes([D1[-3] ^ 0xFF]) + D1[-2:],  # bad checksum
    ],
)
def test_malformed_input_is_ignored_and_does_not_count_for_the_5_s_rule(noise):
    device = DatexDevice()
    device.feed(noise, 0.0)
    assert device.next_due_s() is None
    device.feed(D1, 1.0)
    assert device.next_due_s() == 1.0


def test_requests_split_across_writes_are_understood():
    device = DatexDevice()
    for i, byte in enumerate(D1):
        device.feed(bytes([byte]), i * 0.001)
    assert device.next_due_s() is not None


def test_reset_forgets_the_session():
    device = started()
    device.due(20.0, snapshot_at)
    device.feed(D1[:10], 21.0)  # half a request in flight when the power goes
    device.reset()
    assert device.next_due_s() is None and device.due(100.0, snapshot_at) == []
    device.feed(D1, 22.0)  # accepted at once: the 5 s memory is gone too
    assert [r_nbr(e) for e in device.due(22.0, snapshot_at)] == [0]


def test_same_requests_same_bytes():
    runs = []
    for _ in range(2):
        device = started()
        runs.append([e.data for e in device.due(100.0, snapshot_at)])
    assert runs[0] == runs[1]


# --- Host session --------------------------------------------------------------------


def test_session_asks_once_and_stops_on_close():
    session = DatexSession(10)
    assert session.name == "datex" and session.settings.describe() == "19200 8E1 RTS/CTS"
    assert session.expected_interval_s == 10
    assert session.on_open(0.0) == D1
    assert session.poll(100.0) == b""
    assert session.on_close() == D2


def test_session_interval_is_clamped_to_the_monitor_minimum():
    session = DatexSession(2)
    assert session.expected_interval_s == 5
    assert session.on_open(0.0) == build_displ_request(5)


def test_session_against_the_simulated_monitor_byte_by_byte():
    session, device = DatexSession(5), DatexDevice()
    device.feed(session.on_open(0.0), 0.0)
    shown: list[Observation] = []
    for emission in device.due(20.0, snapshot_at):
        for i in range(0, len(emission.data), 7):
            shown += session.feed(emission.data[i : i + 7], 0.0)
    assert [o.value for o in shown if o.parameter == Parameter.HR] == [60, 60, 61, 61, 62]
    nibp = [o for o in shown if o.parameter == Parameter.NIBP_SYS]
    assert nibp[3].value is None  # t = 15: cuff inflating, no result yet
    assert nibp[3].quality == Quality.INVALID | Quality.NIBP_MEASURING
    assert session.stats.frames_ok == 5 and session.stats.frames_bad == 0


def test_session_counts_line_noise():
    session = DatexSession()
    session.on_open(0.0)
    assert session.feed(D4[:-30] + b"\x7e" + b"\x55" * 10, 1.0) == []
    assert session.stats.frames_bad == 1 and session.stats.bytes_discarded > 0
    assert len(session.feed(D4, 2.0)) == 10  # D4's nine values and its invalid RR

"""IntelliVue framing (spec §B.2, §B.7, §F.3–4): what reaches the decoder, and what never does."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.protocols.intellivue.framing import Deframer, encode_frame, escape, fcs, unescape
from devices.protocols.intellivue.messages import (
    AssociationControl,
    AssociationEvent,
    MdsCreateEvent,
    OtherMessage,
    PollReply,
    build_association_request,
    build_extended_poll_request,
    build_mds_create_result,
    build_release_request,
    parse_message,
)
from tests.conftest import DATA

CAPTURE = DATA / "philips-intellivue-mib-rs232.raw"

P1 = bytes.fromhex(
    "c0 11 01 00 20 e1 00 00 02 00 02 00 18 00 00 00 03 00 12 00 21 00 00 00 "
    "00 00 01 00 08 f2 3a 00 04 00 00 00 00 7b d2 c1"
)
P2 = bytes.fromhex(
    "c0 11 01 00 32 e1 00 00 02 00 02 00 2a 00 01 00 07 00 24 00 21 00 00 00 "
    "00 f1 3b 00 1a 00 01 00 00 00 1d d4 00 ff ff ff ff ff ff ff ff 00 01 00 "
    "06 00 00 00 00 00 00 f8 57 c1"
)
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


def user_data(wire: bytes) -> bytes:
    frames = Deframer().feed(wire)
    assert len(frames) == 1
    return frames[0].user_data


# --- CRC and escapes ---------------------------------------------------------------------


def test_fcs_check_value():
    assert fcs(b"123456789") == 0x906E


def _bitwise_x25(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


@given(st.binary(max_size=300))
def test_fast_fcs_equals_the_bitwise_definition(data):
    assert fcs(data) == _bitwise_x25(data)


def test_escape_unit_vector():
    assert escape(bytes.fromhex("c0c17d11")) == bytes.fromhex("7de07de17d5d11")
    assert unescape(bytes.fromhex("7de07de17d5d11")) == bytes.fromhex("c0c17d11")


# --- worked examples ------------------------------------------------------------------


def test_p1_get_result_verifies_and_decodes():
    data = user_data(P1)
    assert len(data) == 32
    assert fcs(P1[1:-3]) == 0xD27B
    assert isinstance(parse_message(data), OtherMessage)  # a GET result: nothing to show


def test_p2_final_rors_with_no_entries():
    reply = parse_message(user_data(P2))
    assert isinstance(reply, PollReply)
    assert (reply.invoke_id, reply.poll_number, reply.sequence_no) == (1, 1, 0)
    assert reply.rel_time == 0x001DD400
    assert reply.abs_time == b"\xff" * 8
    assert (reply.partition, reply.code) == (1, 6)
    assert reply.contexts == () and reply.linked is None


def test_worked_examples_are_re_encoded_byte_for_byte():
    for wire in (P1, P2, P4):
        assert encode_frame(user_data(wire)) == wire


def test_host_requests_match_the_spec_bytes():
    aarq = encode_frame(build_association_request())
    assert len(aarq) == 247
    assert aarq.startswith(bytes.fromhex("c0 11 01 00 ee 0d ec")) and aarq.endswith(b"\xe8\xb4\xc1")
    assert encode_frame(build_mds_create_result(1, 0x000ABD00)) == bytes.fromhex(
        "c0 11 01 00 1c e1 00 00 02 00 02 00 14 00 01 00 01 00 0e 00 21 00 00 00 "
        "00 00 0a bd 00 0d 06 00 00 39 17 c1"
    )
    assert encode_frame(build_extended_poll_request(1, 1, period_ticks=240000)) == bytes.fromhex(
        "c0 11 01 00 30 e1 00 00 02 00 01 00 28 00 01 00 07 00 22 00 21 00 00 00 "
        "00 00 00 00 00 f1 3b 00 14 00 01 00 01 00 06 00 00 00 01 00 08 f1 3e 00 "
        "04 00 03 a9 80 58 71 c1"
    )
    # The FCS and the C1 inside the release request are escaped (VSCaptureMP forgets the FCS).
    assert encode_frame(build_release_request()) == bytes.fromhex(
        "c0 11 01 00 1a 09 18 7d e1 16 61 80 30 80 02 01 01 a0 80 62 80 80 01 00 "
        "00 00 00 00 00 00 00 00 41 08 c1"
    )


# --- the real capture -----------------------------------------------------------------


def test_capture_all_frames_found_with_no_fcs_error():
    deframer = Deframer()
    data = CAPTURE.read_bytes()
    frames = [f for i in range(0, len(data), 4096) for f in deframer.feed(data[i : i + 4096])]
    assert len(frames) == 2887
    assert deframer.stats.frames_ok == 2887
    assert deframer.stats.frames_bad == 0 and deframer.stats.bytes_discarded == 0


def test_capture_opens_with_the_aare_then_the_mds_create_event():
    data = CAPTURE.read_bytes()
    assert b"\x7d\xe1" in data[:217]  # P5 has an escaped C1 in its header area
    first, second = Deframer().feed(data[:515])
    assert parse_message(first.user_data) == AssociationControl(AssociationEvent.ACCEPT)
    mds = parse_message(second.user_data)
    assert isinstance(mds, MdsCreateEvent)
    assert mds.invoke_id == 1 and mds.event_time == 0x001DC200 and len(mds.attributes) == 17


def test_an_escaped_fcs_byte_in_the_capture_is_unescaped():
    # "... 59 7D E1 C1": a frame whose FCS high byte is C1 (§B.2).
    data = CAPTURE.read_bytes()
    end = data.index(b"\x7d\xe1\xc1") + 3
    start = data.rindex(b"\xc0", 0, end)
    [frame] = Deframer().feed(data[start:end])
    header = bytes.fromhex("1101") + len(frame.user_data).to_bytes(2, "big")
    assert fcs(header + frame.user_data) >> 8 == 0xC1


# --- §F.4 negative cases: no frame from damage, the next frame unharmed -----------------


def _deframe_all(wire: bytes) -> tuple[list[bytes], Deframer]:
    deframer = Deframer()
    return [f.user_data for f in deframer.feed(wire)], deframer


def test_changed_fcs_low_byte_drops_only_that_frame():
    damaged = bytearray(P4)
    damaged[-3] ^= 0x01  # FCS low byte is sent first: ... ce 53 c1
    frames, deframer = _deframe_all(bytes(damaged) + P2)
    assert frames == [user_data(P2)]
    assert deframer.stats.frames_bad == 1
    assert any("FCS" in d for d in deframer.stats.details)


def test_bof_in_mid_frame_discards_the_partial_frame():
    frames, deframer = _deframe_all(P4[:60] + P4)
    assert frames == [user_data(P4)]
    assert deframer.stats.frames_bad == 1


def test_abort_sequence_discards_the_partial_frame():
    frames, deframer = _deframe_all(P4[:60] + b"\x7d\xc1" + P2)
    assert frames == [user_data(P2)]
    assert any("aborted" in d for d in deframer.stats.details)


def test_length_field_not_matching_the_payload_is_dropped():
    body = bytearray.fromhex("1101") + (len(user_data(P2)) + 1).to_bytes(2, "big") + user_data(P2)
    lying = b"\xc0" + escape(bytes(body) + fcs(bytes(body)).to_bytes(2, "little")) + b"\xc1"
    frames, deframer = _deframe_all(lying + P4)  # the FCS is right; only the length lies
    assert frames == [user_data(P4)]
    assert any("length" in d for d in deframer.stats.details)


def test_bytes_outside_frames_are_ignored_and_counted():
    frames, deframer = _deframe_all(b"\x00\x11garbage\xc1" + P2 + b"\x7d\x7d" + P1)
    assert frames == [user_data(P2), user_data(P1)]
    assert deframer.stats.bytes_discarded == 12


def test_a_repeated_bof_loses_nothing():
    frames, deframer = _deframe_all(b"\xc0\xc0" + P2)
    assert frames == [user_data(P2)] and deframer.stats.frames_bad == 0


def test_the_largest_frame_we_offer_to_receive_passes_even_fully_escaped():
    payload = b"\xc0\x7d" * 1250  # 2500 bytes of user data, the AARQ's receive MTU
    frames, deframer = _deframe_all(encode_frame(payload))
    assert frames == [payload] and deframer.stats.frames_bad == 0


def test_an_endless_frame_is_given_up_and_the_next_one_found():
    frames, _ = _deframe_all(b"\xc0" + b"\x55" * 6000 + P2)
    assert frames == [user_data(P2)]


# --- properties ----------------------------------------------------------------------------

_TRICKY = st.sampled_from([0xC0, 0xC1, 0x7D, 0x11, 0x00, 0xE0, 0xE1, 0x5D])
_PAYLOAD = st.lists(st.one_of(_TRICKY, st.integers(0, 255)), max_size=120).map(bytes)


@settings(max_examples=200)
@given(payloads=st.lists(_PAYLOAD, min_size=1, max_size=6), cuts=st.lists(st.integers(0, 2000)))
def test_frames_survive_any_chunking(payloads, cuts):
    wire = b"".join(encode_frame(p) for p in payloads)
    bounds = sorted({0, len(wire), *(c % (len(wire) + 1) for c in cuts)})
    deframer = Deframer()
    got = [f.user_data for a, b in pairwise(bounds) for f in deframer.feed(wire[a:b])]
    assert got == payloads
    assert deframer.stats.frames_bad == 0


@settings(max_examples=200)
@given(payloads=st.lists(_PAYLOAD, min_size=1, max_size=4), noise=st.lists(st.binary(max_size=40)))
def test_noise_between_frames_never_costs_a_good_frame(payloads, noise):
    wire = b"".join(n + encode_frame(p) for n, p in zip(noise + [b""] * len(payloads), payloads))
    assert [f.user_data for f in Deframer().feed(wire)] == payloads


"""The session's fast paths give exactly what the general paths give (docs/BENCHMARKS.md).

* :class:`PollReplyDecoder` against ``parse_message`` + ``readings_from_reply`` +
  ``SourceSelector``: same Observations, same selector state, and None wherever the
  general path refuses (or logs and skips) something;
* the Deframer's inline check of the usual frame and the FCS residue test against
  the FCS as defined.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.fastpath import PollReplyDecoder
from devices.protocols.intellivue.floattype import FloatSpecial
from devices.protocols.intellivue.framing import (
    Deframer,
    FrameError,
    checked_user_data,
    encode_frame,
    escape,
    fcs,
)
from devices.protocols.intellivue.messages import parse_message
from devices.protocols.intellivue.numerics import (
    OBSERVATION_TWIN,
    SourceSelector,
    TimeBase,
    _observation,
    nu_value,
    numeric_object,
    readings_from_reply,
)
from devices.protocols.intellivue.polling import (
    LinkedState,
    ObservationPoll,
    PollReply,
    SingleContextPoll,
    build_poll_reply,
)
from devices.protocols.intellivue.session import IntelliVueSession
from devices.protocols.intellivue.values import DEFAULT_PHYSIO_ID, SOURCES
from devices.protocols.intellivue.wire import DecodeError, encode_bcd_time, u32
from monitor.readings import Observation, Parameter, Quality
from tests.conftest import DATA

CAPTURE = DATA / "philips-intellivue-mib-rs232.raw"
BASE = TimeBase(datetime(2021, 4, 22, 11, 47, 26, tzinfo=UTC), 0x001DC200)


def general(data: bytes, selector: SourceSelector, base: TimeBase | None) -> list | None:
    """The session's general path for one frame; None if it refuses the frame."""
    try:
        message = parse_message(data)
    except DecodeError:
        return None
    if not isinstance(message, PollReply):
        return None
    shown = selector.select(
        (message.invoke_id, message.poll_number, message.rel_time),
        readings_from_reply(message, base, UTC),
    )
    if message.linked is None:
        selector.reset()
    return shown


def assert_same_as_general(frames: list[bytes], base: TimeBase | None = BASE) -> int:
    """Run both paths over the frames, as the session does; return how many took the fast path."""
    fast_selector, general_selector, decoder, taken = SourceSelector(), SourceSelector(), PollReplyDecoder(), 0
    for data in frames:
        expected = general(data, general_selector, base)
        got = decoder.decode(data, fast_selector, base, UTC)
        if got is None:  # the session then runs the general path on its own selector
            got = general(data, fast_selector, base)
        else:
            taken += 1
            assert expected is not None, "the fast path took a frame the general path refuses"
        assert got == expected
        assert [o.device_time for o in got or ()] == [o.device_time for o in expected or ()]
        assert (fast_selector._key, fast_selector._best) == (general_selector._key, general_selector._best)
    return taken


def test_observations_made_the_fast_way_are_ordinary_equal_immutable_observations():
    """Both paths make Observations through a slot twin (numerics._observation_twin); it must be
    available here (else both paths fall back to the slow constructor) and give real ones."""
    assert OBSERVATION_TWIN is not None
    when = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    made = _observation(Parameter.SPO2, 97.0, Quality.LOW_PERFUSION, when)
    assert type(made) is Observation
    assert made == Observation(Parameter.SPO2, 97.0, Quality.LOW_PERFUSION, when)
    assert hash(made) == hash(Observation(Parameter.SPO2, 97.0, Quality.LOW_PERFUSION, when))
    with pytest.raises(FrozenInstanceError):
        made.value = 50.0


def simulated_frames(seconds: int) -> list[bytes]:
    """What the simulated monitor sends a host over ``seconds`` of 1 Hz polls (as bench.decode)."""
    from devices.simulator.intellivue_device import IntelliVueDevice
    from devices.simulator.scenario import ScenarioRun, load_scenario

    run = ScenarioRun(load_scenario("hypertensive-episode"), seed=1, start=datetime(2026, 1, 5, 8, tzinfo=UTC))
    device, host, wire = IntelliVueDevice(), IntelliVueSession(), bytearray()
    out = host.on_open(0.0)
    for i in range(seconds * 10):
        now = i * 0.1
        emissions = (device.feed(out, now) if out else []) + device.due(now, run.snapshot)
        for emission in emissions:
            wire += emission.data
            host.feed(emission.data, now)
        out = host.poll(now)
    return Deframer().feed_user_data(bytes(wire))


def test_the_real_capture_and_the_simulators_stream_take_the_fast_path_alike():
    for frames in (Deframer().feed_user_data(CAPTURE.read_bytes()), simulated_frames(120)):
        assert assert_same_as_general(frames) > 0.98 * len(frames)
        assert assert_same_as_general(frames, None) > 0.98 * len(frames)  # no time base yet


def test_a_session_shows_the_same_with_and_without_the_fast_path(monkeypatch):
    data = CAPTURE.read_bytes()
    chunks = [data[i : i + 256] for i in range(0, len(data), 256)]
    fast = IntelliVueSession()
    fast.on_open(0.0)
    shown = [obs for chunk in chunks for obs in fast.feed(chunk, 0.0)]
    monkeypatch.setattr(PollReplyDecoder, "decode", lambda *args: None)
    slow = IntelliVueSession()
    slow.on_open(0.0)
    assert [obs for chunk in chunks for obs in slow.feed(chunk, 0.0)] == shown
    assert slow.stats == fast.stats and len(shown) > 2000


# --- generated replies, well formed and damaged --------------------------------------------

_IDS = sorted(SOURCES) + [nom.NOM_ECG_CARD_BEAT_RATE_BTB, 0x1234]
_UNITS = [nom.NOM_DIM_BEAT_PER_MIN, nom.NOM_DIM_PERCENT, nom.NOM_DIM_MMHG, nom.NOM_DIM_KILO_PASCAL, 0x0200,
          nom.NOM_DIM_RESP_PER_MIN, nom.NOM_DIM_DEGC, nom.NOM_DIM_FAHR]
_STATES = [0, nom.STATE_INVALID, nom.STATE_UNAVAILABLE, nom.STATE_DEMO_DATA, nom.STATE_MSMT_ONGOING,
           nom.STATE_CALIBRATION_ONGOING, nom.STATE_TEST_DATA, nom.STATE_QUESTIONABLE]
_STAMP = datetime(2021, 4, 22, 11, 40, tzinfo=UTC)


@st.composite
def objects(draw) -> ObservationPoll:
    values = [
        nu_value(
            Parameter.HR,
            draw(st.one_of(st.none(), st.integers(-5, 300).map(float), st.sampled_from(list(FloatSpecial)),
                           st.sampled_from([36.8, 98.6, 5.1, 37.25]))),
            state=draw(st.sampled_from(_STATES)),
            unit_code=draw(st.sampled_from(_UNITS)),
            physio_id=draw(st.sampled_from(_IDS + [DEFAULT_PHYSIO_ID[Parameter.NIBP_SYS]])),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    stamp = draw(st.sampled_from(["none", "abs", "rel", "bad abs"]))
    obj = numeric_object(
        draw(st.integers(0, 0xFFFF)),
        values[0] if len(values) == 1 and draw(st.booleans()) else values,
        measured_at=_STAMP if stamp == "abs" else None,
    )
    extra: tuple[tuple[int, bytes], ...] = ()
    if stamp == "rel":
        extra = ((nom.NOM_ATTR_TIME_STAMP_REL, u32(draw(st.integers(0, 0xFFFF_FFFF)))),)
    elif stamp == "bad abs":
        extra = ((nom.NOM_ATTR_TIME_STAMP_ABS, b"\x20\x21\x13\x40\x00\x00\x00\x00"),)
    return ObservationPoll(obj.handle, obj.attributes + extra)


@st.composite
def replies(draw, rel_time: int) -> bytes:
    contexts = tuple(
        SingleContextPoll(draw(st.integers(0, 3)), tuple(draw(st.lists(objects(), max_size=4))))
        for _ in range(draw(st.integers(0, 2)))
    )
    linked = draw(st.sampled_from([None, None, LinkedState(1, 1), LinkedState(2, 2), LinkedState(3, 3)]))
    code = draw(st.sampled_from([nom.NOM_MOC_VMO_METRIC_NU] * 6 + [nom.NOM_MOC_VMO_METRIC_SA_RT, 0x0036]))
    action = draw(st.sampled_from([nom.NOM_ACT_POLL_MDIB_DATA_EXT] * 3 + [nom.NOM_ACT_POLL_MDIB_DATA]))
    abs_time = draw(st.sampled_from([b"\xff" * 8, encode_bcd_time(_STAMP + timedelta(minutes=3))]))
    reply = PollReply(
        draw(st.integers(1, 2)), 1, rel_time, contexts, linked=linked, code=code, action_type=action,
        abs_time=abs_time, partition=draw(st.sampled_from([nom.NOM_PART_OBJ] * 5 + [2])),
        sequence_no=draw(st.integers(0, 3)) if action == nom.NOM_ACT_POLL_MDIB_DATA_EXT else None,
    )
    return build_poll_reply(reply)


def damaged(data: st.DataObject, frame: bytes) -> bytes:
    """The frame as sent, or with one byte changed, cut short or added (FCS made good again)."""
    how = data.draw(st.sampled_from(["as sent"] * 3 + ["change", "cut", "add"]))
    at = data.draw(st.integers(0, len(frame)))
    if how == "change" and at < len(frame):
        return frame[:at] + bytes([data.draw(st.integers(0, 255))]) + frame[at + 1 :]
    if how == "cut":
        return frame[:at]
    if how == "add":
        return frame[:at] + bytes([data.draw(st.integers(0, 255))]) + frame[at:]
    return frame


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), count=st.integers(1, 8), repeat=st.booleans(), no_base=st.booleans())
def test_any_reply_sequence_gives_what_the_general_path_gives(data, count, repeat, no_base):
    frames = []
    for i in range(count):
        rel_time = data.draw(st.sampled_from([0x001DF400 + 8000 * i, 0x001DF400]))  # repeats: chains
        frame = data.draw(replies(rel_time))
        frames.append(damaged(data, frame))
        if repeat:  # the same reply again but for its times: the recent-reply path
            frames.append(frame[:26] + bytes(6) + frame[32:] if len(frame) > 32 else frame)
    assert_same_as_general(frames, None if no_base else BASE)


# --- framing -------------------------------------------------------------------------------


@given(st.binary(min_size=0, max_size=300), st.integers(1, 0xFFFF))
def test_the_good_residue_is_the_same_test_as_the_fcs(body, error):
    good = body + fcs(body).to_bytes(2, "little")
    bad = body + (fcs(body) ^ error).to_bytes(2, "little")
    frame = bytes((0x11, 0x01)) + len(body).to_bytes(2, "big")
    assert checked_user_data(frame + body + fcs(frame + body).to_bytes(2, "little")) == body
    for raw, ok in ((good, True), (bad, False)):
        try:
            checked_user_data(raw)
            passed = True
        except FrameError as err:
            passed = str(err) != "FCS mismatch"
        assert passed == ok or len(raw) < 6


def reference_frames(wire: bytes) -> list[bytes | str]:
    """Each BOF...EOF of a whole stream checked the long way: its user data or why not."""
    out: list[bytes | str] = []
    for piece in wire.split(b"\xc0")[1:]:
        if b"\xc1" not in piece:
            continue
        escaped = piece[: piece.index(b"\xc1")]
        if len(escaped) - len(escaped.rstrip(b"\x7d")) & 1:
            out.append("aborted (7D C1)")
            continue
        raw, i = bytearray(), 0
        while i < len(escaped):
            if escaped[i] == 0x7D:
                raw.append(escaped[i + 1] ^ 0x20)
                i += 2
            else:
                raw.append(escaped[i])
                i += 1
        body = bytes(raw[:-2])
        if len(raw) < 6:
            out.append("too short")
        elif fcs(body) != int.from_bytes(raw[-2:], "little"):
            out.append("FCS mismatch")
        elif body[:2] != b"\x11\x01":
            out.append("not a Data Export header")
        elif int.from_bytes(body[2:4], "big") != len(body) - 4:
            out.append("length field does not match the user data")
        else:
            out.append(body[4:])
    return out


@settings(max_examples=300)
@given(
    payloads=st.lists(st.binary(max_size=80), min_size=1, max_size=5),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from([0x01, 0x20, 0xBD, 0x80]))),
    cuts=st.lists(st.integers(0, 2000)),
)
def test_the_deframer_finds_what_a_whole_stream_check_finds(payloads, flips, cuts):
    wire = bytearray(b"".join(encode_frame(p) for p in payloads))
    for at, mask in flips:  # damage that keeps the frame markers where they are
        at %= len(wire)
        if wire[at] not in (0xC0, 0xC1) and wire[at] ^ mask not in (0xC0, 0xC1):
            wire[at] ^= mask
    expected = reference_frames(bytes(wire))
    bounds = sorted({0, len(wire), *(c % (len(wire) + 1) for c in cuts)})
    deframer = Deframer()
    got = [f for a, b in zip(bounds, bounds[1:]) for f in deframer.feed_user_data(bytes(wire[a:b]))]
    assert got == [f for f in expected if isinstance(f, bytes)]
    stats = deframer.stats
    assert stats.frames_ok == len(got) and stats.frames_bad == len(expected) - len(got)
    reasons = {r: sum(1 for f in expected if f == r) for r in expected if isinstance(r, str)}
    assert {d.rsplit(": ", 1)[0]: int(d.rsplit(": ", 1)[1]) for d in stats.details} == reasons


def test_escaped_frames_still_take_the_long_way_and_pass():
    payload = bytes(range(0xB0, 0xD0)) + b"\x7d\x7d"
    assert escape(payload) != payload
    assert Deframer().feed_user_data(encode_frame(payload)) == [payload]

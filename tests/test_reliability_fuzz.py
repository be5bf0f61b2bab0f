"""Damaged bytes through every protocol's real decoder (short version of ``make fuzz``).

Valid frames from the simulated monitors (and the real IntelliVue capture) are
damaged by hypothesis and by the seeded mutation fuzzer of ``reliability/``:
bit flips, truncation, insertion, lost and doubled flags, random bytes. For
every input: no exception escapes; a frame that fails any framing check yields
no reading (the output equals what independent reference checks allow); the
two intact frames sent after the damage decode; no implausible number is shown.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.driver import Driver
from devices.protocols import LineSettings
from devices.protocols import datex_layout as layout
from devices.protocols.datex import decode_record, encode_frame
from devices.protocols.datex_session import DatexSession
from devices.protocols.intellivue import IntelliVueSession
from devices.protocols.intellivue.framing import encode_frame as intellivue_frame
from devices.protocols.intellivue.messages import build_mds_create_event, parse_message
from devices.protocols.intellivue.numerics import TimeBase
from devices.protocols.intellivue.polling import PollReply, build_poll_reply
from devices.protocols.plausibility import PLAUSIBLE, screen
from monitor.clock import ScaledClock
from monitor.readings import FrameStats, LinkEvent, LinkState, Observation, Parameter, Quality, Reading
from reliability import corpus, fuzzing
from reliability.corpus import PROTOCOLS, corpora

SEEDED_INPUTS = 3000  # per protocol; `make fuzz` runs a million


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_seeded_mutation_fuzzer_finds_no_broken_property(protocol):
    figures = fuzzing.run(protocol, SEEDED_INPUTS, seed=20261122)
    assert not figures.failures, "\n".join(str(f) for f in figures.failures[:3])
    assert figures.inputs == SEEDED_INPUTS and figures.counts["exceptions"] == 0
    for mode in fuzzing.MODES:
        assert figures.counts[f"inputs:{mode}"] > 0.05 * SEEDED_INPUTS
    assert figures.counts["byte:rejected by a check"] > 0.5 * figures.counts["inputs:byte"]
    assert figures.counts["random:frames accepted"] == 0


# --- hypothesis: the same properties, with shrinking -------------------------------------------

POSITION = st.integers(0, 1 << 20)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), POSITION, st.integers(0, 7)),
        st.tuples(st.just("set"), POSITION, st.integers(0, 255)),
        st.tuples(st.just("insert"), POSITION, st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("special"), POSITION, st.integers(0, 7)),
        st.tuples(st.just("delete"), POSITION, st.integers(1, 16)),
        st.tuples(st.just("truncate"), POSITION),
    ),
    min_size=1,
    max_size=4,
)


def edited(data: bytes, edits, protocol: str) -> bytes:
    buf = bytearray(data)
    for edit in edits:
        op, at = edit[0], edit[1] % (len(buf) + 1)
        if op == "flip" and at < len(buf):
            buf[at] ^= 1 << edit[2]
        elif op == "set" and at < len(buf):
            buf[at] = edit[2]
        elif op == "insert":
            buf[at:at] = edit[2]
        elif op == "special":
            special = fuzzing_special(protocol)
            buf[at:at] = special[edit[2] % len(special) : edit[2] % len(special) + 1]
        elif op == "delete":
            del buf[at : at + edit[2]]
        elif op == "truncate":
            del buf[at:]
    return bytes(buf)


def fuzzing_special(protocol: str) -> bytes:
    from reliability.mutate import SPECIAL

    return SPECIAL[protocol]


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])] or [b""]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    protocol=st.sampled_from(PROTOCOLS),
    which=st.integers(0, 1 << 16),
    edits=EDITS,
    inside_the_checksum=st.booleans(),
    cuts=st.lists(POSITION, max_size=6),
)
def test_damaged_frame_yields_nothing_wrong_and_the_next_frames_decode(
    protocol, which, edits, inside_the_checksum, cuts
):
    c = corpora(protocol)[which % len(corpora(protocol))]
    victim = c.frames[which % len(c.frames)]
    s1 = c.sentinels[(which // 7) % len(c.sentinels)]
    s2 = c.sentinels[(which // 7 + 1) % len(c.sentinels)]
    if inside_the_checksum and protocol != "masimo":  # damage that a checksum collision lets through
        mode, damaged = "structure", c.encode(edited(victim.payload, edits, protocol))
    else:
        mode, damaged = "byte", edited(victim.wire, edits, protocol)
    stream = damaged + s1.wire + s2.wire
    fuzzing.check(c, mode, victim, damaged, s1, s2, pieces(stream, cuts), fuzzing.Figures(protocol))


@settings(max_examples=150, deadline=None)
@given(stream=st.binary(max_size=3000), protocol=st.sampled_from(PROTOCOLS), cuts=st.lists(POSITION, max_size=8))
def test_random_bytes_never_raise_and_never_yield_a_reading(stream, protocol, cuts):
    c = corpora(protocol)[0]
    session = c.session()
    produced = [item for piece in pieces(stream, cuts) for item in session.feed(piece, 0.0)]
    # a random stream holds a valid frame only by a miracle the checks below would show
    for item in screen(produced):
        if isinstance(item, Observation) and item.value is not None:
            low, high = PLAUSIBLE[item.parameter]
            assert low <= item.value <= high


# --- IntelliVue: a time base at the edges of the calendar ---------------------------------------


def _a_poll_reply() -> PollReply:
    c = corpora("intellivue")[0]
    message = parse_message(c.sentinels[0].payload)
    assert isinstance(message, PollReply)
    return message


@settings(max_examples=200, deadline=None)
@given(
    mds_time=st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)),
    mds_rel=st.integers(0, 0xFFFF_FFFF),
    reply_rel=st.integers(0, 0xFFFF_FFFF),
)
def test_intellivue_mds_time_near_year_1_or_9999_never_raises(mds_time, mds_rel, reply_rel):
    """Found by the fuzzer: a time base at 9999-12-31 pushed reply times past the calendar
    (OverflowError out of the session, which ended the driver thread)."""
    session = IntelliVueSession()
    session.on_open(0.0)
    c = corpora("intellivue")[0]
    session.feed(c.prelude[0], 0.0)  # the monitor's association response
    event = build_mds_create_event(1, mds_rel, mds_time.replace(microsecond=0, tzinfo=UTC))
    session.feed(intellivue_frame(event), 0.0)
    reply = dataclasses.replace(_a_poll_reply(), rel_time=reply_rel)
    shown = session.feed(intellivue_frame(build_poll_reply(reply)), 0.0)
    assert any(isinstance(o, Observation) and o.value is not None for o in shown)


def test_time_base_outside_the_calendar_gives_no_time_instead_of_an_error():
    base = TimeBase(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), 0)
    assert base.at(8000 * 3600) is None  # an hour later does not exist
    assert base.at(-8000 & 0xFFFF_FFFF) == datetime(9999, 12, 31, 23, 59, 58, tzinfo=UTC)


# --- Datex: what passes an 8-bit checksum -------------------------------------------------------

HR_AT = layout.HEADER_SIZE + layout.SUB_CLASS_DATA + layout.ECG.offset + layout.ECG_HR  # i16 LE
R_NBR_AT = 2  # u8 record number in the header: changes nothing that is shown


def _record_with_hr() -> bytes:
    for frame in corpus.datex().frames:
        hr = [k for k in frame.expected if k[1] == "HR"]
        if hr and hr[0][2] is not None and frame.payload[R_NBR_AT] > 0:
            return frame.payload
    raise AssertionError("no frame with an HR number")


def _compensated(record: bytes, at: int, delta: int) -> bytes:
    """``record`` with byte ``at`` raised by ``delta`` and r_nbr lowered by it: same 8-bit sum."""
    buf = bytearray(record)
    buf[at] = (buf[at] + delta) % 256
    buf[R_NBR_AT] = (buf[R_NBR_AT] - delta) % 256
    return bytes(buf)


def _shown_hr(record: bytes) -> Observation:
    session = DatexSession()
    session.on_open(0.0)
    [hr] = [o for o in session.feed(encode_frame(record), 0.0) if o.parameter is Parameter.HR]
    return hr


def test_a_checksum_collision_that_makes_hr_impossible_is_withheld():
    record = _record_with_hr()
    original = _shown_hr(record).value
    damaged = _compensated(record, HR_AT + 1, 1)  # high byte + 1: HR + 256 /min
    assert sum(damaged) % 256 == sum(record) % 256  # the checksum cannot see it
    assert decode_record(damaged)[0].value == original + 256
    hr = _shown_hr(damaged)
    assert hr.value is None and hr.quality & Quality.INVALID


def test_a_checksum_collision_that_keeps_hr_plausible_is_the_documented_limit():
    """About 1 in 256 random corruptions pass the checksum; a small change of a value is
    then shown. docs/RELIABILITY.md says what guards against acting on it (alarm delays)."""
    record = _record_with_hr()
    hr = _shown_hr(_compensated(record, HR_AT, 1))
    assert hr.value == _shown_hr(record).value + 1


# --- the driver: the last line of defence ----------------------------------------------------------


class FakePort:
    """A port whose bytes come from a queue; reads time out like a real port's."""

    def __init__(self, chunks: queue.Queue) -> None:
        self._chunks = chunks

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int) -> bytes:
        try:
            return self._chunks.get(timeout=0.05)
        except queue.Empty:
            return b""

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


class FakeSession:
    name = "fake"
    settings = LineSettings(9600)
    expected_interval_s = 1.0
    raise_next = threading.Event()

    def on_open(self, now_s: float) -> bytes:
        return b""

    def feed(self, data: bytes, now_s: float) -> list:
        if FakeSession.raise_next.is_set():
            FakeSession.raise_next.clear()
            raise RuntimeError("a decoder bug")
        return [Observation(Parameter.HR, 999.0), Observation(Parameter.HR, 72.0)]

    def poll(self, now_s: float) -> bytes:
        return b""

    def on_close(self) -> bytes:
        return b""

    @property
    def stats(self) -> FrameStats:
        return FrameStats()


def _drive(until, raise_first: bool) -> list:
    chunks: queue.Queue = queue.Queue()
    events: queue.Queue = queue.Queue()
    if raise_first:
        FakeSession.raise_next.set()
    driver = Driver("fake://", FakeSession, ScaledClock(speed=20), events.put, opener=lambda url, s: FakePort(chunks))
    driver.start()
    seen: list = []
    try:
        for _ in range(400):  # each round feeds one chunk and waits for what it gives
            chunks.put(b"x")
            try:
                seen.append(events.get(timeout=0.5))
            except queue.Empty:
                continue
            while not events.empty():
                seen.append(events.get_nowait())
            if until(seen):
                return seen
        raise AssertionError(f"not reached: {seen[-5:]}")
    finally:
        driver.stop()
        FakeSession.raise_next.clear()


def test_the_driver_never_passes_on_an_implausible_number():
    seen = _drive(lambda s: sum(isinstance(e, Reading) for e in s) >= 2, raise_first=False)
    first, second = [e for e in seen if isinstance(e, Reading)][:2]
    assert first.value is None and first.quality & Quality.INVALID  # HR 999 /min
    assert second.value == 72


def test_a_decoder_bug_is_announced_and_the_driver_starts_over():
    def recovered(seen: list) -> bool:
        lost = [e for e in seen if isinstance(e, LinkEvent) and "Internal error" in e.message]
        return bool(lost) and any(isinstance(e, Reading) for e in seen[seen.index(lost[0]):])

    seen = _drive(recovered, raise_first=True)
    lost = next(e for e in seen if isinstance(e, LinkEvent) and "Internal error" in e.message)
    assert lost.state is LinkState.DISCONNECTED and "RuntimeError" in lost.message


def test_screen_withholds_only_impossible_numbers():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    items = [
        Observation(Parameter.HR, 0.0, device_time=now),  # asystole: a real value
        Observation(Parameter.HR, 301.0),
        Observation(Parameter.SPO2, 100.0),
        Observation(Parameter.SPO2, 100.5),
        Observation(Parameter.ART_SYS, -40.0),
        Observation(Parameter.NIBP_SYS, 655.35),
        Observation(Parameter.PR, float("nan")),
        Observation(Parameter.PR, None, Quality.SENSOR_OFF),
    ]
    values = [(o.value, o.quality) for o in screen(items)]
    assert values == [
        (0.0, Quality.NONE), (None, Quality.INVALID), (100.0, Quality.NONE), (None, Quality.INVALID),
        (-40.0, Quality.NONE), (None, Quality.INVALID), (None, Quality.INVALID), (None, Quality.SENSOR_OFF),
    ]

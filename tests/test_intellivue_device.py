"""The simulated IntelliVue (spec §B.8) on its own, against the host session, and as
QA runs it: infusion-sim on a pseudo-terminal with infusion-monitor record reading it.

Sans-I/O parts pass simulated seconds by hand; nothing sleeps.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices import registry
from devices.protocols.intellivue import LINE_SETTINGS, IntelliVueSession, Phase
from devices.protocols.intellivue import messages as msg
from devices.protocols.intellivue import nomenclature as nom
from devices.protocols.intellivue.framing import Deframer, encode_frame, escape, fcs
from devices.protocols.intellivue.numerics import NuObsValue, decode_compound
from devices.protocols.intellivue.polling import ObservationPoll, PollReply
from devices.protocols.intellivue.wire import ABS_TIME_UNAVAILABLE, encode_bcd_time
from devices.simulator.device import Emission, SnapshotAt, TruthValue
from devices.simulator.intellivue_device import REAL_MDS_EVENT_TIME, IntelliVueDevice, Link
from devices.simulator.intellivue_replies import MIN_USER_DATA, MONITOR_MTU, TYPICAL_MAX_USER_DATA
from devices.simulator.scenario import load_scenario
from devices.simulator.snapshot import NibpResult, Snapshot
from devices.simulator.verify import verify
from monitor.readings import ART_PARAMETERS, NIBP_PARAMETERS, Observation, Parameter
from tests.test_end_to_end import simulate_and_record

P = Parameter
T0 = datetime(2024, 5, 6, 9, 30, 0, 123_456, tzinfo=UTC)
NIBP_AT = datetime(2024, 5, 6, 9, 30, 4, 567_890, tzinfo=UTC)
MDS_AT_T0 = T0.replace(microsecond=120_000)  # T0 as the MDS Create Event's BCD carries it
AARQ = encode_frame(msg.build_association_request())
AARE = encode_frame(msg.build_association_response())
MDS_RESULT = encode_frame(msg.build_mds_create_result(1, 0))
RELEASE = encode_frame(msg.build_release_request())
POLL = encode_frame(msg.build_extended_poll_request())


def snapshot_at(t: float) -> Snapshot:
    """HR 70 + whole seconds; the first cuff result at 5 s; an arterial line from 8 s."""
    return Snapshot(
        device_time=T0 + timedelta(seconds=t),
        elapsed_s=t,
        hr=70.0 + int(t),
        pr=71.0,
        spo2=97.6,
        art=(125.4, 82.0, 96.5) if t >= 8 else None,
        nibp=NibpResult(121.0, 79.0, 93.0, measured_at=NIBP_AT) if t >= 5 else None,
        nibp_measuring=3 <= t < 5,
    )


def with_changes(**changes: object) -> SnapshotAt:
    return lambda t: replace(snapshot_at(t), **changes)


def messages(emissions: list[Emission]) -> list[msg.Message]:
    """What the device sent, as the host reads it."""
    return [msg.parse_message(f.user_data) for e in emissions for f in Deframer().feed(e.data)]


def user_data(emission: Emission) -> bytes:
    (frame,) = Deframer().feed(emission.data)
    return frame.user_data


def associated(device: IntelliVueDevice | None = None, at: float = 0.0) -> IntelliVueDevice:
    """A device that went through AARQ, MDS Create Event and its result at ``at``."""
    device = device or IntelliVueDevice()
    device.feed(AARQ, at)
    device.due(at, snapshot_at)
    device.feed(MDS_RESULT, at)
    assert device.link is Link.ASSOCIATED
    return device


def poll_reply(
    device: IntelliVueDevice, at: float, snapshots: SnapshotAt = snapshot_at
) -> PollReply:
    assert device.feed(POLL, at) == []
    (reply,) = messages(device.due(at, snapshots))
    assert isinstance(reply, PollReply)
    return reply


def objects_by_handle(reply: PollReply) -> dict[int, ObservationPoll]:
    return {obj.handle: obj for obj in reply.observations}


def nibp_members(reply: PollReply) -> list[NuObsValue]:
    raw = objects_by_handle(reply)[0x0051].get(nom.NOM_ATTR_NU_CMPD_VAL_OBS)
    assert raw is not None
    return decode_compound(raw)


def single_state(reply: PollReply, handle: int) -> int:
    raw = objects_by_handle(reply)[handle].get(nom.NOM_ATTR_NU_VAL_OBS)
    assert raw is not None
    return NuObsValue.decode(raw).state


@dataclass
class Bench:
    """The host session and the device wired back to back, stepped on simulated time."""

    device: IntelliVueDevice = field(default_factory=IntelliVueDevice)
    session: IntelliVueSession = field(default_factory=IntelliVueSession)
    snapshots: SnapshotAt = snapshot_at
    chunk: int = 0  # > 0: the host receives the device's bytes in pieces this long
    now: float = 0.0
    emissions: list[Emission] = field(default_factory=list)
    emitted_at: list[float] = field(default_factory=list)  # simulated time of each emission
    shown: list[Observation] = field(default_factory=list)
    sent: list[TruthValue] = field(default_factory=list)

    def open(self) -> Bench:
        self.exchange(self.session.on_open(self.now))
        return self

    def run_until(self, end_s: float, step_s: float = 0.1) -> Bench:
        while self.now < end_s - 1e-9:
            self.now = round(self.now + step_s, 6)
            self.exchange(self.session.poll(self.now))
        return self

    def exchange(self, host_bytes: bytes) -> None:
        """One runner turn (runner.step): feed the device, send its replies and what is due."""
        emissions = self.device.feed(host_bytes, self.now)
        emissions += self.device.due(self.now, self.snapshots)
        for emission in emissions:
            self.emissions.append(emission)
            self.emitted_at.append(self.now)
            self.sent.extend(emission.truth)
            for piece in _pieces(emission.data, self.chunk):
                self.shown.extend(self.session.feed(piece, self.now))


def _pieces(data: bytes, size: int) -> list[bytes]:
    if size <= 0:
        return [data]
    return [data[i : i + size] for i in range(0, len(data), size)]


def decoded_as_sent(bench: Bench) -> bool:
    """The host showed exactly the values the device sent, each once.

    Compared as multisets: within one reply the host orders values with a number first.
    """
    shown = Counter(TruthValue(o.parameter, o.value, o.device_time, o.origin) for o in bench.shown)
    return shown == Counter(bench.sent)


# --- the device on its own -------------------------------------------------------------


def test_registry_builds_it_with_the_mib_line_settings():
    device = registry.simulated_device("intellivue")
    assert isinstance(device, IntelliVueDevice)
    assert device.name == "intellivue" and device.settings == LINE_SETTINGS


def test_silent_until_the_association_request():
    device = IntelliVueDevice()
    assert device.feed(POLL + MDS_RESULT + RELEASE, 1.0) == []
    assert device.due(10.0, snapshot_at) == [] and device.next_due_s() is None
    assert device.link is Link.IDLE


def test_accepts_with_the_real_aare_then_sends_the_mds_create_event():
    device = IntelliVueDevice()
    assert device.feed(AARQ, 2.0) == [Emission(AARE)]  # §B.9 P5, replayed
    assert device.next_due_s() == 2.0
    (event,) = messages(device.due(2.0, snapshot_at))
    assert isinstance(event, msg.MdsCreateEvent) and event.invoke_id == 1
    assert event.rel_time == event.event_time == REAL_MDS_EVENT_TIME + 2 * 8000
    assert event.abs_time_raw == encode_bcd_time(T0 + timedelta(seconds=2))
    assert device.link is Link.AWAITING_MDS_RESULT


def test_polls_are_answered_only_after_the_mds_create_result():
    device = IntelliVueDevice()
    device.feed(AARQ, 0.0)
    device.due(0.0, snapshot_at)
    assert device.feed(POLL, 0.1) == [] and device.next_due_s() is None
    device.feed(MDS_RESULT, 0.2)
    assert device.link is Link.ASSOCIATED
    assert isinstance(poll_reply(device, 0.3), PollReply)


def test_reply_echoes_the_poll_and_counts_time_in_eighth_milliseconds():
    device = associated()
    request = encode_frame(msg.build_extended_poll_request(invoke_id=5, poll_number=3))
    replies = []
    for at in (1.0, 3.5):
        device.feed(request, at)
        replies += messages(device.due(at, snapshot_at))
    first, second = replies
    assert isinstance(first, PollReply) and isinstance(second, PollReply)
    assert (first.invoke_id, first.poll_number, first.sequence_no) == (5, 3, 0)
    assert second.sequence_no == 1  # §B.8: incremented per reply
    assert second.rel_time - first.rel_time == 2.5 * 8000
    assert first.abs_time == ABS_TIME_UNAVAILABLE  # FF×8, as the real monitor (§B.5)
    assert (first.partition, first.code, first.linked) == (
        nom.NOM_PART_OBJ,
        nom.NOM_MOC_VMO_METRIC_NU,
        None,
    )


def test_each_reply_carries_hr_pulse_spo2_and_nibp_in_whole_units():
    device = associated()
    device.feed(POLL, 6.0)
    (emission,) = device.due(6.0, snapshot_at)
    values = {t.parameter: t.value for t in emission.truth}
    assert values == {
        P.HR: 76,
        P.PR: 71,
        P.SPO2: 98,
        P.NIBP_SYS: 121,
        P.NIBP_DIA: 79,
        P.NIBP_MEAN: 93,
    }
    assert len(user_data(emission)) <= TYPICAL_MAX_USER_DATA  # §B.8


def test_nibp_before_the_first_cuff_reading_is_unavailable_nan_without_a_time():
    device = associated()
    reply = poll_reply(device, 1.0)
    assert [(m.state, m.value) for m in nibp_members(reply)] == [
        (nom.STATE_UNAVAILABLE, 0x007FFFFF)
    ] * 3
    assert objects_by_handle(reply)[0x0051].get(nom.NOM_ATTR_TIME_STAMP_ABS) is None


def test_a_cuff_reading_carries_its_measurement_time_and_the_truth_uses_it():
    device = associated()
    device.feed(POLL, 6.0)
    (emission,) = device.due(6.0, snapshot_at)
    (reply,) = messages([emission])
    assert isinstance(reply, PollReply)
    stamp = objects_by_handle(reply)[0x0051].get(nom.NOM_ATTR_TIME_STAMP_ABS)
    assert stamp == encode_bcd_time(NIBP_AT)
    nibp_times = {t.device_time for t in emission.truth if t.parameter in NIBP_PARAMETERS}
    assert nibp_times == {NIBP_AT.replace(microsecond=560_000)}  # BCD keeps hundredths
    hr_time = next(t.device_time for t in emission.truth if t.parameter is P.HR)
    assert hr_time == MDS_AT_T0 + timedelta(seconds=6)  # the reply's time: MDS base + ticks


def test_cuff_inflating_sets_measurement_ongoing():
    reply = poll_reply(associated(), 3.0)
    assert all(m.state & nom.STATE_MSMT_ONGOING for m in nibp_members(reply))


def test_the_arterial_compound_comes_only_with_an_arterial_line():
    device = associated()
    assert 0x0052 not in objects_by_handle(poll_reply(device, 7.0))
    device.feed(POLL, 8.0)
    (emission,) = device.due(8.0, snapshot_at)
    art = {t.parameter: t.value for t in emission.truth if t.parameter in ART_PARAMETERS}
    assert art == {P.ART_SYS: 125, P.ART_DIA: 82, P.ART_MEAN: 97}  # half up, as displayed


def test_probe_off_marks_spo2_and_pulse_invalid():
    device = associated()
    reply = poll_reply(device, 1.0, with_changes(sensor_off=True))
    assert single_state(reply, 0x0053) & nom.STATE_INVALID  # pleth PR
    assert single_state(reply, 0x0054) & nom.STATE_INVALID  # SpO2
    assert single_state(reply, 0x0050) == 0  # HR from the ECG is unaffected


def test_parameters_the_scenario_marks_invalid_are_sent_invalid():
    device = associated()
    device.feed(POLL, 6.0)
    (emission,) = device.due(6.0, with_changes(invalid=frozenset({P.HR, P.NIBP_DIA})))
    values = {t.parameter: t.value for t in emission.truth}
    assert values[P.HR] is None and values[P.NIBP_DIA] is None and values[P.NIBP_SYS] == 121
    (reply,) = messages([emission])
    assert isinstance(reply, PollReply)
    assert single_state(reply, 0x0050) == nom.STATE_INVALID
    assert [m.state for m in nibp_members(reply)] == [0, nom.STATE_INVALID, 0]


def test_a_large_reply_becomes_a_rorls_chain_within_the_mtu():
    device = associated(IntelliVueDevice(max_user_data=MIN_USER_DATA))
    device.feed(POLL, 9.0)
    emissions = device.due(9.0, snapshot_at)
    replies = messages(emissions)
    assert all(len(user_data(e)) <= MIN_USER_DATA for e in emissions)
    links = [r.linked for r in replies if isinstance(r, PollReply)]
    assert [s.state for s in links[:-1] if s] == [1] + [2] * (len(links) - 3) + [3]
    assert [s.count for s in links[:-1] if s] == list(range(1, len(links)))
    closing = replies[-1]
    assert isinstance(closing, PollReply) and closing.linked is None and closing.contexts == ()
    assert emissions[-1].truth == ()  # §B.9 P2: the closing RORS has 0 entries
    whole = associated()
    whole.feed(POLL, 9.0)
    (single,) = whole.due(9.0, snapshot_at)
    assert [t for e in emissions for t in e.truth] == list(single.truth)


@pytest.mark.parametrize("size", [MIN_USER_DATA - 1, MONITOR_MTU + 1])
def test_a_frame_size_outside_what_the_monitor_can_send_is_refused(size):
    with pytest.raises(ValueError):
        IntelliVueDevice(max_user_data=size)


def test_polls_for_other_object_types_get_an_empty_reply():
    device = associated()
    device.feed(
        encode_frame(msg.build_extended_poll_request(code=nom.NOM_MOC_VMO_METRIC_SA_RT)), 1.0
    )
    (emission,) = device.due(1.0, snapshot_at)
    (reply,) = messages([emission])
    assert isinstance(reply, PollReply) and reply.code == nom.NOM_MOC_VMO_METRIC_SA_RT
    assert reply.contexts == () and emission.truth == ()


def test_release_request_is_answered_and_ends_the_association():
    device = associated()
    assert messages(device.feed(RELEASE, 2.0)) == [
        msg.AssociationControl(msg.AssociationEvent.RELEASE_RESPONSE)
    ]
    assert device.link is Link.IDLE
    assert device.feed(POLL, 2.5) == [] and device.due(3.0, snapshot_at) == []


def test_abort_ends_the_association_without_an_answer():
    device = associated()
    assert device.feed(encode_frame(msg.ABORT), 2.0) == []
    assert device.link is Link.IDLE


def test_reset_forgets_the_association_and_pending_replies():
    device = associated()
    device.feed(POLL, 1.0)
    device.reset()
    assert device.link is Link.IDLE and device.next_due_s() is None
    assert device.feed(POLL, 2.0) == [] and device.due(2.0, snapshot_at) == []
    assert device.feed(AARQ, 3.0) == [Emission(AARE)]  # ready for a new association


def test_a_new_association_request_starts_over():
    device = associated()
    assert device.feed(AARQ, 4.0) == [Emission(AARE)]
    assert device.link is Link.AWAITING_MDS_RESULT
    assert isinstance(messages(device.due(4.0, snapshot_at))[0], msg.MdsCreateEvent)


def test_refuse_first_refuses_that_many_requests_then_accepts():
    device = IntelliVueDevice(refuse_first=2)
    refuse = [msg.AssociationControl(msg.AssociationEvent.REFUSE)]
    assert messages(device.feed(AARQ, 0.0)) == refuse
    assert messages(device.feed(AARQ, 1.0)) == refuse
    assert device.due(1.0, snapshot_at) == []
    assert device.feed(AARQ, 3.0) == [Emission(AARE)]


def test_noise_and_damaged_frames_are_ignored():
    device = IntelliVueDevice()
    damaged = bytearray(AARQ)
    damaged[20] ^= 0x01
    assert device.feed(b"\x00\x11garbage" + bytes(damaged), 0.0) == []
    assert device.feed(encode_frame(b"\xe1\x00\x00\x02\x00\x09"), 0.1) == []  # not understood
    assert device.feed(AARQ[:30], 0.2) == [] and device.feed(AARQ[30:], 0.3) == [Emission(AARE)]


def test_same_requests_same_bytes():
    runs = [Bench().open().run_until(5.0).emissions for _ in range(2)]
    assert runs[0] == runs[1]


# --- the device against the host session ----------------------------------------------------


def test_the_host_decodes_exactly_what_the_device_sent():
    bench = Bench(chunk=7).open().run_until(10.0)
    assert bench.session.phase is Phase.ASSOCIATED
    assert decoded_as_sent(bench)
    params = {o.parameter for o in bench.shown if o.value is not None}
    assert params == {P.HR, P.PR, P.SPO2, *NIBP_PARAMETERS, *ART_PARAMETERS}
    assert bench.session.stats.frames_bad == 0


def test_the_host_decodes_a_rorls_chain_too():
    bench = Bench(device=IntelliVueDevice(max_user_data=MIN_USER_DATA)).open().run_until(10.0)
    assert any(isinstance(m, PollReply) and m.linked for m in messages(bench.emissions))
    assert decoded_as_sent(bench) and bench.sent


def test_relative_time_wrapping_does_not_shift_the_decoded_times():
    origin = 0xFFFF_FFFF - 8000  # wraps one second in
    bench = Bench(device=IntelliVueDevice(rel_time_origin=origin)).open().run_until(4.0)
    assert decoded_as_sent(bench)
    replies = [(at, m) for at, e in zip(bench.emitted_at, bench.emissions) for m in messages([e])]
    polled = [(at, m) for at, m in replies if isinstance(m, PollReply)]
    assert any(m.rel_time < origin for _, m in polled)  # the wire value did wrap
    hr_times = [o.device_time for o in bench.shown if o.parameter is P.HR]
    assert hr_times == [MDS_AT_T0 + timedelta(seconds=at) for at, _ in polled]


def test_a_refused_host_backs_off_retries_and_then_succeeds():
    bench = Bench(device=IntelliVueDevice(refuse_first=2)).open().run_until(2.5)
    assert bench.shown == [] and bench.session.phase is Phase.BACKING_OFF
    bench.run_until(6.0)
    assert "association refused: 2" in bench.session.stats.details
    assert bench.session.phase is Phase.ASSOCIATED and bench.shown
    assert decoded_as_sent(bench)


def test_closing_the_host_releases_the_association():
    bench = Bench().open().run_until(2.0)
    bench.exchange(bench.session.on_close())
    assert bench.device.link is Link.IDLE and bench.session.phase is Phase.CLOSED
    assert messages(bench.emissions[-1:]) == [
        msg.AssociationControl(msg.AssociationEvent.RELEASE_RESPONSE)
    ]


def test_after_a_power_cycle_the_host_notices_and_re_associates():
    bench = Bench().open().run_until(3.0)
    bench.device.reset()  # what the runner does when the cable is pulled
    shown_before = len(bench.shown)
    bench.run_until(6.0)
    assert len(bench.shown) == shown_before  # the monitor ignores polls it has no association for
    bench.run_until(12.0)
    assert bench.session.stats.details.count("link lost: 1") == 1
    assert len(bench.shown) > shown_before and decoded_as_sent(bench)


def test_frame_check_sequences_that_need_escaping_go_out_escaped():
    bench = Bench().open().run_until(400.0, step_s=0.5)
    escaped_fcs = [e for e in bench.emissions if _fcs_needs_escape(user_data(e))]
    assert escaped_fcs, "some FCS should have hit C0, C1 or 7D in 400 replies"
    assert bench.session.stats.frames_bad == 0 and decoded_as_sent(bench)


def _fcs_needs_escape(data: bytes) -> bool:
    body = bytes((0x11, 0x01)) + len(data).to_bytes(2, "big") + data
    return len(escape(fcs(body).to_bytes(2, "little"))) > 2


# --- property: whatever the snapshot, the host decodes the truth --------------------------

UTC_OR_OFFSET = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
RATE = st.one_of(st.none(), st.floats(0, 400))
PERCENT = st.one_of(st.none(), st.floats(0, 100))
PRESSURE = st.floats(0, 300)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    naive = draw(st.datetimes(datetime(2000, 1, 1), datetime(2098, 12, 31)))
    device_time = naive.replace(tzinfo=draw(UTC_OR_OFFSET))
    nibp = None
    if draw(st.booleans()):
        age = draw(st.timedeltas(timedelta(0), timedelta(days=2)))
        nibp = NibpResult(draw(PRESSURE), draw(PRESSURE), draw(PRESSURE), device_time - age)
    return Snapshot(
        device_time=device_time,
        elapsed_s=0.0,
        hr=draw(RATE),
        pr=draw(RATE),
        spo2=draw(PERCENT),
        art=draw(st.one_of(st.none(), st.tuples(PRESSURE, PRESSURE, PRESSURE))),
        nibp=nibp,
        nibp_measuring=draw(st.booleans()),
        sensor_off=draw(st.booleans()),
        invalid=frozenset(draw(st.sets(st.sampled_from(list(Parameter))))),
        rr=draw(st.one_of(st.none(), st.floats(0, 150))),
        etco2=draw(st.one_of(st.none(), st.floats(0, 150))),
        temp=draw(st.one_of(st.none(), st.floats(25, 45))),
        capnograph=draw(st.booleans()),
        thermometer=draw(st.booleans()),
        sensors_off=frozenset(draw(st.sets(st.sampled_from([Parameter.ETCO2, Parameter.TEMP])))),
    )


def expected_sedation(s: Snapshot) -> dict[Parameter, float | None]:
    """RR from the capnograph (awRR) if it has a number, else impedance RR if that has one, else
    the capnograph's or the impedance's "no value"; EtCO2 with a capnograph, the temperature
    (to 0.1 degC) with a probe; an off sensor or a value marked invalid gives no number."""

    def sent(v: float | None, off: bool, parameter: Parameter, decimals: int = 0) -> float | None:
        if v is None or off or parameter in s.invalid:
            return None
        return math.floor(v * 10**decimals + 0.5) / 10**decimals

    line_off = Parameter.ETCO2 in s.sensors_off
    values: dict[Parameter, float | None] = {}
    co2_rr = sent(s.rr, line_off, Parameter.RR) if s.capnograph else None
    impedance_rr = sent(s.rr, False, Parameter.RR) if s.rr is not None else None
    if s.capnograph or s.rr is not None:
        values[Parameter.RR] = co2_rr if co2_rr is not None else impedance_rr
    if s.capnograph:
        values[Parameter.ETCO2] = sent(s.etco2, line_off, Parameter.ETCO2)
    if s.thermometer:
        values[Parameter.TEMP] = sent(s.temp, Parameter.TEMP in s.sensors_off, Parameter.TEMP, 1)
    return values


def expected_values(s: Snapshot) -> dict[Parameter, float | None]:
    """What the monitor shows for ``s``, written from §B.6/§B.8 without the device's code."""

    def whole(v: float | None) -> float | None:
        return None if v is None else float(math.floor(v + 0.5))

    nibp = (s.nibp.sys, s.nibp.dia, s.nibp.mean) if s.nibp else (None, None, None)
    values = {
        P.HR: whole(s.hr),
        P.PR: None if s.sensor_off else whole(s.pr),
        P.SPO2: None if s.sensor_off else whole(s.spo2),
        **{p: whole(v) for p, v in zip(NIBP_PARAMETERS, nibp)},
        **({p: whole(v) for p, v in zip(ART_PARAMETERS, s.art)} if s.art else {}),
    }
    return {**{p: None if p in s.invalid else v for p, v in values.items()}, **expected_sedation(s)}


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    snapshot=snapshots(),
    max_user_data=st.integers(MIN_USER_DATA, MONITOR_MTU),
    origin=st.integers(0, 0xFFFF_FFFF),
    chunk=st.integers(0, 40),
)
def test_any_snapshot_round_trips_through_device_and_session(
    snapshot, max_user_data, origin, chunk
):
    def moving(t: float) -> Snapshot:
        return replace(
            snapshot, device_time=snapshot.device_time + timedelta(seconds=t), elapsed_s=t
        )

    device = IntelliVueDevice(max_user_data=max_user_data, rel_time_origin=origin)
    bench = Bench(device=device, snapshots=moving, chunk=chunk).open().run_until(0.5)
    assert decoded_as_sent(bench)
    assert bench.session.stats.frames_bad == 0
    replies = [e for e in bench.emissions if isinstance(messages([e])[0], PollReply)]
    assert replies and all(len(user_data(e)) <= max_user_data for e in replies)
    expected = expected_values(snapshot)
    shown: dict[Parameter, list[float | None]] = {}
    for obs in bench.shown:  # one poll answered: one value per parameter, but see below
        shown.setdefault(obs.parameter, []).append(obs.value)
    assert {p: values[-1] for p, values in shown.items()} == expected
    # A RORLS chain may show awRR's "no value" first and then supersede it with the impedance
    # RR of a later frame (numerics.SourceSelector); nothing else is ever shown twice.
    assert all(len(v) == 1 or (p is Parameter.RR and v[:-1] == [None]) for p, v in shown.items())
    polled = moving(bench.emitted_at[-1]).device_time
    for obs in bench.shown:
        if obs.parameter in NIBP_PARAMETERS and obs.value is not None:
            assert snapshot.nibp is not None
            assert (
                timedelta(0)
                <= snapshot.nibp.measured_at - obs.device_time
                < timedelta(milliseconds=10)
            )
        else:
            assert obs.device_time is not None
            assert abs(obs.device_time - polled) < timedelta(milliseconds=10)


# --- end to end over a pseudo-terminal, as QA runs it ---------------------------------------

LINK_LOSS_SPEED = 150  # the 1-minute disconnect during the infusion starts ~12 s real in


def run_recorder(tmp_path, python, cli_env, scenario: str, speed: float, duration: float):
    return simulate_and_record(python, cli_env, tmp_path, "intellivue", scenario, speed, duration)


@pytest.mark.slow
def test_recorder_reports_exactly_what_the_simulated_intellivue_sent(tmp_path, python, cli_env):
    truth, events = run_recorder(
        tmp_path, python, cli_env, "ketamine-typical", speed=20, duration=8
    )
    verdict = verify(truth, events)
    assert verdict.ok, verdict.problems[:5]
    assert {"HR", "PR", "SPO2", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "RR", "ETCO2", "TEMP"} <= set(
        verdict.numbers)
    assert {e["source"] for e in events if e.get("parameter") == "RR"} == {"intellivue:co2"}
    assert any(e["type"] == "link" and e["state"] == "receiving" for e in events)


@pytest.mark.slow
def test_the_link_survives_a_simulated_disconnect(tmp_path, python, cli_env):
    disconnect = next(f for f in load_scenario("link-loss").faults if f.kind == "disconnect")
    assert disconnect.start_s / LINK_LOSS_SPEED <= 15  # reached ~12 s into the run
    truth, events = run_recorder(
        tmp_path, python, cli_env, "link-loss", LINK_LOSS_SPEED, duration=22
    )
    verdict = verify(truth, events)
    assert verdict.ok, verdict.problems[:5]

    link = [(i, e["state"]) for i, e in enumerate(events) if e["type"] == "link"]
    states = [state for _, state in link]
    first_up = next(i for i, state in link if state == "receiving")
    leaving = (i for i, state in link if i > first_up and state not in ("receiving", "closed"))
    went_down = next(leaving, None)
    assert went_down is not None, f"the link never left 'receiving': {states}"
    back_up = next((i for i, state in link if i > went_down and state == "receiving"), None)
    assert back_up is not None, f"the link did not come back: {states}"
    after = [e for e in events[back_up:] if e["type"] == "reading" and e["value"] is not None]
    assert {"HR", "NIBP_SYS", "SPO2"} <= {e["parameter"] for e in after}

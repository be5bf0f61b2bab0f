"""The IntelliVue host session (spec §B.4, §B.7), driven by hand-built monitor replies.

Time is whatever the test passes as ``now_s``; nothing sleeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from devices.protocols import ProtocolSession
from devices.protocols.intellivue import LINE_SETTINGS, IntelliVueSession, Phase
from devices.protocols.intellivue import messages as msg
from devices.protocols.intellivue.framing import Deframer, encode_frame
from devices.protocols.intellivue.messages import AssociationControl, AssociationEvent, PollRequest
from devices.protocols.intellivue.numerics import nu_value, numeric_object
from devices.protocols.intellivue.polling import (
    LinkedState,
    PollReply,
    SingleContextPoll,
    build_poll_reply,
)
from monitor.readings import NIBP_PARAMETERS, Parameter, Quality
from tests.conftest import DATA

P = Parameter
MONITOR_TIME = datetime(2024, 5, 6, 9, 30, 0, tzinfo=timezone.utc)
MDS_REL = 0x00100000

AARE = encode_frame(msg.build_association_response())
REFUSE = encode_frame(msg.REFUSE)
ABORT = encode_frame(msg.ABORT)
MDS_CREATE = encode_frame(msg.build_mds_create_event(7, MDS_REL, MONITOR_TIME))


def sent(wire: bytes) -> list[msg.Message]:
    """What the host wrote, as the monitor would read it."""
    return [msg.parse_message(f.user_data) for f in Deframer().feed(wire)]


def is_aarq(message: msg.Message) -> bool:
    return message == AssociationControl(AssociationEvent.REQUEST)


def is_release(message: msg.Message) -> bool:
    return message == AssociationControl(AssociationEvent.RELEASE_REQUEST)


def numeric_reply(hr: float, *, seconds_after_mds: float = 1.0, linked=None) -> bytes:
    nibp = [nu_value(p, v) for p, v in zip(NIBP_PARAMETERS, (118, 79, 92))]
    objects = (numeric_object(0x50, nu_value(P.HR, hr)), numeric_object(0x51, nibp))
    rel = MDS_REL + int(seconds_after_mds * 8000)
    reply = PollReply(1, 1, rel, (SingleContextPoll(0, objects),), linked=linked)
    return encode_frame(build_poll_reply(reply))


def associated(poll_period_s: float = 1.0, **kwargs) -> IntelliVueSession:
    """A session that has been through AARQ, AARE and the MDS create exchange at t = 0..0.2 s."""
    session = IntelliVueSession(poll_period_s, **kwargs)
    session.on_open(0.0)
    session.feed(AARE, 0.1)
    session.feed(MDS_CREATE, 0.2)
    session.poll(0.2)
    assert session.phase is Phase.ASSOCIATED
    return session


def test_it_is_a_protocol_session_with_the_mib_line_settings():
    session: ProtocolSession = IntelliVueSession(2.0)
    assert session.name == "intellivue"
    assert session.settings == LINE_SETTINGS
    assert LINE_SETTINGS.describe() == "115200 8N1"  # no handshake (§B.1)
    assert session.expected_interval_s == 2.0


def test_open_sends_the_association_request():
    session = IntelliVueSession()
    wire = session.on_open(0.0)
    assert wire == encode_frame(msg.build_association_request())
    assert session.phase is Phase.ASSOCIATING
    assert session.poll(0.5) == b""  # nothing more until the monitor answers


def test_accept_then_mds_create_then_numerics_are_polled_and_decoded():
    session = IntelliVueSession()
    session.on_open(0.0)
    assert session.feed(AARE[:50], 0.05) == []  # chunks may split anywhere
    session.feed(AARE[50:], 0.1)
    assert session.phase is Phase.AWAITING_MDS
    assert session.poll(0.15) == b""  # no polling before the MDS exists

    session.feed(MDS_CREATE, 0.2)
    result, poll = sent(session.poll(0.2))
    assert result == msg.MdsCreateResult(invoke_id=7)  # echoes the event's invoke id
    assert isinstance(poll, PollRequest)
    assert (poll.action_type, poll.partition, poll.code) == (0xF13B, 1, 6)  # numerics

    shown = session.feed(numeric_reply(72, seconds_after_mds=1.5), 0.4)
    assert {o.parameter: o.value for o in shown} == {
        P.HR: 72, P.NIBP_SYS: 118, P.NIBP_DIA: 79, P.NIBP_MEAN: 92,
    }  # fmt: skip
    assert shown[0].device_time == MONITOR_TIME + timedelta(seconds=1.5)


def test_polls_repeat_every_poll_period():
    session = associated(poll_period_s=1.0)
    polls_at = []
    for tenth in range(3, 40):
        now = tenth / 10
        session.feed(numeric_reply(70), now)  # the monitor keeps answering
        if any(isinstance(m, PollRequest) for m in sent(session.poll(now))):
            polls_at.append(now)
    assert polls_at == [1.2, 2.2, 3.2]


def test_keep_alive_when_the_poll_period_is_long():
    session = associated(poll_period_s=30.0, keep_alive_s=5.0, link_timeout_s=60.0)
    assert session.poll(3.0) == b""
    assert sent(session.poll(5.3)) == [msg.MdsCreateResult(invoke_id=7)]
    assert session.poll(6.0) == b""
    assert sent(session.poll(10.3)) == [msg.MdsCreateResult(invoke_id=7)]


def test_a_refused_association_is_retried_with_growing_back_off():
    session = IntelliVueSession(backoff_initial_s=1.0)
    session.on_open(0.0)
    session.feed(REFUSE, 0.1)
    assert session.phase is Phase.BACKING_OFF
    assert session.poll(0.5) == b""
    assert [is_aarq(m) for m in sent(session.poll(1.1))] == [True]

    session.feed(ABORT, 1.2)  # refused again, differently: the wait doubles
    assert session.poll(2.5) == b""
    assert [is_aarq(m) for m in sent(session.poll(3.2))] == [True]
    assert "association refused: 1" in session.stats.details


def test_no_answer_to_the_association_request_is_retried():
    session = IntelliVueSession(response_timeout_s=5.0, backoff_initial_s=1.0)
    session.on_open(0.0)
    assert session.poll(4.9) == b""
    session.poll(5.0)
    assert session.phase is Phase.BACKING_OFF
    assert [is_aarq(m) for m in sent(session.poll(6.0))] == [True]


def test_silence_leads_to_release_and_re_association():
    session = associated(poll_period_s=1.0, link_timeout_s=5.0, backoff_initial_s=1.0)
    session.feed(numeric_reply(70), 1.0)
    for now in (2.0, 3.0, 4.0, 5.0):  # polls go out, nothing comes back
        session.poll(now)
    assert session.phase is Phase.ASSOCIATED
    assert [is_release(m) for m in sent(session.poll(6.0))] == [True]
    assert [is_aarq(m) for m in sent(session.poll(7.0))] == [True]

    session.feed(AARE + MDS_CREATE, 7.2)  # the monitor is back
    assert session.phase is Phase.ASSOCIATED
    session.poll(7.2)
    assert [o.value for o in session.feed(numeric_reply(66), 7.5) if o.parameter is P.HR] == [66]
    assert "link lost: 1" in session.stats.details


def test_an_abort_while_associated_leads_to_re_association():
    session = associated(backoff_initial_s=2.0)
    session.feed(ABORT, 1.0)
    assert session.phase is Phase.BACKING_OFF
    assert session.poll(2.5) == b""
    assert [is_aarq(m) for m in sent(session.poll(3.0))] == [True]


def test_a_remote_error_releases_and_re_associates():
    session = associated(backoff_initial_s=1.0)
    session.feed(encode_frame(msg.build_remote_error(1, 3)), 0.5)
    assert [is_release(m) for m in sent(session.poll(0.5))] == [True]
    assert [is_aarq(m) for m in sent(session.poll(1.5))] == [True]


def test_back_off_starts_short_again_after_a_good_association():
    session = IntelliVueSession(backoff_initial_s=1.0)
    session.on_open(0.0)
    for refused_at, retry_at in ((0.1, 1.1), (1.2, 3.2), (3.3, 7.3)):  # waits of 1, 2, 4 s
        session.feed(REFUSE, refused_at)
        assert session.poll(retry_at - 0.05) == b""
        assert [is_aarq(m) for m in sent(session.poll(retry_at))] == [True]
    session.feed(AARE + MDS_CREATE, 7.4)
    session.poll(7.4)
    session.feed(ABORT, 8.0)
    assert session.poll(8.9) == b""
    assert [is_aarq(m) for m in sent(session.poll(9.0))] == [True]


def test_close_sends_the_release_request():
    session = associated()
    assert session.on_close() == encode_frame(msg.build_release_request())
    assert session.phase is Phase.CLOSED
    assert session.poll(100.0) == b""


def test_close_before_opening_sends_nothing():
    assert IntelliVueSession().on_close() == b""


def test_a_chain_of_linked_replies_is_decoded_frame_by_frame():
    session = associated()
    first = numeric_reply(71, linked=LinkedState(1, 1))
    last = numeric_reply(71)
    shown = session.feed(first, 0.5) + session.feed(last, 0.5)
    assert [o.value for o in shown if o.parameter is P.HR] == [71]  # one HR per reply


def test_damaged_frames_show_nothing_and_do_not_disturb_the_next():
    session = associated()
    damaged = bytearray(numeric_reply(200))
    damaged[20] ^= 0xFF
    shown = session.feed(bytes(damaged) + numeric_reply(70)[:30] + numeric_reply(71), 0.5)
    assert [o.value for o in shown if o.parameter is P.HR] == [71]
    assert session.stats.frames_bad == 2


def test_a_nan_value_with_an_unavailable_state_is_absent():
    session = associated()
    hr = nu_value(P.HR, None, state=0x2000)
    reply = PollReply(1, 1, MDS_REL, (SingleContextPoll(0, (numeric_object(1, hr),)),))
    [obs] = session.feed(encode_frame(build_poll_reply(reply)), 0.5)
    assert (obs.value, obs.quality) == (None, Quality.ABSENT)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_the_real_capture_replayed_through_the_session(chunk):
    data = (DATA / "philips-intellivue-mib-rs232.raw").read_bytes()
    if chunk == 1:
        data = data[:20000]  # byte by byte is slow; the opening exchange is what matters
    session = IntelliVueSession()
    session.on_open(0.0)
    shown = [o for i in range(0, len(data), chunk) for o in session.feed(data[i : i + chunk], 0.0)]
    assert session.phase is Phase.ASSOCIATED
    # The MDS create event is answered with its own invoke id and time (§B.4 step 4).
    result, poll = sent(session.poll(0.0))
    assert result == msg.MdsCreateResult(invoke_id=1) and isinstance(poll, PollRequest)
    assert session.stats.frames_bad == 0
    assert all(o.value == 60 for o in shown if o.parameter is P.HR)
    assert not [o for o in shown if o.parameter in NIBP_PARAMETERS and o.value is not None]
    if chunk == 4096:
        assert session.stats.frames_ok == 2887
        assert sum(o.parameter is P.HR for o in shown) == 361

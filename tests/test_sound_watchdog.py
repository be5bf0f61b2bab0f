"""The display watchdog's judgement and the sound protocol's lines, without processes
(issue 14: "if the GUI thread does not come back within 2 s ..."). The real processes
are in tests/test_sound_process.py."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.sound.protocol import child_command, decode, encode, priority_name
from ui.sound.watchdog import DisplayWatchdog

CHECK_S = 0.1  # the sound process looks every 100 ms


def test_nothing_is_frozen_before_the_first_heartbeat():
    dog = DisplayWatchdog()
    assert dog.check(100.0) is None and not dog.frozen  # a dashboard still opening


def test_frozen_after_more_than_2_s_without_a_heartbeat_once_and_then_how_long():
    dog = DisplayWatchdog()
    dog.heartbeat(10.0)
    assert dog.check(12.0) is None  # exactly 2 s: not yet ("more than 2 s")
    assert dog.check(12.05) == pytest.approx(2.05) and dog.frozen
    assert dog.check(13.0) is None  # said once per freeze
    assert dog.heartbeat(15.2) == pytest.approx(5.2) and not dog.frozen  # last heartbeat to the next
    assert dog.heartbeat(15.45) is None


def test_a_new_watchdog_takes_over_what_the_last_one_knew():
    dog = DisplayWatchdog()
    dog.inherit(silent_s=3.0, frozen=True, t=50.0)  # the display froze at 47, before a restart
    assert dog.frozen and dog.check(50.1) is None
    assert dog.heartbeat(51.0) == pytest.approx(4.0)
    fresh = DisplayWatchdog()
    fresh.inherit(silent_s=0.3, frozen=False, t=50.0)
    assert fresh.check(51.0) is None and fresh.check(51.8) == pytest.approx(2.1)


gaps = st.lists(st.one_of(st.floats(0.05, 1.95), st.floats(2.0 + 2 * CHECK_S, 30.0)), min_size=1, max_size=40)


@given(gaps)
def test_every_gap_over_2_s_is_one_freeze_of_that_length_and_no_other_gap_is(gap_list):
    """Heartbeats with these gaps, the watchdog looking every 100 ms as the sound process does.
    Expected from the gaps alone: a freeze per gap longer than 2 s, lasting that gap."""
    dog = DisplayWatchdog()
    t, check_t = 0.0, 0.0
    dog.heartbeat(t)
    frozen, recovered = 0, []
    for gap in gap_list:
        while check_t + CHECK_S < t + gap:
            check_t += CHECK_S
            frozen += dog.check(check_t) is not None
        t += gap
        ended = dog.heartbeat(t)
        if ended is not None:
            recovered.append(ended)
    long_gaps = [g for g in gap_list if g > 2.0]
    assert frozen == len(long_gaps)
    assert recovered == pytest.approx(long_gaps)


def test_protocol_lines_are_one_json_object_each_and_anything_else_is_ignored(caplog):
    line = encode("play", priority="high")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {"op": "play", "priority": "high"}
    assert decode(line) == {"op": "play", "priority": "high"}
    for junk in (b"not json\n", b"[1, 2]\n", b'{"priority": "high"}\n', b'{"op": 3}\n'):
        assert decode(junk) is None
    assert "ignored a line" in caplog.text
    assert decode(b"\n") is None


def test_priorities_are_named_as_the_alarm_engine_names_them():
    from monitor.alarms import Priority

    assert [priority_name(p) for p in Priority] == ["low", "medium", "high"]
    assert priority_name("HIGH") == "high" and priority_name(None) is None
    with pytest.raises(ValueError):
        priority_name("loud")


def test_a_bundled_program_starts_itself_with_the_hidden_flag(monkeypatch):
    import sys

    assert child_command("qt")[1:] == ["-m", "ui.sound.child", "--output", "qt"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/infusion-monitor/infusion-monitor")
    assert child_command("qt") == ["/opt/infusion-monitor/infusion-monitor", "--sound-child", "--output", "qt"]

"""Faults on the real serial path: infusion-sim on a pseudo-terminal (or TCP), with its fault
injection, read by ``infusion-monitor record --jsonl``; what was decoded is checked against
the simulator's --truth file and the recording.

Each fault must be survived (the recorder runs to the end, exit 0), announced (link events
and technical alarms in the output), recovered from (every intact frame after the damage is
decoded: recovery within one valid frame; after an outage the first reopen succeeds: within
one reconnect back-off), and marked in the recording (the link events are stored). No intact
frame may be lost unless the program had announced that it was not receiving.

``IRM_RELIABILITY=full`` (``make soak``) runs 100 off/on cycles per protocol instead of a few.
"""

from __future__ import annotations

import os

import pytest

from devices.simulator.verify import verify
from reliability.harness import (
    Fault,
    cycles,
    delivery,
    load_jsonl,
    outcome,
    record,
    scenario_toml,
    start_simulator,
    stop,
    transitions,
    unannounced_losses,
)

pytestmark = pytest.mark.slow
FULL = os.environ.get("IRM_RELIABILITY") == "full"


def run(tmp_path, protocol: str, faults: list[Fault], *, speed: float, duration_s: float,
        sim_args: tuple[str, ...] = (), endpoint: tuple[str, ...] = ("--pty",)):
    scenario = tmp_path / f"{protocol}.toml"
    scenario.write_text(scenario_toml(f"{protocol}-faults", faults))
    truth = tmp_path / f"{protocol}-truth.jsonl"
    sim, port = start_simulator(
        "--protocol", protocol, "--scenario", str(scenario), *endpoint, "--speed", f"{speed:g}",
        "--seed", "5", "--truth", str(truth), *sim_args,
    )
    recording = tmp_path / f"{protocol}.irm.sqlite"
    try:
        result = record("--port", port, "--protocol", protocol, "--jsonl", "--speed", f"{speed:g}",
                        "--duration", f"{duration_s:g}", "--out", str(recording),
                        timeout=60 + 3 * duration_s / speed)
    finally:
        stop(sim)
    out = outcome(result, recording)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.recording_matches_output() == []
    return out, load_jsonl(truth.read_text())


def _print_figures(name: str, **figures) -> None:
    if FULL:
        print(f"FIGURES {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def assert_no_silent_loss(out, truth, protocol: str, slack_s: float) -> None:
    sent = delivery(truth, out.readings)
    assert sent.intact, "nothing was decoded"
    verdict = verify(truth, out.readings)
    assert verdict.ok, verdict.problems[:5]  # nothing shown that was not sent intact
    unexplained = unannounced_losses(sent, out, protocol, slack_s)
    assert not unexplained, [f.sim_time_s for f in unexplained]
    return sent


# --- GE Datex: noise, a stall, the monitor switched off and on ---------------------------------

def test_datex_survives_noise_a_stall_and_the_monitor_restarting(tmp_path):
    restarts = 100 if FULL else 3
    faults = [
        Fault("garbage", 30, 120, 0.3),  # a burst every ~3 s
        Fault("corrupt", 30, 120, 0.06),
        Fault("truncate", 30, 120, 0.04),
        Fault("silence", 170, 20),  # the monitor stalls: longer than LINK_LOST's 10 s
        *cycles("disconnect", restarts, 230, 20, 50),  # switched off for 20 s, then on again
    ]
    end = 230 + 50 * restarts + 20
    out, truth = run(tmp_path, "datex", faults, speed=30, duration_s=end)
    sent = assert_no_silent_loss(out, truth, "datex", slack_s=6)
    assert not sent.lost  # Datex: nothing lost at all, the host only reopens while the monitor is off
    assert sent.damaged  # and the noise did damage frames: none of them shown (verify above)

    states = transitions(out.link_states())
    assert states["silent"] >= restarts + 1  # the stall and each restart announced
    assert states["receiving"] >= restarts + 2  # ... and each recovered from
    reopenings = [e for e in out.links if e["state"] == "disconnected"]
    assert len(reopenings) == restarts  # one reopen per restart: recovered on the first try
    assert all("reopening" in e["message"] for e in reopenings)
    link_lost = [a["event"] for a in out.alarms("LINK_LOST")]
    assert link_lost[0] == "raised" and link_lost.count("recurred") >= restarts
    assert "raised" in [a["event"] for a in out.alarms("NOISY_LINE")]
    _print_figures("datex pty", restarts=restarts, intact=len(sent.intact), damaged=len(sent.damaged),
                   lost=len(sent.lost), reopens=len(reopenings))


# --- Masimo: the line end is the only frame marker ------------------------------------------------

def test_masimo_survives_damage_stalls_and_ten_restarts(tmp_path):
    restarts = 100 if FULL else 10
    faults = [
        Fault("corrupt", 30, 80, 0.1),
        Fault("truncate", 30, 80, 0.05),
        Fault("silence", 120, 8),  # shorter than the 10 s before the port is reopened
        *cycles("disconnect", restarts, 140, 15, 25),
    ]
    end = 140 + 25 * restarts + 10
    out, truth = run(tmp_path, "masimo", faults, speed=40, duration_s=end)
    sent = assert_no_silent_loss(out, truth, "masimo", slack_s=3)
    states = transitions(out.link_states())
    assert states["silent"] >= restarts + 1
    assert states["disconnected"] == restarts  # one reopen per restart
    assert states["receiving"] >= restarts + 2
    assert [a["event"] for a in out.alarms("LINK_LOST")].count("recurred") >= restarts - 1
    # a line lost to damage or a restart is one line: never a run of them
    assert len(sent.lost) <= len([f for f in sent.damaged if f.delivered == "truncated"]) + 2 * restarts
    _print_figures("masimo pty", restarts=restarts, intact=len(sent.intact), damaged=len(sent.damaged),
                   lost=len(sent.lost))


# --- Philips IntelliVue: association, polls, re-association ----------------------------------------

def test_intellivue_survives_noise_and_restarts(tmp_path):
    restarts = 100 if FULL else 2
    faults = [
        Fault("garbage", 20, 50, 0.3),
        Fault("corrupt", 20, 50, 0.1),
        Fault("truncate", 20, 50, 0.05),
        *cycles("disconnect", restarts, 80, 10, 35),
    ]
    end = 80 + 35 * restarts + 10
    out, truth = run(tmp_path, "intellivue", faults, speed=20, duration_s=end)
    sent = assert_no_silent_loss(out, truth, "intellivue", slack_s=3)
    assert sent.damaged
    states = transitions(out.link_states())
    assert states["receiving"] >= restarts + 1 and states["disconnected"] >= restarts
    assert [a["event"] for a in out.alarms("LINK_LOST")].count("raised") == 1
    _print_figures("intellivue pty", restarts=restarts, intact=len(sent.intact),
                   damaged=len(sent.damaged), lost=len(sent.lost))


# --- the cable pulled: the port goes away and refuses connections ---------------------------------

def test_cable_pulled_and_plugged_back_in_over_a_serial_device_server(tmp_path):
    pulls = 100 if FULL else 3
    faults = cycles("disconnect", pulls, 20, 8, 25)
    out, truth = run(tmp_path, "masimo", faults, speed=20, duration_s=20 + 25 * pulls + 5,
                     endpoint=("--tcp", "127.0.0.1:0"))
    sent = assert_no_silent_loss(out, truth, "masimo", slack_s=3)
    lost_connection = [e for e in out.links if e["state"] == "disconnected" and "Lost the connection" in e["message"]]
    assert len(lost_connection) == pulls  # noticed at once, each time
    retries = [e for e in out.links if e["state"] == "disconnected" and "Retrying in" in e["message"]]
    assert retries  # the program kept trying while the server refused
    assert transitions(out.link_states())["receiving"] >= pulls + 1
    _print_figures("masimo tcp", pulls=pulls, intact=len(sent.intact), lost=len(sent.lost),
                   retries=len(retries))


# --- the monitor's port set to another baud rate -------------------------------------------------

@pytest.mark.parametrize(("protocol", "monitor_baud", "what_arrives"), [
    ("datex", "9600", "nothing arrived"),  # the request is garbled too: the monitor never starts
    ("masimo", "19200", "bytes arrived but none decoded"),
])
def test_wrong_baud_rate_is_named_and_nothing_is_shown(tmp_path, protocol, monitor_baud, what_arrives):
    out, truth = run(tmp_path, protocol, [], speed=10, duration_s=40, sim_args=("--line-baud", monitor_baud))
    assert out.readings == []
    complaints = [e for e in out.links if e["state"] == "no-valid-frames"]
    assert complaints and what_arrives in complaints[0]["message"]
    assert "Check the protocol and line settings" in complaints[0]["message"]
    assert [a["event"] for a in out.alarms("LINK_LOST")][:1] == ["raised"]
    stored = [s for (s,) in out.stored("SELECT state FROM link_events")]
    assert "no-valid-frames" in stored

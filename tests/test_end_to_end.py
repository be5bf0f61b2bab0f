"""The whole serial path as QA runs it: infusion-sim on a real pseudo-terminal,
infusion-monitor record reading it, and the decoded values diffed against the
simulator's --truth file.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from devices.simulator.verify import verify
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def start_simulator(python, env, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [python, "-m", "devices.simulator", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    address = proc.stdout.readline().strip()
    assert address, proc.stderr.read()
    return proc, address


def record(python, env, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, str(ROOT / "main.py"), "record", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def load_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def simulate_and_record(python, env, tmp_path, protocol: str, scenario: str, speed: float,
                        duration: float, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """``infusion-sim --pty --truth`` with ``record --jsonl`` reading it: (truth rows, events)."""
    truth_file = tmp_path / "truth.jsonl"
    sim, port = start_simulator(
        python, env, "--protocol", protocol, "--scenario", scenario, "--pty",
        "--speed", f"{speed:g}", "--seed", str(seed), "--truth", str(truth_file),
    )
    try:
        result = record(python, env, "--port", port, "--protocol", protocol, "--jsonl",
                        "--duration", f"{duration:g}", "--out", str(tmp_path / "session.irm.sqlite"))
    finally:
        sim.terminate()
        sim.wait(10)
    assert result.returncode == 0, result.stderr
    return load_jsonl(truth_file.read_text()), load_jsonl(result.stdout)


@pytest.mark.parametrize(
    ("protocol", "scenario", "expected"),
    [
        ("datex", "ketamine-typical",
         {"HR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "SPO2", "PR", "RR", "ETCO2", "TEMP"}),
        ("datex", "hypertensive-episode", {"HR", "ART_SYS", "ART_DIA", "ART_MEAN", "NIBP_SYS", "SPO2"}),
        ("masimo", "ketamine-typical", {"PR", "SPO2"}),
    ],
)
def test_recorder_reports_exactly_what_the_simulator_sent(tmp_path, python, cli_env, protocol, scenario, expected):
    truth_file = tmp_path / "truth.jsonl"
    out = tmp_path / "session.irm.sqlite"
    sim, port = start_simulator(
        python, cli_env, "--protocol", protocol, "--scenario", scenario, "--pty",
        "--speed", "20", "--seed", "7", "--truth", str(truth_file),
    )
    try:
        result = record(python, cli_env, "--port", port, "--protocol", protocol, "--jsonl",
                        "--duration", "8", "--out", str(out))
    finally:
        sim.terminate()
        sim.wait(10)
    assert result.returncode == 0, result.stderr
    events = load_jsonl(result.stdout)
    readings = [e for e in events if e["type"] == "reading"]

    verdict = verify(load_jsonl(truth_file.read_text()), readings)
    assert verdict.ok, verdict.problems[:5]
    assert expected <= set(verdict.numbers)
    assert any(e["type"] == "link" and e["state"] == "receiving" for e in events)

    stored = sqlite3.connect(out).execute("SELECT count(*) FROM readings").fetchone()[0]
    assert stored == len(readings)


def test_corrupt_frames_and_garbage_give_no_reading_and_do_not_stop_the_next(tmp_path, python, cli_env):
    truth_file = tmp_path / "truth.jsonl"
    sim, port = start_simulator(
        python, cli_env, "--protocol", "datex", "--scenario", "noisy-line", "--pty",
        "--speed", "30", "--seed", "11", "--truth", str(truth_file),
    )
    try:
        result = record(python, cli_env, "--port", port, "--protocol", "datex", "--jsonl",
                        "--duration", "10", "--out", str(tmp_path / "n.irm.sqlite"))
    finally:
        sim.terminate()
        sim.wait(10)
    assert result.returncode == 0, result.stderr
    readings = [e for e in load_jsonl(result.stdout) if e["type"] == "reading"]
    truth_rows = load_jsonl(truth_file.read_text())
    damaged = {(r["device_time"], r["parameter"]) for r in truth_rows if r["delivered"] in ("corrupted", "truncated")}
    assert damaged, "the noisy-line scenario should have damaged some frames in this window"
    verdict = verify(truth_rows, readings)
    assert verdict.ok, verdict.problems[:5]  # nothing from a damaged frame, nothing invented
    assert {"HR", "SPO2"} <= set(verdict.numbers)  # and the intact frames around them still decode


def test_missing_port_is_one_clear_line_and_exit_status_2(tmp_path, python, cli_env):
    result = record(python, cli_env, "--port", "/dev/ttyUSB-nope", "--protocol", "datex",
                    "--out", str(tmp_path / "x.irm.sqlite"), timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "not found" in result.stderr
    assert not (tmp_path / "x.irm.sqlite").exists()


def test_bad_scenario_file_names_file_line_and_field(tmp_path, python, cli_env):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n\n[parameters.HR]\npoints = [[0, 70], [10, "fast"]]\n')
    proc = subprocess.run(
        [python, "-m", "devices.simulator", "--scenario", str(bad), "--pty"],
        cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.toml" in proc.stderr and "line" in proc.stderr and "HR" in proc.stderr


def test_wrong_protocol_is_reported_within_seconds_as_no_valid_frames(tmp_path, python, cli_env):
    sim, port = start_simulator(python, cli_env, "--protocol", "masimo", "--scenario", "stable", "--pty")
    try:
        result = record(python, cli_env, "--port", port, "--protocol", "datex", "--jsonl",
                        "--speed", "4", "--duration", "12", "--out", str(tmp_path / "w.irm.sqlite"))
    finally:
        sim.terminate()
        sim.wait(10)
    events = load_jsonl(result.stdout)
    status = [e for e in events if e["type"] == "link" and e["state"] == "no-valid-frames"]
    assert status, events
    assert "No valid datex frames at 19200 8E1" in status[0]["message"]
    assert "bytes arrived but none decoded" in status[0]["message"]
    assert not [e for e in events if e["type"] == "reading"]


def test_simulator_as_a_serial_device_server_over_tcp(tmp_path, python, cli_env):
    truth_file = tmp_path / "truth.jsonl"
    sim, address = start_simulator(
        python, cli_env, "--protocol", "masimo", "--scenario", "stable", "--tcp", "127.0.0.1:0",
        "--speed", "10", "--truth", str(truth_file),
    )
    assert address.startswith("socket://127.0.0.1:")
    try:
        result = record(python, cli_env, "--port", address, "--protocol", "masimo", "--jsonl",
                        "--duration", "3", "--out", str(tmp_path / "tcp.irm.sqlite"))
    finally:
        sim.terminate()
        sim.wait(10)
    assert result.returncode == 0, result.stderr
    readings = [e for e in load_jsonl(result.stdout) if e["type"] == "reading"]
    verdict = verify(load_jsonl(truth_file.read_text()), readings)
    assert verdict.ok and {"PR", "SPO2"} <= set(verdict.numbers)


# The shipped profile's upper limits (monitor/alarms/profiles/ketamine-infusion.toml), by hand.
UPPER_LIMITS = {"NIBP_SYS": 160, "NIBP_DIA": 100, "NIBP_MEAN": 130, "ART_SYS": 160, "ART_DIA": 100}


def test_record_prints_one_alarm_per_measurement_for_a_hypertensive_episode_and_every_limit_crossed(
    tmp_path, python, cli_env
):
    """Issue 14's "done when": one NIBP and one ART condition at a time, the log naming every limit."""
    out = tmp_path / "alarms.irm.sqlite"
    episode = ROOT / "tests" / "data" / "quick-hypertensive-episode.toml"  # the built-in one, told quickly
    result = record(python, cli_env, "--port", f"sim:{episode}", "--protocol", "datex", "--jsonl",
                    "--speed", "60", "--duration", "560", "--out", str(out))
    assert result.returncode == 0, result.stderr
    events = load_jsonl(result.stdout)
    phases = [e["phase"] for e in events if e["type"] == "phase"]
    assert phases[:2] == ["baseline", "infusion"]  # the scenario's timeline drove the session
    alarms = [e for e in events if e["type"] == "alarm"]
    raised = {(e["condition"], e["priority"]) for e in alarms if e["event"] in ("raised", "escalated")}
    assert ("NIBP_HIGH", "medium") in raised and ("ART_HIGH", "medium") in raised
    assert ("NIBP_HIGH", "high") in raised  # unacknowledged, it escalates
    # the link was fine, and stopping is not a loss: a LINK_LOST only after the driver found the line
    # silent (a loaded machine can hold the simulator up for the 0.2 s that are 12.5 s of its clock here)
    lost = [i for i, e in enumerate(events) if e["type"] == "alarm" and e["condition"] == "LINK_LOST"]
    silent = [i for i, e in enumerate(events) if e["type"] == "link" and e["state"] not in ("receiving", "connecting",
                                                                                            "waiting", "closed")]
    assert all(any(s < i for s in silent) for i in lost), "LINK_LOST without a silent line"
    # never more than one upward NIBP alarm and one upward ART alarm at a time
    showing: set[str] = set()
    for event in alarms:
        if event["event"] == "raised":
            showing.add(event["condition"])
        elif event["event"] == "cleared":
            showing.discard(event["condition"])
        for measurement in ("NIBP", "ART"):
            upward = {c for c in showing if c.startswith(measurement + "_") and c.endswith(("_HIGH", "_RISE"))}
            assert len(upward) <= 1, (event, upward)
    # ... while every limit a cuff result went beyond (NIBP has no delay) is named in a crossed row
    beyond = {e["parameter"] for e in events if e["type"] == "reading" and e["value"] is not None
              and e["parameter"] in UPPER_LIMITS and e["value"] > UPPER_LIMITS[e["parameter"]]}
    crossed = {e["condition"] for e in alarms if e["event"] == "crossed"}
    assert {"NIBP_SYS", "NIBP_DIA", "ART_SYS", "ART_DIA"} <= beyond
    assert {f"{p}_HIGH" for p in beyond if p.startswith("NIBP")} | {"ART_SYS_HIGH", "ART_DIA_HIGH"} <= crossed
    assert {e["condition"] for e in alarms if e["event"] == "raised"} <= {"NIBP_HIGH", "ART_HIGH", "NIBP_RISE",
                                                                          "ART_RISE", "HR_HIGH"}
    alarm_rows = sqlite3.connect(out).execute("SELECT count(*) FROM alarm_events").fetchone()[0]
    assert alarm_rows == len(alarms)  # the log in the recording is complete


def test_bad_alarm_profile_is_refused_with_file_and_rule(tmp_path, python, cli_env):
    bad = tmp_path / "bad-profile.toml"
    bad.write_text('name = "bad"\n[parameters.HR]\nhigh = { medium = 50 }\nlow = { medium = 90 }\n')
    result = record(python, cli_env, "--port", "sim:stable", "--protocol", "datex", "--profile", str(bad),
                    "--out", str(tmp_path / "x.irm.sqlite"), timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "bad-profile.toml" in result.stderr


def test_a_reader_that_stops_reading_ends_the_session_cleanly(tmp_path, python, cli_env):
    """`record --jsonl | head -3`: no traceback, and the recording is closed as ended normally."""
    out = tmp_path / "piped.irm.sqlite"
    proc = subprocess.Popen(
        [python, str(ROOT / "main.py"), "record", "--port", "sim:ketamine-typical", "--protocol", "datex",
         "--speed", "60", "--duration", "3600", "--jsonl", "--out", str(out)],
        cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    for _ in range(3):
        assert proc.stdout.readline()
    proc.stdout.close()  # as `head` does after its lines
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in stderr, stderr.decode()
    info = dict(sqlite3.connect(out).execute("SELECT key, value FROM session_info"))
    assert info["end_reason"] == "ended normally"

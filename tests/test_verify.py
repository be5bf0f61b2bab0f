"""The QA diff between what the simulator sent and what the program decoded must catch errors."""

from __future__ import annotations

from devices.simulator.verify import main, verify

T = "2026-11-22T08:00:05+00:00"
TRUTH = [
    {"device_time": T, "parameter": "HR", "value": 72, "delivered": "ok"},
    {"device_time": T, "parameter": "SPO2", "value": None, "delivered": "ok"},
    {"device_time": "2026-11-22T08:00:10+00:00", "parameter": "HR", "value": 74, "delivered": "corrupted"},
]


def reading(parameter, value, device_time=T):
    return {"type": "reading", "device_time": device_time, "parameter": parameter, "value": value}


def test_matching_readings_pass():
    assert verify(TRUTH, [reading("HR", 72), reading("SPO2", None)]).ok


def test_a_wrong_number_fails():
    assert not verify(TRUTH, [reading("HR", 73)]).ok


def test_a_number_where_the_device_sent_none_fails():
    assert not verify(TRUTH, [reading("SPO2", 97)]).ok


def test_a_reading_from_a_corrupted_frame_fails():
    assert not verify(TRUTH, [reading("HR", 74, "2026-11-22T08:00:10+00:00")]).ok


def test_command_line_exit_status(tmp_path, capsys):
    import json

    truth, decoded = tmp_path / "t.jsonl", tmp_path / "d.jsonl"
    truth.write_text("\n".join(json.dumps(r) for r in TRUTH))
    decoded.write_text(json.dumps(reading("HR", 72)))
    assert main([str(truth), str(decoded)]) == 0
    decoded.write_text(json.dumps(reading("HR", 99)))
    assert main([str(truth), str(decoded)]) == 1
    assert "MISMATCH" in capsys.readouterr().out

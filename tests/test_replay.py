"""Replaying the real IntelliVue capture through a pseudo-terminal into the recorder."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.slow
CAPTURE = DATA / "philips-intellivue-mib-rs232.raw"


def test_real_capture_replayed_through_a_pty_gives_hr_60_and_never_a_nibp_number(tmp_path, python, cli_env):
    sim = subprocess.Popen(
        [python, "-m", "devices.simulator", "--protocol", "intellivue", "--replay", str(CAPTURE), "--pty", "--speed", "40"],
        cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    port = sim.stdout.readline().strip()
    assert port, sim.stderr.read()
    try:
        result = subprocess.run(
            [python, str(ROOT / "main.py"), "record", "--port", port, "--protocol", "intellivue", "--jsonl",
             "--duration", "6", "--speed", "1", "--out", str(tmp_path / "replay.irm.sqlite")],
            cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=90,
        )
    finally:
        sim.terminate()
        sim.wait(10)
    assert result.returncode == 0, result.stderr
    readings = [json.loads(line) for line in result.stdout.splitlines() if '"type": "reading"' in line]
    hr = [r["value"] for r in readings if r["parameter"] == "HR" and r["value"] is not None]
    nibp = [r for r in readings if r["parameter"].startswith("NIBP")]
    assert len(hr) >= 300 and set(hr) == {60}
    assert nibp and all(r["value"] is None for r in nibp)


def test_unreadable_capture_is_one_clear_line(tmp_path, python, cli_env):
    result = subprocess.run(
        [python, "-m", "devices.simulator", "--replay", str(tmp_path / "nope.raw"), "--pty"],
        cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"infusion-sim: Capture file {tmp_path / 'nope.raw'} does not exist."

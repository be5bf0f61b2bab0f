"""The treatment plan on the command line: read strictly, refused in one line (exit 2), a value
outside the usual range only with ``--confirm FIELD`` (recorded), and ``record --jsonl`` printing
the treatment's events."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def monitor(env, cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "words"), [
    (["--weight", "80,5"], '"80,5" has a comma: type the weight in kg with a point for decimals'),
    (["--weight", "8O"], '"8O" is not a number: type the weight in kg'),
    (["--weight", "176 lb"], '"176 lb" is not in kg'),
    (["--weight", "310"], "The weight 310 kg is above the usual 20-300 kg: confirm it is right. "
                          "If it is, add --confirm weight."),
    (["--weight", "80", "--dose", "1.5"], "add --confirm dose"),
    (["--weight", "700"], "which is never accepted"),
    (["--dose", "0.5"], "--dose needs --weight KG too"),
    (["--weight", "80", "--concentration", "10,0"], "has a comma: type the drug concentration in mg/mL"),
])
def test_a_bad_plan_is_refused_in_one_line_before_anything_starts(tmp_path, cli_env, args, words):
    out = tmp_path / "x.irm.sqlite"
    result = monitor(cli_env, tmp_path, "record", "--port", "sim:stable", "--out", str(out), *args)
    assert result.returncode == 2 and words in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_real_port_needs_its_protocol(tmp_path, cli_env):
    result = monitor(cli_env, tmp_path, "record", "--port", "/dev/ttyUSB9", "--out", str(tmp_path / "x.irm.sqlite"))
    assert result.returncode == 2 and "Give the monitor's protocol for /dev/ttyUSB9" in result.stderr


def test_a_confirmed_value_outside_the_range_is_recorded_with_the_plan_and_printed(tmp_path, cli_env):
    out = tmp_path / "heavy.irm.sqlite"
    result = monitor(cli_env, tmp_path, "record", "--port", "sim:stable", "--patient", "P-9", "--weight", "310",
                     "--confirm", "weight", "--speed", "60", "--duration", "30", "--jsonl", "--out", str(out))
    assert result.returncode == 0, result.stderr
    plans = [json.loads(line) for line in result.stdout.splitlines() if '"treatment_plan"' in line]
    assert len(plans) == 1 and plans[0]["total_mg"] == 155 and plans[0]["by"] == "command line"  # 310 x 0.5
    assert plans[0]["confirmations"][0]["field"] == "weight"
    with sqlite3.connect(out) as db:
        (by, total, confirmations), = db.execute("SELECT by, total_mg, confirmations FROM treatment_plans")
        info = dict(db.execute("SELECT key, value FROM session_info"))
    assert (by, total) == ("command line", 155)
    [confirmed] = json.loads(confirmations)
    assert confirmed["value"] == 310 and "above the usual 20-300 kg" in confirmed["message"]
    assert info["treatment_profile"] == "ketamine-iv" and info["patient_id"] == "P-9"

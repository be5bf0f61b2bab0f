"""``infusion-monitor export`` as a clinician runs it: one file per format, one clear line on error."""

from __future__ import annotations

import csv
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run(python, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    import os
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    path = tmp_path_factory.mktemp("rec") / "session.irm.sqlite"
    result = run(sys.executable, env, "record", "--port", "sim:ketamine-typical", "--protocol", "datex",
                 "--speed", "120", "--duration", "1200", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_csv_export_writes_the_documented_columns_and_the_events_file(recording, tmp_path, python, cli_env):
    result = run(python, cli_env, "export", str(recording), "--format", "csv", "--out", str(tmp_path), "--events")
    assert result.returncode == 0, result.stderr
    written = result.stdout.split()
    assert len(written) == 2
    with open(written[0], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["time_utc", "elapsed_s", "HR", "PR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN",
                       "ART_SYS", "ART_DIA", "ART_MEAN", "SPO2",
                       "RR", "ETCO2", "TEMP"]  # the simulated monitor has them (ketamine-typical)
    assert any(row[2] for row in rows[1:])  # heart rate values are there


@pytest.mark.parametrize("fmt", ["edf", "pdf"])
def test_edf_and_pdf_exports_are_written(recording, tmp_path, python, cli_env, fmt):
    result = run(python, cli_env, "export", str(recording), "--format", fmt, "--out", str(tmp_path / f"s.{fmt}"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"s.{fmt}").stat().st_size > 1000


def test_export_never_overwrites_and_says_so_in_one_line(recording, tmp_path, python, cli_env):
    target = tmp_path / "keep.csv"
    target.write_text("precious")
    result = run(python, cli_env, "export", str(recording), "--format", "csv", "--out", str(target))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert target.read_text() == "precious"


def test_export_of_a_damaged_file_is_one_clear_line(tmp_path, python, cli_env):
    bad = tmp_path / "bad.irm.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    result = run(python, cli_env, "export", str(bad), "--format", "csv", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "bad.irm.sqlite" in result.stderr


def test_review_of_a_damaged_file_is_one_clear_line_and_exit_2(tmp_path, python, cli_env):
    bad = tmp_path / "bad.irm.sqlite"
    bad.write_bytes(b"\x00garbage" * 64)
    cli_env["QT_QPA_PLATFORM"] = "offscreen"
    result = run(python, cli_env, "review", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "bad.irm.sqlite" in result.stderr

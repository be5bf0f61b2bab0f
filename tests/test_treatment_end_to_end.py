"""Issue 17 as a new user tries it, from the README: record two sessions of patient S-1 on the
simulated monitor with ``--weight``, export the first one's PDF report and the patient's
treatment series, and read both PDFs back with pdftotext (an independent reader).

Expected values come from the hand computation (80 kg x 0.5 mg/kg = 40 mg; 70 kg: 35 mg),
the scenario file's timeline (read here with tomllib) and the recordings' own readings
(read with sqlite3), never from the code under test. The commands run faster than the
README's ``--speed 60`` to keep the suite short; the path is the same.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")]
SCENARIO = ROOT / "devices" / "simulator" / "scenarios" / "ketamine-typical.toml"
INFUSION_START_S, INFUSION_STOP_S = 300, 2700


def monitor(python, env, cwd, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([python, str(ROOT / "main.py"), *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def pdf_text(path, layout: bool = True) -> str:
    """The PDF's words on one line; ``layout=False`` keeps a table's wrapped cells together."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return " ".join(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Two sessions of S-1 recorded in a fresh folder (the user's current one), as the README says."""
    folder = tmp_path_factory.mktemp("s1")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               XDG_DATA_HOME=str(folder / "data"))  # the recordings folder: empty, not the user's
    python = sys.executable
    monitor(python, env, folder, "record", "--port", "sim:ketamine-typical", "--patient", "S-1", "--weight", "80",
            "--speed", "200", "--duration", "6000", "--out", "s1.irm.sqlite")
    monitor(python, env, folder, "record", "--port", "sim:ketamine-typical", "--patient", "S-1", "--weight", "70",
            "--speed", "200", "--duration", "3000", "--out", "s2.irm.sqlite")
    return python, env, folder


def scenario_checks(until_s: float) -> list[str]:
    events = tomllib.loads(SCENARIO.read_text())["events"]
    return [e["text"] for e in events if e["kind"] == "check" and e["at_s"] < until_s]


def test_the_report_states_the_dose_the_checks_and_when_the_discharge_criteria_were_met(sessions):
    python, env, folder = sessions
    monitor(python, env, folder, "export", "s1.irm.sqlite", "--format", "pdf", "--out", "s1.pdf")
    text = pdf_text(folder / "s1.pdf")
    assert "Dose: 40 mg over 40 minutes (0.5 mg/kg × 80 kg), pump 150 mL/h" in text  # 80 x 0.5; 100 mL / 40 min
    checks = scenario_checks(6000)
    assert len(checks) == 15
    # each check of the scenario is a row: the scale's words for its score (MOAA/S, 0-10 rating)
    wording = {"S5": "Sedation MOAA/S 5 (Alert)", "S4": "Sedation MOAA/S 4 (Lethargic)", "N": "Side effect: Nausea"}
    for keys in checks:
        expected = wording.get(keys) or f"Dissociation rating {keys[1:]} of 10"
        assert expected in text, expected
    assert text.count("Sedation MOAA/S 5 (Alert)") == checks.count("S5")
    # the criteria the 100 min of this recording reach, each with the time it was met
    for criterion in ("Sedation back to MOAA/S 5 (Alert)", "HR within 20 % of baseline",
                      "NIBP sys within 20 % of baseline"):
        assert re.search(r"\d\d:\d\d:\d\d \d+ Discharge criterion met: " + re.escape(criterion), text), criterion
    # 60 min of observation end at 100 min: after this recording's 6000 s
    assert "Not every discharge criterion was met by the end of the recording" in text
    assert "No discharge sign-off was recorded" in text


def test_the_series_lists_both_sessions_with_their_dose_and_peak_systolic(sessions):
    python, env, folder = sessions
    result = monitor(python, env, folder, "export", "--series", "S-1", "--format", "pdf", "--out", "series.pdf")
    assert result.stdout.strip().endswith("series.pdf")
    text = pdf_text(folder / "series.pdf", layout=False)
    assert "Treatment series: patient S-1" in text and "2 sessions" in text
    rows = re.findall(r"(?:^|\s)([12]) \d\d \w\w\w \d{4} \d\d:\d\d (\d+) mg \(0\.5 mg/kg\) [\d.]+ mg (\d+) → (\d+)", text)
    assert [(n, mg) for n, mg, _, _ in rows] == [("1", "40"), ("2", "35")]  # 80 and 70 kg x 0.5 mg/kg
    for (_, _, _, peak), name in zip(rows, ("s1", "s2"), strict=True):
        with sqlite3.connect(folder / f"{name}.irm.sqlite") as db:
            start = db.execute("SELECT host_time FROM phase_changes WHERE phase = 'infusion'").fetchone()[0]
            # fresh cuff results only: a repeated or late one comes flagged (OLDER_THAN_60S, NIBP_MEASURING)
            highest = db.execute("SELECT MAX(value) FROM readings WHERE parameter = 'NIBP_SYS' AND quality = '' "
                                 "AND host_time >= ?", (start,)).fetchone()[0]
        assert int(peak) == round(highest)


def test_the_series_csv_has_one_row_per_session(sessions):
    python, env, folder = sessions
    monitor(python, env, folder, "export", "--series", "S-1", "--format", "csv", "--out", str(folder))
    lines = (folder / "series-S-1.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[1].split(",")[8] == "40" and lines[2].split(",")[8] == "35"

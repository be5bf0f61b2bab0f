"""``infusion-monitor record --room``, as a new user runs it (issue 15, "Done when").

Four simulated chairs, one of them a hypertensive episode, recorded for 8 minutes of session
at 20x: every chair's readings printed with its name, alarms for that chair only, and four
recordings that each open in the session library and the review window. The hypertensive
chair is the built-in episode told quickly (past 180 mmHg from minute 5, where the built-in
takes 31 minutes) so that make test stays short; the issue's 40 minutes of the built-in
scenarios were run by hand.
The real command runs as a process; the recordings are read back with the review reader
and the real library window (offscreen).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from monitor.review import list_recordings, open_recording
from tests.conftest import ROOT
from ui.review import LibraryWindow

ROOM = """\
[room]
name = "Room 2"

[[chair]]
name = "Chair 1"
port = "sim:ketamine-typical"
protocol = "datex"
patient = "K-0142"

[[chair]]
name = "Chair 2"
port = "sim:{quick_episode}"
protocol = "datex"
patient = "K-0143"

[[chair]]
name = "Chair 3"
port = "sim:ketamine-typical"
protocol = "datex"

[[chair]]
name = "Chair 4"
port = "sim:stable"
protocol = "datex"
patient = "K-0145"
"""
QUICK_EPISODE = ROOT / "tests" / "data" / "quick-hypertensive-episode.toml"
CHAIRS = {"Chair 1", "Chair 2", "Chair 3", "Chair 4"}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # 8 min of session at 20x: 24 s


def test_a_room_is_recorded_chair_by_chair_with_the_alarms_of_its_hypertensive_chair_only(
        tmp_path, python, cli_env, qtbot):
    room = tmp_path / "room.toml"
    room.write_text(ROOM.format(quick_episode=QUICK_EPISODE))
    out = tmp_path / "recordings"
    result = subprocess.run(
        [python, str(ROOT / "main.py"), "record", "--room", str(room), "--out-dir", str(out), "--speed", "20",
         "--duration", "480", "--jsonl"],
        capture_output=True, text=True, env=cli_env, timeout=400, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(line["bed"] in CHAIRS for line in lines)  # every line says whose it is
    readers = {line["bed"] for line in lines if line["type"] == "reading" and line["value"] is not None}
    assert readers == CHAIRS
    hr = {line["bed"] for line in lines if line["type"] == "reading" and line["parameter"] == "HR"}
    assert hr == CHAIRS
    raised = [(line["bed"], line["condition"]) for line in lines
              if line["type"] == "alarm" and line["event"] in ("raised", "escalated")]
    assert {bed for bed, _ in raised} == {"Chair 2"}, raised  # the others: no alarm, not even LINK_LOST
    assert ("Chair 2", "NIBP_HIGH") in raised and ("Chair 2", "ART_HIGH") in raised  # one per measurement
    phases = {line["bed"]: line["phase"] for line in lines if line["type"] == "phase"}
    assert phases["Chair 1"] in ("infusion", "recovery")  # each chair's scenario drove its own session

    files = sorted(out.glob("*.irm.sqlite"))
    assert len(files) == 4
    for path in files:
        with open_recording(path) as recording:  # the full check, as the review window opens a file
            meta = recording.metadata
            assert (meta.room, meta.ended_unexpectedly) == ("Room 2", False)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        hr = db.execute("SELECT count(*) FROM readings WHERE parameter = 'HR' AND value IS NOT NULL").fetchone()[0]
        db.close()
        assert hr > 85, (meta.chair, hr)  # 8 min of a record every 5 s
    infos = list_recordings(out)
    assert sorted(info.chair_text for info in infos) == [f"Chair {n} (Room 2)" for n in range(1, 5)]
    by_chair = {info.chair: info for info in infos}
    assert by_chair["Chair 2"].patient_id == "K-0143" and by_chair["Chair 2"].alarm_counts["high"] + by_chair["Chair 2"].alarm_counts["medium"] > 0
    assert [sum(by_chair[c].alarm_counts.values()) for c in ("Chair 1", "Chair 3", "Chair 4")] == [0, 0, 0]

    library = LibraryWindow(out)
    qtbot.addWidget(library)
    library.search_box.setText("Chair 3")
    assert [info.chair for info in library.visible_rows()] == ["Chair 3"]  # found by chair
    library.search_box.setText("")
    for row in range(len(library.infos)):
        window = library.open_row(row)
        assert window is not None and window.recording.metadata.chair in CHAIRS
        qtbot.addWidget(window)

"""The session library: every recording in a folder with its facts, bad files listed with the
reason instead of breaking the list, and search."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.readings import Parameter
from monitor.review import LibraryError, RecordingInfo, list_recordings, search
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    LOCAL,
    T0,
    alarm,
    clinic_time_zone,
    phase,
    reading,
    record,
    simulated_recording,
)

pytestmark = pytest.mark.usefixtures("clinic_time_zone")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    good = simulated_recording(folder / "20261122-090000-P-0042.irm.sqlite")
    record(
        folder / "20261123-140000-AB-7.irm.sqlite",
        [phase(86400 + 21600, "baseline"), *(reading(Parameter.HR, 80, 86400 + 21600 + i) for i in range(0, 900, 5)),
         phase(86400 + 21600 + 600, "infusion"),
         alarm(86400 + 21600 + 700, "HR_HIGH", "low", "raised", 111, 110)],
        close=False, patient_id="AB-7", started_at=(T0 + timedelta(days=1, hours=6)).astimezone(LOCAL).isoformat(),
    )
    cut = folder / "20261121-100000-CUT.irm.sqlite"
    shutil.copy(good, cut)
    os.truncate(cut, cut.stat().st_size // 3)
    newer = folder / "20261120-100000-NEW.irm.sqlite"
    shutil.copy(good, newer)
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 9")
    db.close()
    with sqlite3.connect(folder / "someone-else.irm.sqlite") as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    db.close()
    (folder / "garbage.irm.sqlite").write_bytes(b"\x00\x01not sqlite" * 100)
    (folder / "empty.irm.sqlite").touch()
    (folder / "odd.irm.sqlite").mkdir()
    (folder / "notes.txt").write_text("not a recording, not listed")
    return folder


def test_every_recording_is_listed_newest_first_and_bad_ones_say_why(folder):
    infos = list_recordings(folder)
    names = [i.name for i in infos]
    assert "notes.txt" not in names and len(infos) == 8
    assert names[:4] == [
        "20261123-140000-AB-7.irm.sqlite", "20261122-090000-P-0042.irm.sqlite",
        "20261121-100000-CUT.irm.sqlite", "20261120-100000-NEW.irm.sqlite",
    ]
    by_name = {i.name: i for i in infos}
    assert by_name["20261122-090000-P-0042.irm.sqlite"].status == "ok"
    assert by_name["20261122-090000-P-0042.irm.sqlite"].reason == ""
    crashed = by_name["20261123-140000-AB-7.irm.sqlite"]
    assert crashed.status == "ended unexpectedly" and "about a second" in crashed.reason and crashed.openable
    cut = by_name["20261121-100000-CUT.irm.sqlite"]
    assert cut.status == "damaged" and "damaged" in cut.reason and str(cut.path) in cut.reason
    assert cut.date_text == "2026-11-21 10:00"  # dated from its name, so it sorts with its day
    newer = by_name["20261120-100000-NEW.irm.sqlite"]
    assert newer.status == "newer version" and "Update" in newer.reason and not newer.openable
    for name, phrase in (("someone-else.irm.sqlite", "another program"), ("garbage.irm.sqlite", "not an SQLite"),
                         ("empty.irm.sqlite", "empty"), ("odd.irm.sqlite", "folder")):
        assert by_name[name].status == "damaged" and phrase in by_name[name].reason, by_name[name]


def test_a_line_has_patient_date_duration_phases_and_alarms_by_priority(folder):
    info = next(i for i in list_recordings(folder) if i.patient_id == "P-0042")
    assert info.date_text == "2026-11-22 09:00"  # the clinic's local time
    assert info.duration_s == 6300
    assert dict(info.phase_lengths) == {"baseline": 300, "infusion": 2400, "recovery": 3600}
    assert dict(info.alarm_counts) == {"high": 1, "medium": 1, "low": 0}
    assert (info.protocol, info.port, info.simulated) == ("datex", "/dev/ttyUSB0", False)
    crashed = next(i for i in list_recordings(folder) if i.patient_id == "AB-7")
    assert dict(crashed.phase_lengths) == {"baseline": 600, "infusion": 295}  # until the data ends
    assert dict(crashed.alarm_counts) == {"high": 0, "medium": 0, "low": 1}


def test_search_matches_every_word_case_insensitively(folder):
    infos = list_recordings(folder)
    assert [i.patient_id for i in search(infos, "p-0042")] == ["P-0042"]
    assert [i.patient_id for i in search(infos, "ab")] == ["AB-7"]
    assert {i.name for i in search(infos, "2026-11-22")} == {"20261122-090000-P-0042.irm.sqlite"}
    assert {i.name for i in search(infos, "23.11.2026")} == {"20261123-140000-AB-7.irm.sqlite"}
    assert len(search(infos, "damaged")) == 5  # CUT, foreign, garbage, empty, the folder
    assert [i.patient_id for i in search(infos, "unexpectedly AB")] == ["AB-7"]
    assert search(infos, "ab 0042") == []
    assert search(infos, "  ") == infos


def test_a_chair_number_is_found_as_the_chairs_not_in_a_time_or_a_patient_number(clinic_time_zone):
    """Found on CI: "Chair 3" listed every chair of a room recorded at 10:36 (the 3 began "36")."""
    at_10_36 = datetime(2026, 12, 3, 10, 36, tzinfo=LOCAL)
    rows = [RecordingInfo(Path(f"{n}.irm.sqlite"), "ok", patient_id=patient, started_at=at_10_36, chair=chair,
                          room="Room 2")
            for n, (chair, patient) in enumerate([("Chair 3", "K-0142"), ("Chair 1", "K-0143"),
                                                  ("Chair 30", "K-0144"), ("Chair 2", "K-0145")])]
    assert [i.chair for i in search(rows, "chair 3")] == ["Chair 3"]
    assert [i.chair for i in search(rows, "Room 2 chair 3")] == ["Chair 3"]
    assert [i.patient_id for i in search(rows, "k-014")] == ["K-0142", "K-0143", "K-0144", "K-0145"]  # a prefix
    assert len(search(rows, "10:36")) == 4 and len(search(rows, "3")) == 4  # a number alone is a prefix
    assert [i.chair for i in search(rows, "chair 30")] == ["Chair 30"]


def test_the_session_being_recorded_now_is_not_called_a_crash(tmp_path):
    from datetime import UTC, datetime
    from pathlib import Path

    from monitor.readings import UNITS, Reading

    now = datetime.now(UTC)
    path = record(tmp_path / "live.irm.sqlite", [Reading(Parameter.HR, 70, UNITS[Parameter.HR], now, "datex")],
                  close=False, started_at=now.isoformat())
    assert [i.status for i in list_recordings(tmp_path)] == ["ended unexpectedly"]  # no -wal: nobody writes
    Path(f"{path}-wal").touch()  # a writer has it open
    [info] = list_recordings(tmp_path)
    assert info.status == "recording" and info.openable and "still being recorded" in info.reason


def test_a_folder_that_does_not_exist_yet_is_an_empty_library(tmp_path):
    assert list_recordings(tmp_path / "not-yet") == []


def test_a_file_given_as_the_folder_is_refused(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(LibraryError, match="not a folder"):
        list_recordings(path)


def test_listing_changes_no_file(folder):
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}
    list_recordings(folder)
    after = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}
    assert after == before

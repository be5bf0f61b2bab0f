"""The room file (monitor/room.py): what a nurse or IT writes, and every refusal naming file, line and field.

Expected lines are counted by hand in the texts below; the CLI cases run ``main.main``
as ``infusion-monitor`` does and read its one line on stderr.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

import main
from monitor.review import open_recording
from monitor.room import MAX_CHAIRS, RoomError, chair_treatment, load_room, room_from_text, room_of_ports
from monitor.treatment.entry import Field
from monitor.treatment.profile import load_treatment_profile

PROTOCOLS = ("datex", "masimo", "intellivue")

GOOD = """\
[room]
name = "Room 2"
planned_minutes = 45

[[chair]]
name = "Chair 1"
port = "sim:ketamine-typical"
protocol = "datex"
patient = "K-0142"

[[chair]]
name = "Chair 2"
port = "sim:ketamine-typical"
protocol = "datex"
profile = "limits/strict.toml"
planned_minutes = 40

[[chair]]
name = "Window"
port = "socket://10.0.0.7:4001"
protocol = "masimo"
"""


def write(tmp_path: Path, text: str, name: str = "room.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_room_file_gives_each_chair_its_monitor_patient_profile_and_plan(tmp_path):
    room = load_room(write(tmp_path, GOOD), PROTOCOLS)
    assert room.name == "Room 2"
    assert [(c.name, c.port, c.protocol, c.patient) for c in room.chairs] == [
        ("Chair 1", "sim:ketamine-typical", "datex", "K-0142"),
        ("Chair 2", "sim:ketamine-typical", "datex", ""),  # two simulated chairs may share a scenario
        ("Window", "socket://10.0.0.7:4001", "masimo", ""),
    ]
    assert [c.planned_minutes for c in room.chairs] == [45, 40, 45]  # the room's default, or the chair's own
    assert room.chairs[1].profile == str(tmp_path / "limits" / "strict.toml")  # next to the room file
    assert room.chairs[0].profile == ""  # the program's default
    assert room.where(1, "profile") == f'{tmp_path / "room.toml"} line 15: chair 2 ("Chair 2") profile'


@pytest.mark.parametrize("text, line, says", [
    (GOOD.replace('port = "socket://10.0.0.7:4001"', 'port = "socket://Monitors.local:4001"').replace(
        'port = "sim:ketamine-typical"\nprotocol = "datex"\npatient', 'port = "socket://monitors.LOCAL:4001"\n'
        'protocol = "datex"\npatient'), 20,
     "chair 3 port: socket://Monitors.local:4001 is also the port of chair 1 (line 7)"),
    (GOOD.replace('protocol = "masimo"', 'protocol = "hl7"'), 21, "chair 3 protocol: unknown protocol 'hl7'"),
    (GOOD.replace('patient = "K-0142"', 'patinet = "K-0142"'), 9, "chair 1 patinet: unknown key 'patinet'"),
    (GOOD.replace('name = "Window"', 'name = "chair 1"'), 19, "'chair 1' is also the name of chair 1 (line 6)"),
    (GOOD.replace('name = "Window"', 'name = "Chair_1"'), 19, "also the name of chair 1"),  # one file name
    (GOOD.replace('port = "socket://10.0.0.7:4001"\n', ""), 18, "chair 3: port is missing"),
    (GOOD.replace("planned_minutes = 40", "planned_minutes = 0"), 16, "chair 2 planned_minutes: must be"),
    (GOOD.replace('name = "Room 2"', 'name = "Room 2"\ncolour = "blue"'), 3, "room colour: unknown key"),
    (GOOD.replace('port = "sim:ketamine-typical"', 'port = "sim:"', 1), 7, "sim: needs a scenario"),
    (GOOD.replace('patient = "K-0142"', 'patient = "K-0142'), 9, "TOML syntax error"),
    ("[room]\nname = 'Empty'\n", 1, "the room has no chair"),
    (GOOD + "[[chair]]\nname = 'x'\n" + "[x]\n", 24, "x: unknown key 'x'"),
])
def test_a_bad_room_file_is_refused_naming_file_line_and_field(tmp_path, text, line, says):
    path = write(tmp_path, text)
    with pytest.raises(RoomError) as refused:
        load_room(path, PROTOCOLS)
    message = str(refused.value)
    assert message.startswith(f"{path} line {line}: ") and says in message, message
    assert "\n" not in message


def test_the_same_serial_adapter_under_two_names_is_one_port(tmp_path):
    device = tmp_path / "ttyUSB0"
    device.write_text("")
    os.symlink(device, tmp_path / "usb-FTDI_FT232R-if00-port0")
    text = (f'[[chair]]\nname = "A"\nport = "{device}"\nprotocol = "datex"\n'
            f'[[chair]]\nname = "B"\nport = "{tmp_path / "usb-FTDI_FT232R-if00-port0"}"\nprotocol = "datex"\n')
    with pytest.raises(RoomError, match=r"line 7: chair 2 port: .* is also the port of chair 1 \(line 3\)"):
        room_from_text(text, "room.toml", PROTOCOLS)


def test_more_chairs_than_a_screen_shows_are_refused_at_the_first_one_too_many():
    chair = '[[chair]]\nname = "Chair {n}"\nport = "sim:stable"\nprotocol = "datex"\n'
    text = "".join(chair.format(n=n) for n in range(1, MAX_CHAIRS + 2))
    with pytest.raises(RoomError, match=r"room.toml line 49: chair 13: 13 chairs: one screen shows at most 12"):
        room_from_text(text, "room.toml", PROTOCOLS)
    assert len(room_from_text(text.rsplit("[[chair]]", 1)[0], "room.toml", PROTOCOLS).chairs) == MAX_CHAIRS


@pytest.mark.parametrize("make, says", [
    (lambda p: p, "no such room file"),
    (lambda p: (p.mkdir(), p)[1], "is a folder"),
    (lambda p: (p.write_bytes(b'[room]\nname = "Zimmer \xe4"\n'), p)[1], "line 2: file is not UTF-8 text"),
    (lambda p: (p.write_bytes(b"\xef\xbb\xbf" + GOOD.encode()), p)[1], None),  # a BOM is still UTF-8
])
def test_files_that_are_no_room_file_say_so(tmp_path, make, says):
    path = make(tmp_path / "room.toml")
    if says is None:
        assert len(load_room(path, PROTOCOLS).chairs) == 3
        return
    with pytest.raises(RoomError, match=says):
        load_room(path, PROTOCOLS)


def test_ports_on_the_command_line_make_a_room_of_numbered_chairs():
    room = room_of_ports(["/dev/ttyUSB0", "sim:stable"], "datex", ["K-1"])
    assert [(c.name, c.port, c.patient) for c in room.chairs] == [("Chair 1", "/dev/ttyUSB0", "K-1"),
                                                                   ("Chair 2", "sim:stable", "")]
    with pytest.raises(RoomError, match="--port /dev/ttyUSB0 is given twice"):
        room_of_ports(["/dev/ttyUSB0", "/dev/ttyUSB0"], "datex")
    with pytest.raises(RoomError, match="one --patient per --port"):
        room_of_ports(["sim:stable"], "datex", ["K-1", "K-2"])


# -- the command line ------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, says", [
    (["record", "--room", "{room}"], "required with --room: --out-dir"),
    (["record", "--room", "{room}", "--out-dir", "{tmp}/out", "--port", "sim:stable"], "--port cannot be used with --room"),
    (["record", "--out-dir", "{tmp}/out", "--port", "sim:stable", "--protocol", "datex"], "--out-dir goes with --room"),
    (["record", "--room", "{tmp}/none.toml", "--out-dir", "{tmp}/out"], "no such room file"),
    (["record", "--room", "{bad}", "--out-dir", "{tmp}/out"], "line 3: chair 1 protocol: unknown protocol 'hl7'"),
    (["record", "--room", "{badscenario}", "--out-dir", "{tmp}/out"],
     'line 2: chair 1 ("A") port: nope: no such built-in scenario'),
    (["record", "--room", "{badprofile}", "--out-dir", "{tmp}/out"], 'line 5: chair 1 ("A") profile:'),
    (["record", "--room", "{heavy}", "--out-dir", "{tmp}/out"],
     'heavy.toml line 5: chair 1 ("A") weight: The weight 310 kg is above the usual 20-300 kg'),
    (["record", "--room", "{room}", "--out-dir", "{tmp}/out", "--weight", "80", "--confirm", "weight"],
     "--weight, --confirm cannot be used with --room"),
    (["live", "--room", "{room}", "--patient", "K-1"], "--patient cannot be used with --room"),
    (["live", "--port", "sim:stable", "--port", "sim:stable", "--patient", "a", "--patient", "b",
      "--patient", "c"], "3 patients for 2 ports"),
    (["live", "--port", "/dev/ttyS0", "--port", "/dev/ttyS0"], "--port /dev/ttyS0 is given twice"),
])
def test_each_refusal_is_one_line_before_anything_starts(tmp_path, capsys, argv, says):
    files = {
        "room": write(tmp_path, GOOD),
        "bad": write(tmp_path, '[[chair]]\nname = "A"\nprotocol = "hl7"\nport = "sim:stable"\n', "bad.toml"),
        "badscenario": write(tmp_path, '[[chair]]\nport = "sim:nope"\nname = "A"\nprotocol = "datex"\n',
                             "badscenario.toml"),
        "badprofile": write(tmp_path, '[[chair]]\nport = "sim:stable"\nname = "A"\nprotocol = "datex"\n'
                            'profile = "missing.toml"\n', "badprofile.toml"),
        "heavy": write(tmp_path, '[[chair]]\nport = "sim:stable"\nname = "A"\nprotocol = "datex"\n'
                       'weight = 310\n', "heavy.toml"),
    }
    args = [a.format(tmp=tmp_path, **files) for a in argv]
    assert main.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # no recording begun


def test_a_chair_whose_port_will_not_open_is_said_once_and_the_others_are_recorded(tmp_path, capsys):
    room = write(tmp_path, '[[chair]]\nname = "Door"\nport = "/dev/ttyIRM-unplugged"\nprotocol = "datex"\n'
                           '[[chair]]\nname = "Window"\nport = "sim:stable"\nprotocol = "datex"\n')
    out = tmp_path / "out"
    assert main.main(["record", "--room", str(room), "--out-dir", str(out), "--speed", "20", "--duration", "30",
                      "--jsonl"]) == 0
    printed = capsys.readouterr()
    assert printed.err.count("\n") == 1 and printed.err.startswith("infusion-monitor: Door: Serial port "
                                                                   "/dev/ttyIRM-unplugged was not found")
    assert "retrying this one" in printed.err
    lines = [json.loads(line) for line in printed.out.splitlines()]
    assert {line["bed"] for line in lines if line["type"] == "reading"} == {"Window"}
    assert any(line["bed"] == "Door" and line["type"] == "link" and line["state"] == "disconnected" for line in lines)
    assert len(list(out.glob("*-Door.irm.sqlite"))) == len(list(out.glob("*-Window.irm.sqlite"))) == 1


# -- a chair's treatment plan (issue 17), checked as the command line's --weight -----------------------

PLANNED = """\
[room]
name = "Room 3"
treatment_profile = "ketamine-iv"

[[chair]]
name = "Chair 1"
port = "sim:ketamine-typical"
protocol = "datex"
weight = 80
dose = "0.5 mg/kg"
concentration = 10.0
volume = 50
planned_minutes = 45

[[chair]]
name = "Chair 2"
port = "sim:stable"
protocol = "datex"
weight = "310 kg"
undiluted = true
confirm = ["weight"]

[[chair]]
name = "Chair 3"
port = "sim:stable"
protocol = "datex"
"""


def plans(text: str, source: str = "room.toml") -> list:
    room = room_from_text(text, source, PROTOCOLS)
    return [chair_treatment(room, i, load_treatment_profile())[1] for i in range(len(room.chairs))]


def test_each_chair_carries_its_own_plan_read_as_strictly_as_the_command_line():
    first, second, third = plans(PLANNED)
    assert (first.weight_kg, first.dose_mg_per_kg, first.infusion_min, first.concentration_mg_per_ml,
            first.volume_ml, first.by) == (80, 0.5, 45, 10, 50, "room file")
    review = first.review(load_treatment_profile())
    assert review.plan.total_mg == 40  # 0.5 mg/kg x 80 kg, by hand
    assert round(review.plan.rate_ml_per_h, 2) == 66.67  # 50 mL over 45 min
    assert (second.weight_kg, second.undiluted, second.confirmed) == (310, True, frozenset({Field.WEIGHT}))
    assert second.review(load_treatment_profile()).plan.total_mg == 155
    assert third is None  # no weight: the nurse enters the plan on screen


def _refused(text: str) -> str:
    with pytest.raises(RoomError) as refused:
        plans(text)
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("old, new, line, says", [
    ("weight = 80", 'weight = "80,5"', 9, 'chair 1 weight: "80,5" has a comma: type the weight in kg'),
    ("weight = 80", 'weight = "8O"', 9, 'chair 1 weight: "8O" is not a number'),
    ("weight = 80", 'weight = "176 lb"', 9, 'chair 1 weight: "176 lb" is not in kg'),
    ("weight = 80", "weight = -80", 9, "chair 1 weight: must be the weight in kg, e.g. weight = 80.5"),
    ("weight = 80", "weight = true", 9, "chair 1 weight: must be the weight in kg"),
    ('dose = "0.5 mg/kg"', 'dose = "0.5 mg"', 10, 'chair 1 dose: "0.5 mg" is not in mg/kg'),
    ('confirm = ["weight"]', 'confirm = ["wieght"]', 21, "chair 2 confirm: cannot confirm 'wieght'; the values"),
    ('confirm = ["weight"]', 'confirm = "weight"', 21, 'chair 2 confirm: must be a list, e.g. confirm = ["weight"]'),
    ('confirm = ["weight"]', "confirm = [{ weight = true }]", 21, "chair 2 confirm: cannot confirm 'that'"),
    ("undiluted = true", 'undiluted = "yes"', 20, "chair 2 undiluted: must be true or false"),
    ('treatment_profile = "ketamine-iv"', "publish = 5", 3, "room publish: must be one line of text"),
    ('treatment_profile = "ketamine-iv"', 'insecure = "yes"', 3, "room insecure: must be true or false"),
    ("weight = 80", "wieght = 80", 9, "chair 1 wieght: unknown key 'wieght'"),
    # read, then checked against the treatment profile's bounds, as --weight is
    ('confirm = ["weight"]\n', "", 19, 'chair 2 ("Chair 2") weight: The weight 310 kg is above the usual '
     '20-300 kg: confirm it is right. If it is, add confirm = ["weight"] to this chair.'),
    ("weight = 80", "weight = 700", 9, 'chair 1 ("Chair 1") weight: The weight 700 kg is above 650 kg, '
     "which is never accepted"),
    ('dose = "0.5 mg/kg"', "dose = 1.5", 10, 'chair 1 ("Chair 1") dose: The dose 1.5 mg/kg is above the usual'),
    ("weight = 80\n", "", 9, 'chair 1 ("Chair 1") dose: needs weight too (in kg): the dose is computed from '
     "the patient's weight."),
    ("planned_minutes = 45", "planned_minutes = 30", 13, 'chair 1 ("Chair 1") planned_minutes: The infusion '
     'time 30 min is below the usual 40-60 min: confirm it is right. If it is, add confirm = ["time"]'),
    ("volume = 50", "volume = 50\nundiluted = true", 12, 'chair 1 ("Chair 1") volume: a volume and undiluted '
     "exclude each other"),
    ('treatment_profile = "ketamine-iv"', 'treatment_profile = "missing.toml"', 3,
     'chair 1 ("Chair 1") treatment_profile:'),  # the room's, taken by every chair
])
def test_a_chair_plan_that_cannot_be_used_is_refused_naming_file_line_and_key(old, new, line, says):
    assert old in PLANNED
    message = _refused(PLANNED.replace(old, new, 1))
    assert message.startswith(f"room.toml line {line}: ") and says in message, message


def test_record_room_records_each_chairs_plan_from_the_room_file(tmp_path, capsys):
    room = write(tmp_path, PLANNED)
    out = tmp_path / "out"
    assert main.main(["record", "--room", str(room), "--out-dir", str(out), "--speed", "60", "--duration", "30",
                      "--jsonl"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["bed"] for line in printed if line["type"] == "treatment_plan"} == {"Chair 1", "Chair 2"}
    rows = {}
    for path in out.glob("*.irm.sqlite"):
        with open_recording(path) as recording:  # opens in review as any recording
            chair = recording.metadata.chair
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:  # the recording's own table, read apart
            rows[chair] = db.execute("SELECT weight_kg, dose_mg_per_kg, infusion_min, volume_ml, total_mg, "
                                     "rate_ml_per_h, by, confirmations, diluted FROM treatment_plans").fetchall()
            info = dict(db.execute("SELECT key, value FROM session_info"))
        assert info["treatment_profile"] == "ketamine-iv"
        if chair == "Chair 1":
            assert float(info["planned_infusion_s"]) == 45 * 60  # the chair's planned_minutes is the plan's time
    [(w, d, m, v, total, rate, by, confirmations, diluted)] = rows["Chair 1"]
    assert (w, d, m, v, total, round(rate, 2), by, diluted) == (80, 0.5, 45, 50, 40, 66.67, "room file", 1)  # by hand
    assert json.loads(confirmations) == []
    [(w, _, _, v, total, _, by, confirmations, diluted)] = rows["Chair 2"]
    assert (w, v, total, by, diluted) == (310, 15.5, 155, "room file", 0)  # undiluted: 155 mg of 10 mg/mL
    assert json.loads(confirmations)[0]["field"] == "weight"
    assert rows["Chair 3"] == []  # no weight: no plan


@pytest.mark.parametrize("room, says", [
    ('[[chair]]\nname = "A"\nport = "sim:stable"\nprotocol = "datex"\ntreatment_profile = "mine.toml"\n',
     'room.toml line 5: chair 1 ("A") treatment_profile: treatment_profile is locked to'),
    ('[room]\npublish = "mqtt://127.0.0.1:1999"\n[[chair]]\nname = "A"\nport = "sim:stable"\nprotocol = "datex"\n',
     "room.toml line 2: room publish: central_url is locked to"),
])
def test_a_room_file_may_not_override_what_the_administrator_locked(tmp_path, monkeypatch, capsys, room, says):
    system = tmp_path / "system" / "infusion-monitor" / "settings.toml"
    system.parent.mkdir(parents=True)
    system.write_text('[locked]\ntreatment_profile = "ketamine-iv"\ncentral_url = "mqtt://127.0.0.1:1883"\n')
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "system"))
    path = write(tmp_path, room)
    assert main.main(["record", "--room", str(path), "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err

"""The room file (monitor/room.py): what a nurse or IT writes, and every refusal naming file, line and field.

Expected lines are counted by hand in the texts below; the CLI cases run ``main.main``
as ``infusion-monitor`` does and read its one line on stderr.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import main
from monitor.room import MAX_CHAIRS, RoomError, load_room, room_from_text, room_of_ports

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

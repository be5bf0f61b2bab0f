"""A room publishing to the central station (issue 16, "per room in the room file").

``[room] publish`` and its security keys, checked by the central station's own rules
with refusals naming the room file's line; the command line's options win over the
file's, the file's over the settings'. End to end: ``record --room`` with ``publish``
sends every chair, under its name, to a real Mosquitto on a loopback port, and the
real ``central --jsonl`` prints them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import main
from central.broker import BrokerError
from cli.broker_options import room_publishing
from cli.parser import build_parser
from cli.settings import load_settings
from devices import registry
from monitor.room import load_room
from tests.broker import Broker, wait_for
from tests.conftest import ROOT

CHAIRS = """
[[chair]]
name = "Chair 1"
port = "sim:stable"
protocol = "datex"

[[chair]]
name = "Chair 2"
port = "sim:hypertensive-episode"
protocol = "datex"
"""


def room_file(tmp_path: Path, room: str, chairs: str = CHAIRS) -> Path:
    path = tmp_path / "room.toml"
    path.write_text("[room]\n" + room + chairs, encoding="utf-8")
    return path


def publishing(tmp_path: Path, room: str, *options: str, chairs: str = CHAIRS):
    """What ``record --room`` would publish to: (broker settings, site) or None."""
    path = room_file(tmp_path, room, chairs)
    args = build_parser(main.VERSION, registry.protocol_names()).parse_args(
        ["record", "--room", str(path), "--out-dir", str(tmp_path / "out"), *options])
    settings = load_settings()
    settings.apply_to(args)
    return room_publishing(args, load_room(path, registry.protocol_names()), settings)


def test_the_room_file_names_the_broker_its_site_and_its_security(tmp_path):
    (tmp_path / "certs").mkdir()
    for name in ("ca.pem", "bed.pem", "bed.key", "password"):
        (tmp_path / "certs" / name).write_text("x")
    broker, site = publishing(tmp_path, 'publish = "mqtts://central.clinic:8883"\nsite = "North"\n'
                              'ca = "certs/ca.pem"\ncert = "certs/bed.pem"\nkey = "certs/bed.key"\n'
                              'user = "room-2"\npassword_file = "certs/password"\n')
    assert (broker.host, broker.port, broker.tls, site) == ("central.clinic", 8883, True, "North")
    assert broker.ca_file == tmp_path / "certs" / "ca.pem"  # relative to the room file, not the current folder
    assert (broker.user, broker.password) == ("room-2", "x")
    assert publishing(tmp_path, 'name = "No central"\n') is None


def test_the_command_line_wins_over_the_file_and_the_file_over_the_settings(tmp_path, monkeypatch):
    room = 'publish = "mqtt://10.0.0.5"\nsite = "North"\n'
    broker, site = publishing(tmp_path, room, "--publish", "mqtt://127.0.0.1:1884", "--site", "South")
    assert (broker.address, site) == ("127.0.0.1:1884", "South")
    settings = tmp_path / "config" / "infusion-monitor" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('central_url = "mqtts://central.clinic"\nsite = "Everywhere"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    broker, site = publishing(tmp_path, 'publish = "mqtt://localhost:1885"\nsite = "North"\n')
    assert (broker.address, site) == ("localhost:1885", "North")
    broker, site = publishing(tmp_path, 'name = "Room 2"\n')  # the file names none: the settings' central
    assert (broker.address, site) == ("central.clinic:8883", "Everywhere")


@pytest.mark.parametrize("room, options, says", [
    ('name = "R"\npublish = "mqtt://10.0.0.5"\n', (),
     "room.toml line 3: room publish: Refusing plain mqtt:// to 10.0.0.5: patient data would cross the network "
     "unencrypted. Use mqtts:// (docs/central-station.md, Security), or insecure = true on a test network."),
    ('publish = "mqtts://central.clinic"\nca = "missing.pem"\n', (), "room.toml line 3: room ca: ca {tmp}/missing.pem: "
     "no such file."),
    ('publish = "mqtt://127.0.0.1"\nca = "ca.pem"\n', (), "room.toml line 2: room publish: ca, cert and key are "
     "for a TLS broker: use an mqtts:// address."),
    ('publish = "mqtt://127.0.0.1"\n\nsite = "North/East"\n', (), "room.toml line 4: room site: site 'North/East' "
     "is not a valid name"),
    ('publish = "mqtt://127.0.0.1"\npassword_file = "pw"\n', (), "room.toml line 3: room password_file: A password "
     "was given without user."),
    ('publish = "mqtt://user:secret@127.0.0.1"\n', (), "room.toml line 2: room publish: Do not put a user or "
     "password in the broker address"),
    ('publish = "mqtt://127.0.0.1"\n', (), None),  # loopback: no TLS needed
    ('publish = "mqtt://10.0.0.5"\ninsecure = true\n', (), None),  # a test network, said in the file
    ('publish = "mqtt://10.0.0.5"\n', ("--insecure",), None),  # ... or on the command line
    ('publish = "mqtt://127.0.0.1"\n', ("--publish", "mqtt://10.0.0.9"),
     "Refusing plain mqtt:// to 10.0.0.9: patient data would cross the network unencrypted. Use mqtts:// "
     "(docs/central-station.md, Security), or --insecure on a test network."),  # the command line's, not the file's
])
def test_a_publishing_problem_is_one_line_naming_the_room_files_line(tmp_path, room, options, says):
    (tmp_path / "ca.pem").write_text("x")
    (tmp_path / "pw").write_text("secret")
    if says is None:
        assert publishing(tmp_path, room, *options) is not None
        return
    with pytest.raises(BrokerError) as refused:
        publishing(tmp_path, room, *options)
    expected = says.replace("room.toml", str(tmp_path / "room.toml")).replace("{tmp}", str(tmp_path))
    assert str(refused.value).startswith(expected) and "\n" not in str(refused.value), str(refused.value)


def test_a_chair_name_the_central_station_cannot_carry_is_refused_with_its_line(tmp_path, capsys):
    path = room_file(tmp_path, 'publish = "mqtt://127.0.0.1:1"\n',
                     '[[chair]]\nname = "Chair #1"\nport = "sim:stable"\nprotocol = "datex"\n')
    assert main.main(["record", "--room", str(path), "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f'{path} line 4: chair 1 ("Chair #1") name: chair name' in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_record_room_with_publish_in_the_file_sends_every_chair_to_a_real_broker(tmp_path, cli_env):
    broker = Broker(tmp_path).start()
    command = [sys.executable, str(ROOT / "main.py")]
    central_out = tmp_path / "central.jsonl"
    room = room_file(tmp_path, f'name = "Room 2"\npublish = "mqtt://127.0.0.1:{broker.port}"\nsite = "North"\n')
    central = subprocess.Popen([*command, "central", "--broker", broker.url, "--jsonl"],
                               stdout=central_out.open("w"), stderr=(tmp_path / "central.err").open("w"), env=cli_env)
    try:
        wait_for(lambda: "irm-central" in broker.log.read_text(), 15, "the central station connected")
        record = subprocess.run([*command, "record", "--room", str(room), "--out-dir", str(tmp_path / "out"),
                                 "--duration", "120", "--speed", "20", "--jsonl"],
                                capture_output=True, text=True, env=cli_env, timeout=120)
        assert record.returncode == 0, record.stderr[-2000:]
        assert "Traceback" not in record.stderr

        def readings() -> set[tuple[str, str]]:
            lines = [json.loads(line) for line in central_out.read_text().splitlines() if line.strip()]
            return {(x["site"], x["bed"]) for x in lines if x["type"] == "reading"}

        wait_for(lambda: readings() == {("North", "Chair 1"), ("North", "Chair 2")}, 30,
                 "both chairs' readings at the central station, under their names")
    finally:
        central.send_signal(signal.SIGTERM)
        central.wait(30)
        broker.stop()
    assert "Traceback" not in (tmp_path / "central.err").read_text()

"""Bad input from the network and the command line: one clear line or a technical alarm, never a crash."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import paho.mqtt.client as mqtt
import pytest

from central import station as station_module
from central.broker import BrokerError, broker_settings
from central.station import Station
from tests.broker import broker, wait_for  # noqa: F401  (fixture)
from tests.conftest import ROOT
from tests.test_central_outage import Collector, a_bed, post_readings
from tests.test_central_security import outcome
from tests.test_central_station import reading


def test_a_server_that_is_not_an_mqtt_broker_is_one_clear_sentence():
    """A web server (or a serial device server) at the address: it answers, but not in MQTT."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        for _ in range(3):  # the connection retries; each attempt gets the same answer
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        said = outcome(broker_settings(f"mqtt://127.0.0.1:{port}"))
    finally:
        server.close()
    assert said == (f"127.0.0.1:{port} accepted the connection but did not answer as an MQTT broker: "
                    "check the address and port.")


def test_nothing_listening_is_one_clear_sentence():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    said = outcome(broker_settings(f"mqtt://127.0.0.1:{port}"))
    assert said == f"Nothing answers at 127.0.0.1:{port} (connection refused): is the broker running?"


def test_a_rogue_publishers_flood_neither_stops_the_station_nor_hides_a_real_bed(tmp_path, broker,  # noqa: F811
                                                                                  monkeypatch):
    monkeypatch.setattr(station_module, "MAX_BEDS", 20)
    station = Station(broker_settings(broker.url), "clinic")
    seen = Collector()
    station.subscribe(seen)
    station.start()
    rogue = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="rogue", protocol=mqtt.MQTTv5)
    rogue.connect("127.0.0.1", broker.port)
    rogue.loop_start()
    bed, pub, clock = a_bed(tmp_path, broker.url)
    try:
        wait_for(lambda: station._connection.connected, 10, "the station connected")
        pub.start()
        bed.start()
        post_readings(bed, clock, 5)
        wait_for(lambda: len(seen.messages()) == 5, 20, "the real chair known before the flood")
        for i in range(2000):  # garbage, forged readings, and a new bed name every few messages
            target = f"irm/clinic/Rogue-{i // 5}/reading"
            payload = [b"\x00" * 70_000, b"{", reading(bed=f"Rogue-{i // 5}", seq=i + 1, value=5000),
                       reading(bed=f"Rogue-{i // 5}", seq=i + 1), b"[]"][i % 5]
            rogue.publish(target, payload, qos=0)
        last = rogue.publish("irm/clinic/Rogue-last/heartbeat", b"{", qos=1)
        last.wait_for_publish(10)
        wait_for(lambda: station.refused >= 1600, 30, "the flood judged")
        post_readings(bed, clock, 10, start=5)
        wait_for(lambda: len([m for m in seen.messages() if m.bed == "Chair-1"]) == 15, 20,
                 "the real chair's readings, after the flood")
    finally:
        rogue.loop_stop()
        bed.stop()
        pub.stop()
        station.stop()
    assert len(station.beds()) <= 20  # bounded, whatever the flood
    conditions = {a[0] for a in seen.central_alarms()}
    assert {"INVALID_MESSAGES", "TOO_MANY_BEDS"} <= conditions
    assert all(m.data["value"] != 5000 for m in seen.messages())


@pytest.mark.parametrize(("url", "options", "says"), [
    ("mqtt://192.168.1.20", {}, "Refusing plain mqtt:// to 192.168.1.20"),
    ("mqtt://broker.clinic", {}, "Refusing plain mqtt:// to broker.clinic"),
    ("mqtts://nurse:secret@broker.clinic", {}, "Do not put a user or password in the broker address"),
    ("http://broker.clinic", {}, "is not a broker address"),
    ("mqtt://127.0.0.1:99999", {}, "the port must be a number"),
    ("mqtt://127.0.0.1", {"ca": "ca.crt"}, "--ca, --cert and --key are for a TLS broker"),
    ("mqtts://broker.clinic", {"ca": "missing.crt"}, "--ca missing.crt: no such file"),
])
def test_a_wrong_broker_setting_is_refused_in_one_line(url, options, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kwargs = {k: tmp_path / v if k != "ca" or v != "missing.crt" else type(tmp_path)(v) for k, v in options.items()}
    with pytest.raises(BrokerError, match=says.replace("(", r"\(").replace(".", r"\.")):
        broker_settings(url, environ={}, **kwargs)


def test_plain_mqtt_to_another_host_is_allowed_only_with_insecure():
    assert broker_settings("mqtt://192.168.1.20", insecure=True, environ={}).port == 1883


def test_the_password_comes_from_a_file_or_the_environment_never_the_command_line(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    assert broker_settings("mqtts://b", user="Chair-1", password_file=secret, environ={}).password == "s3cret"
    assert broker_settings("mqtts://b", user="Chair-1", environ={"IRM_MQTT_PASSWORD": "env"}).password == "env"
    with pytest.raises(BrokerError, match="without --user"):
        broker_settings("mqtts://b", environ={"IRM_MQTT_PASSWORD": "env"})


@pytest.mark.parametrize(("argv", "says"), [
    (["central", "--broker", "mqtt://10.0.0.5", "--jsonl"], "Refusing plain mqtt:// to 10.0.0.5"),
    (["central", "--broker", "mqtt://127.0.0.1", "--site", "a/b", "--jsonl"], "--site 'a/b' is not a valid name"),
    (["record", "--port", "sim:stable", "--protocol", "datex", "--out", "x.irm.sqlite",
      "--publish", "mqtt://127.0.0.1"], "--publish needs --bed NAME"),
    (["record", "--port", "sim:stable", "--protocol", "datex", "--out", "x.irm.sqlite",
      "--publish", "mqtt://127.0.0.1", "--bed", "Chair/1"], "--bed 'Chair/1' is not a valid name"),
    (["central", "--broker", "mqtt://127.0.0.1", "--password", "x"], "never given on the command line"),
])
def test_the_commands_refuse_in_one_line_without_a_traceback(argv, says, tmp_path, cli_env):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], capture_output=True, text=True,
                            cwd=tmp_path, env=cli_env, timeout=60)
    assert result.returncode == 2
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "x.irm.sqlite").exists()  # refused before any file was made


def test_a_state_line_is_printed_as_json(tmp_path):
    """The printer writes one JSON object per event (sanity of the headless format)."""
    from cli.central_printer import StationPrinter
    from monitor.clock import ManualClock

    out = tmp_path / "out.jsonl"
    with out.open("w") as f:
        station = Station(None, "clinic", ManualClock())
        station.subscribe(StationPrinter(f, station.clock))
        station.receive("irm/clinic/Chair-1/reading", reading())
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["reading", "state"]  # the reading, then the bed as discovered
    line = lines[0]
    assert (line["bed"], line["site"], line["late"], line["seq"]) == ("Chair-1", "clinic", False, 1)

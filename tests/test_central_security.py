"""The clinic's broker as shipped (deploy/mosquitto): TLS, passwords, and an ACL that holds.

Mosquitto is started with deploy/mosquitto/clinic.conf itself (only its paths and
port changed for a temporary folder), with certificates made by
deploy/mosquitto/make-certificates.sh (openssl) and users made by mosquitto_passwd.
"""

from __future__ import annotations

import getpass
import shutil
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from central.broker import broker_settings
from central.connection import Connection
from central.messages import topic
from central.station import BedMessage, Station
from monitor.alarms import AlarmCondition
from tests.broker import Broker, need_mosquitto, wait_for
from tests.conftest import ROOT
from tests.test_central_outage import Collector, a_bed, post_readings

DEPLOY = ROOT / "deploy" / "mosquitto"
PASSWORDS = {"central": "central-secret", "Chair-1": "chair-1-secret"}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """The shipped configuration, running: (broker, folder with ca.crt and the password files)."""
    need_mosquitto()
    if shutil.which("openssl") is None or shutil.which("mosquitto_passwd") is None:
        pytest.skip("needs openssl and mosquitto_passwd (apt-get install openssl mosquitto)")
    folder = tmp_path_factory.mktemp("clinic")
    subprocess.run(["sh", str(DEPLOY / "make-certificates.sh"), str(folder), "127.0.0.1"], check=True,
                   capture_output=True)
    for i, (user, password) in enumerate(PASSWORDS.items()):
        subprocess.run(["mosquitto_passwd", *(["-c"] if i == 0 else []), "-b", str(folder / "passwords"),
                        user, password], check=True, capture_output=True)
        (folder / f"{user}.password").write_text(password + "\n")
    shutil.copy(DEPLOY / "acl", folder / "acl")
    config = (DEPLOY / "clinic.conf").read_text()
    assert "listener 8883\n" in config and "/etc/mosquitto/irm/" in config
    config = (config.replace("listener 8883\n", "listener {port} 127.0.0.1\n")
              .replace("/etc/mosquitto/irm/", f"{folder}/").replace("/var/lib/mosquitto/", f"{folder}/")
              + f"\nuser {getpass.getuser()}\n")  # as root, stay root to read the temporary folder
    broker = Broker(folder, config).start()
    yield broker, folder
    broker.stop()


def settings(broker: Broker, folder: Path, user: str | None, ca: bool = True, password: str | None = None):
    password_file = None
    if user is not None:
        password_file = folder / f"{user}.password"
        if password is not None:
            password_file = folder / "wrong.password"
            password_file.write_text(password)
    return broker_settings(f"mqtts://127.0.0.1:{broker.port}", ca=folder / "ca.crt" if ca else None,
                           user=user, password_file=password_file, environ={})


def outcome(broker_settings_, client_id: str = "probe") -> str:
    """Connect once and tell: "connected" or the one sentence the user would read."""
    said: list[str] = []
    done = threading.Event()

    def on_state(connected: bool, problem: str) -> None:
        said.append("connected" if connected else problem)
        done.set()

    connection = Connection(broker_settings_, client_id, on_state=on_state)
    connection.start()
    assert done.wait(15), "no answer from the connection"
    connection.stop()
    return said[0]


def test_a_chair_and_the_central_station_log_in_over_tls_and_readings_flow(tmp_path, clinic):
    broker, folder = clinic
    station = Station(settings(broker, folder, "central"), "clinic")
    seen = Collector()
    station.subscribe(seen)
    station.start()
    bed, pub, clock = a_bed(tmp_path, "mqtt://127.0.0.1:1")
    pub._connection.settings = settings(broker, folder, "Chair-1")
    pub.start()
    try:
        wait_for(lambda: pub._connection.connected and station._connection.connected, 15, "both logged in")
        bed.start()
        post_readings(bed, clock, 5)
        wait_for(lambda: len(seen.messages()) == 5, 15, "5 readings over TLS")
    finally:
        bed.stop()
        pub.stop()
        station.stop()


def test_a_bedside_cannot_write_into_another_beds_topics(tmp_path, clinic):
    """Logged in as Chair-1, publishing as Chair-2: the broker refuses, the bedside alarms, the
    central station shows nothing of "Chair-2"."""
    broker, folder = clinic
    station = Station(settings(broker, folder, "central"), "clinic")
    seen = Collector()
    station.subscribe(seen)
    station.start()
    bed, pub, clock = a_bed(tmp_path, "mqtt://127.0.0.1:1", name="Chair-2")
    pub._connection.settings = settings(broker, folder, "Chair-1")
    pub.start()
    try:
        wait_for(lambda: pub._connection.connected and station._connection.connected, 15, "both logged in")
        bed.start()
        post_readings(bed, clock, 5)
        wait_for(lambda: AlarmCondition.CENTRAL_UNREACHABLE in [a.condition for a in bed.alarms.active()], 15,
                 "CENTRAL_UNREACHABLE at the bedside that is refused")
        message = next(a.message for a in bed.alarms.active() if a.condition is AlarmCondition.CENTRAL_UNREACHABLE)
        assert "refuses this bed's messages" in message and "--bed" in message
        raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="forger", protocol=mqtt.MQTTv5)
        raw.tls_set(str(folder / "ca.crt"))
        raw.username_pw_set("Chair-1", PASSWORDS["Chair-1"])
        raw.connect("127.0.0.1", broker.port)
        raw.loop_start()
        info = raw.publish(topic("clinic", "Chair-2", "reading"), b'{"v": 1}', qos=1)
        info.wait_for_publish(10)
        raw.disconnect()
        raw.loop_stop()
        station.tick()
    finally:
        bed.stop()
        pub.stop()
        station.stop()
    assert not [e for e in seen.events if isinstance(e, BedMessage)]
    assert "Chair-2" not in [v.bed for v in station.beds()]  # not even discovered
    assert station.refused == 0  # the broker stopped them: the station never saw them


def test_the_central_station_may_only_read(clinic):
    broker, folder = clinic
    s = settings(broker, folder, "central")
    acked = threading.Event()
    refused: list[bool] = []

    def on_acked(number: int, mid: int, was_refused: bool) -> None:
        refused.append(was_refused)
        acked.set()

    connected = threading.Event()
    connection = Connection(s, "central-writer", on_state=lambda ok, why: ok and connected.set(), on_acked=on_acked)
    connection.start()
    assert connected.wait(15)
    assert connection.publish(topic("clinic", "Chair-1", "reading"), b"{}", qos=1) is not None
    assert acked.wait(10)
    connection.stop()
    assert refused == [True]


def test_a_wrong_password_is_one_clear_sentence(clinic):
    broker, folder = clinic
    said = outcome(settings(broker, folder, "Chair-1", password="not-the-password"))
    assert said.startswith(f"The broker at 127.0.0.1:{broker.port} refused this login")
    assert "check --user and the password" in said


def test_an_untrusted_broker_certificate_is_one_clear_sentence(clinic):
    broker, folder = clinic
    said = outcome(settings(broker, folder, "Chair-1", ca=False))  # the system's CAs do not know the clinic's
    assert "certificate" in said and "not trusted" in said and "--ca" in said


def test_plain_mqtt_to_the_tls_port_is_not_mistaken_for_a_broker(clinic):
    broker, folder = clinic
    said = outcome(broker_settings(f"mqtt://127.0.0.1:{broker.port}"))
    assert said == (f"127.0.0.1:{broker.port} accepted the connection but did not answer as an MQTT broker: "
                    "check the address and port.")

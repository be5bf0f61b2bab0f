"""Where the broker is and how to reach it safely: the URL, TLS, the user, and errors in one line.

Payloads are patient data, so a plain ``mqtt://`` connection is refused for any
host outside the loopback range unless the user says ``--insecure``; ``mqtts://``
verifies the broker's certificate (the clinic's CA with ``--ca``) and may present
a client certificate. A password is read from a file or an environment variable,
never from the command line, where every user of the computer could read it.
Every failure to connect is described as one sentence that says what to do.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

PASSWORD_ENV = "IRM_MQTT_PASSWORD"
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
KEEPALIVE_S = 5  # the broker's last will goes out about 1.5 keepalives after a bedside vanishes
CONNECT_TIMEOUT_S = 5.0


class BrokerError(Exception):
    """A broker setting the user can fix; ``str()`` is the one line they see. ``field`` names
    the setting at fault (``publish`` for the address, ``ca``, ``user``, ...; "" if none), so a
    room file can name the line that gave it."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def as_option(name: str) -> str:
    """How the command line spells a setting: ``password_file`` -> ``--password-file``."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class BrokerSettings:
    """How to reach the broker: from ``--publish``/``--broker`` and the security options."""

    url: str
    host: str
    port: int
    tls: bool
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    user: str | None = None
    password: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1; no name is looked up."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def broker_settings(url: str, *, ca: Path | None = None, cert: Path | None = None, key: Path | None = None,
                    user: str | None = None, password_file: Path | None = None,
                    insecure: bool = False, environ: dict[str, str] | None = None,
                    spell: Callable[[str], str] = as_option) -> BrokerSettings:
    """Check a broker URL and its security options; :class:`BrokerError` says what is wrong,
    naming each setting as ``spell`` writes it (``--ca`` on the command line, ``ca`` in a file)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise BrokerError(f"{url!r} is not a broker address: give mqtts://HOST[:PORT] (TLS) or, "
                          "on this computer only, mqtt://127.0.0.1[:PORT].", "publish")
    if parts.username is not None or parts.password is not None:
        raise BrokerError("Do not put a user or password in the broker address (others can read it): use "
                          f"{spell('user')} and {spell('password_file')} FILE or the {PASSWORD_ENV} variable.",
                          "publish")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerError(f"{url!r}: a broker address has only a host and a port, e.g. mqtts://broker.clinic:8883.",
                          "publish")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise BrokerError(f"{url!r}: the port must be a number from 1 to 65535.", "publish") from None
    host = parts.hostname
    tls = scheme == "mqtts"
    if not tls and not insecure and not is_loopback(host):
        raise BrokerError(f"Refusing plain mqtt:// to {host}: patient data would cross the network unencrypted. "
                          f"Use mqtts:// (docs/central-station.md, Security), or {spell('insecure')} on a test "
                          "network.", "publish")
    files = {"ca": ca, "cert": cert, "key": key}
    if not tls and any(files.values()):
        raise BrokerError(f"{spell('ca')}, {spell('cert')} and {spell('key')} are for a TLS broker: use an "
                          "mqtts:// address.", "publish")
    if (cert is None) != (key is None):
        raise BrokerError(f"A client certificate needs both {spell('cert')} and {spell('key')}.",
                          "cert" if cert is not None else "key")
    for option, path in files.items():
        if path is not None and not path.is_file():
            raise BrokerError(f"{spell(option)} {path}: no such file.", option)
    password = _password(password_file, os.environ if environ is None else environ)
    if password is not None and user is None:
        raise BrokerError(f"A password was given without {spell('user')}.", "password_file" if password_file else "")
    return BrokerSettings(url, host, port, tls, ca, cert, key, user, password)


def _password(path: Path | None, environ: dict[str, str]) -> str | None:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise BrokerError(f"Cannot read the password file {path}: {getattr(exc, 'strerror', exc)}.",
                              "password_file") from None
    return environ.get(PASSWORD_ENV)


def new_client(settings: BrokerSettings, client_id: str) -> mqtt.Client:
    """A paho client (MQTT 5) set up for ``settings``: TLS context, user and password."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect_timeout = CONNECT_TIMEOUT_S
    if settings.tls:
        client.tls_set_context(tls_context(settings))
    if settings.user is not None:
        client.username_pw_set(settings.user, settings.password)
    return client


def tls_context(settings: BrokerSettings) -> ssl.SSLContext:
    """Verify the broker (its name and a CA: the clinic's, or the system's); present ours if given."""
    try:
        context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
        if settings.cert_file is not None and settings.key_file is not None:
            context.load_cert_chain(str(settings.cert_file), str(settings.key_file))
    except (ssl.SSLError, OSError) as exc:
        raise BrokerError(f"Cannot use the TLS files given: {getattr(exc, 'reason', None) or exc}.") from None
    return context


def describe_failure(settings: BrokerSettings, problem: BaseException | ReasonCode | str) -> str:
    """One sentence for a failed connection: what happened and what to do."""
    where = settings.address
    if isinstance(problem, ReasonCode):
        name = str(problem)
        if problem.value in (0x86, 0x87, 0x04, 0x05):  # bad user name or password, not authorized
            return f"The broker at {where} refused this login ({name}): check --user and the password."
        return f"The broker at {where} refused the connection: {name}."
    if isinstance(problem, str):
        return problem
    if isinstance(problem, ssl.SSLCertVerificationError):
        return (f"The broker's certificate at {where} is not trusted ({problem.verify_message}): "
                "give the clinic's CA certificate with --ca.")
    if isinstance(problem, ssl.SSLError):
        return f"TLS with {where} failed ({problem.reason or problem}): is it the broker's mqtts port?"
    if isinstance(problem, socket.gaierror):
        return f"Cannot find the broker's host {settings.host}: check the address."
    if isinstance(problem, ConnectionRefusedError):
        return f"Nothing answers at {where} (connection refused): is the broker running?"
    if isinstance(problem, TimeoutError | socket.timeout):
        return f"The broker at {where} did not answer within {CONNECT_TIMEOUT_S:g} s: check the network."
    if isinstance(problem, OSError):
        return f"Cannot reach the broker at {where}: {problem.strerror or problem}."
    return f"Cannot reach the broker at {where}: {problem}."


def not_mqtt(settings: BrokerSettings) -> str:
    return (f"{settings.address} accepted the connection but did not answer as an MQTT broker: "
            "check the address and port.")

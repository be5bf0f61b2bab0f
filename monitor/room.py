"""The room file: which chairs an infusion room has, and which monitor each one reads.

One nurse watches several chairs on one screen (``infusion-monitor live --room``),
or records them all (``record --room``). The room is described once, in TOML
(``docs/room-format.md``)::

    [room]
    name = "Room 2"

    [[chair]]
    name = "Chair 1"
    port = "sim:ketamine-typical"
    protocol = "datex"
    patient = "K-0142"

Everything is checked before anything starts, and a refusal is one
:class:`RoomError` naming the file, the line and the field: an unknown key (a
typo must not fall back silently to a default), an unknown protocol, two chairs
reading the same port or sharing a name, more chairs than one screen can show.
A port that exists in the file but cannot be opened is not refused here: the
room opens, and that chair shows the error and keeps retrying.

Pure: no I/O beyond reading the file, no device knowledge (the protocols known
are given by ``main.py``).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from monitor.storage import safe_name
from monitor.toml_lines import KeyPath, LineIndex, decode, parse_toml

MAX_CHAIRS = 12  # more panels than this are not readable on one screen from across the room
MAX_NAME = 30  # a chair's name heads its panel and every line it prints
MAX_PATIENT = 40
MAX_FILE_BYTES = 200_000  # twelve chairs take 2 kB; a bigger file is the wrong file
MAX_PLANNED_MINUTES = 24 * 60.0
DEFAULT_PLANNED_MINUTES = 40.0
SIM_PREFIX = "sim:"

ROOM_KEYS = ("name", "profile", "planned_minutes")
# A chair's keys. Issue 17's treatment entries (weight, dose, concentration) belong here too,
# one key each, read like the command line's --weight/--dose/--concentration and handed to the
# chair's BedConfig by main.chair_config.
CHAIR_KEYS = ("name", "port", "protocol", "patient", "profile", "planned_minutes")


class RoomError(ValueError):
    """A room file that cannot be used; ``str()`` is the one line the user sees."""


@dataclass(frozen=True, slots=True)
class ChairSpec:
    """One chair of the room: its monitor, its patient, its alarm profile."""

    name: str
    port: str  # /dev/ttyUSB0, COM3, socket://HOST:PORT or sim:SCENARIO
    protocol: str
    patient: str = ""
    profile: str = ""  # a built-in profile name or a file; "" for the program's default
    planned_minutes: float = DEFAULT_PLANNED_MINUTES
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> line in the room file

    @property
    def simulated(self) -> bool:
        return self.port.startswith(SIM_PREFIX)


@dataclass(frozen=True, slots=True)
class RoomSpec:
    name: str
    source: str  # the file it came from ("" for a room made from --port options)
    chairs: tuple[ChairSpec, ...]

    def where(self, index: int, key: str) -> str:
        """``room.toml line 9: chair 2 ("Chair 2") profile``: the place of one chair's key."""
        chair = self.chairs[index]
        at = f"{self.source} line {chair.lines.get(key, chair.lines.get('', 1))}: " if self.source else ""
        return f'{at}chair {index + 1} ("{chair.name}") {key}'


def load_room(path: Path, protocols: Collection[str]) -> RoomSpec:
    """The room in ``path``, checked; :class:`RoomError` names the first problem."""
    name = str(path)
    try:
        if path.is_dir():
            raise RoomError(f"{name} is a folder; give the room file (a .toml file) in it.")
        if path.exists() and not path.is_file():
            raise RoomError(f"{name} is not a regular file (a pipe or a device); give a room file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RoomError(f"{name} is {path.stat().st_size / 1e6:.1f} MB, far too large for a room file; "
                            "is this the right file?")
        data = path.read_bytes()
    except FileNotFoundError:
        raise RoomError(f"{name}: no such room file.") from None
    except OSError as exc:
        raise RoomError(f"{name}: cannot read the room file ({exc.strerror or exc}).") from None
    text = decode(data, name, RoomError)
    return room_from_text(text, name, protocols, base=path.parent)


def room_from_text(text: str, source: str, protocols: Collection[str], base: Path = Path(".")) -> RoomSpec:
    """Parse and check a room file's text; relative profile files are found from ``base``."""
    reader = _Reader(source, LineIndex.of(text), tuple(protocols), base)
    return reader.room(parse_toml(text, source, RoomError))


def room_of_ports(ports: Sequence[str], protocol: str, patients: Sequence[str] = (), *,
                  profile: str = "", planned_minutes: float = DEFAULT_PLANNED_MINUTES) -> RoomSpec:
    """``live --port A --port B``: a room of those ports, "Chair 1", "Chair 2", ... in order."""
    if len(patients) > len(ports):
        raise RoomError(f"{len(patients)} patients for {len(ports)} ports: give one --patient per --port, "
                        "in the same order.")
    if len(ports) > MAX_CHAIRS:
        raise RoomError(f"{len(ports)} ports: one screen shows at most {MAX_CHAIRS} chairs.")
    chairs = tuple(
        ChairSpec(f"Chair {i + 1}", port, protocol, patients[i] if i < len(patients) else "", profile,
                  planned_minutes)
        for i, port in enumerate(ports)
    )
    seen: dict[str, int] = {}
    for i, chair in enumerate(chairs):
        key = port_identity(chair.port)
        if key is not None and key in seen:
            raise RoomError(f"--port {chair.port} is given twice (chairs {seen[key] + 1} and {i + 1}); "
                            "each monitor feeds one chair.")
        if key is not None:
            seen[key] = i
    return RoomSpec("Room", "", chairs)


def port_identity(port: str) -> str | None:
    """What makes two ports the same monitor; None for a simulated one (each ``sim:`` chair
    runs a simulator of its own, so several chairs may name the same scenario)."""
    if port.startswith(SIM_PREFIX):
        return None
    if port.startswith("socket://"):
        return port.lower()  # host names are case-insensitive
    if os.path.isabs(port):
        return os.path.realpath(port)  # /dev/serial/by-id/... and /dev/ttyUSB0 may be one adapter
    return port.upper()  # COM3 and com3 are one port on Windows


class _Reader:
    """Reads the parsed TOML, turning every refusal into ``file line N: place: what is wrong``."""

    def __init__(self, source: str, lines: LineIndex, protocols: tuple[str, ...], base: Path) -> None:
        self.source, self.lines, self.protocols, self.base = source, lines, protocols, base

    def fail(self, path: KeyPath, rule: str) -> RoomError:
        place = " ".join(str(p) for p in path)  # "room name", "chair 2 port" (counted from 1)
        if len(path) >= 2 and path[0] == "chair" and isinstance(path[1], int):
            place = f"chair {path[1] + 1}" + (f" {path[2]}" if len(path) > 2 else "")
        return RoomError(f"{self.source} line {self.lines.line_of(path)}: {place}: {rule}")

    def room(self, doc: dict[str, Any]) -> RoomSpec:
        self.known(doc, (), ("room", "chair"))
        room = doc.get("room", {})
        if not isinstance(room, dict):
            raise self.fail(("room",), "must be a table: [room]")
        self.known(room, ("room",), ROOM_KEYS)
        name = self.line(room, ("room",), "name", Path(self.source).stem or "Room", MAX_NAME)
        defaults = {"profile": self.profile(room, ("room",), ""),
                    "planned_minutes": self.minutes(room, ("room",), DEFAULT_PLANNED_MINUTES)}
        chairs = doc.get("chair")
        if chairs is None:
            raise self.fail(("room",), "the room has no chair: add a [[chair]] table for each one")
        if not isinstance(chairs, list) or not all(isinstance(c, dict) for c in chairs):
            raise self.fail(("chair",), "must be tables, each written [[chair]]")
        if len(chairs) > MAX_CHAIRS:
            raise self.fail(("chair", MAX_CHAIRS),
                            f"{len(chairs)} chairs: one screen shows at most {MAX_CHAIRS} readably; "
                            "split them into two rooms")
        specs = tuple(self.chair(table, i, defaults) for i, table in enumerate(chairs))
        self.distinct(specs)
        return RoomSpec(name, self.source, specs)

    def chair(self, table: dict[str, Any], index: int, defaults: dict[str, Any]) -> ChairSpec:
        path: KeyPath = ("chair", index)
        self.known(table, path, CHAIR_KEYS)
        for key in ("name", "port", "protocol"):
            if key not in table:
                raise self.fail(path, f"{key} is missing (each chair needs name, port and protocol)")
        protocol = self.line(table, path, "protocol", "", 40)
        if protocol not in self.protocols:
            raise self.fail(path + ("protocol",), f"unknown protocol '{protocol}'; known: {', '.join(self.protocols)}")
        port = self.line(table, path, "port", "", 300)
        if port.startswith(SIM_PREFIX) and len(port) == len(SIM_PREFIX):
            raise self.fail(path + ("port",), "sim: needs a scenario, e.g. sim:ketamine-typical")
        lines = {key: self.lines.line_of(path + (key,)) for key in table}
        lines[""] = self.lines.line_of(path)
        return ChairSpec(
            name=self.line(table, path, "name", "", MAX_NAME), port=port, protocol=protocol,
            patient=self.line(table, path, "patient", "", MAX_PATIENT),
            profile=self.profile(table, path, defaults["profile"]),
            planned_minutes=self.minutes(table, path, defaults["planned_minutes"]),
            lines=MappingProxyType(lines),
        )

    def distinct(self, chairs: tuple[ChairSpec, ...]) -> None:
        """No two chairs with one name, as a file name writes it (recordings and printed lines are
        told apart by it: "Chair 1" and "chair_1" are one), and
        no monitor read by two chairs (the second open would steal the first one's bytes)."""
        names: dict[str, int] = {}
        ports: dict[str, int] = {}
        for i, chair in enumerate(chairs):
            first = names.setdefault(safe_name(chair.name).casefold() or chair.name.casefold(), i)
            if first != i:
                raise self.fail(("chair", i, "name"), f"'{chair.name}' is also the name of chair {first + 1} "
                                f"(line {chairs[first].lines['name']}); each chair needs its own name")
            key = port_identity(chair.port)
            if key is None:
                continue
            first = ports.setdefault(key, i)
            if first != i:
                raise self.fail(("chair", i, "port"), f"{chair.port} is also the port of chair {first + 1} "
                                f"(line {chairs[first].lines['port']}); each monitor feeds one chair")

    # -- typed values ---------------------------------------------------------------------
    def known(self, table: dict[str, Any], path: KeyPath, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                shown = key if len(key) <= 40 and key.isprintable() else repr(key[:40])
                raise self.fail(path + (key,), f"unknown key '{shown}' (known here: {', '.join(allowed)})")

    def line(self, table: dict[str, Any], path: KeyPath, key: str, default: str, most: int) -> str:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip() or len(value) > most or not value.isprintable():
            raise self.fail(path + (key,), f"must be one line of text, at most {most} characters")
        return value.strip()

    def profile(self, table: dict[str, Any], path: KeyPath, default: str) -> str:
        """A built-in profile's name, or a file (relative to the room file's folder)."""
        value = self.line(table, path, "profile", "", 300)
        if not value:
            return default
        if "/" in value or "\\" in value or value.endswith(".toml"):
            return str(self.base / Path(value).expanduser())
        return value

    def minutes(self, table: dict[str, Any], path: KeyPath, default: float) -> float:
        value = table.get("planned_minutes", default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_PLANNED_MINUTES:
            raise self.fail(path + ("planned_minutes",),
                            f"must be a number of minutes above 0 and at most {MAX_PLANNED_MINUTES:g}")
        return float(value)

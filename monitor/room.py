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

A chair may carry its treatment plan (``weight``, ``dose``, ...), checked exactly as
the command line's ``--weight`` and friends (:func:`chair_treatment`), and the room
may name the central station's broker (``publish``) with its security; the typed
values are read by :mod:`monitor.room_keys`.

Pure: no I/O beyond reading the file (and a treatment profile it names), no device
or network knowledge (the protocols known are given by ``main.py``).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from monitor.alarms.profile import ProfileError
from monitor.room_keys import PLAN_KEYS, PUBLISH_KEYS, PublishSpec, RoomError, TableReader
from monitor.storage import safe_name
from monitor.toml_lines import KeyPath, LineIndex, decode, parse_toml
from monitor.treatment.profile import TreatmentProfile, load_treatment_profile
from monitor.treatment.request import BY_ROOM_FILE, PlanRequest, PlanValueError, PlanValues, plan_from_values

MAX_CHAIRS = 12  # more panels than this are not readable on one screen from across the room
MAX_NAME = 30  # a chair's name heads its panel and every line it prints
MAX_PATIENT = 40
MAX_FILE_BYTES = 200_000  # twelve chairs take 2 kB; a bigger file is the wrong file
SIM_PREFIX = "sim:"

ROOM_KEYS = ("name", "profile", "planned_minutes", "treatment_profile", *PUBLISH_KEYS)
CHAIR_KEYS = ("name", "port", "protocol", "patient", "profile", "planned_minutes", "treatment_profile", *PLAN_KEYS)
_KEY_OF_PLAN = {"time": "planned_minutes"}  # a plan value's name -> the key that gives it


@dataclass(frozen=True, slots=True)
class ChairSpec:
    """One chair of the room: its monitor, its patient, its alarm profile and its treatment plan."""

    name: str
    port: str  # /dev/ttyUSB0, COM3, socket://HOST:PORT or sim:SCENARIO
    protocol: str
    patient: str = ""
    profile: str = ""  # a built-in profile name or a file; "" for the program's default
    planned_minutes: float | None = None  # None: the plan's, else the treatment profile's
    treatment_profile: str = ""  # a built-in name or a file; "" for the program's default
    plan: PlanValues = PlanValues()  # no weight: no plan (the nurse enters it on screen)
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> line in the room file

    @property
    def simulated(self) -> bool:
        return self.port.startswith(SIM_PREFIX)


@dataclass(frozen=True, slots=True)
class RoomSpec:
    name: str
    source: str  # the file it came from ("" for a room made from --port options)
    chairs: tuple[ChairSpec, ...]
    publish: PublishSpec = PublishSpec()
    lines: Mapping[str, int] = field(default_factory=dict)  # [room] key -> line in the room file

    def where(self, index: int, key: str) -> str:
        """``room.toml line 9: chair 2 ("Chair 2") profile``: the place of one chair's key (the
        ``[room]`` line when the chair takes the room's value)."""
        chair = self.chairs[index]
        line = chair.lines.get(key) or self.lines.get(key) or chair.lines.get("", 1)
        at = f"{self.source} line {line}: " if self.source else ""
        return f'{at}chair {index + 1} ("{chair.name}") {key}'

    def where_room(self, key: str) -> str:
        """``room.toml line 4: room publish``: the place of a ``[room]`` key."""
        return f"{self.source} line {self.lines.get(key, self.lines.get('', 1))}: room {key}"


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
                  profile: str = "", planned_minutes: float | None = None) -> RoomSpec:
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


def chair_treatment(room: RoomSpec, index: int, default: TreatmentProfile) -> tuple[TreatmentProfile,
                                                                                  PlanRequest | None]:
    """Chair ``index``'s treatment profile (its own, else ``default``: the command line's or the
    settings') and its plan checked against it as the command line checks ``--weight``; None
    without a weight. :class:`RoomError` names the file, line and key."""
    chair = room.chairs[index]
    profile = default
    if chair.treatment_profile:
        try:
            profile = load_treatment_profile(chair.treatment_profile)
        except ProfileError as exc:
            raise RoomError(f"{room.where(index, 'treatment_profile')}: {exc}") from None
    try:
        return profile, plan_from_values(chair.plan, profile, BY_ROOM_FILE)
    except PlanValueError as exc:
        where = room.where(index, _KEY_OF_PLAN.get(exc.name, exc.name))
        if exc.needs == "weight":
            raise RoomError(f"{where}: needs weight too (in kg): {exc}") from None
        if exc.needs == "confirm":
            raise RoomError(f'{where}: {exc} If it is, add confirm = ["{exc.name}"] to this chair.') from None
        raise RoomError(f"{where}: {exc}") from None


class _Reader(TableReader):
    """Reads the parsed TOML, turning every refusal into ``file line N: place: what is wrong``."""

    def __init__(self, source: str, lines: LineIndex, protocols: tuple[str, ...], base: Path) -> None:
        super().__init__(source, lines, base)
        self.protocols = protocols

    def room(self, doc: dict[str, Any]) -> RoomSpec:
        self.known(doc, (), ("room", "chair"))
        room = doc.get("room", {})
        if not isinstance(room, dict):
            raise self.fail(("room",), "must be a table: [room]")
        self.known(room, ("room",), ROOM_KEYS)
        name = self.line(room, ("room",), "name", Path(self.source).stem or "Room", MAX_NAME)
        defaults = {"profile": self.profile(room, ("room",), ""),
                    "planned_minutes": self.minutes(room, ("room",), None),
                    "treatment_profile": self.profile(room, ("room",), "", "treatment_profile")}
        publish = self.publish(room)
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
        lines = {key: self.lines.line_of(("room", key)) for key in room}
        lines[""] = self.lines.line_of(("room",))
        return RoomSpec(name, self.source, specs, publish, MappingProxyType(lines))

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
        minutes = self.minutes(table, path, defaults["planned_minutes"])
        return ChairSpec(
            name=self.line(table, path, "name", "", MAX_NAME), port=port, protocol=protocol,
            patient=self.line(table, path, "patient", "", MAX_PATIENT),
            profile=self.profile(table, path, defaults["profile"]),
            planned_minutes=minutes,
            treatment_profile=self.profile(table, path, defaults["treatment_profile"], "treatment_profile"),
            plan=self.plan(table, path, minutes),
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

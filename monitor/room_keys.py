"""The room file's typed values: text, paths, minutes, a chair's treatment plan and the room's publishing.

:mod:`monitor.room` reads the room and its chairs; this module reads one value at a
time, so that each refusal names the key it is about (``room.toml line 12: chair 2
weight: "80,5" has a comma ...``). A chair's plan is read as strictly as the command
line's ``--weight`` (:func:`monitor.treatment.entry.parse_quantity` for text, a plain
TOML number otherwise) and checked against the treatment profile later, when the
profile is known (:func:`monitor.room.chair_treatment`). The room's publishing keys
are only typed here; the broker address and its security are checked by the central
station's own rules when the room is wired (``cli.broker_options.room_publishing``), because
``monitor`` knows nothing of the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.toml_lines import KeyPath, LineIndex
from monitor.treatment.entry import EntryError, Field, parse_quantity
from monitor.treatment.request import CONFIRMABLE, PlanValues

MAX_PLANNED_MINUTES = 24 * 60.0
MAX_PATH = 300
PLAN_KEYS = ("weight", "dose", "concentration", "volume", "undiluted", "confirm")
_QUANTITY = {"weight": Field.WEIGHT, "dose": Field.DOSE, "concentration": Field.CONCENTRATION,
             "volume": Field.VOLUME}
PUBLISH_KEYS = ("publish", "site", "ca", "cert", "key", "user", "password_file", "insecure")
PUBLISH_PATHS = ("ca", "cert", "key", "password_file")


class RoomError(ValueError):
    """A room file that cannot be used; ``str()`` is the one line the user sees."""


@dataclass(frozen=True, slots=True)
class PublishSpec:
    """``[room] publish`` and its security, as written (paths found from the room file's folder).
    Empty strings and None: not in the file."""

    url: str = ""
    site: str = ""
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    user: str = ""
    password_file: Path | None = None
    insecure: bool | None = None

    def given(self) -> tuple[str, ...]:
        """The keys the file gives, in PUBLISH_KEYS order."""
        values = {"publish": self.url, "site": self.site, **{k: getattr(self, k) for k in PUBLISH_KEYS[2:]}}
        return tuple(k for k, v in values.items() if v not in ("", None))


class TableReader:
    """Typed values of a parsed room file; every refusal is ``file line N: place: what is wrong``."""

    def __init__(self, source: str, lines: LineIndex, base: Path) -> None:
        self.source, self.lines, self.base = source, lines, base

    def fail(self, path: KeyPath, rule: str) -> RoomError:
        place = " ".join(str(p) for p in path)  # "room name", "chair 2 port" (counted from 1)
        if len(path) >= 2 and path[0] == "chair" and isinstance(path[1], int):
            place = f"chair {path[1] + 1}" + (f" {path[2]}" if len(path) > 2 else "")
        return RoomError(f"{self.source} line {self.lines.line_of(path)}: {place}: {rule}")

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

    def file(self, table: dict[str, Any], path: KeyPath, key: str) -> Path | None:
        """A file named in the room file; a relative path is found next to the room file."""
        value = self.line(table, path, key, "", MAX_PATH)
        return self.base / Path(value).expanduser() if value else None

    def profile(self, table: dict[str, Any], path: KeyPath, default: str, key: str = "profile") -> str:
        """A built-in profile's name, or a file (relative to the room file's folder)."""
        value = self.line(table, path, key, "", MAX_PATH)
        if not value:
            return default
        if "/" in value or "\\" in value or value.endswith(".toml"):
            return str(self.base / Path(value).expanduser())
        return value

    def minutes(self, table: dict[str, Any], path: KeyPath, default: float | None) -> float | None:
        if "planned_minutes" not in table:
            return default
        value = table["planned_minutes"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_PLANNED_MINUTES:
            raise self.fail(path + ("planned_minutes",),
                            f"must be a number of minutes above 0 and at most {MAX_PLANNED_MINUTES:g}")
        return float(value)

    def flag(self, table: dict[str, Any], path: KeyPath, key: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(path + (key,), "must be true or false (without quotes)")
        return value

    # -- a chair's treatment plan ------------------------------------------------------
    def plan(self, table: dict[str, Any], path: KeyPath, minutes: float | None) -> PlanValues:
        """The chair's plan as written; the profile's bounds are checked when it is known."""
        numbers = {key: self.quantity(table, path, key) for key in _QUANTITY}
        return PlanValues(numbers["weight"], numbers["dose"], minutes, numbers["concentration"], numbers["volume"],
                          bool(self.flag(table, path, "undiluted")), self.confirm(table, path))

    def quantity(self, table: dict[str, Any], path: KeyPath, key: str) -> float | None:
        """A number (``80``, ``80.5``) or text read like the command line (``"80 kg"``)."""
        value, entry = table.get(key), _QUANTITY[key]
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return parse_quantity(value, entry)
            except EntryError as exc:
                raise self.fail(path + (key,), str(exc)) from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise self.fail(path + (key,), f"must be {entry.describe()}, e.g. {key} = {entry.spec.example}")
        return float(value)

    def confirm(self, table: dict[str, Any], path: KeyPath) -> tuple[str, ...]:
        value = table.get("confirm", [])
        if not isinstance(value, list):
            raise self.fail(path + ("confirm",), 'must be a list, e.g. confirm = ["weight"]')
        for i, name in enumerate(value):
            if not isinstance(name, str) or name not in CONFIRMABLE:
                shown = name if isinstance(name, str) and len(name) <= 40 and name.isprintable() else "that"
                raise self.fail(path + ("confirm", i), f"cannot confirm '{shown}'; the values to confirm are "
                                f"{', '.join(CONFIRMABLE)}")
        return tuple(value)

    # -- the room's publishing ---------------------------------------------------------
    def publish(self, room: dict[str, Any]) -> PublishSpec:
        path: KeyPath = ("room",)
        paths = {key: self.file(room, path, key) for key in PUBLISH_PATHS}
        return PublishSpec(self.line(room, path, "publish", "", MAX_PATH), self.line(room, path, "site", "", 100),
                           paths["ca"], paths["cert"], paths["key"], self.line(room, path, "user", "", 100),
                           paths["password_file"], self.flag(room, path, "insecure"))

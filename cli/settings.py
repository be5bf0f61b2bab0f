"""The clinic's settings: defaults for the command line, and values an administrator locks.

Two TOML files, both optional: the system-wide file an administrator writes (the platform's
site config folder, e.g. ``C:\\ProgramData\\infusion-monitor\\settings.toml``), whose
``[locked]`` table holds values nobody may change on this computer, and the user's own file
(the user config folder). The value in force is, from strongest: a locked value, then the
command line, then the user file, then the system file's plain values, then the built-in
default. ``main.py`` reads them once (:func:`load_settings`), prints :attr:`Settings.problems`,
and lets :meth:`Settings.apply_to` fill the options left out; the dialogs learn what is locked
from what ``main.py`` hands them. No Qt here, and nothing clinical: this only chooses defaults.

A settings typo never stops the program: a broken file is named with its line and not used,
a bad value falls back (for that key only) to the value below it, an unknown key is reported
with a "did you mean". Every problem is one line naming the file, line, key and the value used.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from platformdirs import PlatformDirs

from cli.settings_keys import KEYS, OPTIONS, Invalid, Key
from cli.support import one_line
from devices.simulator.scenario import ScenarioError
from devices.simulator.scenario_toml import decode, dotted, hint, parse_toml
from monitor.storage import APP_NAME
from monitor.toml_lines import LineIndex

FILE_NAME = "settings.toml"
LOCKED = "locked"  # the system-wide file's table of locked values
MAX_FILE_BYTES = 1_000_000
Found = list[tuple[int, str]]  # the problems of one file, with their lines (reported in line order)


class Source(Enum):
    DEFAULT = "built-in default"
    SYSTEM = "system-wide file"
    USER = "user file"
    LOCKED = "locked by the system-wide file"


class SettingLocked(Exception):
    """The command line tried to change a locked value; ``str()`` is the one line to print."""


@dataclass(frozen=True)
class SettingsFile:
    role: str  # "system-wide" or "user"
    path: Path

    @property
    def exists(self) -> bool:
        return self.path.is_file()


@dataclass(frozen=True)
class InForce:
    """One key's value in force and where it came from (``line`` 0: the built-in default)."""

    key: str
    value: Any
    source: Source
    path: Path | None = None
    line: int = 0

    @property
    def place(self) -> str:
        return f"{self.path} line {self.line}" if self.path is not None else ""

    def shown(self) -> str:
        """The value as a person reads it (a default that is a behaviour, in words)."""
        if self.value is None:
            return KEYS[self.key].default_text
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


@dataclass(frozen=True)
class Settings:
    system: SettingsFile
    user: SettingsFile
    entries: Mapping[str, InForce]
    problems: tuple[str, ...] = ()

    def value(self, key: str) -> Any:
        """The value in force (None: the option's own behaviour, e.g. "ask in the dialog")."""
        return self.entries[key].value

    def from_file(self, key: str) -> bool:
        return self.entries[key].source is not Source.DEFAULT

    def notice(self) -> str:
        """One sentence for the window when a settings file had problems ("" when none)."""
        count = len(self.problems)
        return (f"Settings files: {count} problem{'s' if count > 1 else ''}, defaults used instead; "
                "'infusion-monitor settings' shows the details.") if count else ""

    def locked_by(self, key: str) -> str:
        """"" when ``key`` is not locked; else who locked it and where, for a tooltip or a refusal."""
        entry = self.entries[key]
        if entry.source is not Source.LOCKED:
            return ""
        admin = self.value("administrator")
        return f"Locked by the administrator{f' ({admin})' if admin else ''} in {entry.place}."

    def apply_to(self, args: argparse.Namespace) -> None:
        """Fill every option the command line left out (None) with the value in force; refuse
        (:class:`SettingLocked`) an option that gives a locked key another value."""
        command = getattr(args, "command", None) or "live"
        for key, options in OPTIONS.items():
            entry = self.entries[key]
            for option in options:
                if not hasattr(args, option.dest) or (option.commands and command not in option.commands):
                    continue
                given = getattr(args, option.dest)
                if given is None:
                    if entry.value is not None and not any(getattr(args, other, None) is not None
                                                           for other in option.unless):
                        setattr(args, option.dest, [entry.value] if option.many else entry.value)
                    continue
                for value in given if option.many else (given,):
                    self.check_allowed(key, value, f"{option.flag} {value}", f"Leave out {option.flag}")

    def check_allowed(self, key: str, value: Any, given: str, instead: str) -> None:
        """Refuse (:class:`SettingLocked`) ``value`` for a locked ``key``: ``given`` says where it
        came from (``--profile strict``), ``instead`` what to do (``Leave out --profile``)."""
        entry = self.entries[key]
        if entry.source is Source.LOCKED and not KEYS[key].same(value, entry.value):
            raise SettingLocked(f"{given}: {key} is locked to {entry.shown()}. "
                                f"{self.locked_by(key)} {instead}, or ask the administrator.")


def settings_files(dirs: type[PlatformDirs] = PlatformDirs) -> tuple[SettingsFile, SettingsFile]:
    """(system-wide, user): the platform's site and user config folders, as platformdirs names them.

    Not roaming on Windows (``%LOCALAPPDATA%``): a port, a bed name or a room file belongs to
    one computer and must not follow a nurse's roaming profile to another chair.
    """
    place = dirs(APP_NAME, appauthor=False, roaming=False)
    return (SettingsFile("system-wide", Path(place.site_config_dir) / FILE_NAME),
            SettingsFile("user", Path(place.user_config_dir) / FILE_NAME))


def load_settings(files: tuple[SettingsFile, SettingsFile] | None = None) -> Settings:
    """Both files read, checked and layered; never raises for anything in them."""
    system, user = files or settings_files()
    entries = {name: InForce(name, key.default(), Source.DEFAULT) for name, key in KEYS.items()}
    problems: list[str] = []
    for file in (system, user):
        found: Found = []
        data = _read(file, found)
        if data is not None:
            _layer(file, *data, entries, found)
        problems += [text for _, text in sorted(found, key=lambda p: p[0])]
    return Settings(system, user, MappingProxyType(entries), tuple(problems))


# -- reading -------------------------------------------------------------------------------------


def _read(file: SettingsFile, problems: Found) -> tuple[dict[str, Any], LineIndex] | None:
    """The file's table and line index; None when there is no file or it cannot be used."""
    path = file.path
    try:
        if not path.exists():
            return None
        if path.is_dir():
            raise Invalid("is a folder, not a settings file")
        if not path.is_file():
            raise Invalid("is not a regular file (a pipe or a device)")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Invalid(f"is {path.stat().st_size / 1e6:.1f} MB, far too large for a settings file")
        text = decode(path.read_bytes(), str(path))
        return parse_toml(text, str(path)), LineIndex.of(text)
    except Invalid as exc:
        problems.append((0, f"{path}: {exc}; nothing in this file is used"))
    except OSError as exc:
        problems.append((0, f"{path}: cannot be read ({exc.strerror or exc}); nothing in this file is used"))
    except ScenarioError as exc:  # decode and parse_toml name the file and line themselves
        problems.append((0, f"{exc}{_syntax_hint(str(exc))}; nothing in this file is used"))
    return None


def _syntax_hint(message: str) -> str:
    if "Unescaped '\\'" in message:
        return " (write a Windows path in single quotes, 'C:\\Recordings', or with forward slashes)"
    if "Invalid value" in message:
        return " (text goes in quotes: theme = \"dark\")"
    return ""


# -- layering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    key: str
    raw: Any
    line: int
    locked: bool


def _layer(file: SettingsFile, data: dict[str, Any], lines: LineIndex,
           entries: dict[str, InForce], problems: Found) -> None:
    """Lay one file's values over ``entries``: its plain values, then (system file) its locks."""
    values = sorted(_values(file, data, lines, problems), key=lambda v: v.locked)
    source = Source.SYSTEM if file.role == "system-wide" else Source.USER
    base = file.path.parent
    for v in values:
        key, current = KEYS[v.key], entries[v.key]
        where = f"{file.path} line {v.line}: {v.key}"
        if key.system_only and source is Source.USER:
            problems.append((v.line, f"{where}: only the system-wide file can set it; not used"))
            continue
        if current.source is Source.LOCKED:
            if not _equal(key, v.raw, base, current.value):
                problems.append((v.line, f"{where}: locked to {current.shown()} by the system-wide "
                                 f"file ({current.place}); this value is not used"))
            continue
        try:
            value = key.check(v.raw, base)
        except (Invalid, OSError) as exc:  # OSError: a path that cannot even be looked at
            reason = exc if isinstance(exc, Invalid) else f"cannot be checked ({exc.strerror or exc})"
            kept = ", still locked" if v.locked else ""
            problems.append((v.line, f"{where}: {reason}; using {current.shown()} ({current.source.value}){kept}"))
            if v.locked:
                entries[v.key] = InForce(v.key, current.value, Source.LOCKED, file.path, v.line)
            continue
        entries[v.key] = InForce(v.key, value, Source.LOCKED if v.locked else source, file.path, v.line)


def _equal(key: Key, raw: Any, base: Path, value: Any) -> bool:
    try:
        return key.same(key.check(raw, base), value)
    except (Invalid, OSError, TypeError, ValueError):
        return False


def _values(file: SettingsFile, data: dict[str, Any], lines: LineIndex,
            problems: Found) -> Iterator[_Value]:
    """Every known key of the file with its line; unknown keys and misplaced tables reported."""
    system = file.role == "system-wide"
    for name, raw in data.items():
        line = lines.line_of((name,))
        if name == LOCKED:
            yield from _locked_values(file, raw, lines, problems, line, system)
        elif name in KEYS:
            yield _Value(name, raw, line, locked=False)
        else:
            problems.append((line, _unknown(file, (name,), line, system)))


def _locked_values(file: SettingsFile, raw: Any, lines: LineIndex, problems: Found, line: int,
                   system: bool) -> Iterator[_Value]:
    where = f"{file.path} line {line}: [{LOCKED}]"
    if not system:
        problems.append((line, f"{where}: only the system-wide file can lock values; this table is not used"))
        return
    if not isinstance(raw, dict):
        problems.append((line, f"{where}: must be a table: a line [{LOCKED}], then one key = value "
                         "per line below it; not used"))
        return
    for name, value in raw.items():
        at = lines.line_of((LOCKED, name))
        if name in KEYS:
            yield _Value(name, value, at, locked=True)
        else:
            problems.append((at, _unknown(file, (LOCKED, name), at, system)))


def _unknown(file: SettingsFile, path: tuple[str, ...], line: int, system: bool) -> str:
    name = path[-1]
    known = tuple(k for k, key in KEYS.items() if system or not key.system_only)
    if system and len(path) == 1:
        known += (LOCKED,)
    return (f"{file.path} line {line}: {dotted(path)}: unknown key{hint(name, known)}; not used "
            f"(known keys: {', '.join(known)})")


def report(settings: Settings, out: TextIO) -> None:
    """Each problem as one line (``main.py`` prints them on stderr before it starts)."""
    for problem in settings.problems:
        print(one_line(f"infusion-monitor: settings: {problem}"), file=out)

"""Alarm profiles in TOML: loading, strict parsing and the built-in presets.

Every key must be known and every value of the right type, so a typo such as
``hysteresys`` is refused instead of silently ignored; after parsing,
``rules.validate`` checks the clinical sense of the numbers. A refused profile
raises ProfileError naming the file, the place and the rule, and nothing of it
is used (issue 5). The format is described in docs/alarms.md.
"""

from __future__ import annotations

import importlib.resources
import math
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, time
from pathlib import Path
from typing import Any

from monitor.alarms.model import TECHNICAL_CONDITIONS, AlarmCondition, Priority
from monitor.alarms.rules import validate
from monitor.alarms.settings import (
    TECHNICAL_DEFAULTS,
    ParameterLimits,
    Profile,
    ProfileError,
    RelativeLimit,
    StartLevels,
    TechnicalSettings,
    Tiers,
    Timing,
)
from monitor.parameters import MEASUREMENTS
from monitor.readings import Parameter

__all__ = [
    "Profile", "ProfileError", "TomlTable", "builtin_profiles", "load_profile", "profile_from_dict",
    "read_profile_toml",
]

DEFAULT_PROFILE = "ketamine-infusion"
_PROFILES_DIR = "profiles"
_SHOWN = 60  # characters of a key or value quoted in a message: a 5 MB value stays in its file
MAX_NAME, MAX_DESCRIPTION = 80, 300  # one line in the dashboard header and the recording
MAX_FILE_BYTES = 1_000_000  # the built-in profiles are 5 kB; a bigger file is the wrong file


def _shown(value: object) -> str:
    """``repr(value)`` cut to a readable length, for quoting user input in a message."""
    text = str(value) if isinstance(value, date | time) else repr(value)  # TOML dates as written
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"


def _key(key: str) -> str:
    """A key as written in TOML: bare if it can be, else quoted (no newline reaches a message)."""
    if key and len(key) <= _SHOWN and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return _shown(key)


class TomlTable:
    """A TOML table being read: each accessor declares a key, ``finish`` refuses the rest."""

    def __init__(self, data: object, where: str, source: str) -> None:
        if not isinstance(data, Mapping):
            raise ProfileError(source, where, "must be a table")
        self.data: Mapping[str, Any] = data
        self.where = where
        self.source = source
        self._known: list[str] = []

    def _place(self, key: str) -> str:
        return f"{self.where}.{_key(key)}" if self.where else _key(key)

    def _get(self, key: str) -> Any:
        self._known.append(key)
        return self.data.get(key)

    def fail(self, key: str, rule: str) -> ProfileError:
        return ProfileError(self.source, self._place(key), rule)

    def raw(self, key: str) -> Any:
        """The value as TOML gave it (declaring the key), for shapes the typed accessors do not read."""
        return self._get(key)

    def number(self, key: str) -> float | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {_shown(value)}")
        try:
            return float(value)
        except OverflowError:  # TOML integers have no size limit; floats stop near 1.8e308
            raise self.fail(key, f"{len(str(abs(value)))}-digit number is far outside any "
                            "plausible range") from None

    def whole_or(self, key: str, default: int) -> int:
        """A whole number (a count), or the default when absent."""
        value = self.number_or(key, default)
        if not math.isfinite(value) or value != int(value):
            raise self.fail(key, f"must be a whole number, not {value:g}")
        return int(value)

    def number_or(self, key: str, default: float) -> float:
        value = self.number(key)
        return default if value is None else value

    def text(self, key: str, default: str = "") -> str:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(key, f"must be text, not {_shown(value)}")
        return value

    def line(self, key: str, default: str, most: int) -> str:
        """Text shown on one line (names, descriptions): no line breaks, at most ``most`` characters."""
        value = self.text(key, "")
        if not value:
            return default
        if len(value) > most or not value.isprintable():
            raise self.fail(key, f"must be one line of at most {most} characters")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_shown(value)}")
        return value

    def priority_or(self, key: str, default: Priority) -> Priority:
        value = self._get(key)
        if value is None:
            return default
        return _priority(value, lambda rule: self.fail(key, rule))

    def table(self, key: str) -> TomlTable | None:
        value = self._get(key)
        return None if value is None else TomlTable(value, self._place(key), self.source)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - set(self._known))
        if unknown:
            known = ", ".join(self._known)
            raise self.fail(unknown[0], f"unknown key {_shown(unknown[0])} (known here: {known})")


def _priority(value: object, fail: Any) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise fail(f"unknown priority {_shown(value)} (low, medium or high)") from None


def builtin_profiles(package: str = "monitor.alarms") -> tuple[str, ...]:
    """Names of the profiles shipped in ``package``'s ``profiles`` folder, e.g. ``ketamine-infusion``."""
    folder = importlib.resources.files(package) / _PROFILES_DIR
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """A built-in profile by name, or a TOML file by path; validated, or ProfileError."""
    source, data, _ = read_profile_toml(name_or_path)
    return profile_from_dict(data, source, default_name=Path(source).stem)


def read_profile_toml(
    name_or_path: str | Path, package: str = "monitor.alarms", what: str = "an alarm profile"
) -> tuple[str, dict[str, Any], str]:
    """``(source, data, text)`` of a built-in profile of ``package`` by name, or of a TOML file.

    Every way a file can fail to be a profile (missing, a folder, a pipe, far too large,
    not UTF-8, not TOML) is a :class:`ProfileError` naming it. The treatment profiles
    (:mod:`monitor.treatment.profile`) are read the same way.
    """
    source, read = _locate(name_or_path, package, what)
    try:
        text = read()
    except FileNotFoundError:
        raise ProfileError(source, "", "no such file") from None
    except IsADirectoryError:
        raise ProfileError(source, "", "is a folder, not a profile file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ProfileError(source, "", f"is not UTF-8 text (line {line}); save it as UTF-8") from None
    except OSError as exc:
        raise ProfileError(source, "", f"cannot be read ({exc.strerror or exc})") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark is still UTF-8
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(source, "", f"is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise ProfileError(source, "", "is not valid TOML: arrays or tables nested too deeply") from None
    return source, data, text


def _locate(name_or_path: str | Path, package: str, what: str) -> tuple[str, Callable[[], str]]:
    """Where the profile is (named in every message) and how to read it."""
    if isinstance(name_or_path, Path) or "/" in name_or_path or name_or_path.endswith(".toml"):
        path = Path(name_or_path)
        return str(path), lambda: _read_file(path, what)
    if name_or_path in builtin_profiles(package):
        resource = importlib.resources.files(package) / _PROFILES_DIR / f"{name_or_path}.toml"
        return str(resource), lambda: resource.read_text(encoding="utf-8")
    raise ProfileError(
        name_or_path, "", f"no built-in profile of that name (built-in: {', '.join(builtin_profiles(package))}) "
        "and not a path to a .toml file",
    )


def _read_file(path: Path, what: str) -> str:
    """The file's text; a pipe or device is refused, as reading it could block for ever."""
    if path.exists() and not path.is_file() and not path.is_dir():
        raise ProfileError(str(path), "", "is not a regular file (a pipe or a device); give a profile file")
    if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
        raise ProfileError(str(path), "", f"is {path.stat().st_size / 1e6:.1f} MB, far too large for "
                           f"{what} (at most {MAX_FILE_BYTES / 1e6:g} MB); is this the right file?")
    return path.read_text(encoding="utf-8")


def profile_from_dict(data: Mapping[str, Any], source: str, default_name: str = "") -> Profile:
    """Parse and validate a profile given as TOML data (tests and tools build them this way)."""
    root = TomlTable(data, "", source)
    info = root.table("profile") or TomlTable({}, "profile", source)
    name = info.line("name", default_name or Path(source).stem, MAX_NAME)
    description = info.line("description", "", MAX_DESCRIPTION)
    info.finish()
    profile = Profile(
        name=name,
        source=source,
        description=description,
        timing=_timing(root.table("timing")),
        start=_start(root.table("start_check")),
        parameters=_parameters(root.table("parameters"), source),
        technical=_technical(root.table("technical")),
    )
    root.finish()
    validate(profile)
    if not profile.parameters:  # an emptied or cut-off file must not silence every vital sign
        raise ProfileError(source, "parameters", "missing: the profile sets no limit on any vital "
                           "sign, so it would raise no physiological alarm")
    return profile


def _timing(table: TomlTable | None) -> Timing:
    if table is None:
        return Timing()
    d = Timing()
    timing = Timing(
        escalation_s=table.number_or("escalation_s", d.escalation_s),
        reminder_s=table.number_or("reminder_s", d.reminder_s),
        audio_pause_s=table.number_or("audio_pause_s", d.audio_pause_s),
        audio_pause_max_s=table.number_or("audio_pause_max_s", d.audio_pause_max_s),
        breakthrough=table.priority_or("breakthrough", d.breakthrough),
    )
    table.finish()
    return timing


def _start(table: TomlTable | None) -> StartLevels:
    if table is None:
        return StartLevels()
    d = StartLevels()
    start = StartLevels(
        caution_sys=table.number_or("caution_sys", d.caution_sys),
        caution_dia=table.number_or("caution_dia", d.caution_dia),
        do_not_start_sys=table.number_or("do_not_start_sys", d.do_not_start_sys),
        do_not_start_dia=table.number_or("do_not_start_dia", d.do_not_start_dia),
    )
    table.finish()
    return start


def _parameters(table: TomlTable | None, source: str) -> dict[Parameter, ParameterLimits]:
    if table is None:
        return {}
    result: dict[Parameter, ParameterLimits] = {}
    for key in table.data:
        if key in MEASUREMENTS and key not in Parameter.__members__:  # [parameters.NIBP]
            names = ", ".join(p.value for p in MEASUREMENTS[key].parameters)
            raise table.fail(key, f"{key} is a measurement: set the limits of its parameters {names}")
        if key not in Parameter.__members__:
            known = ", ".join(Parameter.__members__)
            raise table.fail(key, f"unknown parameter {key!r} (known: {known})")
        parameter = Parameter(key)
        result[parameter] = _parameter(parameter, _required(table, key))
    table.finish()
    return result


def _parameter(parameter: Parameter, table: TomlTable) -> ParameterLimits:
    backup = table.text("backup_for")
    if backup and backup not in Parameter.__members__:
        raise table.fail("backup_for", f"unknown parameter {backup!r}")
    limits = ParameterLimits(
        parameter=parameter,
        above=_tiers(table.table("above")),
        below=_tiers(table.table("below")),
        delay_s=table.number_or("delay_s", 0.0),
        high_delay_s=table.number("high_delay_s"),
        hysteresis=table.number_or("hysteresis", 0.0),
        rise=_relative(table.table("rise")),
        fall=_relative(table.table("fall")),
        confirm_high_on_repeat=table.flag("confirm_high_on_repeat"),
        backup_for=Parameter(backup) if backup else None,
    )
    table.finish()
    return limits


def _tiers(table: TomlTable | None) -> Tiers:
    if table is None:
        return Tiers()
    tiers = Tiers(low=table.number("low"), medium=table.number("medium"), high=table.number("high"))
    table.finish()
    return tiers


def _relative(table: TomlTable | None) -> RelativeLimit | None:
    if table is None:
        return None
    relative = RelativeLimit(
        priority=table.priority_or("priority", Priority.LOW),
        amount=table.number("amount"),
        percent=table.number("percent"),
    )
    table.finish()
    return relative


def _technical(table: TomlTable | None) -> dict[AlarmCondition, TechnicalSettings]:
    result = dict(TECHNICAL_DEFAULTS)
    if table is None:
        return result
    known = {c.value for c in TECHNICAL_CONDITIONS}
    for key in table.data:
        if key not in known:
            raise table.fail(key, f"unknown technical alarm {key!r} (known: {', '.join(sorted(known))})")
        condition = AlarmCondition(key)
        result[condition] = _technical_one(condition, _required(table, key))
    table.finish()
    return result


_TECHNICAL_KEYS: dict[AlarmCondition, tuple[str, ...]] = {
    AlarmCondition.NIBP_OVERDUE: ("after_s", "phase_after_s"),
    AlarmCondition.NOISY_LINE: ("error_rate", "window_s", "min_frames"),
}


def _technical_one(condition: AlarmCondition, table: TomlTable) -> TechnicalSettings:
    d = TECHNICAL_DEFAULTS[condition]
    extra = _TECHNICAL_KEYS.get(condition, ())
    settings = TechnicalSettings(
        condition=condition,
        priority=table.priority_or("priority", d.priority),
        delay_s=table.number_or("delay_s", d.delay_s),
        phase_priority=_phase_priorities(table.table("phase_priority"), d.phase_priority),
        after_s=_optional(table, "after_s", extra, d.after_s),
        phase_after_s=_phase_numbers(table.table("phase_after_s") if "phase_after_s" in extra else None,
                                     d.phase_after_s),
        error_rate=_optional(table, "error_rate", extra, d.error_rate),
        window_s=_optional(table, "window_s", extra, d.window_s),
        min_frames=table.whole_or("min_frames", d.min_frames) if "min_frames" in extra else d.min_frames,
    )
    table.finish()
    return settings


def _optional(table: TomlTable, key: str, allowed: tuple[str, ...], default: float) -> float:
    """Condition-specific keys are only known (and read) where they apply."""
    if key not in allowed:
        return default
    return table.number_or(key, default)


def _phase_priorities(
    table: TomlTable | None, default: tuple[tuple[str, Priority], ...]
) -> tuple[tuple[str, Priority], ...]:
    if table is None:
        return default
    return tuple(
        (phase, _priority(value, lambda rule, p=phase: table.fail(p, rule)))
        for phase, value in table.data.items()
    )


def _phase_numbers(
    table: TomlTable | None, default: tuple[tuple[str, float], ...]
) -> tuple[tuple[str, float], ...]:
    if table is None:
        return default
    pairs = tuple((phase, table.number_or(phase, 0.0)) for phase in table.data)
    table.finish()
    return pairs


def _required(table: TomlTable, key: str) -> TomlTable:
    """A sub-table the loop knows is there."""
    sub = table.table(key)
    assert sub is not None
    return sub

"""Every key of the settings files, described once: its meaning, its check and its built-in default.

A row of :data:`KEYS` is all a new setting needs: ``infusion-monitor settings`` prints it,
``settings --init`` writes it into the template, the loader validates it, and
``docs/settings.md`` documents it (a test holds the two together). :data:`OPTIONS` says which
command-line option each key is the default of, so the command line overrides it and a locked
value refuses it. Checks raise :class:`Invalid` with the reason; the loader adds file, line and
the value used instead.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from central.messages import MAX_NAME, MessageError, check_name
from devices import registry
from devices.simulator.inprocess import SIM_PREFIX
from devices.simulator.scenario import ScenarioError, load_scenario
from devices.simulator.scenario_toml import hint, type_name
from monitor.alarms import DEFAULT_PROFILE, ProfileError, builtin_profiles, load_profile
from monitor.storage import default_recordings_dir
from monitor.treatment.profile import DEFAULT_TREATMENT_PROFILE, load_treatment_profile

MAX_PLANNED_MINUTES = 24 * 60.0  # as main.py's --planned-minutes
MQTT_SCHEMES = ("mqtt", "mqtts")
SHARED_RECORDINGS = r"D:\Infusion recordings" if os.name == "nt" else "/srv/infusion-monitor/recordings"


class Invalid(ValueError):
    """A value a key cannot take; ``str()`` is the reason, without file or line."""


Check = Callable[[object, Path], object]  # (value from the file, the file's folder) -> value in force


@dataclass(frozen=True)
class Key:
    name: str
    what: str  # one line: the docs, `settings --init`
    check: Check
    default: Callable[[], object] = lambda: None  # None: the option's own behaviour (``default_text``)
    default_text: str = ""  # how the default reads where it is not a plain value
    example: object = None  # for the template, when there is no default to show
    system_only: bool = False  # only the system-wide file may set it
    per_user: bool = False  # the default differs per user: the system-wide template shows ``example``
    same: Callable[[object, object], bool] = operator.eq  # a command-line value equal to a locked one?


@dataclass(frozen=True)
class Option:
    """A command-line option a key is the default of: ``dest`` in argparse's namespace.

    A row whose option does not exist on a command does nothing there, so the rows of options
    still being built (``--room``, ``--publish``, ...) take effect once the option exists, with
    argparse default None (tests/test_settings.py checks the defaults)."""

    dest: str
    flag: str
    unless: tuple[str, ...] = ()  # not filled from the settings when one of these dests is set
    commands: tuple[str, ...] = ()  # only on these commands (empty: every command that has it)
    many: bool = False  # a repeatable option (action="append"): filled as a list of one


# -- checks ----------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be text in quotes (got {type_name(value)})")
    if not value.strip() or "\n" in value or not value.isprintable():
        raise Invalid("must be one line of printable text")
    return value.strip()


def name_text(value: object, base: Path) -> str:
    """A site or bed name: it becomes part of the central station's MQTT topics."""
    text = _text(value)
    try:
        return check_name(text, "the name")  # the central station's own rule, so there is one
    except MessageError:
        raise Invalid(f"must be up to {MAX_NAME} letters, digits, spaces, '.', '_' or '-', starting with a "
                      "letter or digit (it is part of the central station's topics)") from None


def any_text(value: object, base: Path) -> str:
    text = _text(value)
    if len(text) > 200:
        raise Invalid("must be at most 200 characters")
    return text


def _path(value: object, base: Path) -> Path:
    """``~`` is the user's home; a relative path is taken from the settings file's folder."""
    path = Path(_text(value)).expanduser()
    return path if path.is_absolute() else base / path


def folder(value: object, base: Path) -> Path:
    path = _path(value, base)
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                raise Invalid(f"{parent} is a file, not a folder")
            break
    return path


def existing_file(value: object, base: Path) -> Path:
    path = _path(value, base)
    if not path.is_file():
        raise Invalid(f"{path}: {'is a folder' if path.is_dir() else 'no such file'}")
    return path


def _looks_like_path(text: str) -> bool:
    """As the profile loaders tell a file from a built-in name."""
    return "/" in text or "\\" in text or text.endswith(".toml")


def profile(load: Callable[[str], object], builtins: Callable[[], tuple[str, ...]]) -> Check:
    """A built-in profile's name or a profile file, accepted only if it loads."""

    def check(value: object, base: Path) -> str:
        text = _text(value)
        name = str(_path(text, base)) if _looks_like_path(text) else text
        if not _looks_like_path(text) and text not in builtins():
            raise Invalid(f"no built-in profile '{text}'{hint(text, builtins())}; built-in: "
                          f"{', '.join(builtins())}, or give a .toml file")
        try:
            load(name)
        except ProfileError as exc:
            raise Invalid(str(exc)) from None
        return name

    return check


def one_of(*choices: str) -> Check:
    def check(value: object, base: Path) -> str:
        text = _text(value)
        if text not in choices:
            raise Invalid(f"must be one of {', '.join(repr(c) for c in choices)}, not {text!r}"
                          f"{hint(text, choices)}")
        return text

    return check


def minutes(value: object, base: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"must be a number of minutes (got {type_name(value)})")
    if not 0 < value <= MAX_PLANNED_MINUTES:
        raise Invalid(f"must be more than 0 and at most {MAX_PLANNED_MINUTES:g} minutes, not {value}")
    return float(value)


def monitor_port(value: object, base: Path) -> str:
    """A serial device, ``socket://HOST:PORT`` or ``sim:SCENARIO`` (the scenario must load)."""
    text = _text(value)
    if text.startswith(SIM_PREFIX):
        try:
            load_scenario(text[len(SIM_PREFIX):] or "ketamine-typical")
        except ScenarioError as exc:
            raise Invalid(str(exc)) from None
    elif text.startswith("socket://") and (not urlsplit(text).hostname or not _port_number(text)):
        raise Invalid(f"{text}: give socket://HOST:PORT with a port from 1 to 65535")
    return text


def _port_number(url: str) -> int | None:
    """The URL's port; None when it has none, 0 when it is not a number from 1 to 65535."""
    try:
        number = urlsplit(url).port
    except ValueError:
        return 0
    return number


def mqtt_url(value: object, base: Path) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if _port_number(text) == 0:
        raise Invalid(f"{text}: the port must be a number from 1 to 65535")
    if parts.scheme not in MQTT_SCHEMES or not parts.hostname:
        raise Invalid(f"{text}: give mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (the central "
                      "station's MQTT broker)")
    return text


def same_path(a: object, b: object) -> bool:
    """A command-line path (from the current folder) against a settings path (already absolute)."""
    return Path(str(a)).expanduser().resolve() == Path(str(b)).expanduser().resolve()


def same_profile(a: object, b: object) -> bool:
    if _looks_like_path(str(a)) and _looks_like_path(str(b)):
        return same_path(a, b)
    return a == b


def same_number(a: object, b: object) -> bool:
    return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]


# -- the keys --------------------------------------------------------------------------------------

KEYS: dict[str, Key] = {key.name: key for key in (
    Key("alarm_profile", "Alarm profile: a built-in name (" + ", ".join(builtin_profiles())
        + ") or a .toml file", profile(load_profile, builtin_profiles), lambda: DEFAULT_PROFILE,
        same=same_profile),
    Key("treatment_profile", "Treatment profile (dose bounds, checks, discharge): a built-in name or "
        "a .toml file", profile(load_treatment_profile, lambda: (DEFAULT_TREATMENT_PROFILE,)),
        lambda: DEFAULT_TREATMENT_PROFILE, same=same_profile),
    Key("recordings", "Folder for the session recordings (created when needed)", folder,
        default_recordings_dir, default_text="each user's data folder", example=SHARED_RECORDINGS,
        per_user=True, same=same_path),
    Key("planned_minutes", "Planned infusion length in minutes", minutes,
        default_text="the treatment profile's infusion time (40 in ketamine-iv)", example=40,
        same=same_number),
    Key("theme", "Colour theme: \"dark\" or \"light\"", one_of("dark", "light"),
        default_text="the theme last chosen with F8, else dark", example="dark"),
    Key("port", "The monitor's port: /dev/ttyUSB0, COM3, socket://HOST:PORT or sim:SCENARIO; "
        "`live` then connects without asking", monitor_port,
        default_text="no port: `live` asks in the connection dialog", example="COM3"),
    Key("protocol", "The monitor's protocol: " + ", ".join(registry.protocol_names()),
        one_of(*registry.protocol_names()),
        default_text="the protocol last chosen in the connection dialog, else datex", example="datex"),
    Key("room", "Room file that `live` opens when no port is given (docs/room-format.md)",
        existing_file, default_text="no room file", example="room-2.toml", same=same_path),
    Key("site", "This clinic's name at the central station", name_text, default_text="no site name",
        example="North Clinic"),
    Key("bed", "This bedside's name at the central station (a room file names its chairs itself)",
        name_text, default_text="no bed name", example="Chair 3"),
    Key("central_url", "The central station's MQTT broker: bedsides publish to it, `central` "
        "reads from it", mqtt_url, default_text="no central station", example="mqtts://central.clinic.example:8883"),
    Key("administrator", "Who manages this computer's settings (shown with every locked value)",
        any_text, default_text="no name", example="Clinic IT, extension 4410", system_only=True),
)}

# key -> the command-line options it is the default of. Order matters where ``unless`` names
# another row: a room from the settings is filled before (and so keeps out) a port from them.
OPTIONS: dict[str, tuple[Option, ...]] = {
    "alarm_profile": (Option("profile", "--profile"),),
    "treatment_profile": (Option("treatment_profile", "--treatment-profile"),),
    "recordings": (Option("recordings", "--recordings"),),
    "planned_minutes": (Option("planned_minutes", "--planned-minutes"),),
    "theme": (Option("theme", "--theme"),),
    "room": (Option("room", "--room", unless=("port",), commands=("live",)),),
    "port": (Option("port", "--port", unless=("room",), commands=("live",), many=True),  # live: a room of ports
             Option("port", "--port", unless=("room",), commands=("record",))),
    "protocol": (Option("protocol", "--protocol", unless=("room",)),),
    "site": (Option("site", "--site"),),
    "bed": (Option("bed", "--bed"),),
    "central_url": (Option("publish", "--publish"), Option("broker", "--broker")),
}

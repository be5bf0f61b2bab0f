"""``infusion-monitor settings``: where the settings files are and what is in force, and a template.

For the clinic's IT person: ``settings`` lists both files (and whether they exist), every key
with its value and where it came from, and every problem found in the files; exit status 1
when there are problems, so a deployment script can check a file it rolled out. ``--json`` is
the same for a program. ``--init`` writes a commented template of every key with its default
(``--init --system``: the administrator's file, with ``[locked]``); an existing file is never
overwritten.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from cli.settings import LOCKED, Settings, SettingsFile, Source, load_settings, settings_files
from cli.settings_keys import KEYS, Key
from cli.support import one_line

EXIT_PROBLEMS = 1
EXIT_REFUSED = 2


def add_settings_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("settings", help="show the settings files and the settings in force")
    parser.add_argument("--json", action="store_true", help="as one JSON object")
    parser.add_argument("--init", action="store_true",
                        help="write a commented settings file with every key and its default")
    parser.add_argument("--system", action="store_true",
                        help="with --init: the system-wide file an administrator locks values in")


def run_settings(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.init:
        return write_template(settings_files()[0 if args.system else 1], out, err)
    if args.system:
        print("infusion-monitor: --system goes with --init (see 'infusion-monitor settings --help')", file=err)
        return EXIT_REFUSED
    settings = load_settings()
    if args.json:
        json.dump(as_json(settings), out, indent=2)
        out.write("\n")
    else:
        out.write(as_text(settings))
    return EXIT_PROBLEMS if settings.problems else 0


# -- what is in force ------------------------------------------------------------------------------


SHORT = {Source.DEFAULT: "built-in default", Source.SYSTEM: "system-wide file", Source.USER: "user file",
         Source.LOCKED: "LOCKED, system-wide file"}


def _where(settings: Settings, key: str) -> str:
    entry = settings.entries[key]
    return SHORT[entry.source] + (f", line {entry.line}" if entry.line else "")


def as_text(settings: Settings) -> str:
    lines = ["Settings files"]
    for file in (settings.system, settings.user):
        state = "exists" if file.exists else (
            "not there: `infusion-monitor settings --init" + (" --system" if file.role != "user" else "")
            + "` writes one")
        lines.append(f"  {file.role:<12} {file.path}  ({state})")
    lines += ["", "Settings in force (docs/settings.md)"]
    width = max(len(key) for key in KEYS)
    for key, entry in settings.entries.items():  # the value last: a long path does not push a column
        lines.append(f"  {key:<{width}}  {_where(settings, key):<32}  {entry.shown()}")
    if settings.problems:
        lines += ["", f"Problems ({len(settings.problems)})"]
        lines += [f"  {problem}" for problem in settings.problems]
    return "\n".join(lines) + "\n"


def as_json(settings: Settings) -> dict[str, Any]:
    def file(f: SettingsFile) -> dict[str, Any]:
        return {"path": str(f.path), "exists": f.exists}

    def entry(key: str) -> dict[str, Any]:
        e = settings.entries[key]
        value = e.value if e.value is None or isinstance(e.value, (str, float, int)) else str(e.value)
        return {"value": value, "source": e.source.name.lower(), "file": None if e.path is None else str(e.path),
                "line": e.line or None, "locked_by": settings.locked_by(key) or None}

    return {"files": {"system": file(settings.system), "user": file(settings.user)},
            "settings": {key: entry(key) for key in settings.entries},
            "problems": list(settings.problems)}


# -- the template ----------------------------------------------------------------------------------


def toml_value(value: object) -> str:
    """A value written as TOML; a Windows path in single quotes, so its backslashes stay as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    text = str(value)
    if "\\" in text and "'" not in text:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _entry(key: Key, system: bool) -> list[str]:
    """A key with its default, or (no plain default, or one of the administrator's own) an example."""
    value = None if system and key.per_user else key.default()
    shown = toml_value(value if value is not None else key.example)
    note = "" if value is not None else f"   # default: {key.default_text}"
    return [f"# {key.what}.", f"#{key.name} = {shown}{note}", ""]


def template(system: bool) -> str:
    whose = "the system-wide settings of this computer" if system else "this user's settings"
    lines = [
        f"# Infusion Room Monitor: {whose} (docs/settings.md).",
        "# Every key is optional: remove the '#' in front of a key to set it. The command line",
        "# overrides these values" + (", and a user's own file overrides the plain ones;" if system else ";"),
        "# values locked in the system-wide file override everything.",
        "# `infusion-monitor settings` shows what is in force and where each value came from.",
        "",
    ]
    for key in KEYS.values():
        if system or not key.system_only:
            lines += _entry(key, system)
    if system:
        lines += [
            "# Values in this table are locked: no user's file, command line or dialog can change them.",
            "# Move a key here (below [locked]) to lock it, for example:",
            f"[{LOCKED}]",
            f"#alarm_profile = {toml_value(KEYS['alarm_profile'].default())}",
            f"#recordings = {toml_value(KEYS['recordings'].example)}",
            "",
        ]
    return "\n".join(lines)


def write_template(file: SettingsFile, out: TextIO, err: TextIO) -> int:
    path = file.path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as stream:  # "x": never overwrite
            stream.write(template(system=file.role != "user"))
    except FileExistsError:
        print(one_line(f"infusion-monitor: {path} already exists; edit it, or move it away first."), file=err)
        return EXIT_REFUSED
    except PermissionError:
        who = "an administrator (sudo, or Run as administrator)" if file.role != "user" else "its owner"
        print(one_line(f"infusion-monitor: cannot write {path}: permission denied; it needs {who}."), file=err)
        return EXIT_REFUSED
    except OSError as exc:
        print(one_line(f"infusion-monitor: cannot write {path}: {exc.strerror or exc}."), file=err)
        return EXIT_REFUSED
    print(path, file=out)
    return 0

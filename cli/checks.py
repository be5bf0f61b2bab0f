"""What the command line refuses before anything starts, each refusal one line the user can act on.

``main.py`` builds; these only look (at a path, a URL, a profile, a folder) and raise
:class:`CommandError` with what to do. Nothing here opens a port or creates a file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from devices import registry
from monitor.alarms import Profile, ProfileError, load_profile
from monitor.room import RoomError, RoomSpec, load_room
from monitor.storage import default_recordings_dir


class CommandError(Exception):
    """Something the user can fix; ``str()`` is the one line they see."""


def check_socket_url(port: str) -> None:
    """``socket://HOST:PORT`` needs a port number; pyserial's own complaint does not say so."""
    if not port.startswith("socket://"):
        return
    host, sep, number = port.removeprefix("socket://").partition("?")[0].rpartition(":")
    if not sep or not host or not number.isdigit() or not 1 <= int(number) <= 65535:
        raise CommandError(f"{port} is not a serial device server address: give socket://HOST:PORT "
                           "with a port from 1 to 65535, e.g. socket://192.168.1.20:4001.")


def check_new_file(path: Path) -> None:
    """Refuse an output that exists or whose folder cannot hold it, before any work is done."""
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give the name of a new recording file in it.")
    if path.exists() or path.is_symlink():
        raise CommandError(f"{path} already exists; choose another file name.")
    check_folder(path.parent)


def check_folder(folder: Path) -> None:
    """A folder that is a file, or lies under one, cannot hold recordings (mkdir says "exists")."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise CommandError(f"{parent} is a file, not a folder; choose a folder for the recordings.")
            return


def check_recording(path: Path) -> None:
    """Refuse a file that is no recording before Qt starts: the answer then comes at once,
    and also over SSH or in a terminal without a display (the window checks every page)."""
    from monitor.review import RecordingOpenError, open_recording  # only review and export need it

    try:
        open_recording(path, verify=False).close()
    except RecordingOpenError as exc:
        raise CommandError(str(exc)) from None


def protocol_for(port: str, protocol: str | None, known: Sequence[str]) -> str:
    """The in-process simulator speaks datex unless told otherwise; a real monitor must be named."""
    if protocol is not None:
        return protocol
    if port.startswith("sim:"):
        return "datex"
    raise CommandError(f"Give the monitor's protocol for {port}: --protocol {'|'.join(known)}.")


def load_alarm_profile(name_or_path: str) -> Profile:
    try:
        return load_profile(name_or_path)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None


def series_folders(folder: Path | None, recordings: Path | None = None) -> list[Path]:
    """Where a patient's sessions are looked for: the folder given, else the current folder (where
    ``record --out`` writes) and the recordings folder (where the dashboard records)."""
    if folder is not None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder; give the folder that holds the patient's recordings.")
        return [folder]
    return [Path.cwd(), recordings or default_recordings_dir()]


# a room has several patients: the room file gives each chair its own
ONE_PATIENT_OPTIONS = ("weight", "dose", "concentration", "volume", "undiluted", "confirm", "bed")


def refuse_with_room(args: argparse.Namespace, *flags: str) -> None:
    """Options that name one monitor or one patient have no meaning for a room of several."""
    flags += tuple(f"--{name}" for name in ONE_PATIENT_OPTIONS)
    given = [flag for flag in flags
             if (value := getattr(args, flag[2:].replace("-", "_"), None)) is not None and value is not False
             and value not in ([], "")]
    if given:
        room = "--room" if args.room is not None else "several --port (a room)"
        raise CommandError(f"{', '.join(given)} cannot be used with {room}: the room file names each "
                           "chair's port, protocol, patient and treatment (docs/room-format.md).")


def load_room_file(path: Path) -> RoomSpec:
    try:
        return load_room(path, registry.protocol_names())
    except RoomError as exc:
        raise CommandError(str(exc)) from None


__all__ = ["ONE_PATIENT_OPTIONS", "CommandError", "check_folder", "check_new_file", "check_recording",
           "check_socket_url", "load_alarm_profile", "load_room_file", "protocol_for", "refuse_with_room",
           "series_folders"]

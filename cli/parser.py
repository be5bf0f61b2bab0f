"""The command line of ``infusion-monitor``: every command and option, nothing built.

``main.py`` parses with :func:`build_parser` and builds what the command needs. An
option left out is None (or an empty list) so the settings files can fill it
(``cli/settings.py``; ``tests/test_settings.py`` checks the defaults).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from cli.broker_options import add_central_options, add_publish_options
from cli.settings_command import add_settings_parser
from cli.settings_keys import MAX_PLANNED_MINUTES
from cli.support import OneLineParser, bounded_float, positive_float, speed_factor
from cli.treatment_args import add_treatment_args
from monitor.alarms import DEFAULT_PROFILE

PROFILE_HELP = f"alarm profile: a built-in name or a TOML file (default: the settings, else {DEFAULT_PROFILE})"


def build_parser(version: str, protocols: Sequence[str]) -> argparse.ArgumentParser:
    """``version`` for ``--version``; ``protocols``: the registry's names, for ``--protocol``."""
    parser = OneLineParser(
        prog="infusion-monitor",
        description="Infusion Room Monitor: live HR and blood pressure, alarms and session recordings.",
        epilog="What the command line leaves out comes from the settings files ('infusion-monitor settings').",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_live(commands, protocols)
    _add_record(commands, protocols)

    central = commands.add_parser("central", help="the central station: every chair of the site, from the broker")
    add_central_options(central)
    central.add_argument("--duration", type=positive_float, metavar="S", help="--jsonl: stop after S seconds")

    review = commands.add_parser("review", help="review recorded sessions (the library, or one FILE)")
    review.add_argument("file", nargs="?", type=Path, metavar="FILE|FOLDER",
                        help="a recording to open, or a folder of recordings (default: the recordings folder)")
    review.add_argument("--patient", metavar="ID", help="open the treatment series of patient ID "
                        "(from FOLDER; default: this folder and the recordings folder)")

    export = commands.add_parser("export", help="export a recorded session to CSV, EDF+ or a PDF report")
    export.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="a session recording (.irm.sqlite); with --series, a folder of recordings")
    export.add_argument("--series", metavar="ID", help="export patient ID's treatment series (csv or pdf) "
                        "from FILE's folder (default: this folder and the recordings folder)")
    export.add_argument("--format", required=True, choices=("csv", "edf", "pdf"))
    export.add_argument("--out", required=True, type=Path, metavar="PATH", help="new file, or an existing folder")
    export.add_argument("--events", action="store_true", help="CSV only: also write alarms, notes and phases")

    commands.add_parser("ports", help="list serial ports with description and USB VID:PID")
    add_settings_parser(commands)
    return parser


def _add_live(commands, protocols: Sequence[str]) -> None:
    live = commands.add_parser("live", help="open the bedside dashboard, or a room of chairs (the default)")
    _add_connection_args(live, protocols, required=False, many=True)
    live.add_argument("--room", type=Path, metavar="FILE",
                      help="a room file: every chair on one screen (docs/room-format.md)")
    live.add_argument("--patient", action="append", default=[], metavar="ID",
                      help="patient identifier (optional; one per --port)")
    live.add_argument("--recordings", type=Path, metavar="DIR",
                      help="folder for session recordings (default: the settings, else the user data folder)")
    live.add_argument("--planned-minutes", type=bounded_float(MAX_PLANNED_MINUTES, "minutes"), metavar="M",
                      help="planned infusion length (default: the settings, else the treatment profile's, 40)")
    live.add_argument("--theme", choices=("dark", "light"),
                      help="colour theme (default: the settings, else last used, else dark)")
    live.add_argument("--profile", metavar="FILE", help=PROFILE_HELP)
    add_publish_options(live)
    add_treatment_args(live)


def _add_record(commands, protocols: Sequence[str]) -> None:
    record = commands.add_parser("record", help="record from a monitor, or every chair of a room, without a window")
    _add_connection_args(record, protocols, required=False)
    record.add_argument("--patient", default="", metavar="ID", help="patient identifier (optional)")
    record.add_argument("--out", type=Path, metavar="FILE", help="new recording file (with --port)")
    record.add_argument("--room", type=Path, metavar="FILE", help="a room file: record every chair")
    record.add_argument("--out-dir", type=Path, metavar="DIR", help="folder for the chairs' recordings (with --room)")
    record.add_argument("--duration", type=positive_float, metavar="S", help="seconds of the monitor's clock")
    record.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    record.add_argument("--profile", metavar="FILE", help=PROFILE_HELP)
    add_publish_options(record)
    add_treatment_args(record)


def _add_connection_args(parser: argparse.ArgumentParser, protocols: Sequence[str], required: bool,
                         many: bool = False) -> None:
    parser.add_argument(
        "--port", required=required, metavar="URL", action="append" if many else "store",
        help="serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT, or sim:SCENARIO"
        + ("; several: a room of those ports" if many else ""),
    )
    parser.add_argument("--protocol", choices=list(protocols), default=None,
                        help="the monitor's protocol (a sim:SCENARIO speaks datex unless told)")
    parser.add_argument("--speed", type=speed_factor, default=1.0, help="run the clock X times faster")


__all__ = ["PROFILE_HELP", "build_parser"]

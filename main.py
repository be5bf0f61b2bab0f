"""``infusion-monitor``: the composition root.

This is the one place that builds objects and wires them together: the clock,
the simulator or the port, the driver, the recorder and the window. Everything
else receives what it needs.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import sys
from datetime import datetime
from pathlib import Path

from devices import registry
from devices.driver import Driver, Sink
from devices.simulator.inprocess import InProcessSimulator, is_simulator_url, start_simulator
from devices.simulator.scenario import ScenarioError
from devices.transport import list_serial_ports
from monitor.alarms import DEFAULT_PROFILE, AlarmEngine, Profile, ProfileError, load_profile
from monitor.cli_support import (
    EXIT_USAGE,
    OneLineParser,
    bounded_float,
    one_line,
    positive_float,
    speed_factor,
    stop_on_signals,
)
from monitor.clock import Clock, ScaledClock
from monitor.core import MonitoringCore, RecordingStatus
from monitor.headless import HeadlessRecorder
from monitor.readings import DeviceStatus
from monitor.recording import RecordingError, SessionRecorder
from monitor.session import InfusionSession
from monitor.storage import default_recordings_dir, recording_name
from ui.sound.protocol import CHILD_FLAG as SOUND_CHILD_FLAG

log = logging.getLogger("infusion-monitor")
VERSION = "0.1.0"
MAX_PLANNED_MINUTES = 24 * 60.0  # no infusion is planned longer than a day


class CommandError(Exception):
    """Something the user can fix; ``str()`` is the one line they see."""


# -- argument parsing -----------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="infusion-monitor",
        description="Infusion Room Monitor: live HR and blood pressure, alarms and session recordings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    live = commands.add_parser("live", help="open the bedside dashboard (the default)")
    _add_connection_args(live, required=False)
    live.add_argument("--patient", default="", metavar="ID", help="patient identifier (optional)")
    live.add_argument("--recordings", type=Path, metavar="DIR", help="folder for session recordings")
    live.add_argument("--planned-minutes", type=bounded_float(MAX_PLANNED_MINUTES, "minutes"), default=40.0,
                      metavar="M", help="planned infusion length (default 40)")
    live.add_argument("--theme", choices=("dark", "light"), help="colour theme (default: last used, else dark)")
    live.add_argument("--profile", default=DEFAULT_PROFILE, metavar="FILE",
                      help=f"alarm profile: a built-in name or a TOML file (default {DEFAULT_PROFILE})")

    record = commands.add_parser("record", help="record from a monitor without a window")
    _add_connection_args(record, required=True)
    record.add_argument("--out", type=Path, required=True, metavar="FILE", help="new recording file")
    record.add_argument("--duration", type=positive_float, metavar="S", help="seconds of the monitor's clock")
    record.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    record.add_argument("--profile", default=DEFAULT_PROFILE, metavar="FILE",
                        help=f"alarm profile: a built-in name or a TOML file (default {DEFAULT_PROFILE})")

    review = commands.add_parser("review", help="review recorded sessions (the library, or one FILE)")
    review.add_argument("file", nargs="?", type=Path, metavar="FILE|FOLDER",
                        help="a recording to open, or a folder of recordings (default: the recordings folder)")

    export = commands.add_parser("export", help="export a recorded session to CSV, EDF+ or a PDF report")
    export.add_argument("file", type=Path, metavar="FILE", help="a session recording (.irm.sqlite)")
    export.add_argument("--format", required=True, choices=("csv", "edf", "pdf"))
    export.add_argument("--out", required=True, type=Path, metavar="PATH", help="new file, or an existing folder")
    export.add_argument("--events", action="store_true", help="CSV only: also write alarms, notes and phases")

    commands.add_parser("ports", help="list serial ports with description and USB VID:PID")
    return parser


def _add_connection_args(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--port", required=required, metavar="URL",
        help="serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT, or sim:SCENARIO",
    )
    parser.add_argument("--protocol", choices=registry.protocol_names(), required=required, default=None)
    parser.add_argument("--speed", type=speed_factor, default=1.0, help="run the clock X times faster")


# -- wiring ---------------------------------------------------------------------
def connect(port: str, protocol: str, clock: Clock, sink: Sink) -> tuple[Driver, InProcessSimulator | None]:
    """Build the driver for ``port``, starting the in-process simulator for ``sim:``."""
    if not registry.host_available(protocol):
        raise CommandError(f"The {protocol} protocol is not available in this version.")
    _check_socket_url(port)
    simulator = None
    if is_simulator_url(port):
        if not registry.simulator_available(protocol):
            raise CommandError(f"The simulator cannot speak {protocol} yet; use --protocol datex or masimo.")
        try:
            simulator = start_simulator(port, protocol, clock)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        return Driver(simulator.url, registry.session_factory(protocol), clock, sink,
                      name=f"the simulated monitor ({port})"), simulator
    driver = Driver(port, registry.session_factory(protocol), clock, sink)
    return driver, simulator


def _check_socket_url(port: str) -> None:
    """``socket://HOST:PORT`` needs a port number; pyserial's own complaint does not say so."""
    if not port.startswith("socket://"):
        return
    host, sep, number = port.removeprefix("socket://").partition("?")[0].rpartition(":")
    if not sep or not host or not number.isdigit() or not 1 <= int(number) <= 65535:
        raise CommandError(f"{port} is not a serial device server address: give socket://HOST:PORT "
                           "with a port from 1 to 65535, e.g. socket://192.168.1.20:4001.")


def _check_new_file(path: Path) -> None:
    """Refuse an output that exists or whose folder cannot hold it, before any work is done."""
    if path.is_dir():
        raise CommandError(f"{path} is a folder; give the name of a new recording file in it.")
    if path.exists() or path.is_symlink():
        raise CommandError(f"{path} already exists; choose another file name.")
    _check_folder(path.parent)


def _check_folder(folder: Path) -> None:
    """A folder that is a file, or lies under one, cannot hold recordings (mkdir says "exists")."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise CommandError(f"{parent} is a file, not a folder; choose a folder for the recordings.")
            return


def session_metadata(args: argparse.Namespace, protocol: str, started_at: datetime) -> dict[str, str]:
    return {
        "program": "infusion-monitor",
        "program_version": VERSION,
        "started_at": started_at.isoformat(),
        "port": args.port or "",
        "protocol": protocol,
        "patient_id": getattr(args, "patient", "") or "",
        "clock_speed": f"{args.speed:g}",
    }


# -- commands ---------------------------------------------------------------------
def run_ports() -> int:
    ports = list_serial_ports()
    if not ports:
        print("No serial ports found. Plug in the USB-serial adapter, or use socket://HOST:PORT.")
        return 0
    for p in ports:
        usb = f"  USB {p.usb_id}" if p.usb_id else ""
        print(f"{p.device:<20} {p.description}{usb}")
    return 0


def load_alarm_profile(name_or_path: str) -> Profile:
    try:
        return load_profile(name_or_path)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None


def run_record(args: argparse.Namespace) -> int:
    _check_new_file(args.out)
    profile = load_alarm_profile(args.profile)
    clock = ScaledClock(args.speed)
    events: queue.Queue = queue.Queue()
    driver, simulator = connect(args.port, args.protocol, clock, events.put)
    stop = stop_on_signals()
    driver.start()
    try:
        driver.first_open.wait()
        if driver.first_open_error:
            raise CommandError(driver.first_open_error)
        metadata = session_metadata(args, args.protocol, clock.now())
        metadata["alarm_profile"] = profile.name
        recorder = SessionRecorder(
            args.out, metadata,
            on_failure=lambda message: events.put(RecordingStatus(True, message)),
            on_recovered=lambda: events.put(RecordingStatus(False, "")),
        )
        headless = HeadlessRecorder(events, clock, sys.stdout, args.jsonl)

        def record(item: object) -> None:
            recorder.add((clock.now(), item) if isinstance(item, DeviceStatus) else item)
            headless.emit(item)

        core = MonitoringCore(lambda on_event: InfusionSession(clock, on_event=on_event), AlarmEngine(profile, clock), record)
        try:
            headless.run(core, args.duration, stop, simulator.scenario_run if simulator else None)
        except BrokenPipeError:  # whoever read --jsonl went away (`| head`): end the session cleanly
            _discard_stdout()
        driver.stop()
        headless.drain(core)
        recorder.close()
    finally:
        driver.stop()
        if simulator:
            simulator.stop()
    return 0


def _discard_stdout() -> None:
    """Send what is still to be printed nowhere, so the recording is still closed properly
    (Python's advice for a closed pipe: the file descriptor, not sys.stdout, is redirected)."""
    log.info("standard output was closed; recording on without printing")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_review(args: argparse.Namespace) -> int:
    if args.file is not None and not args.file.is_dir():
        _check_recording(args.file)
    from ui.review import run_review as open_review  # Qt is loaded only for the window

    return open_review(args.file, default_recordings_dir())


def _check_recording(path: Path) -> None:
    """Refuse a file that is no recording before Qt starts: the answer then comes at once,
    and also over SSH or in a terminal without a display (the window checks every page)."""
    from monitor.review import RecordingOpenError, open_recording

    try:
        open_recording(path, verify=False).close()
    except RecordingOpenError as exc:
        raise CommandError(str(exc)) from None


def run_export(args: argparse.Namespace) -> int:
    from monitor.export import ExportError, export

    try:
        written = export(args.file, args.format, args.out, events=args.events)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    for path in written:
        print(path)
    return 0


def run_live(args: argparse.Namespace) -> int:
    profile = load_alarm_profile(args.profile)  # refused before Qt starts: one line, no window
    folder = args.recordings or default_recordings_dir()
    _check_folder(folder)
    from ui.app import LiveOptions, run_live  # Qt is loaded only for the window

    clock = ScaledClock(args.speed)

    def recorder_factory(port: str, protocol: str, started_at: datetime):
        args.port = port
        path = folder / recording_name(started_at.astimezone(), args.patient)
        metadata = session_metadata(args, protocol, started_at)
        metadata["planned_infusion_s"] = f"{args.planned_minutes * 60:g}"
        metadata["alarm_profile"] = profile.name
        return lambda on_failure, on_recovered: SessionRecorder(path, metadata, on_failure, on_recovered)

    options = LiveOptions(args.port, args.protocol, args.patient, args.planned_minutes * 60, args.theme, profile)
    return run_live(
        options,
        clock,
        connect_to=lambda port, protocol: (lambda sink: connect(port, protocol, clock, sink)),
        recorder_factory=recorder_factory,
        list_ports=list_serial_ports,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [SOUND_CHILD_FLAG]:  # this program, bundled, started as its own sound process
        from ui.sound.child import main as sound_process

        sound_process(argv[1:])  # never returns
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    command = args.command or "live"
    if args.command is None:  # bare `infusion-monitor`: the live dashboard with its defaults
        args = build_parser().parse_args([*(["-v"] if args.verbose else []), "live"])
    try:
        if command == "ports":
            return run_ports()
        if command == "record":
            return run_record(args)
        if command == "export":
            return run_export(args)
        if command == "review":
            return run_review(args)
        return run_live(args)
    except (CommandError, RecordingError) as exc:
        print(one_line(f"infusion-monitor: {exc}"), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

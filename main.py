"""``infusion-monitor``: the composition root.

This is the one place that builds objects and wires them together. A bed (one
monitor connection with its session, alarms and recording, ``monitor/bed.py``)
is built by :func:`build_bed` from a :class:`BedConfig`, the same way for
``record`` and ``live``; ``record`` subscribes a printer to it and waits, ``live``
hands it to the window, which only subscribes and renders. Everything else
receives what it needs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from datetime import datetime
from pathlib import Path

from cli.printer import Printer
from cli.support import (
    EXIT_USAGE,
    OneLineParser,
    bounded_float,
    one_line,
    positive_float,
    speed_factor,
    stop_on_signals,
)
from devices import registry
from devices.driver import Driver
from devices.simulator.inprocess import InProcessSimulator, is_simulator_url, start_simulator
from devices.simulator.scenario import ScenarioError
from devices.transport import list_serial_ports
from monitor.alarms import DEFAULT_PROFILE, Profile, ProfileError, load_profile
from monitor.bed import Bed, BedConfig, Listener
from monitor.clock import Clock, ScaledClock
from monitor.core import RecordingStatus
from monitor.recording import RecordingError, SessionRecorder
from monitor.room import RoomError, RoomSpec, load_room, room_of_ports
from monitor.storage import default_recordings_dir, recording_name
from ui.sound.protocol import CHILD_FLAG as SOUND_CHILD_FLAG

log = logging.getLogger("infusion-monitor")
VERSION = "0.1.0"
MAX_PLANNED_MINUTES = 24 * 60.0  # no infusion is planned longer than a day
FIRST_OPEN_WAIT_S = 5.0  # record --room: how long to wait for each chair's first open before saying it failed


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

    live = commands.add_parser("live", help="open the bedside dashboard, or a room of chairs (the default)")
    _add_connection_args(live, required=False, many=True)
    live.add_argument("--room", type=Path, metavar="FILE", help="a room file: every chair on one screen "
                      "(docs/room-format.md)")
    live.add_argument("--patient", action="append", default=[], metavar="ID",
                      help="patient identifier (optional; one per --port)")
    live.add_argument("--recordings", type=Path, metavar="DIR", help="folder for session recordings")
    live.add_argument("--planned-minutes", type=bounded_float(MAX_PLANNED_MINUTES, "minutes"), default=40.0,
                      metavar="M", help="planned infusion length (default 40)")
    live.add_argument("--theme", choices=("dark", "light"), help="colour theme (default: last used, else dark)")
    live.add_argument("--profile", default=DEFAULT_PROFILE, metavar="FILE",
                      help=f"alarm profile: a built-in name or a TOML file (default {DEFAULT_PROFILE})")

    record = commands.add_parser("record", help="record from a monitor, or every chair of a room, without a window")
    _add_connection_args(record, required=False)
    record.add_argument("--out", type=Path, metavar="FILE", help="new recording file (with --port)")
    record.add_argument("--room", type=Path, metavar="FILE", help="a room file: record every chair")
    record.add_argument("--out-dir", type=Path, metavar="DIR", help="folder for the chairs' recordings (with --room)")
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


def _add_connection_args(parser: argparse.ArgumentParser, required: bool, many: bool = False) -> None:
    parser.add_argument(
        "--port", required=required, metavar="URL", action="append" if many else "store",
        help="serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT, or sim:SCENARIO"
        + ("; several: a room of those ports" if many else ""),
    )
    parser.add_argument("--protocol", choices=registry.protocol_names(), required=required, default=None)
    parser.add_argument("--speed", type=speed_factor, default=1.0, help="run the clock X times faster")


# -- wiring ---------------------------------------------------------------------
def connect(port: str, protocol: str, clock: Clock, sink: Listener, sim_seed: int = 1
            ) -> tuple[Driver, InProcessSimulator | None]:
    """Build the driver for ``port``, starting the in-process simulator for ``sim:`` (with ``sim_seed``)."""
    if not registry.host_available(protocol):
        raise CommandError(f"The {protocol} protocol is not available in this version.")
    _check_socket_url(port)
    simulator = None
    if is_simulator_url(port):
        if not registry.simulator_available(protocol):
            raise CommandError(f"The simulator cannot speak {protocol} yet; use --protocol datex or masimo.")
        try:
            simulator = start_simulator(port, protocol, clock, seed=sim_seed)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        return Driver(simulator.url, registry.session_factory(protocol), clock, sink,
                      name=f"the simulated monitor ({port})"), simulator
    driver = Driver(port, registry.session_factory(protocol), clock, sink)
    return driver, simulator


def build_bed(config: BedConfig, *, wait_for_port: bool = False, recording_required: bool = False,
              sim_seed: int = 1) -> Bed:
    """The one way a bed is built: its driver (and simulator), then its recording.

    ``wait_for_port``: open the port first and refuse (CommandError) before any file
    is created if it cannot be opened; otherwise the driver starts with the bed and
    keeps retrying. ``recording_required``: a recording that cannot be created is a
    RecordingError; otherwise the bed monitors without one and says why
    (``bed.recording_error``). Nothing runs yet unless ``wait_for_port``: subscribe,
    then ``bed.start()``. ``sim_seed``: a room's simulated chairs each get their own patient.
    """
    bed = Bed(config, lambda sink: connect(config.port, config.protocol, config.clock, sink, sim_seed))
    try:
        if wait_for_port and bed.driver is not None:
            bed.open_link()
            bed.driver.first_open.wait()
            if bed.driver.first_open_error:
                raise CommandError(bed.driver.first_open_error)
        _open_recording(bed, required=recording_required)
    except BaseException:
        bed.stop("not started")
        raise
    return bed


def _open_recording(bed: Bed, required: bool) -> None:
    config = bed.config
    started_at = config.clock.now()
    path = config.recording_file
    if path is None and config.recordings_folder is not None:
        chair = config.name if config.room else ""
        path = config.recordings_folder / recording_name(started_at.astimezone(), config.patient_id, chair)
    if path is None:
        return
    try:
        recorder = SessionRecorder(
            path, recording_metadata(config, started_at),
            on_failure=lambda message: bed.post(RecordingStatus(True, message)),
            on_recovered=lambda: bed.post(RecordingStatus(False, "")),
        )
    except RecordingError as exc:
        if required:
            raise
        log.warning("monitoring without a recording: %s", exc)
        bed.recording_error = str(exc)
        return
    bed.record_to(recorder)


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


def recording_metadata(config: BedConfig, started_at: datetime) -> dict[str, str]:
    room = {"room": config.room, "chair": config.name} if config.room else {}
    return {**room,
        "program": "infusion-monitor",
        "program_version": VERSION,
        "started_at": started_at.isoformat(),
        "port": config.port,
        "protocol": config.protocol,
        "patient_id": config.patient_id,
        "clock_speed": f"{config.clock.speed:g}",
        "planned_infusion_s": f"{config.planned_infusion_s:g}",
        "alarm_profile": config.profile.name,
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
    if args.room is not None:
        return run_record_room(args)
    if args.out_dir is not None:
        raise CommandError("--out-dir goes with --room FILE (a folder for the chairs' recordings); "
                           "one monitor records to --out FILE.")
    missing = [flag for flag, value in (("--port", args.port), ("--protocol", args.protocol), ("--out", args.out))
               if value is None]
    if missing:
        raise CommandError(f"the following arguments are required: {', '.join(missing)} "
                           "(or --room FILE --out-dir DIR to record a room)")
    _check_new_file(args.out)
    profile = load_alarm_profile(args.profile)
    config = BedConfig("bed", args.port, args.protocol, ScaledClock(args.speed), profile, recording_file=args.out)
    stop = stop_on_signals()
    bed = build_bed(config, wait_for_port=True, recording_required=True)
    try:
        bed.subscribe(Printer(sys.stdout, args.jsonl, config.clock.now, on_closed=stop.set))
        bed.start()
        _wait_for_end(config.clock, stop, args.duration)
    finally:
        bed.stop("ended normally")
    return 0


def run_record_room(args: argparse.Namespace) -> int:
    """Every chair of the room recorded into its own file in --out-dir, its lines carrying its name.
    A chair whose port will not open is said once on stderr and retried; the others record."""
    _refuse_with_room({"--port": args.port, "--protocol": args.protocol, "--out": args.out})
    if args.out_dir is None:
        raise CommandError("the following arguments are required with --room: --out-dir")
    room = load_room_file(args.room)
    _check_folder(args.out_dir)
    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise CommandError(f"{args.out_dir} is a file, not a folder; give a folder for the recordings.")
    clock = ScaledClock(args.speed)
    stop = stop_on_signals()
    beds = build_room(room, clock, args.out_dir, args.profile, recording_required=True)
    lock = threading.Lock()  # one stdout for every chair: whole lines, never interleaved
    try:
        for bed in beds:
            bed.subscribe(Printer(sys.stdout, args.jsonl, clock.now, on_closed=stop.set, bed=bed.name, lock=lock))
        for bed in beds:
            bed.start()
        for bed in beds:
            if bed.driver is not None and bed.driver.first_open.wait(FIRST_OPEN_WAIT_S) and bed.driver.first_open_error:
                print(one_line(f"infusion-monitor: {bed.name}: {bed.driver.first_open_error} "
                               "Recording the other chairs; retrying this one."), file=sys.stderr)
        _wait_for_end(clock, stop, args.duration)
    finally:
        for bed in beds:
            bed.stop("ended normally")
    return 0


def _refuse_with_room(options: dict[str, object]) -> None:
    given = [flag for flag, value in options.items() if value not in (None, [], "")]
    if given:
        raise CommandError(f"{', '.join(given)} cannot be used with --room: the room file names each "
                           "chair's port, protocol and patient.")


def load_room_file(path: Path) -> RoomSpec:
    try:
        return load_room(path, registry.protocol_names())
    except RoomError as exc:
        raise CommandError(str(exc)) from None


def chair_config(room: RoomSpec, index: int, clock: Clock, folder: Path, default_profile: str) -> BedConfig:
    """Chair ``index`` of the room as a bed (issue 17's per-chair treatment entries join it here)."""
    chair = room.chairs[index]
    try:
        profile = load_profile(chair.profile or default_profile)
    except ProfileError as exc:
        raise CommandError(f"{room.where(index, 'profile')}: {exc}") from None
    return BedConfig(chair.name, chair.port, chair.protocol, clock, profile, patient_id=chair.patient,
                     planned_infusion_s=chair.planned_minutes * 60, recordings_folder=folder, room=room.name)


def build_room(room: RoomSpec, clock: Clock, folder: Path, default_profile: str, *,
               recording_required: bool) -> list[Bed]:
    """A bed per chair, each with its own simulated patient on a ``sim:`` port; none started.
    A chair that cannot be built (an unknown scenario, a recording that cannot be made when one
    is required) stops the ones already built and is refused with the room file's line."""
    configs = [chair_config(room, i, clock, folder, default_profile) for i in range(len(room.chairs))]
    beds: list[Bed] = []
    try:
        for i, config in enumerate(configs):
            try:
                beds.append(build_bed(config, recording_required=recording_required, sim_seed=i + 1))
            except (CommandError, RecordingError) as exc:
                raise CommandError(f"{room.where(i, 'port')}: {exc}") from None
    except BaseException:
        for bed in beds:
            bed.stop("not started")
        raise
    return beds


def _wait_for_end(clock: Clock, stop: threading.Event, duration_s: float | None) -> None:
    """Until ``duration_s`` of the monitor's clock has passed, or Ctrl-C / SIGTERM."""
    if duration_s is None:
        stop.wait()
    else:
        clock.wait(stop, duration_s)


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
    from ui.report import ExportError, export  # the PDF report is painted with Qt, loaded only for a PDF

    try:
        written = export(args.file, args.format, args.out, events=args.events)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    for path in written:
        print(path)
    return 0


def run_live(args: argparse.Namespace) -> int:
    if args.room is not None or len(args.port or ()) > 1:
        return run_live_room(args)
    if len(args.patient) > 1:
        raise CommandError("one --patient per --port: several patients need several ports (a room).")
    profile = load_alarm_profile(args.profile)  # refused before Qt starts: one line, no window
    folder = args.recordings or default_recordings_dir()
    _check_folder(folder)
    from ui.app import run_live as run_dashboard  # Qt is loaded only for the window

    clock = ScaledClock(args.speed)

    def open_bed(port: str, protocol: str) -> Bed:
        """For the window: the port given, or the one the nurse chose in the connection dialog."""
        return build_bed(BedConfig(
            "bed", port, protocol, clock, profile, patient_id=args.patient[0] if args.patient else "",
            planned_infusion_s=args.planned_minutes * 60, recordings_folder=folder,
        ))

    bed = open_bed(args.port[0], args.protocol or "datex") if args.port else None  # else the dialog asks
    return run_dashboard(bed, open_bed, args.theme, list_serial_ports)


def run_live_room(args: argparse.Namespace) -> int:
    """``live --room FILE``, or ``live --port A --port B ...`` (a room of those ports): every chair
    on one screen. A chair whose port will not open is shown with its error, retrying."""
    if args.room is not None:
        _refuse_with_room({"--port": args.port, "--protocol": args.protocol, "--patient": args.patient})
        room = load_room_file(args.room)
    else:
        try:
            room = room_of_ports(args.port, args.protocol or "datex", args.patient,
                                 planned_minutes=args.planned_minutes)
        except RoomError as exc:
            raise CommandError(str(exc)) from None
    folder = args.recordings or default_recordings_dir()
    _check_folder(folder)
    from ui.room.app import run_room  # Qt is loaded only for the window

    beds = build_room(room, ScaledClock(args.speed), folder, args.profile, recording_required=False)
    return run_room(room.name, beds, args.theme)


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

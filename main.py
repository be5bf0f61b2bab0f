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

from central.broker import BrokerError, BrokerSettings
from central.messages import MessageError, check_name
from central.publisher import BedPublisher, recording_path
from central.state import ChairState
from central.station import Station
from cli.broker_options import add_central_options, add_publish_options, names_from, settings_from
from cli.central_printer import StationPrinter
from cli.printer import Printer
from cli.settings import SettingLocked, Settings, load_settings
from cli.settings import report as report_settings
from cli.settings_command import add_settings_parser, run_settings
from cli.settings_keys import MAX_PLANNED_MINUTES
from cli.treatment_args import PlanArgumentError, add_treatment_args, plan_request, treatment_profile
from cli.support import (
    EXIT_USAGE,
    OneLineParser,
    bounded_float,
    on_stop_signals,
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
from monitor.session import Phase, PhaseChange
from monitor.storage import default_recordings_dir, recording_name
from monitor.treatment.entry import Field
from monitor.treatment.profile import TreatmentProfile, load_treatment_profile
from monitor.treatment.request import PlanRequest
from ui.sound.protocol import CHILD_FLAG as SOUND_CHILD_FLAG

log = logging.getLogger("infusion-monitor")
VERSION = "0.1.0"
PROFILE_HELP = f"alarm profile: a built-in name or a TOML file (default: the settings, else {DEFAULT_PROFILE})"


class CommandError(Exception):
    """Something the user can fix; ``str()`` is the one line they see."""


# -- argument parsing -----------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="infusion-monitor",
        description="Infusion Room Monitor: live HR and blood pressure, alarms and session recordings.",
        epilog="What the command line leaves out comes from the settings files ('infusion-monitor settings').",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    live = commands.add_parser("live", help="open the bedside dashboard (the default)")
    _add_connection_args(live, required=False)
    live.add_argument("--patient", default="", metavar="ID", help="patient identifier (optional)")
    live.add_argument("--recordings", type=Path, metavar="DIR",
                      help="folder for session recordings (default: the settings, else the user data folder)")
    live.add_argument("--planned-minutes", type=bounded_float(MAX_PLANNED_MINUTES, "minutes"),
                      metavar="M", help="planned infusion length (default: the settings, else the treatment profile's, 40)")
    live.add_argument("--theme", choices=("dark", "light"),
                      help="colour theme (default: the settings, else last used, else dark)")
    live.add_argument("--profile", metavar="FILE", help=PROFILE_HELP)
    add_publish_options(live)
    add_treatment_args(live)

    record = commands.add_parser("record", help="record from a monitor without a window")
    _add_connection_args(record, required=True)
    record.add_argument("--patient", default="", metavar="ID", help="patient identifier (optional)")
    record.add_argument("--out", type=Path, required=True, metavar="FILE", help="new recording file")
    record.add_argument("--duration", type=positive_float, metavar="S", help="seconds of the monitor's clock")
    record.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    record.add_argument("--profile", metavar="FILE", help=PROFILE_HELP)
    add_publish_options(record)
    add_treatment_args(record)

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


def _add_connection_args(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--port", required=required, metavar="URL",
        help="serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT, or sim:SCENARIO",
    )
    parser.add_argument("--protocol", choices=registry.protocol_names(), default=None,
                        help="the monitor's protocol" + (" (required, except datex for sim:SCENARIO)" if required else ""))
    parser.add_argument("--speed", type=speed_factor, default=1.0, help="run the clock X times faster")


# -- wiring ---------------------------------------------------------------------
def connect(port: str, protocol: str, clock: Clock, sink: Listener) -> tuple[Driver, InProcessSimulator | None]:
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


def build_bed(config: BedConfig, *, wait_for_port: bool = False, recording_required: bool = False) -> Bed:
    """The one way a bed is built: its driver (and simulator), then its recording.

    ``wait_for_port``: open the port first and refuse (CommandError) before any file
    is created if it cannot be opened; otherwise the driver starts with the bed and
    keeps retrying. ``recording_required``: a recording that cannot be created is a
    RecordingError; otherwise the bed monitors without one and says why
    (``bed.recording_error``). Nothing runs yet unless ``wait_for_port``: subscribe,
    then ``bed.start()``.
    """
    bed = Bed(config, lambda sink: connect(config.port, config.protocol, config.clock, sink))
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
        path = config.recordings_folder / recording_name(started_at.astimezone(), config.patient_id)
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
    return {
        "program": "infusion-monitor",
        "program_version": VERSION,
        "started_at": started_at.isoformat(),
        "port": config.port,
        "protocol": config.protocol,
        "patient_id": config.patient_id,
        "clock_speed": f"{config.clock.speed:g}",
        "planned_infusion_s": f"{config.planned_infusion_s:g}",
        "alarm_profile": config.profile.name,
        "treatment_profile": (config.treatment_profile or load_treatment_profile()).name,
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
    protocol = _record_protocol(args)
    plan_profile, plan = _treatment_plan(args)
    to = publishing(args)
    config = BedConfig(args.bed or "bed", args.port, protocol, ScaledClock(args.speed), profile,
                       patient_id=args.patient, recording_file=args.out, treatment_profile=plan_profile,
                       treatment_plan=plan, **_planned(plan_profile, plan))
    stop = stop_on_signals()
    bed = build_bed(config, wait_for_port=True, recording_required=True)
    publisher = None
    try:
        bed.subscribe(Printer(sys.stdout, args.jsonl, config.clock.now, on_closed=stop.set))
        bed.subscribe(lambda event: stop.set() if _session_ended(event) else None)  # e.g. the discharge sign-off
        publisher = publish(bed, to)
        bed.start()
        _wait_for_end(config.clock, stop, args.duration)
    finally:
        bed.stop(stop.reason or "ended normally")  # a signal: "program closed (SIGTERM)"
        if publisher is not None:
            publisher.stop()
    return 0


# -- the central station (central/, ui/central/) -----------------------------------------
Publishing = tuple[BrokerSettings, str, str] | None  # (broker, site, bed) of --publish


def publishing(args: argparse.Namespace) -> Publishing:
    """``--publish`` checked before anything starts (BrokerError: one line)."""
    return (settings_from(args, args.publish), *names_from(args)) if args.publish else None


def publish(bed: Bed, to: Publishing) -> BedPublisher | None:
    """A publisher to the central station, subscribed to ``bed`` after its recorder."""
    if to is None:
        return None
    settings, site, name = to
    state = ChairState(name, bed.config.patient_id, bed.session, bed.alarms)
    publisher = BedPublisher(bed, settings, site, name, state, recording=lambda: recording_path(bed))
    bed.subscribe(publisher)
    publisher.start()
    return publisher


def run_central(args: argparse.Namespace) -> int:
    if args.broker is None:
        raise CommandError("Give the central station's broker: --broker mqtts://HOST[:PORT], "
                           "or set central_url in the settings (docs/settings.md).")
    settings = settings_from(args, args.broker)
    station = Station(settings, check_name(args.site, "--site") if args.site else None)
    if not args.jsonl:
        from ui.central import run_central_window  # Qt is loaded only for the window

        return run_central_window(station)
    stop = stop_on_signals()
    station.subscribe(StationPrinter(sys.stdout, station.clock, on_closed=stop.set))
    station.start()
    try:
        _wait_for_end(station.clock, stop, args.duration)
    finally:
        station.stop()
    return 0


def _record_protocol(args: argparse.Namespace) -> str:
    """The in-process simulator speaks datex unless told otherwise; a real monitor must be named."""
    if args.protocol is not None:
        return args.protocol
    if is_simulator_url(args.port):
        return "datex"
    raise CommandError(f"Give the monitor's protocol for {args.port}: --protocol "
                       f"{'|'.join(registry.protocol_names())}.")


def _treatment_plan(args: argparse.Namespace, infusion_min: float | None = None):
    """The treatment profile and the plan given with --weight (None without), refused in one line."""
    try:
        profile = treatment_profile(args)
        return profile, plan_request(args, profile, infusion_min)
    except PlanArgumentError as exc:
        raise CommandError(str(exc)) from None


def _planned(profile: TreatmentProfile, plan: PlanRequest | None, minutes: float | None = None) -> dict[str, float]:
    """The session's planned infusion length: the plan's time, else ``minutes``, else the profile's."""
    chosen = (plan.infusion_min if plan is not None else None) or minutes or profile.default(Field.INFUSION_TIME)
    return {"planned_infusion_s": chosen * 60.0} if chosen else {}


def _session_ended(event: object) -> bool:
    return isinstance(event, PhaseChange) and event.phase is Phase.ENDED


def _wait_for_end(clock: Clock, stop: threading.Event, duration_s: float | None) -> None:
    """Until ``duration_s`` of the monitor's clock has passed, or SIGTERM, SIGINT or SIGHUP."""
    if duration_s is None:
        stop.wait()
    else:
        clock.wait(stop, duration_s)


def series_folders(folder: Path | None, recordings: Path | None = None) -> list[Path]:
    """Where a patient's sessions are looked for: the folder given, else the current folder (where
    ``record --out`` writes) and the recordings folder (where the dashboard records)."""
    if folder is not None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder; give the folder that holds the patient's recordings.")
        return [folder]
    return [Path.cwd(), recordings or default_recordings_dir()]


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    if args.patient is not None:
        from ui.review.series_window import run_series  # Qt is loaded only for the window

        return run_series(series_folders(args.file, settings.value("recordings")), args.patient)
    if args.file is not None and not args.file.is_dir():
        _check_recording(args.file)
    from ui.review import run_review as open_review  # Qt is loaded only for the window

    return open_review(args.file, settings.value("recordings"), settings.value("theme"))


def _check_recording(path: Path) -> None:
    """Refuse a file that is no recording before Qt starts: the answer then comes at once,
    and also over SSH or in a terminal without a display (the window checks every page)."""
    from monitor.review import RecordingOpenError, open_recording

    try:
        open_recording(path, verify=False).close()
    except RecordingOpenError as exc:
        raise CommandError(str(exc)) from None


def run_export(args: argparse.Namespace) -> int:
    from ui.report import ExportError, export, export_series  # Qt (the PDFs) is loaded only for a PDF

    try:
        if args.series is not None:
            written = [export_series(series_folders(args.file), args.series, args.format, args.out)]
        elif args.file is None:
            raise CommandError("Give the recording to export, or --series ID for a patient's treatment series.")
        else:
            written = export(args.file, args.format, args.out, events=args.events)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    for path in written:
        print(path)
    return 0


def run_live(args: argparse.Namespace, settings: Settings) -> int:
    profile = load_alarm_profile(args.profile)  # refused before Qt starts: one line, no window
    plan_profile, plan = _treatment_plan(args, args.planned_minutes)
    to = publishing(args)
    folder = args.recordings or default_recordings_dir()
    _check_folder(folder)
    from ui.app import run_live as run_dashboard  # Qt is loaded only for the window
    from ui.presets import Preset

    clock = ScaledClock(args.speed)

    publishers = []

    def open_bed(port: str, protocol: str) -> Bed:
        """For the window: the port given, or the one the nurse chose in the connection dialog."""
        bed = build_bed(BedConfig(
            args.bed or "bed", port, protocol, clock, profile, patient_id=args.patient, recordings_folder=folder,
            treatment_profile=plan_profile, treatment_plan=plan, **_planned(plan_profile, plan, args.planned_minutes),
        ))
        publishers.append(publish(bed, to))
        return bed

    from ui.sound.annunciator import Annunciator  # no Qt: the sound process's supervisor

    bed = open_bed(args.port, args.protocol or "datex") if args.port else None  # else the dialog asks
    presets = {key: Preset(settings.value(key), settings.locked_by(key))
               for key in ("theme", "protocol") if settings.from_file(key)}
    count = len(settings.problems)
    notice = (f"Settings files: {count} problem{'s' if count > 1 else ''}, defaults used instead; "
              "'infusion-monitor settings' shows the details.") if count else ""
    try:
        # one annunciator for the program: it follows every bed shown (a room: each chair's)
        return run_dashboard(bed, open_bed, args.theme, list_serial_ports, Annunciator(), on_stop_signals,
                             presets=presets, notice=notice)
    finally:
        for publisher in filter(None, publishers):  # the window has stopped its bed
            publisher.stop()


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
        if command == "export":
            return run_export(args)
        if command == "settings":
            return run_settings(args, sys.stdout, sys.stderr)
        settings = load_settings()  # live, record, review: the clinic's defaults and locks
        report_settings(settings, sys.stderr)
        settings.apply_to(args)
        if command == "record":
            return run_record(args)
        if command == "review":
            return run_review(args, settings)
        if command == "central":
            return run_central(args)
        return run_live(args, settings)
    except (CommandError, RecordingError, BrokerError, MessageError, SettingLocked) as exc:
        print(one_line(f"infusion-monitor: {exc}"), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

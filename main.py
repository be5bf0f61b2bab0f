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
from pathlib import Path

from central.broker import BrokerError, BrokerSettings
from central.messages import MessageError, check_name
from central.publisher import BedPublisher, recording_path
from central.state import ChairState
from central.station import Station
from central.station_sound import StationSound
from cli.broker_options import names_from, room_publishing, settings_from
from cli.central_printer import StationPrinter
from cli.checks import (
    CommandError,
    check_folder,
    check_new_file,
    check_recording,
    check_socket_url,
    load_alarm_profile,
    load_room_file,
    protocol_for,
    refuse_with_room,
    series_folders,
)
from cli.parser import build_parser
from cli.printer import Printer
from cli.settings import SettingLocked, Settings, load_settings
from cli.settings import report as report_settings
from cli.settings_command import run_settings
from cli.support import EXIT_USAGE, on_stop_signals, one_line, print_ports, stop_on_signals, wait_for_end
from cli.treatment_args import PlanArgumentError, planned_infusion, treatment_plan
from devices import registry
from devices.driver import Driver
from devices.simulator.inprocess import InProcessSimulator, is_simulator_url, start_simulator
from devices.simulator.scenario import ScenarioError
from devices.transport import list_serial_ports
from monitor.alarms import DEFAULT_PROFILE, ProfileError, load_profile
from monitor.bed import Bed, BedConfig, Listener
from monitor.clock import Clock, ScaledClock
from monitor.core import RecordingStatus
from monitor.recording import RecordingError, SessionRecorder
from monitor.room import RoomError, RoomSpec, chair_treatment, room_of_ports
from monitor.session import Phase, PhaseChange
from monitor.storage import default_recordings_dir, recording_name
from monitor.treatment.profile import TreatmentProfile, load_treatment_profile
from ui.sound.protocol import CHILD_FLAG as SOUND_CHILD_FLAG

log = logging.getLogger("infusion-monitor")
VERSION = "0.1.0"
FIRST_OPEN_WAIT_S = 5.0  # record --room: how long to wait for each chair's first open before saying it failed


# -- wiring ---------------------------------------------------------------------
def connect(port: str, protocol: str, clock: Clock, sink: Listener, sim_seed: int = 1
            ) -> tuple[Driver, InProcessSimulator | None]:
    """Build the driver for ``port``, starting the in-process simulator for ``sim:`` (with ``sim_seed``)."""
    if not registry.host_available(protocol):
        raise CommandError(f"The {protocol} protocol is not available in this version.")
    check_socket_url(port)
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
            path, config.metadata(started_at, VERSION),
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


# -- commands ---------------------------------------------------------------------


def run_record(args: argparse.Namespace, settings: Settings) -> int:
    if args.room is not None:
        return run_record_room(args, settings)
    if args.out_dir is not None:
        raise CommandError("--out-dir goes with --room FILE (a folder for the chairs' recordings); "
                           "one monitor records to --out FILE.")
    missing = [flag for flag, value in (("--port", args.port), ("--out", args.out)) if value is None]
    if missing:
        raise CommandError(f"the following arguments are required: {', '.join(missing)} "
                           "(or --room FILE --out-dir DIR to record a room)")
    check_new_file(args.out)
    profile = load_alarm_profile(args.profile)
    protocol = protocol_for(args.port, args.protocol, registry.protocol_names())
    plan_profile, plan = treatment_plan(args)
    to = publishing(args)
    config = BedConfig(args.bed or "bed", args.port, protocol, ScaledClock(args.speed), profile,
                       patient_id=args.patient, recording_file=args.out, treatment_profile=plan_profile,
                       treatment_plan=plan, **planned_infusion(plan_profile, plan))
    stop = stop_on_signals()
    bed = build_bed(config, wait_for_port=True, recording_required=True)
    publisher = None
    try:
        bed.subscribe(Printer(sys.stdout, args.jsonl, config.clock.now, on_closed=stop.set))
        bed.subscribe(lambda event: stop.set() if _session_ended(event) else None)  # e.g. the discharge sign-off
        publisher = publish(bed, to)
        bed.start()
        wait_for_end(config.clock, stop, args.duration)
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
        from ui.sound.annunciator import Annunciator

        annunciator = Annunciator()
        annunciator.follow(StationSound(station))  # sounds what the station judges, on its threads
        return run_central_window(station, annunciator, on_stop_signals)
    stop = stop_on_signals()
    station.subscribe(StationPrinter(sys.stdout, station.clock, on_closed=stop.set))
    station.start()
    try:
        wait_for_end(station.clock, stop, args.duration)
    finally:
        station.stop()
    return 0


def _session_ended(event: object) -> bool:
    return isinstance(event, PhaseChange) and event.phase is Phase.ENDED


# -- the room (monitor/room.py, ui/room/) ---------------------------------------------
def run_record_room(args: argparse.Namespace, settings: Settings) -> int:
    """Every chair of the room recorded into its own file in --out-dir, its lines carrying its name.
    A chair whose port will not open is said once on stderr and retried; the others record."""
    refuse_with_room(args, "--port", "--protocol", "--out", "--patient")
    if args.out_dir is None:
        raise CommandError("the following arguments are required with --room: --out-dir")
    room = load_room_file(args.room)
    check_folder(args.out_dir)
    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise CommandError(f"{args.out_dir} is a file, not a folder; give a folder for the recordings.")
    clock = ScaledClock(args.speed)
    to = room_publishing(args, room, settings)
    stop = stop_on_signals()
    beds = _build_room(room, clock, args.out_dir, args, settings, recording_required=True)
    lock = threading.Lock()  # one stdout for every chair: whole lines, never interleaved
    publishers: list[BedPublisher | None] = []
    try:
        for bed in beds:
            bed.subscribe(Printer(sys.stdout, args.jsonl, clock.now, on_closed=stop.set, bed=bed.name, lock=lock))
            publishers.append(publish(bed, to and (*to, bed.name)))
        for bed in beds:
            bed.start()
        for bed in beds:
            if bed.driver is not None and bed.driver.first_open.wait(FIRST_OPEN_WAIT_S) and bed.driver.first_open_error:
                print(one_line(f"infusion-monitor: {bed.name}: {bed.driver.first_open_error} "
                               "Recording the other chairs; retrying this one."), file=sys.stderr)
        wait_for_end(clock, stop, args.duration)
    finally:
        for bed in beds:
            bed.stop(stop.reason or "ended normally")
        for publisher in filter(None, publishers):
            publisher.stop()
    return 0


def chair_config(room: RoomSpec, index: int, clock: Clock, folder: Path, default_profile: str,
                 treatment: TreatmentProfile | None = None, settings: Settings | None = None) -> BedConfig:
    """Chair ``index`` of the room as a bed, with its treatment plan; a chair's alarm or treatment
    profile may not override a locked one."""
    chair = room.chairs[index]
    for key, setting, value in (("profile", "alarm_profile", chair.profile),
                                ("treatment_profile", "treatment_profile", chair.treatment_profile)):
        if value and settings is not None:
            settings.check_allowed(setting, value, room.where(index, key),
                                   f"Remove the chair's {key} from the room file")
    try:
        profile = load_profile(chair.profile or default_profile)
    except ProfileError as exc:
        raise CommandError(f"{room.where(index, 'profile')}: {exc}") from None
    try:
        plan_profile, plan = chair_treatment(room, index, treatment or load_treatment_profile())
    except RoomError as exc:
        raise CommandError(str(exc)) from None
    return BedConfig(chair.name, chair.port, chair.protocol, clock, profile, patient_id=chair.patient,
                     recordings_folder=folder, room=room.name, treatment_profile=plan_profile, treatment_plan=plan,
                     **planned_infusion(plan_profile, plan, chair.planned_minutes))


def build_room(room: RoomSpec, clock: Clock, folder: Path, default_profile: str, *, recording_required: bool,
               treatment: TreatmentProfile | None = None, settings: Settings | None = None) -> list[Bed]:
    """A bed per chair, each with its own simulated patient on a ``sim:`` port; none started.
    A chair that cannot be built (an unknown scenario, a recording that cannot be made when one
    is required) stops the ones already built and is refused with the room file's line."""
    configs = [chair_config(room, i, clock, folder, default_profile, treatment, settings)
               for i in range(len(room.chairs))]
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


def _build_room(room: RoomSpec, clock: Clock, folder: Path, args: argparse.Namespace, settings: Settings,
                recording_required: bool) -> list[Bed]:
    treatment, _ = treatment_plan(args)
    return build_room(room, clock, folder, args.profile or DEFAULT_PROFILE, recording_required=recording_required,
                      treatment=treatment, settings=settings)


def run_live_room(args: argparse.Namespace, settings: Settings) -> int:
    """``live --room FILE``, or ``live --port A --port B ...`` (a room of those ports): every chair
    on one screen. A chair whose port will not open is shown with its error, retrying."""
    if args.room is not None:
        refuse_with_room(args, "--port", "--protocol", "--patient")
        room = load_room_file(args.room)
    else:
        refuse_with_room(args)
        minutes = planned_infusion(*treatment_plan(args), args.planned_minutes).get("planned_infusion_s", 2400.0) / 60
        try:
            room = room_of_ports(args.port, args.protocol or "datex", args.patient, planned_minutes=minutes)
        except RoomError as exc:
            raise CommandError(str(exc)) from None
    folder = args.recordings or default_recordings_dir()
    check_folder(folder)
    to = room_publishing(args, room, settings)
    from ui.room.app import run_room  # Qt is loaded only for the window
    from ui.sound.annunciator import Annunciator  # no Qt: the sound process's supervisor

    beds = _build_room(room, ScaledClock(args.speed), folder, args, settings, recording_required=False)
    publishers = [publish(bed, to and (*to, bed.name)) for bed in beds]
    try:
        return run_room(room.name, beds, args.theme, Annunciator(), on_stop_signals,
                        presets=_presets(settings), notice=settings.notice())
    finally:
        for publisher in filter(None, publishers):  # the window has stopped the beds
            publisher.stop()


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    if args.patient is not None:
        from ui.review.series_window import run_series  # Qt is loaded only for the window

        return run_series(series_folders(args.file, settings.value("recordings")), args.patient)
    if args.file is not None and not args.file.is_dir():
        check_recording(args.file)
    from ui.review import run_review as open_review  # Qt is loaded only for the window

    return open_review(args.file, settings.value("recordings"), settings.value("theme"))


def run_export(args: argparse.Namespace) -> int:
    from ui.report import (  # Qt (the PDFs) is loaded only for a PDF
        ExportError,
        export,
        export_series,
    )

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
    if args.room is not None or len(args.port or ()) > 1:
        return run_live_room(args, settings)
    if len(args.patient) > 1:
        raise CommandError("one --patient per --port: several patients need several ports (a room).")
    profile = load_alarm_profile(args.profile)  # refused before Qt starts: one line, no window
    plan_profile, plan = treatment_plan(args, args.planned_minutes)
    to = publishing(args)
    folder = args.recordings or default_recordings_dir()
    check_folder(folder)
    from ui.app import run_live as run_dashboard  # Qt is loaded only for the window
    clock = ScaledClock(args.speed)

    publishers = []

    def open_bed(port: str, protocol: str) -> Bed:
        """For the window: the port given, or the one the nurse chose in the connection dialog."""
        bed = build_bed(BedConfig(
            args.bed or "bed", port, protocol, clock, profile, patient_id=args.patient[0] if args.patient else "",
            recordings_folder=folder,
            treatment_profile=plan_profile, treatment_plan=plan, **planned_infusion(plan_profile, plan, args.planned_minutes),
        ))
        publishers.append(publish(bed, to))
        return bed

    from ui.sound.annunciator import Annunciator  # no Qt: the sound process's supervisor

    bed = open_bed(args.port[0], args.protocol or "datex") if args.port else None  # else the dialog asks
    try:
        return run_dashboard(bed, open_bed, args.theme, list_serial_ports, Annunciator(), on_stop_signals,
                             presets=_presets(settings), notice=settings.notice())
    finally:
        for publisher in filter(None, publishers):  # the window has stopped its bed
            publisher.stop()


def _presets(settings: Settings) -> dict:
    """What the clinic's settings fix for the window: the protocol for the dialog, the theme when locked."""
    from ui.presets import Preset  # Qt-free, but only the windows use it

    return {key: Preset(settings.value(key), settings.locked_by(key))
            for key in ("theme", "protocol") if settings.from_file(key)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [SOUND_CHILD_FLAG]:  # this program, bundled, started as its own sound process
        from ui.sound.child import main as sound_process

        sound_process(argv[1:])  # never returns
    args = build_parser(VERSION, registry.protocol_names()).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    command = args.command or "live"
    if args.command is None:  # bare `infusion-monitor`: the live dashboard with its defaults
        args = build_parser(VERSION, registry.protocol_names()).parse_args([*(["-v"] if args.verbose else []), "live"])
    try:
        if command == "ports":
            return print_ports(list_serial_ports(), sys.stdout)
        if command == "export":
            return run_export(args)
        if command == "settings":
            return run_settings(args, sys.stdout, sys.stderr)
        settings = load_settings()  # live, record, review: the clinic's defaults and locks
        report_settings(settings, sys.stderr)
        settings.apply_to(args)
        if command == "record":
            return run_record(args, settings)
        if command == "review":
            return run_review(args, settings)
        if command == "central":
            return run_central(args)
        return run_live(args, settings)
    except (CommandError, RecordingError, BrokerError, MessageError, SettingLocked, PlanArgumentError) as exc:
        print(one_line(f"infusion-monitor: {exc}"), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

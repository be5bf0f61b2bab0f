"""``infusion-sim``: a simulated bedside monitor on a pseudo-terminal, TCP port or real port.

The first line on stdout is the address the program under test should open,
alone, so scripts can read it; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from cli.support import (
    EXIT_USAGE,
    OneLineParser,
    one_line,
    positive_float,
    speed_factor,
    stop_on_signals,
)
from devices import registry
from devices.simulator.endpoints import Endpoint, PtyEndpoint, SerialEndpoint, TcpEndpoint
from devices.simulator.replay import ReplayError, read_capture, replay
from devices.simulator.runner import SimulatorRunner, TruthLog
from devices.simulator.scenario import ScenarioError, ScenarioRun, builtin_scenarios, load_scenario
from devices.simulator.uart import MisclockedEndpoint
from devices.transport import PortError
from monitor.clock import ScaledClock

log = logging.getLogger("infusion-sim")


class UsageError(Exception):
    """A bad argument; ``str()`` is the sentence for the user."""


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="infusion-sim",
        description="Simulated bedside monitor speaking a real serial protocol, for QA.",
    )
    p.add_argument("--protocol", choices=registry.protocol_names(), default="datex")
    p.add_argument("--scenario", default="ketamine-typical", help="built-in name or TOML file")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="create a pseudo-terminal and print its path")
    where.add_argument("--tcp", metavar="HOST:PORT", help="serve like a serial device server")
    where.add_argument("--port", metavar="DEVICE", help="a real port behind a null-modem cable")
    p.add_argument("--speed", type=speed_factor, default=1.0, help="simulated time runs X times faster")
    p.add_argument("--duration", type=positive_float, metavar="S", help="stop after S simulated seconds")
    p.add_argument("--seed", type=int, default=1, help="same seed and --start, same bytes")
    p.add_argument("--start", type=_utc_datetime, help="simulated start time, ISO-8601 (default: now)")
    p.add_argument("--truth", type=Path, metavar="FILE", help="write every value sent as JSON lines")
    p.add_argument("--replay", type=Path, metavar="FILE",
                   help="stream a raw capture instead of a scenario (the line then stays open until stopped)")
    p.add_argument("--line-baud", type=_baud, metavar="BAUD",
                   help="QA: the monitor's port runs at BAUD, not the protocol's rate (wrong setting)")
    p.add_argument("--list-scenarios", action="store_true", help="list built-in scenarios and exit")
    p.add_argument("-v", "--verbose", action="store_true")
    return p




def _baud(text: str) -> float:
    """argparse type: a baud rate a UART could run at."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 50 <= value <= 4_000_000:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"a baud rate from 50 to 4000000, not {text!r}")
    return value


def _utc_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_endpoint(args: argparse.Namespace) -> Endpoint:
    if args.tcp:
        host, sep, port = args.tcp.rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            raise UsageError(f"--tcp wants HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:4001 "
                             f"(got {args.tcp!r})")
        try:
            return TcpEndpoint(host or "127.0.0.1", int(port))
        except OSError as exc:
            raise UsageError(f"Cannot listen on {args.tcp}: {exc.strerror}.") from None
    if args.port:
        return SerialEndpoint(args.port, registry.line_settings(args.protocol))
    return PtyEndpoint()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s infusion-sim %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if args.list_scenarios:
        for name, description in builtin_scenarios().items():
            print(f"{name:22} {description}")
        return 0
    try:
        return _serve(args)
    except (ScenarioError, ReplayError, PortError, UsageError) as exc:
        print(one_line(f"infusion-sim: {exc}"), file=sys.stderr)
        return EXIT_USAGE


def _serve(args: argparse.Namespace) -> int:
    capture = read_capture(args.replay) if args.replay else None
    if capture is None and not registry.simulator_available(args.protocol):
        raise UsageError(f"The {args.protocol} simulator is not available in this version.")
    scenario = None if capture is not None else load_scenario(args.scenario)
    start = args.start or datetime.now(UTC).replace(microsecond=0)
    clock = ScaledClock(args.speed, start=start)
    truth = _open_truth(args.truth) if capture is None else None  # refused before the address
    try:
        endpoint = open_endpoint(args)
    except BaseException:
        if truth:
            truth.close()
            args.truth.unlink(missing_ok=True)  # ours, and empty: nothing was sent
        raise
    if args.line_baud:
        endpoint = MisclockedEndpoint(endpoint, registry.line_settings(args.protocol), args.line_baud)
    stop = stop_on_signals()
    print(endpoint.address, flush=True)
    try:
        if capture is not None:
            replay(capture, endpoint, registry.line_settings(args.protocol), clock, stop, args.duration)
            return 0
        runner = SimulatorRunner(
            registry.simulated_device(args.protocol),
            ScenarioRun(scenario, seed=args.seed, start=start),
            endpoint,
            clock,
            seed=args.seed,
            duration_s=args.duration,
            truth=truth,
        )
        try:
            runner.run(stop)
        finally:
            if truth:
                truth.close()
    finally:
        endpoint.close()
    return 0


def _open_truth(path: Path | None) -> TruthLog | None:
    """A new truth file; an existing one is another run's record and is never overwritten."""
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"--truth {path} is a folder; give the name of a new file.")
    try:
        return TruthLog(path.open("x", encoding="utf-8"))
    except FileExistsError:
        raise UsageError(f"The truth file {path} already exists; choose another name "
                         "(an existing file is never overwritten).") from None
    except OSError as exc:
        raise UsageError(f"Cannot write the truth file {path}: {exc.strerror}.") from None




if __name__ == "__main__":
    sys.exit(main())

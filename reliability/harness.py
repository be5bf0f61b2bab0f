"""Running the real programs against each other: ``infusion-sim`` on a pseudo-terminal (or
TCP), ``infusion-monitor record --jsonl`` reading it, and what to check in what they wrote.

Shared by ``tests/test_reliability_serial.py`` (short runs) and ``make soak`` (long ones).
Waiting is always on process output or exit, never on a sleep.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PATIENT = """
[nibp]
interval_s = 180
first_s = 0
inflation_s = 25
noise_mmhg = 3

[parameters.HR]
points = [[0, 68]]
noise = 1.5
wander = 1.5

[parameters.SPO2]
points = [[0, 98]]
noise = 0.6
noise_period_s = 8

[parameters.ART_SYS]
points = [[0, 118]]
noise = 2
wander = 2

[parameters.ART_DIA]
points = [[0, 76]]
noise = 1.5
wander = 1.5
"""


@dataclass(frozen=True)
class Fault:
    kind: str
    start_s: float
    duration_s: float
    rate_per_s: float | None = None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def toml(self) -> str:
        rate = f"rate_per_s = {self.rate_per_s:g}\n" if self.rate_per_s else ""
        return (f'\n[[faults]]\nkind = "{self.kind}"\nstart_s = {self.start_s:g}\n'
                f"duration_s = {self.duration_s:g}\n{rate}")


def scenario_toml(name: str, faults: Iterable[Fault], arterial_line: bool = False) -> str:
    """A flat-physiology scenario (no physiological alarm) with these line faults."""
    head = (f'[scenario]\nname = "{name}"\ndescription = "reliability: {name}"\n'
            f"arterial_line = {'true' if arterial_line else 'false'}\n")
    return head + PATIENT + "".join(f.toml() for f in faults)


def cycles(kind: str, count: int, first_s: float, window_s: float, period_s: float) -> list[Fault]:
    """``count`` windows of ``kind``, one every ``period_s`` from ``first_s``."""
    return [Fault(kind, first_s + i * period_s, window_s) for i in range(count)]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_simulator(*args: str, python: str = sys.executable,
                    log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``infusion-sim ARGS``; returns the process and the address it printed first.

    ``log``: a file for its stderr. A long run needs one: nobody reads the pipe while the
    simulator runs, and a full pipe would stall it.
    """
    stderr = log.open("w", encoding="utf-8") if log is not None else subprocess.PIPE
    try:
        proc = subprocess.Popen(
            [python, "-m", "devices.simulator", *args],
            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
    finally:
        if log is not None:
            stderr.close()  # the child has its own copy
    address = proc.stdout.readline().strip()
    if not address:
        proc.wait(10)
        why = log.read_text(encoding="utf-8") if log is not None else proc.stderr.read()
        raise RuntimeError(f"the simulator did not start: {why}")
    return proc, address


def stop(proc: subprocess.Popen) -> None:
    """End a process this harness started (by its handle), politely first."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def record(*args: str, timeout: float = 120, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, str(ROOT / "main.py"), "record", *args],
        cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=timeout,
    )


def start_record(*args: str, stdout: Path, stderr: Path, python: str = sys.executable) -> subprocess.Popen:
    """``infusion-monitor record ARGS`` in the background, its output going to files.

    For runs too long to hold the output in a pipe, and to sample the process while it runs.
    """
    with stdout.open("w", encoding="utf-8") as out, stderr.open("w", encoding="utf-8") as err:
        return subprocess.Popen([python, str(ROOT / "main.py"), "record", *args],
                                cwd=ROOT, env=cli_env(), stdout=out, stderr=err, text=True)


def rss_kib(pid: int) -> int | None:
    """Resident memory of a running process (Linux /proc), or None once it has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def load_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def utc_seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# --- what was sent --------------------------------------------------------------------------


@dataclass
class SentFrame:
    """One emission of the simulator, from its --truth file."""

    sim_time_s: float
    delivered: str
    values: dict[tuple[str | None, str], float | None] = field(default_factory=dict)  # (device_time, parameter)


def sent_frames(truth_rows: Iterable[dict]) -> list[SentFrame]:
    frames: dict[tuple[float, str], SentFrame] = {}
    for row in truth_rows:
        key = (row["sim_time_s"], row["delivered"])
        frame = frames.setdefault(key, SentFrame(row["sim_time_s"], row["delivered"]))
        frame.values[(row["device_time"], row["parameter"])] = row["value"]
    return sorted(frames.values(), key=lambda f: f.sim_time_s)


@dataclass
class Delivery:
    """Intact frames sent while the program was receiving, and which of them it decoded."""

    intact: list[SentFrame]
    lost: list[SentFrame]
    damaged: list[SentFrame]


def delivery(truth_rows: list[dict], readings: list[dict]) -> Delivery:
    """Intact frames between the first and the last one decoded, and those never decoded.

    Frames before the program opened the port, or after it stopped reading, are not
    counted: nobody was listening.
    """
    decoded = {(r["device_time"], r["parameter"]) for r in readings}
    frames = sent_frames(truth_rows)
    # A value a monitor repeats unchanged (a cuff result, sent in every frame until the
    # next one) says nothing about which frame arrived: only a frame's own values do.
    repeats = Counter(key for f in frames for key in f.values)
    seen = [i for i, f in enumerate(frames)
            if f.delivered == "ok" and any(repeats[k] == 1 for k in set(f.values) & decoded)]
    if not seen:
        return Delivery([], [], [])
    window = frames[seen[0] : seen[-1] + 1]
    intact = [f for f in window if f.delivered == "ok"]
    lost = [f for f in intact if not set(f.values) <= decoded]
    damaged = [f for f in window if f.delivered in ("corrupted", "truncated")]
    return Delivery(intact, lost, damaged)


# --- what the program said and stored --------------------------------------------------------


@dataclass
class Outcome:
    returncode: int
    events: list[dict]
    stderr: str
    recording: Path

    def of_type(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["type"] == kind]

    @property
    def readings(self) -> list[dict]:
        return self.of_type("reading")

    @property
    def links(self) -> list[dict]:
        return self.of_type("link")

    def link_states(self) -> list[str]:
        return [e["state"] for e in self.links]

    def alarms(self, condition: str) -> list[dict]:
        return [e for e in self.of_type("alarm") if e["condition"] == condition]

    def stored(self, sql: str) -> list[tuple]:
        db = sqlite3.connect(f"file:{self.recording}?mode=ro", uri=True)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def recording_matches_output(self) -> list[str]:
        """Every printed reading, link event and alarm event is in the recording, in order."""
        problems = []
        readings = self.stored("SELECT host_time, parameter, value FROM readings ORDER BY id")
        printed = [(utc_seconds(r["time"]), r["parameter"], r["value"]) for r in self.readings]
        if len(readings) != len(printed):
            problems.append(f"{len(printed)} readings printed, {len(readings)} stored")
        elif any(abs(a[0] - b[0]) > 1e-3 or a[1:] != b[1:] for a, b in zip(readings, printed)):
            problems.append("stored readings differ from the printed ones")
        links = [s for (s,) in self.stored("SELECT state FROM link_events ORDER BY id")]
        if links != self.link_states():
            problems.append(f"link events: printed {self.link_states()}, stored {links}")
        alarms = self.stored("SELECT condition, event FROM alarm_events ORDER BY id")
        printed_alarms = [(a["condition"], a["event"]) for a in self.of_type("alarm")]
        if alarms != printed_alarms:
            problems.append(f"alarm log: {len(printed_alarms)} printed, {len(alarms)} stored")
        return problems


def outcome(result: subprocess.CompletedProcess, recording: Path) -> Outcome:
    return Outcome(result.returncode, load_jsonl(result.stdout), result.stderr, recording)


def transitions(states: list[str]) -> dict[str, int]:
    """How many times each link state was entered."""
    counts: dict[str, int] = defaultdict(int)
    for state in states:
        counts[state] += 1
    return dict(counts)


# --- was every loss announced? ---------------------------------------------------------------

GAP_STATES = frozenset({"silent", "disconnected", "no-valid-frames", "connecting", "waiting"})


def announced_gaps(outcome: Outcome) -> list[tuple[float, float]]:
    """Host-time intervals the program itself marked as "not receiving" (link events)."""
    gaps: list[tuple[float, float]] = []
    start: float | None = None
    for event in outcome.links:
        t = utc_seconds(event["time"])
        if event["state"] in GAP_STATES and start is None:
            start = t
        elif event["state"] == "receiving" and start is not None:
            gaps.append((start, t))
            start = None
    if start is not None:
        gaps.append((start, float("inf")))
    return gaps


def _device_seconds(stamp: str) -> float:
    """Device times as UTC seconds (Masimo's carry no zone: the simulator's clock is UTC)."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _newest(frame: SentFrame) -> float:
    """The newest device time in a frame: when the monitor sent it."""
    return max((_device_seconds(dt) for dt, _ in frame.values if dt), default=0.0)


def unannounced_losses(sent: Delivery, out: Outcome, protocol: str, slack_s: float) -> list[SentFrame]:
    """Intact frames never decoded that neither a link event nor line damage explains.

    A frame may be lost while the program says it is not receiving (it was reopening
    the port, or waiting after a monitor restart), and, for Masimo only, right after a
    truncated line (its lost line end joins the next line to it: text has no start
    marker). Anything else is silent data loss. The monitor's time of a frame is put on
    the program's clock by the smallest receive delay seen; ``slack_s`` absorbs the rest.
    """
    return explain_losses(sent, out, protocol, slack_s)["unexplained"]


def explain_losses(sent: Delivery, out: Outcome, protocol: str, slack_s: float) -> dict[str, list[SentFrame]]:
    """The lost frames by why: ``gap`` (announced), ``after truncated`` (Masimo), ``unexplained``."""
    why: dict[str, list[SentFrame]] = {"gap": [], "after truncated": [], "unexplained": []}
    delays = [utc_seconds(r["time"]) - _device_seconds(r["device_time"])
              for r in out.readings if r["device_time"]]
    if not delays:
        why["unexplained"] = list(sent.lost)
        return why
    offset = min(delays)
    gaps = announced_gaps(out)
    # in the order sent: two frames the simulator sent in one step share a sim_time_s, and
    # a truncated Masimo line must come before the line its lost line end joins
    everything = sorted(sent.intact + sent.damaged, key=lambda f: (f.sim_time_s, _newest(f)))
    position = {id(f): i for i, f in enumerate(everything)}
    for frame in sent.lost:
        # the frame's newest time is when it was sent: IntelliVue stamps an NIBP value with
        # the time the cuff measured it, minutes earlier, in every reply until the next one
        when = _newest(frame) + offset
        i = position[id(frame)]
        if protocol == "masimo" and i > 0 and everything[i - 1].delivered == "truncated":
            why["after truncated"].append(frame)  # the more specific reason first
        elif any(a - slack_s <= when <= b + slack_s for a, b in gaps):
            why["gap"].append(frame)
        else:
            why["unexplained"].append(frame)
    return why

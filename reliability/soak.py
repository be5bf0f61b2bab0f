"""``make soak``: a 24-hour session per protocol, at high speed, with a fault every few minutes.

    python -m reliability.soak [--hours 24] [--speed 40] [--protocol datex ...] [--serial-tests]

Why: the short fault tests prove each fault is survived once; a day of them proves
nothing accumulates (memory, file handles, alarm state, reconnect back-off) and that
the recording of a whole clinic day is complete. Each protocol gets its own simulated
monitor on a pseudo-terminal (``infusion-sim --pty``) read by the real
``infusion-monitor record --jsonl`` process, all protocols at once. The faults are
those of the simulator: garbage bursts, corrupt and truncated frames, all three at
once (a noisy line), stalls shorter and longer than LINK_LOST's 10 s, and the monitor
switched off and on. The first 10 minutes and the last 30 are fault-free, so every
alarm that does not latch must have ended by the end.

Checked and printed, per protocol: no crash (exit 0, no traceback); memory flat (the
recorder's RSS, sampled from /proc, grows by at most a few MB after a 2-hour warm-up);
recording complete (every intact frame decoded or its loss inside a gap the program
announced, or, for Masimo, joined by a damaged line in front of it; nothing shown that was
not sent intact; the file equals the printed log);
alarm log consistent (each alarm raised once per occurrence and then cleared, or still
active at the end only because it latches; the alarm_events table equals the printed
alarms; every LINK_LOST inside an announced gap).

``--serial-tests`` also runs ``IRM_RELIABILITY=full pytest tests/test_reliability_serial.py``
(100 off/on cycles per protocol) alongside, and prints its FIGURES lines.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from devices.simulator.verify import verify
from reliability.harness import (
    ROOT,
    Fault,
    Outcome,
    announced_gaps,
    cli_env,
    delivery,
    explain_losses,
    load_jsonl,
    rss_kib,
    scenario_toml,
    start_record,
    start_simulator,
    stop,
    transitions,
    utc_seconds,
)

log = logging.getLogger(__name__)

PROTOCOLS = ("datex", "intellivue", "masimo")
QUIET_START_S = 600.0  # no fault in the first 10 min
QUIET_TAIL_S = 1800.0  # nor in the last 30 (less in a short run): alarms that do not latch must have ended
GAP_S = (90.0, 240.0)  # fault-free time between two fault windows
WARM_UP = 1 / 12  # memory is compared with what it was after this share of the run (24 h: 2 h)
RSS_LIMIT_KIB = 5 * 1024  # "memory flat": at most this much growth after the warm-up
SAMPLE_EVERY_S = 2.0  # real seconds between RSS samples
LATCHING_END = "latched"  # the only last event an alarm may have when the line is quiet
DURING = frozenset({"escalated", "acknowledged", "reminded", "latched", "recurred"})


# --- the plan --------------------------------------------------------------------------------


def _windows(label: str, start: float, rng: random.Random) -> list[Fault]:
    """The simulator faults of one fault window (several for a noisy line)."""
    if label == "garbage":
        return [Fault("garbage", start, 90, 0.5)]
    if label == "corrupt":
        return [Fault("corrupt", start, 90, 0.1)]
    if label == "truncated":
        return [Fault("truncate", start, 90, 0.05)]
    if label == "noisy line":
        return [Fault("garbage", start, 120, 0.3), Fault("corrupt", start, 120, 0.1),
                Fault("truncate", start, 120, 0.05)]
    if label == "stall":  # shorter and longer than the 10 s before LINK_LOST
        return [Fault("silence", start, rng.choice((5.0, 20.0, 45.0)))]
    if label == "off/on":  # the monitor switched off, then on: it restarts its session
        return [Fault("disconnect", start, round(rng.uniform(15, 90)))]
    raise ValueError(label)


LABELS = ("garbage", "corrupt", "truncated", "noisy line", "stall", "off/on")


def fault_plan(duration_s: float, seed: int) -> tuple[list[Fault], Counter]:
    """A fault window every few minutes, each kind in turn (shuffled per round), seeded."""
    rng = random.Random(seed)
    faults: list[Fault] = []
    labels: Counter = Counter()
    t, order = QUIET_START_S, []
    while True:
        if not order:
            order = rng.sample(LABELS, len(LABELS))
        label = order.pop()
        windows = _windows(label, t, rng)
        end = max(f.end_s for f in windows)
        if end > duration_s - min(QUIET_TAIL_S, duration_s / 12):
            return faults, labels
        faults += windows
        labels[label] += 1
        t = end + rng.uniform(*GAP_S)


# --- running -----------------------------------------------------------------------------------


@dataclass
class Run:
    protocol: str
    duration_s: float
    speed: float
    folder: Path
    labels: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (simulated s, KiB)
    returncode: int | None = None
    wall_s: float = 0.0
    error: str = ""

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.protocol}{suffix}"


def run_one(run: Run, seed: int) -> None:
    """Simulator and recorder for one protocol, until the recorder's --duration has passed."""
    run.faults, run.labels = fault_plan(run.duration_s, seed)
    scenario = run.path(".toml")
    scenario.write_text(scenario_toml(f"soak-{run.protocol}", run.faults), encoding="utf-8")
    t0 = time.monotonic()
    sim: subprocess.Popen | None = None
    try:
        sim, port = start_simulator(
            "--protocol", run.protocol, "--scenario", str(scenario), "--pty", "--speed", f"{run.speed:g}",
            "--seed", str(seed), "--truth", str(run.path("-truth.jsonl")), log=run.path("-sim.log"))
        recorder = start_record(
            "--port", port, "--protocol", run.protocol, "--jsonl", "--speed", f"{run.speed:g}",
            "--duration", f"{run.duration_s:g}", "--out", str(run.path(".irm.sqlite")),
            stdout=run.path(".jsonl"), stderr=run.path("-record.log"))
        deadline = t0 + 1.5 * run.duration_s / run.speed + 120
        while recorder.poll() is None:
            kib = rss_kib(recorder.pid)
            if kib:  # None once it has gone, 0 for a zombie
                run.rss.append(((time.monotonic() - t0) * run.speed, kib))
            if time.monotonic() > deadline:
                run.error = "the recorder did not finish in time (hung?)"
                stop(recorder)
                break
            time.sleep(SAMPLE_EVERY_S)
        run.returncode = recorder.wait()
    except Exception as exc:  # noqa: BLE001 - reported as the run's failure, never lost
        log.exception("soak run %s failed", run.protocol)
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        if sim is not None:
            stop(sim)
        run.wall_s = time.monotonic() - t0


# --- checking ----------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def memory_check(run: Run) -> Check:
    """Growth from just after the warm-up to the end (medians of 1/24 of the run each, so one
    sample taken mid-burst decides nothing), and the trend over everything after the warm-up."""
    warm_up, window = run.duration_s * WARM_UP, run.duration_s / 24
    later = [(t, kib) for t, kib in run.rss if t >= warm_up]
    if len(later) < 10:
        return Check("memory flat", False, f"too few samples after the warm-up ({len(later)})")
    first = statistics.median(k for t, k in later if t < later[0][0] + window)
    last = statistics.median(k for t, k in later if t >= later[-1][0] - window)
    slope = statistics.linear_regression([t / 3600 for t, _ in later], [k for _, k in later]).slope
    growth = last - first
    detail = (f"RSS {first / 1024:.1f} MB after the {warm_up / 3600:.3g}-h warm-up, "
              f"{last / 1024:.1f} MB at the end, max "
              f"{max(k for _, k in run.rss) / 1024:.1f} MB; growth {growth / 1024:+.2f} MB "
              f"(trend {slope / 1024:+.3f} MB/h, {len(run.rss)} samples)")
    return Check("memory flat", growth <= RSS_LIMIT_KIB, detail)


def alarm_check(out: Outcome, db_problems: list[str], slack_s: float) -> Check:
    """Each occurrence opens with ``raised`` and ends with ``cleared``, or latches at the end."""
    problems = [p for p in db_problems if p.startswith("alarm log")]
    active: dict[str, str] = {}
    counts: Counter = Counter()
    last_time = float("-inf")
    gaps = announced_gaps(out)
    for event in out.of_type("alarm"):
        condition, what, at = event["condition"], event["event"], utc_seconds(event["time"])
        counts[condition, what] += 1
        if at < last_time - 1e-3:
            problems.append(f"{condition} {what} at {event['time']} is earlier than the event before it")
        last_time = max(last_time, at)
        if what == "raised":
            if condition in active:
                problems.append(f"{condition} raised at {event['time']} while already active")
            active[condition] = what
        elif what in DURING or what == "cleared":
            if condition not in active:
                problems.append(f"{condition} {what} at {event['time']} was never raised")
            elif what == "cleared":
                del active[condition]
            else:
                active[condition] = what
        if condition == "LINK_LOST" and what in ("raised", "recurred") and not any(
                a - slack_s <= at <= b + slack_s for a, b in gaps):
            problems.append(f"LINK_LOST {what} at {event['time']} while the link was receiving")
    for condition, what in active.items():
        if what != LATCHING_END:
            problems.append(f"{condition} still {what} at the end, after the fault-free tail")
    summary = ", ".join(f"{c} {e} {n}" for (c, e), n in sorted(counts.items())) or "none"
    ending = ", ".join(f"{c} ({w})" for c, w in sorted(active.items())) or "none"
    detail = f"{summary}; still active at the end: {ending}"
    return Check("alarm log consistent", not problems, detail + _listed(problems[:8]))


def check(run: Run) -> list[Check]:
    """Everything the soak promises, for one finished run."""
    record_log, sim_log = _read(run.path("-record.log")), _read(run.path("-sim.log"))
    if run.returncode is None:
        return [Check("no crash", False, run.error or "the recorder never ran")]
    out = Outcome(run.returncode, load_jsonl(_read(run.path(".jsonl"))), record_log, run.path(".irm.sqlite"))
    ended = bool(out.stored("SELECT value FROM session_info WHERE key = 'ended_at'"))
    crashed = bool(run.error) or run.returncode != 0 or "Traceback" in record_log + sim_log or not ended
    checks = [Check("no crash", not crashed,
                    f"exit {run.returncode} after {run.wall_s / 60:.1f} min, recording "
                    f"{'closed normally (ended_at)' if ended else 'NOT closed (no ended_at)'}; "
                    + (run.error or _tail(record_log) or _tail(sim_log) or "no traceback"))]
    checks.append(memory_check(run))
    truth = load_jsonl(_read(run.path("-truth.jsonl")))
    slack_s = max(3.0, 0.15 * run.speed)  # a real 50 ms of scheduling is 0.05 x speed simulated s
    sent = delivery(truth, out.readings)
    verdict = verify(truth, out.readings)
    why = explain_losses(sent, out, run.protocol, slack_s)
    joined = [f for f in why["unexplained"]
              if run.protocol == "masimo" and _in_garbage(f.sim_time_s, run.faults)]
    unexplained = [f for f in why["unexplained"] if f not in joined]
    db_problems = out.recording_matches_output()
    delivered = Counter(what for _, what in {(r["sim_time_s"], r["delivered"]) for r in truth})
    ok = bool(sent.intact) and verdict.ok and not unexplained and not [
        p for p in db_problems if not p.startswith("alarm log")]
    detail = (f"{len(out.readings):,} readings; frames sent {_counts(delivered)}; of "
              f"{len(sent.intact):,} intact frames {len(sent.intact) - len(sent.lost):,} decoded, "
              f"{len(why['gap']):,} lost inside announced gaps, "
              + (f"{len(why['after truncated'])} joined by a truncated line before them and "
                 f"{len(joined)} by a garbage burst (a text line has no start marker), "
                 if run.protocol == "masimo" else "")
              + f"{len(unexplained)} lost unannounced; "
              f"{len(sent.damaged):,} damaged frames, {len(verdict.problems)} wrong values shown")
    problems = [*verdict.problems[:3], *db_problems,
                *(f"intact frame at {f.sim_time_s:g} s never decoded, no gap announced"
                  for f in unexplained[:5])]
    checks.append(Check("recording complete", ok, detail + _listed(problems)))
    links = transitions(out.link_states())
    checks.append(Check("link events", True, _counts(Counter(links))))
    checks.append(alarm_check(out, db_problems, slack_s))
    return checks


def injected(faults: list[Fault]) -> str:
    """What the plan asked of the simulator (damaged frames are counted from its truth file)."""
    bursts = sum(f.duration_s * (f.rate_per_s or 0) for f in faults if f.kind == "garbage")
    stalls = Counter(f"{f.duration_s:g} s" for f in faults if f.kind == "silence")
    offs = [f.duration_s for f in faults if f.kind == "disconnect"]
    return (f"about {bursts:,.0f} garbage bursts (expected from the rates), stalls {_counts(stalls)}, "
            f"{len(offs)} off/on of {min(offs, default=0):g}-{max(offs, default=0):g} s "
            f"({sum(offs) / 60:,.0f} min off in all)")


def _in_garbage(sim_time_s: float, faults: list[Fault]) -> bool:
    """Whether a garbage burst may have come just before: Masimo's text lines have no start
    marker, so a burst without a line end joins the next line, which then fails its checks
    (counted as a bad frame, and NOISY_LINE when it happens often), by the spec's rule."""
    return any(f.kind == "garbage" and f.start_s <= sim_time_s <= f.end_s + 1.5 for f in faults)


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {n:,}" for k, n in sorted(counter.items())) or "none"


def _listed(problems: list[str]) -> str:
    return "".join(f"\n        {p}" for p in problems)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _tail(text: str) -> str:
    return "\n        ".join(text.strip().splitlines()[-5:]) if "Traceback" in text else ""


# --- the serial-path tests, alongside ------------------------------------------------------------


def start_serial_tests(folder: Path) -> subprocess.Popen:
    """``IRM_RELIABILITY=full pytest tests/test_reliability_serial.py`` in the background."""
    env = {**cli_env(), "IRM_RELIABILITY": "full", "QT_QPA_PLATFORM": "offscreen"}
    with (folder / "serial-tests.txt").open("w", encoding="utf-8") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--timeout", "3600",
             "tests/test_reliability_serial.py"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def serial_tests_report(proc: subprocess.Popen, folder: Path) -> tuple[bool, list[str]]:
    code = proc.wait()
    text = (folder / "serial-tests.txt").read_text(encoding="utf-8", errors="replace")
    # pytest -q prints its progress dots on the same line, in front of the test's own output
    lines = [line[line.index("FIGURES"):] for line in text.splitlines() if "FIGURES" in line]
    summary = [line for line in text.splitlines() if any(w in line for w in (" passed", " failed", "error"))]
    if code != 0:
        lines += text.strip().splitlines()[-40:]
    return code == 0, lines + summary[-1:]


# --- the command ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours per protocol")
    parser.add_argument("--speed", type=float, default=40.0,
                        help="simulated time runs X times faster (IntelliVue's polling holds up to about 40)")
    parser.add_argument("--protocol", choices=PROTOCOLS, action="append", help="default: all three, at once")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--serial-tests", action="store_true",
                        help="also run IRM_RELIABILITY=full pytest tests/test_reliability_serial.py "
                             "alongside")
    parser.add_argument("--keep", type=Path, help="keep every file of the run in this new folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=False)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="irm-soak-"))
    protocols = args.protocol or list(PROTOCOLS)
    duration_s = args.hours * 3600
    print(f"soak: {', '.join(protocols)} at once, {args.hours:g} h simulated each at {args.speed:g}x "
          f"(about {duration_s / args.speed / 60:.0f} min); files in {folder}", flush=True)
    began = time.monotonic()
    serial = start_serial_tests(folder) if args.serial_tests else None
    runs = [Run(p, duration_s, args.speed, folder) for p in protocols]
    threads = [threading.Thread(target=run_one, args=(r, args.seed + i), name=f"soak {r.protocol}")
               for i, r in enumerate(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    all_ok = True
    for run in runs:
        checks = check(run)
        plan = _counts(run.labels)
        print(f"\n== {run.protocol}: {duration_s / 3600:g} h simulated at {run.speed:g}x in "
              f"{run.wall_s / 60:.1f} min; "
              f"{sum(run.labels.values())} fault windows ({plan})")
        print(f"   faults: {injected(run.faults)}")
        for c in checks:
            print(f"   {'OK  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
        all_ok &= all(c.ok for c in checks)
    if serial is not None:
        ok, lines = serial_tests_report(serial, folder)
        print("\n== IRM_RELIABILITY=full pytest tests/test_reliability_serial.py")
        for line in lines:
            print(f"   {line}")
        all_ok &= ok
    print(f"\n{'OK' if all_ok else 'FAILED'}: soak finished in {(time.monotonic() - began) / 60:.1f} min")
    if all_ok and args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    elif not all_ok:
        print(f"the run's files are kept in {folder}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())

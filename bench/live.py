"""The running bedside program, measured from outside: start-up, CPU an hour into a session, memory over 8 hours.

Every measurement starts the real console entry point, ``main.main`` with ``live``
(what ``infusion-monitor live`` runs), as its own process under ``QT_QPA_PLATFORM=
offscreen`` (``bench/process.py``: scratch home, silent sound card, CPU time and RSS
read from /proc).

* CPU, at the load a clinic has: ``--port sim:SCENARIO`` (the simulated monitor on a
  thread of the program, its own small share of CPU counted too) with the program's
  clock fast-forwarded through the session's first hour (:data:`FAST_SPEED` times real
  time, ``bench/silent_sound.py --fast-forward 3600``), then at real time: the trend
  holds the whole hour, the session is in recovery (the scenario's nurse started the
  infusion at 5 min and stopped it at 45). After a 5 s settle, 60 s of 5 s windows of
  the process's CPU time; the row gives their mean and the worst window. Quiet:
  ``ketamine-typical``, and no alarm raised in the whole session (the recording's alarm
  log). Alarming: HR 140/min from the start, so HR HIGH (high priority, latched, never
  acknowledged) flashes the alarm bar and the HR tile at 2 Hz and repeats its sound.
* Memory: ``--port sim:ketamine-typical --speed 150`` runs 8 hours of a session in a
  few minutes; the session's own clock is read from the recording the program writes
  (newest reading's host time); RSS around 10 minutes and around 8 hours is compared.
* Start-up: ``bench/startup_probe.py`` starts the program through ``main.main`` and
  reports the first Paint of the dashboard window; measured from just before the
  process is spawned (CLOCK_MONOTONIC in both processes).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import ROOT, Row, group_main, isolated_env, scratch_dir, stat, verdict
from bench.process import LiveProcess, cpu_windows, rss_mb
from bench.scenarios import alarm_scenario, long_scenario

TARGET_CPU_QUIET = 3.0
TARGET_CPU_ALARM = 5.0
TARGET_GROWTH_MB = 5.0
TARGET_STARTUP_S = 2.0
MEMORY_SPEED = 150.0
FAST_SPEED = 30.0  # the first hour in two minutes: a stall must exceed 0.33 s to look like a lost link
HOUR_S = 3600.0
EIGHT_HOURS_S = 8 * 3600.0
TEN_MINUTES_S = 600.0
WINDOW_S = 5.0
SETTLE_S = 5.0


def wait_for_session(live: LiveProcess, session_s: float, speed: float, files: int = 1) -> None:
    """Until every recording covers ``session_s`` of its session's clock (the fast-forward is over)."""
    deadline = time.monotonic() + session_s / speed * 3 + 120
    live.wait_for_data(files)
    while min(live.session_seconds(p) or 0 for p in live.recording_files()) < session_s:
        live.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the session clock reached only {live.session_seconds()} s")
        time.sleep(0.5)  # another process writes the recordings: there is nothing to wait on


def cpu_row(what: str, how: str, shares: list[float], target: float, ok: bool, **numbers: float) -> Row:
    """A CPU row: the mean of the windows, and the worst one."""
    mean = sum(shares) / len(shares)
    return Row(what, how, f"mean {mean:.2f} %; worst {WINDOW_S:g}-s window {max(shares):.2f} % of a core",
               f"mean <= {target:g} %", verdict(mean <= target and ok),
               {"mean": mean, "worst": max(shares), "windows": len(shares), **numbers})


def hour_in(args: list[str], fast_s: float, seconds: float, home: Path) -> tuple[list[float], LiveProcess]:
    """CPU windows of ``live ARGS`` once its clock is ``fast_s`` into the session and at real time."""
    live = LiveProcess([*args, "--speed", f"{FAST_SPEED:g}"], fast_forward_s=fast_s, home=home)
    try:
        wait_for_session(live, fast_s, FAST_SPEED)
        time.sleep(SETTLE_S)  # the clock has just slowed: let the last fast records settle
        return cpu_windows(live, seconds, WINDOW_S), live
    finally:
        live.stop()


def measure_cpu(quick: bool) -> list[Row]:
    seconds, fast_s = (15.0, 600.0) if quick else (60.0, HOUR_S)
    home = scratch_dir("live-quiet")
    quiet = long_scenario("ketamine-typical", 4 * HOUR_S, home)
    shares, live = hour_in(["--port", f"sim:{quiet}", "--protocol", "datex"], fast_s, seconds, home)
    raised = sorted({c for c, _, e in live.alarm_log() if e == "raised"})
    rows = [cpu_row(
        "live CPU, quiet, an hour into the session",
        f"infusion-monitor live --port sim:ketamine-typical (simulator in-process, its CPU included); first "
        f"{fast_s / 60:.0f} min of session at {FAST_SPEED:g}x, then real time (recovery phase, trend full); "
        f"{len(shares)} x {WINDOW_S:g} s windows of the process's CPU time (/proc utime+stime, all threads, "
        f"sound process); alarms raised in the session: {', '.join(raised) or 'none'}",
        shares, TARGET_CPU_QUIET, not raised, alarms_raised=len(raised))]
    home = scratch_dir("live-alarm")
    shares, live = hour_in(["--port", f"sim:{alarm_scenario(home)}", "--protocol", "datex"],
                           fast_s, seconds, home)
    log = live.alarm_log()
    high = [c for c, p, e in log if p == "high" and e in ("raised", "escalated")]
    flashing = bool(high) and not any(e == "acknowledged" for _, _, e in log)
    rows.append(cpu_row(
        "live CPU, HIGH alarm flashing, an hour into the session",
        f"generated scenario: HR 140/min -> {high[0] if high else 'no'} HIGH alarm (recording's alarm log), "
        f"never acknowledged, bar and HR tile flashing at 2 Hz, its sound repeating (silent card); same "
        f"fast-forwarded hour and windows", shares, TARGET_CPU_ALARM, flashing, alarm_rows=len(log)))
    return rows


def measure_memory(quick: bool) -> list[Row]:
    target_s = HOUR_S if quick else EIGHT_HOURS_S
    live = LiveProcess(["--port", "sim:ketamine-typical", "--protocol", "datex", "--speed", f"{MEMORY_SPEED:g}"])
    started = time.monotonic()
    samples, (growth, early, late), _ = rss_from_10_minutes(live, target_s, MEMORY_SPEED)
    return [Row(
        f"memory: RSS growth 10 min -> {target_s / 3600:g} h",
        f"infusion-monitor live --port sim:ketamine-typical --speed {MEMORY_SPEED:g} (Datex record every 5 s of "
        f"session time, trend + recording + alarms); VmRSS of samples at 9-11 min and in the last 5 min",
        f"{growth:+.1f} MB ({early:.0f} -> {late:.0f} MB)", f"<= {TARGET_GROWTH_MB:g} MB",
        verdict(growth <= TARGET_GROWTH_MB),
        {"rss_early_mb": early, "rss_end_mb": late, "growth_mb": growth, "samples": len(samples),
         "real_s": time.monotonic() - started},
    )]


def rss_over_session(live: LiveProcess, target_s: float, speed: float, files: int = 1) -> list[tuple[float, float]]:
    """(session seconds, RSS MB) samples of ``live`` until its session's clock reaches ``target_s``."""
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    live.wait_for_data(files)
    while True:
        live.check()
        session_s = live.session_seconds()
        if session_s is not None:
            samples.append((session_s, rss_mb(live.pid)))
            if session_s >= target_s:
                return samples
        if time.monotonic() - started > target_s / speed * 2 + 120:
            raise RuntimeError(f"the session clock reached only {session_s} s")
        time.sleep(0.2)  # sampling another process's memory as its session goes on


def rss_from_10_minutes(live: LiveProcess, target_s: float, speed: float, files: int = 1,
                        before_stop: Callable[[LiveProcess], object] = lambda live: None):
    """The memory rows' run: ``live`` sampled until ``target_s`` of session, ``before_stop(live)``
    (e.g. its alarms) taken while it still runs, then stopped; returns (samples, (growth, early,
    late) from 10 minutes to the last 5, what ``before_stop`` returned)."""
    try:
        samples = rss_over_session(live, target_s, speed, files)
        seen = before_stop(live)
    finally:
        live.stop()
    return samples, rss_growth(samples, TEN_MINUTES_S, target_s - 300), seen


def rss_growth(samples: list[tuple[float, float]], early_s: float, late_s: float) -> tuple[float, float, float]:
    """(growth, early, late): medians of the RSS samples within 10 % of ``early_s`` and after ``late_s``."""
    early = [mb for s, mb in samples if early_s * 0.9 <= s <= early_s * 1.1]
    late = [mb for s, mb in samples if s >= late_s]
    if not early:  # the run was too fast to catch a sample in the window: the nearest one
        early = [min(samples, key=lambda p: abs(p[0] - early_s))[1]]
    at_start, at_end = stat(early).median, stat(late).median
    return at_end - at_start, at_start, at_end


def startup_times(args: list[str], runs: int) -> list[float]:
    """Seconds from spawning ``main.main(ARGS)`` to its window first drawn (bench/startup_probe.py)."""
    probe = Path(__file__).with_name("startup_probe.py")
    times = []
    for i in range(runs + 1):  # the first run warms the disk cache and compiles bytecode: not counted
        home = scratch_dir("startup")
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, str(probe), *args, "--recordings", str(home / "recordings")],
                              cwd=ROOT, env=isolated_env(home), capture_output=True, text=True, timeout=90,
                              check=False)
        shown = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("PAINTED ")]
        if not shown:
            raise RuntimeError(f"start-up probe failed ({proc.returncode}): {proc.stderr[-800:]}")
        if i:
            times.append(float(shown[0]) - t0)
    return times


def measure_startup(quick: bool) -> list[Row]:
    runs = 3 if quick else 5
    s = stat(startup_times(["live", "--port", "sim:ketamine-typical", "--protocol", "datex"], runs))
    return [Row(
        "start-up: process start -> dashboard drawn", f"fresh process per run (bench/startup_probe.py runs main.main, "
        f"first Paint of the DashboardWindow), {runs} runs after a warm-up run",
        f"median {s.median:.2f} s; slowest {s.high:.2f} s", f"<= {TARGET_STARTUP_S:g} s",
        verdict(s.median <= TARGET_STARTUP_S), {"median_s": s.median, "slowest_s": s.high},
    )]


def run(quick: bool) -> list[Row]:
    rows = []
    for measure in (measure_startup, measure_cpu, measure_memory):
        try:
            rows += measure(quick)
        except Exception as exc:  # noqa: BLE001 (one broken measurement must not hide the others)
            rows.append(Row.not_measured(measure.__name__.removeprefix("measure_"), "", "", f"{exc}"))
    return rows


if __name__ == "__main__":
    group_main("live", run)

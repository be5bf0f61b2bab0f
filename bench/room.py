"""The infusion room, measured from outside: start-up, CPU an hour into every session, memory over 8 hours.

``infusion-monitor live --room FILE`` with 1, 4 and 8 simulated chairs (``sim:``: each
chair's simulator runs on threads of the program, and its CPU is counted with the
room's), as its own process offscreen (``bench/process.py``). The overview is what is
on screen; the chairs' dashboards are kept (their trends fed) out of sight.

* Start-up: process start -> every chair's panel drawn (bench/startup_probe.py).
* CPU: the room's clock fast-forwarded through the sessions' first hour (the slower,
  the more chairs: a stall of the program must not look like a lost link at speed),
  then real time: each chair's trend full, the scenario's nurse has started and
  stopped each infusion. The mean of 5 s windows of the process's CPU time and the
  worst window. Quiet rooms: ``ketamine-typical`` and ``stable`` chairs in turn, no alarm
  raised in any chair's session (every recording's alarm log). Eight chairs quiet are
  measured for a whole real-time hour; with two chairs alarming (HR 140/min: HR HIGH,
  latched, never acknowledged, both panels flashing at 2 Hz and the room's sound
  repeating) for a minute.
* Memory: over that real-time hour (RSS of its first and last 5 minutes), and over
  8 hours of session at speed (RSS around 10 minutes and in the last 5 minutes of the
  8 hours), each per chair against 5 MB a chair.
"""

from __future__ import annotations

import time
from itertools import cycle, islice
from pathlib import Path

from bench.common import INFO, Row, group_main, scratch_dir, stat, verdict
from bench.live import (
    HOUR_S, SETTLE_S, WINDOW_S, cpu_row, rss_from_10_minutes, startup_times, wait_for_session,
)
from bench.process import LiveProcess, cpu_windows
from bench.scenarios import alarm_scenario, long_scenario, room_file

TARGET_STARTUP_S = 3.0
TARGET_CPU = {8: (10.0, 15.0)}  # chairs -> (quiet, two alarming), % of one core
TARGET_MB_PER_CHAIR = 5.0
FAST_SPEED = {1: 30.0, 4: 20.0, 8: 10.0}  # the first hour: 2, 3 and 6 minutes
MEMORY_SPEED = 30.0  # 8 hours of eight chairs in 16 minutes (at 40x the loaded machine fell behind: LINK_LOST)
EIGHT_HOURS_S = 8 * 3600.0
QUIET = ("ketamine-typical", "stable")


def room(chairs: int, folder: Path, hours: float, alarming: int = 0) -> Path:
    """A room of ``chairs`` simulated chairs lasting ``hours``; the first ``alarming`` alarm."""
    quiet = [long_scenario(name, hours * 3600, folder) for name in QUIET]
    scenarios = [alarm_scenario(folder)] * alarming + list(islice(cycle(quiet), chairs - alarming))
    return room_file(folder, scenarios)


def raised(live: LiveProcess) -> dict[str, list[str]]:
    """Alarms raised in each chair's session, by recording."""
    return {path.name: sorted({c for c, _, e in live.alarm_log(path) if e == "raised"})
            for path in live.recording_files()}


def hour_in(chairs: int, seconds: float, fast_s: float, *, alarming: int = 0,
            rss: list[float] | None = None) -> tuple[list[float], LiveProcess]:
    home = scratch_dir(f"room-{chairs}")
    path = room(chairs, home, (fast_s + seconds) / 3600 + 2, alarming)
    speed = FAST_SPEED[chairs]
    live = LiveProcess(["--room", str(path), "--speed", f"{speed:g}"], fast_forward_s=fast_s, home=home)
    try:
        wait_for_session(live, fast_s, speed, files=chairs)
        time.sleep(SETTLE_S)  # the clock has just slowed: let the last fast records settle
        return cpu_windows(live, seconds, WINDOW_S, rss), live
    finally:
        live.stop()


def measure_startup(quick: bool) -> list[Row]:
    runs = 3 if quick else 5
    rows = []
    for chairs in (1, 4, 8):
        home = scratch_dir("room-startup")
        s = stat(startup_times(["live", "--room", str(room(chairs, home, 2))], runs))
        rows.append(Row(
            f"room of {chairs}: start-up, process start -> every panel drawn",
            f"fresh process per run (bench/startup_probe.py runs main.main live --room, {chairs} sim: chairs; "
            f"until each chair's panel has been painted), {runs} runs after a warm-up run",
            f"median {s.median:.2f} s; slowest {s.high:.2f} s", f"<= {TARGET_STARTUP_S:g} s",
            verdict(s.median <= TARGET_STARTUP_S), {"median_s": s.median, "slowest_s": s.high}))
    return rows


def measure_cpu(quick: bool) -> list[Row]:
    seconds, fast_s, long_s = (15.0, 300.0, 60.0) if quick else (60.0, HOUR_S, HOUR_S)
    rows = []
    for chairs in (1, 4, 8):
        rss: list[float] = []
        shares, live = hour_in(chairs, long_s if chairs == 8 else seconds, fast_s, rss=rss)
        alarms = {name: found for name, found in raised(live).items() if found}
        quiet_target = TARGET_CPU.get(chairs, (None, None))[0]
        how = (f"live --room, {chairs} sim: chair(s) ({', '.join(QUIET)} in turn); first {fast_s / 60:.0f} min at "
               f"{FAST_SPEED[chairs]:g}x, then {len(shares) * WINDOW_S / 60:.0f} min at real time: "
               f"{len(shares)} x {WINDOW_S:g} s windows of the process's CPU time; alarms raised: "
               f"{'; '.join(f'{k}: {v}' for k, v in alarms.items()) or 'none'}")
        row = cpu_row(f"room of {chairs}: CPU, quiet, an hour into the sessions", how, shares,
                      quiet_target or 0.0, not alarms)
        if quiet_target is None:
            row.target, row.verdict = "- (context for 8)", INFO
        rows.append(row)
        if chairs == 8:
            rows.append(_hour_rss(rss, chairs, long_s))
    shares, live = hour_in(8, seconds, fast_s, alarming=2)
    flashing = [name for name, found in raised(live).items() if "HR_HIGH" in found]
    acknowledged = any(e == "acknowledged" for p in live.recording_files() for _, _, e in live.alarm_log(p))
    rows.append(cpu_row(
        "room of 8: CPU, two chairs alarming, an hour into the sessions",
        f"as the quiet room of 8, but chairs 1 and 2 at HR 140/min: HR HIGH raised in {len(flashing)} chairs, never "
        f"acknowledged, both panels and the room's bar flashing at 2 Hz, the room's sound repeating (silent card); "
        f"{len(shares)} x {WINDOW_S:g} s windows", shares, TARGET_CPU[8][1], len(flashing) == 2 and not acknowledged))
    return rows


def _hour_rss(rss: list[float], chairs: int, seconds: float) -> Row:
    per_window = max(1, int(300 / WINDOW_S))  # the first and last 5 minutes
    early, late = stat(rss[:per_window]).median, stat(rss[-per_window:]).median
    growth = late - early
    return Row(
        f"room of {chairs}: RSS growth over a real-time hour",
        f"the quiet room of {chairs} above, after its fast-forwarded first hour: VmRSS at the end of each {WINDOW_S:g} s "
        f"window, median of the first vs the last 5 minutes of {seconds / 60:.0f} min at real time",
        f"{growth:+.1f} MB ({early:.0f} -> {late:.0f} MB); {growth / chairs:+.2f} MB a chair",
        f"<= {TARGET_MB_PER_CHAIR:g} MB a chair", verdict(growth / chairs <= TARGET_MB_PER_CHAIR),
        {"growth_mb": growth, "per_chair_mb": growth / chairs, "rss_start_mb": early, "rss_end_mb": late})


def measure_memory(quick: bool) -> list[Row]:
    chairs, target_s = 8, (HOUR_S if quick else EIGHT_HOURS_S)
    home = scratch_dir("room-memory")
    live = LiveProcess(["--room", str(room(chairs, home, target_s / 3600 + 1)), "--speed", f"{MEMORY_SPEED:g}"],
                       home=home)
    started = time.monotonic()
    samples, (growth, early, late), alarms = rss_from_10_minutes(
        live, target_s, MEMORY_SPEED, chairs, lambda live: {name: found for name, found in raised(live).items() if found})
    return [Row(
        f"room of {chairs}: RSS growth 10 min -> {target_s / 3600:g} h (at speed)",
        f"live --room, {chairs} sim: chairs, --speed {MEMORY_SPEED:g} ({(time.monotonic() - started) / 60:.0f} min); "
        f"VmRSS of samples at 9-11 min and in the last 5 min of session; alarms raised: "
        f"{'; '.join(f'{k}: {v}' for k, v in alarms.items()) or 'none'}",
        f"{growth:+.1f} MB ({early:.0f} -> {late:.0f} MB); {growth / chairs:+.2f} MB a chair",
        f"<= {TARGET_MB_PER_CHAIR:g} MB a chair", verdict(growth / chairs <= TARGET_MB_PER_CHAIR),
        {"growth_mb": growth, "per_chair_mb": growth / chairs, "rss_early_mb": early, "rss_end_mb": late,
         "samples": len(samples)})]


def run(quick: bool) -> list[Row]:
    rows = []
    for measure in (measure_startup, measure_cpu, measure_memory):
        try:
            rows += measure(quick)
        except Exception as exc:  # noqa: BLE001 (one broken measurement must not hide the others)
            rows.append(Row.not_measured(f"room {measure.__name__.removeprefix('measure_')}", "", "", f"{exc}"))
    return rows


if __name__ == "__main__":
    group_main("room", run)

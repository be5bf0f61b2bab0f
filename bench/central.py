"""The central station at clinic scale: 50 bedsides, one Mosquitto, one headless central station.

Real parts only: a real ``mosquitto`` on a loopback port, 50 real beds with their
recordings and the real publisher (``bench.central_beds``, 10 beds a process, fed
the simulator's readings once a second), and the real ``infusion-monitor central
--jsonl`` process, whose every output line this benchmark reads and stamps.

Rows: end-to-end latency (a reading's own time at the bedside -> the central
station's output line), p50 and p99 over the steady minute; readings lost and
duplicated at the central station, checked against the 50 recordings; the
central station's CPU (share of one core) and memory (RSS); the broker stopped
for 60 s and restarted: how long until every reading taken during the outage
was printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from bench.common import ROOT, Row, group_main, isolated_env, percentile, scratch_dir, verdict

BEDS, PER_PROCESS = 50, 10
TARGET_P99_MS = 500.0
TARGET_CATCH_UP_S = 30.0


class CentralOutput:
    """Reads the central station's lines as they come, stamping each with the time it was read."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.readings: list[tuple[str, int, bool, float, float]] = []  # bed, seq, late, reading time, read at
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            at = time.time()
            if '"type": "reading"' not in line:
                continue
            x = json.loads(line)
            t = datetime.fromisoformat(x["time"].replace("Z", "+00:00")).timestamp()
            with self._lock:
                self.readings.append((x["bed"], x["seq"], x["late"], t, at))

    def copy(self) -> list[tuple[str, int, bool, float, float]]:
        with self._lock:
            return list(self.readings)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(quick: bool) -> list[Row]:
    from tests.broker import Broker, wait_for

    steady_s, outage_s = (20, 20) if quick else (60, 60)
    tmp = scratch_dir("central")
    env = isolated_env(tmp)
    broker = Broker(tmp).start()
    central = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "central", "--broker", broker.url, "--jsonl"],
                               stdout=subprocess.PIPE, stderr=(tmp / "central.err").open("w"), text=True, env=env)
    out = CentralOutput(central)
    wait_for(lambda: "irm-central" in broker.log.read_text(), 15, "the central station")
    duration = 10 + steady_s + outage_s + 20
    beds = [subprocess.Popen([sys.executable, "-m", "bench.central_beds", "--broker", broker.url, "--first",
                              str(first), "--beds", str(PER_PROCESS), "--duration", str(duration), "--folder",
                              str(tmp), "--out", str(tmp / f"beds-{first}.json")],
                             stderr=(tmp / f"beds-{first}.err").open("w"), env=env, cwd=ROOT)
            for first in range(1, BEDS + 1, PER_PROCESS)]
    try:
        time.sleep(10)  # the beds connect and settle: not measured
        t0, cpu0 = time.time(), cpu_seconds(central.pid)
        time.sleep(steady_s)  # the steady period measured
        t1, cpu1 = time.time(), cpu_seconds(central.pid)
        rss = rss_mib(central.pid)
        broker.stop()
        time.sleep(outage_s)  # the outage itself
        broker.start()
        restarted = time.time()
        for proc in beds:
            proc.wait(duration + 120)
        recorded = {}
        for first in range(1, BEDS + 1, PER_PROCESS):
            recorded.update(json.loads((tmp / f"beds-{first}.json").read_text()))
        total = sum(v["recorded"] for v in recorded.values())
        wait_for(lambda: len({(b, s) for b, s, *_ in out.copy()}) >= total, 120, "every reading at the central")
    finally:
        for proc in beds:
            if proc.poll() is None:
                proc.kill()
        central.terminate()
        central.wait(30)
        broker.stop()
    got = out.copy()
    unique = {(b, s) for b, s, *_ in got}
    expected = {(bed, seq) for bed, v in recorded.items() for seq in range(1, v["recorded"] + 1)}
    lost, duplicated = len(expected - unique), len(got) - len(unique)
    latencies = [(at - t) * 1000 for _, _, late, t, at in got if not late and t0 <= t <= t1]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    late = [at for _, _, is_late, t, at in got if is_late]
    catch_up = max(late) - restarted if late else float("nan")
    cpu = (cpu1 - cpu0) / (t1 - t0) * 100
    rate = len(latencies) / (t1 - t0)
    how = f"{BEDS} beds at real time ({rate:.0f} readings/s), one Mosquitto, central --jsonl; {steady_s} s"
    return [
        Row("central: end-to-end latency p99", how, f"p50 {p50:.0f} ms, p99 {p99:.0f} ms", f"p99 <= {TARGET_P99_MS:g} ms",
            verdict(p99 <= TARGET_P99_MS), {"p50_ms": p50, "p99_ms": p99, "readings_per_s": rate}),
        Row("central: readings lost / duplicated", f"{total} readings in {BEDS} recordings vs the central's lines",
            f"{lost} lost, {duplicated} duplicated", "0 and 0", verdict(lost == 0 and duplicated == 0),
            {"lost": lost, "duplicated": duplicated, "readings": total}),
        Row("central: CPU and memory", how, f"{cpu:.0f} % of one core, RSS {rss:.0f} MiB", "reported", "info",
            {"cpu_percent": cpu, "rss_mib": rss}),
        Row("central: catch-up after a broker outage", f"broker stopped {outage_s} s, restarted; {len(late)} late readings",
            f"{catch_up:.1f} s", f"<= {TARGET_CATCH_UP_S:g} s", verdict(catch_up <= TARGET_CATCH_UP_S),
            {"catch_up_s": catch_up, "late": len(late)}),
    ]


if __name__ == "__main__":
    group_main("central", run)

"""The running program, seen from outside: start it as a user would, and read its CPU time and memory.

Shared by the benchmarks (``bench/live.py``, ``bench/room.py``) and the room's soak
(``reliability/room_soak.py``). The program is ``main.main`` started through
``bench/silent_sound.py`` (a silent sound card; optionally a fast-forwarded first
hour) in a process of its own, offscreen, with HOME and the XDG folders in a scratch
directory so the user's settings and recordings are never touched. CPU time and RSS
are read from ``/proc/PID/stat`` (utime + stime of every thread, plus those of the
sound process it starts: CPU time used, not wall time, so other programs on a
shared machine do not count) and ``/proc/PID/status`` (VmRSS): Linux only, no
extra dependency.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import ROOT, isolated_env, scratch_dir
from reliability.harness import stop as stop_process

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads) and of its child processes (the
    sound process, ui/sound/child.py), in seconds."""
    total = 0.0
    for process in (pid, *child_pids(pid)):
        try:
            with open(f"/proc/{process}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # a child that just ended (a restarted sound process)
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started, whichever of its threads started them."""
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:  # the thread ended meanwhile
            pass
    return pids


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


class LiveProcess:
    """``main.main(["live", *args])`` with a silent sound card, in a scratch home; stopped (SIGTERM,
    then SIGKILL). ``fast_forward_s``: the program's clock runs at its ``--speed`` for that many
    clock seconds, then at real time (bench/silent_sound.py)."""

    def __init__(self, args: Sequence[str], fast_forward_s: float | None = None, home: Path | None = None) -> None:
        self.home = home or scratch_dir("live")
        self.home.mkdir(parents=True, exist_ok=True)
        self.recordings = self.home / "recordings"
        launcher = [sys.executable, str(ROOT / "bench" / "silent_sound.py")]
        if fast_forward_s is not None:
            launcher += ["--fast-forward", f"{fast_forward_s:g}"]
        self.log = self.home / "stderr.txt"
        with self.log.open("w") as err:
            self.proc = subprocess.Popen([*launcher, "live", *args, "--recordings", str(self.recordings),
                                          "--theme", "dark"], cwd=ROOT, env=isolated_env(self.home),
                                         stdout=subprocess.DEVNULL, stderr=err)
        self.pid = self.proc.pid

    def recording_files(self) -> list[Path]:
        return sorted(self.recordings.glob("*.irm.sqlite")) if self.recordings.exists() else []

    def recording(self) -> Path | None:
        files = self.recording_files()
        return files[0] if files else None

    def query(self, path: Path, sql: str) -> list[tuple]:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return []

    def session_seconds(self, path: Path | None = None) -> float | None:
        """Seconds of the session's clock covered by a recording so far (the first, by default)."""
        path = path or self.recording()
        found = self.query(path, "SELECT min(host_time), max(host_time) FROM readings") if path else []
        if not found or found[0][0] is None:
            return None
        return found[0][1] - found[0][0]

    def alarm_log(self, path: Path | None = None) -> list[tuple[str, str, str]]:
        """(condition, priority, event) of every alarm event, in order."""
        path = path or self.recording()
        return self.query(path, "SELECT condition, priority, event FROM alarm_events ORDER BY id") if path else []

    def alive(self) -> bool:
        return self.proc.poll() is None

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"the program exited ({self.proc.returncode}): {self.stderr()[-800:]}")

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_data(self, files: int = 1, timeout_s: float = 60.0) -> None:
        """Until ``files`` recordings each hold readings."""
        deadline = time.monotonic() + timeout_s
        while len(self.recording_files()) < files or any(
                (self.session_seconds(p) or 0) <= 0 for p in self.recording_files()):
            self.check()
            if time.monotonic() > deadline:
                raise RuntimeError("no readings were recorded")
            time.sleep(0.2)  # another process writes the files: there is nothing to wait on

    def stop(self) -> None:
        stop_process(self.proc)


def cpu_windows(process: LiveProcess, seconds: float, window_s: float,
                rss: list[float] | None = None) -> list[float]:
    """CPU % of one core used by the program (and its sound process) in consecutive windows;
    its RSS (MB) at the end of each window appended to ``rss`` if given."""
    shares = []
    cpu0, t0 = cpu_seconds(process.pid), time.monotonic()
    end = t0 + seconds
    while time.monotonic() < end - 1e-3:
        time.sleep(window_s)  # sampling: the figure is the CPU time used in this real time
        process.check()
        cpu1, t1 = cpu_seconds(process.pid), time.monotonic()
        shares.append(100.0 * (cpu1 - cpu0) / (t1 - t0))
        if rss is not None:
            rss.append(rss_mb(process.pid))
        cpu0, t0 = cpu1, t1
    return shares

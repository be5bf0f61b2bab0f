"""Faults of the computer under a real ``infusion-monitor record`` process: ``kill -9``, a full
disk, a read-only folder, the recordings folder deleted or the file replaced.

Shared by ``tests/test_reliability_computer.py``. The disk faults use a real file system: a
small tmpfs mounted in a private mount namespace (``unshare -m`` as root, ``unshare -rm``
otherwise), so nothing is left mounted on the host whatever happens to the test. Inside the
namespace this module runs as a *controller* (``python -m reliability.computer``): it mounts
the tmpfs, starts the recorder, and obeys one-word commands on stdin (``fill``, ``free``,
``ro``, ``detach-ro``, ``rw``, ``stop``), answering each on stderr. When the recorder has ended it
copies the folder out, because the tmpfs ends with the namespace.

Where no namespace can be made, :class:`RecordRun` falls back to ``RLIMIT_FSIZE`` for a full
disk (with ``SIGXFSZ`` ignored, a write that would grow a file fails with ``EFBIG``).
Waiting is always on the recorder's output or exit, with a deadline, never on a sleep.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reliability.harness import ROOT, cli_env, utc_seconds

# HR steps between 70 and 120 /min every 30 s: HR_HIGH (medium, > 110 for 10 s) is raised
# and cleared once a minute, so alarms keep happening while the disk is failing.
SQUARE_WAVE_HR = """
[scenario]
name = "square-wave-hr"
description = "reliability: HR steps 70 <-> 120 every 30 s, so alarms are raised and cleared"
duration_s = 7200
arterial_line = false

[nibp]
interval_s = 120
first_s = 0
inflation_s = 20
noise_mmhg = 2

[parameters.HR]
points = [{points}]
noise = 1

[parameters.SPO2]
points = [[0, 98]]
noise = 0.5

[parameters.ART_SYS]
points = [[0, 122]]
noise = 2

[parameters.ART_DIA]
points = [[0, 78]]
noise = 1.5
"""


def square_wave_scenario(path: Path, period_s: int = 60, duration_s: int = 7200) -> Path:
    """Write the square-wave HR scenario to ``path`` (for ``--port sim:PATH``)."""
    half = period_s // 2
    points = []
    for start in range(0, duration_s, period_s):
        points += [f"[{start}, 70]", f"[{start + half - 1}, 70]", f"[{start + half}, 120]",
                   f"[{start + period_s - 1}, 120]"]
    path.write_text(SQUARE_WAVE_HR.replace("{points}", ", ".join(points)))
    return path


# -- what can be done on this machine ----------------------------------------------------------


@cache
def namespace_prefix() -> tuple[str, ...] | None:
    """The ``unshare`` call that gives a private mount namespace here, or None."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return None
    candidates = [("unshare", "-m")] if os.geteuid() == 0 else []
    candidates.append(("unshare", "-rm"))
    for prefix in candidates:
        # over /tmp, but inside the new namespace only: the host never sees it
        over_tmp = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", tempfile.gettempdir()]
        probe = subprocess.run([*prefix, *over_tmp], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return prefix
    return None


# -- a running recorder, seen from the test ----------------------------------------------------


class RecordRun:
    """``infusion-monitor record --jsonl`` running now; its printed events as they arrive.

    ``folder`` is where the recording is written. With ``disk="tmpfs"`` that folder is a
    tmpfs of ``size`` bytes in a private mount namespace, and ``kept`` is where its files are
    copied when the recorder ends; with ``disk="rlimit"`` the file size limit makes the disk
    look full; with ``disk=None`` it is a plain folder.
    """

    def __init__(self, folder: Path, record_args: Sequence[str], *, disk: str | None = None,
                 size: int = 4 << 20, name: str = "session.irm.sqlite",
                 kill_after: int | None = None) -> None:
        self.folder = folder
        self._kill_after = kill_after  # kill -9 (from the reader) once this many events are printed
        self.disk = disk
        self.kept = folder.with_name(folder.name + "-kept") if disk == "tmpfs" else folder
        self.stderr_path = folder.with_name(folder.name + "-stderr.txt")
        self.events: list[dict] = []
        self._changed = threading.Condition()
        self._ended = False
        record = [sys.executable, str(ROOT / "main.py"), "record", *record_args, "--jsonl",
                  "--out", str(folder / name)]
        if disk == "rlimit":  # SIGXFSZ ignored survives exec: writing past the limit gives EFBIG
            record = [sys.executable, "-c", _IGNORE_SIGXFSZ, *record[1:]]
        if disk == "tmpfs":
            prefix = namespace_prefix()
            if prefix is None:
                raise RuntimeError("no private mount namespace on this machine")
            folder.mkdir(parents=True, exist_ok=True)
            command = [*prefix, sys.executable, "-m", "reliability.computer",
                       "--mount", str(folder), "--size", str(size), "--keep", str(self.kept),
                       "--stderr", str(self.stderr_path), "--", *record]
            stderr = subprocess.PIPE
        else:
            command, stderr = record, self.stderr_path.open("w")
        self.recording = self.kept / name
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=cli_env(), stdin=subprocess.PIPE if disk == "tmpfs" else None,
            stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
        if disk != "tmpfs":
            stderr.close()
        self._reader = threading.Thread(target=self._read, name="record-output", daemon=True)
        self._reader.start()
        if disk == "tmpfs":
            self._answer("mounted")

    # -- output -----------------------------------------------------------------------------
    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                with self._changed:
                    self.events.append(json.loads(line))
                    if len(self.events) == self._kill_after:
                        self.proc.kill()  # at once, from here: the moment is exact
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[list[dict]], bool], timeout: float = 30.0,
                 what: str = "") -> None:
        """Until ``condition(events)`` holds; AssertionError if the recorder ends or time is up."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self.events) or self._ended, timeout):
                raise AssertionError(f"timed out waiting for {what or condition}")
            if not condition(self.events):
                raise AssertionError(
                    f"the recorder ended before {what or condition}: {self.stderr()[-2000:]}")

    def wait_for_end(self, timeout: float = 60.0) -> int:
        """Until the recorder has ended (killed, or done) and all it printed has been read."""
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        return code

    def snapshot(self) -> list[dict]:
        with self._changed:
            return list(self.events)

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text()
        except OSError:
            return ""

    # -- faults -------------------------------------------------------------------------------
    def fill(self) -> None:
        """Leave no room for the recording to grow."""
        if self.disk == "tmpfs":
            self._command("fill")
        elif self.disk == "rlimit":
            biggest = max((p.stat().st_size for p in self.folder.iterdir()), default=0)
            limit = (biggest, resource.RLIM_INFINITY)  # no file may grow: no commit fits
            resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE, limit)
        else:
            raise RuntimeError("this run has no disk to fill")

    def free(self) -> None:
        if self.disk == "tmpfs":
            self._command("free")
        elif self.disk == "rlimit":
            resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE,
                             (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    def remount_read_only(self) -> bool:
        """``mount -o remount,ro`` of the folder; False if refused (files are open for writing)."""
        return self._command("ro", refusal="busy")

    def detach_read_only(self) -> None:
        """The folder's file system goes away (lazy unmount) and comes back read-only."""
        self._command("detach-ro")

    def writable(self) -> None:
        self._command("rw")

    def _command(self, word: str, refusal: str | None = None) -> bool:
        """Have the controller do ``word``; False if it failed saying ``refusal``."""
        if self.disk != "tmpfs":
            raise RuntimeError(f"{word!r} needs the tmpfs controller")
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()
        return self._answer(word, refusal)

    def _answer(self, word: str, refusal: str | None = None) -> bool:
        line = self.proc.stderr.readline().strip()
        if line == f"ok {word}":
            return True
        if refusal is not None and line.startswith(f"error {word}") and refusal in line:
            return False
        detail = line or self.proc.stderr.read()
        raise RuntimeError(f"the disk controller could not {word}: {detail}")

    # -- ending -------------------------------------------------------------------------------
    def stop(self, timeout: float = 30.0) -> int:
        """End the recorder as a user would (SIGTERM: it closes its file) and wait for it."""
        if self.disk == "tmpfs":
            if self.proc.poll() is None:
                self.proc.stdin.write("stop\n")
                self.proc.stdin.flush()
        elif self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        return code

    def close(self) -> None:
        """Whatever happened, leave no process behind."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


_IGNORE_SIGXFSZ = ("import os, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
                   "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


# -- kill -9 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KillOutcome:
    """What one ``kill -9`` cost: readings printed before it that the file does not hold."""

    moment: int  # events printed when the kill was sent
    printed: int  # readings printed before the process died
    stored: int  # readings in the file (a few more than printed if the kill fell between the two)
    agree: bool  # the file and the output agree reading by reading, in order
    lost: int  # readings printed but not in the file
    lost_s: float  # how long before the last printed reading the oldest lost one arrived (real s)


def kill_moments(seed: int, count: int, most_lines: int) -> list[int]:
    """``count`` reproducible moments, as "after this many printed lines"."""
    rng = random.Random(seed)
    return [rng.randint(1, most_lines) for _ in range(count)]


def loss_after_kill(moment: int, printed: list[dict], stored: list[tuple],
                    speed: float) -> KillOutcome:
    """Compare what was printed before the kill with what the file holds.

    The recorder queues a reading for the file before printing it, so the file may hold a
    reading or two the output never showed; what matters is what was shown and not kept.
    """
    readings = [(utc_seconds(e["time"]), e["parameter"], e["value"])
                for e in printed if e["type"] == "reading"]
    agree = all(abs(a[0] - b[0]) < 1e-3 and a[1:] == b[1:] for a, b in zip(stored, readings))
    lost = readings[len(stored):]
    lost_s = (readings[-1][0] - lost[0][0]) / speed if lost else 0.0
    return KillOutcome(moment, len(readings), len(stored), agree, len(lost), lost_s)


# -- the controller, inside the namespace ------------------------------------------------------


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def _fill(folder: Path) -> None:
    """Write a filler file until the file system refuses (ENOSPC)."""
    chunk = b"\0" * 65536
    with open(folder / ".filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(chunk)
        except OSError:
            pass
        while True:  # the last few pages, byte-sized writes cannot find
            try:
                filler.write(b"\0" * 512)
            except OSError:
                break


def _controller(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="reliability.computer")
    parser.add_argument("--mount", type=Path, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--keep", type=Path, required=True)
    parser.add_argument("--stderr", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    folder: Path = args.mount
    options = f"size={args.size},mode=0700"
    _mount("-t", "tmpfs", "-o", options, "tmpfs", str(folder))
    _say("ok mounted")
    with args.stderr.open("w") as errors:
        child = subprocess.Popen(args.command[1:] if args.command[:1] == ["--"] else args.command,
                                 stdin=subprocess.DEVNULL, stderr=errors)
    for line in sys.stdin:
        word = line.strip()
        try:
            if word == "fill":
                _fill(folder)
            elif word == "free":
                (folder / ".filler").unlink()
            elif word == "detach-ro":
                _mount("--make-private", str(folder))
                subprocess.run(["umount", "-l", str(folder)], check=True, capture_output=True)
                _mount("-t", "tmpfs", "-o", options + ",ro", "tmpfs", str(folder))
            elif word in ("ro", "rw"):
                # Only the flag: mount would otherwise repeat the options it reads back (uid=...),
                # which a user namespace (unshare -rm, a non-root user) refuses as invalid.
                _mount("--options-mode", "ignore", "-o", f"remount,{word}", str(folder))
            elif word == "stop":
                break
            else:
                raise ValueError(f"unknown command {word!r}")
        except (OSError, ValueError, subprocess.CalledProcessError) as exc:
            detail = str(getattr(exc, "stderr", "") or exc).replace("\n", " ")
            _say(f"error {word}: {detail}")
            continue
        _say(f"ok {word}")
    if child.poll() is None:  # asked to stop, or the test is gone: end it as a user would
        child.send_signal(signal.SIGTERM)
    code = child.wait()
    args.keep.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.name != ".filler" and path.is_file():
            shutil.copy2(path, args.keep / path.name)
    return code


if __name__ == "__main__":
    sys.exit(_controller(sys.argv[1:]))

"""The command lines of tests/test_reliability_inputs.py: every one must be refused with one line.

``{C}`` in a command line is the case's own folder: every ``{C}/NAME`` it names (and every name in
``copies``) is copied there from the inputs folder first, with ``NAME-wal`` if there is one, and the
folder must be exactly as before afterwards. ``{BUSY_PORT}`` is a TCP port already in use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.reliability_inputs import DAMAGED_RECORDINGS

MONITOR, SIM = "infusion-monitor", "infusion-sim"


@dataclass(frozen=True)
class Case:
    """One command line that must be refused: exit 2, one line on stderr containing ``says``."""

    id: str  # "<input class>:<what>"
    argv: tuple[str, ...]  # program first
    says: tuple[str, ...] = ()  # phrases the line must contain (case-insensitive)
    copies: tuple[str, ...] = ()  # more inputs to copy into the case's folder (not named in argv)

    @property
    def input_class(self) -> str:
        return self.id.split(":", 1)[0]


# -- the command lines ----------------------------------------------------------------------------

NEW_REC = "{C}/new.irm.sqlite"  # never created: every case here is refused
RECORD = (MONITOR, "record", "--port", "sim:stable", "--protocol", "datex", "--speed", "100", "--duration", "2")
SIM_RUN = ("--pty", "--duration", "2", "--speed", "100")  # an accepted input would end at once, not hang
BAD_NUMBERS = {"zero": "0", "negative": "-1", "nan": "nan", "inf": "inf", "1e400": "1e400", "text": "fast"}
# The hostile files that also go through the command line (all of them go through the loaders in-process)
CLI_PROFILES = ("syntax-error", "binary-garbage", "empty", "deeply-nested-arrays", "5mb-of-keys",
                "1mb-key-name", "escape-sequence-key", "int-400-digits", "min-frames-inf", "no-limits-at-all")
LIVE_PROFILES = ("deeply-nested-arrays", "escape-sequence-key", "no-limits-at-all")
CLI_SCENARIOS = ("syntax-error", "binary-garbage", "empty", "deeply-nested-inline-tables", "5mb-string",
                 "escape-sequence-key", "int-400-digits", "negative-duration", "inf-fault-duration")
# Damaged recordings through the commands (every kind goes through review and every export in-process);
# damaged-page is found only by the full check, so it reaches the review window's own refusal.
EXPORTED = ("truncated-to-half", "zero-length", "another-programs-sqlite", "newer-format-version",
            "wal-of-another-database", "text-in-a-time-column", "directory")
REVIEWED = ("random-bytes", "damaged-page", "empty-file-with-a-wal", "fifo")
BAD_EXPORT_TARGETS = {  # name: --out in a folder of inputs (in-process; the first two also by command)
    "existing-file": "existing.csv", "existing-default-name": ".", "the-recording-itself": "good.irm.sqlite",
    "folder-missing": "missing/x.csv", "under-a-file": "afile.txt/x.csv", "a-fifo": "fifo",
}
UNREADABLE = {  # what cannot be read, even by root (chmod does not stop root)
    "folder": ("{C}/adir", "folder"), "fifo": ("{C}/fifo", "pipe"), "proc-mem": ("/proc/self/mem", "error"),
    "missing": ("{C}/no-such-file.toml", "no such file"),
}


def _argument_cases() -> list[Case]:
    m, s = "args-monitor", "args-sim"
    cases = [
        Case(f"{m}:unknown-option", (MONITOR, "--bogus"), ("unrecognized arguments",)),
        Case(f"{m}:unknown-command", (MONITOR, "frobnicate"), ("invalid choice",)),
        Case(f"{m}:ports-extra-argument", (MONITOR, "ports", "all"), ("unrecognized arguments",)),
        Case(f"{m}:ports-unknown-option", (MONITOR, "ports", "--usb"), ("unrecognized arguments",)),
        Case(f"{m}:live-unknown-option", (MONITOR, "live", "--fullscreen"), ("unrecognized",)),
        Case(f"{m}:live-port-without-value", (MONITOR, "live", "--port"), ("expected one argument",)),
        Case(f"{m}:live-unknown-protocol", (MONITOR, "live", "--protocol", "hl7"), ("invalid choice",)),
        Case(f"{m}:live-unknown-theme", (MONITOR, "live", "--theme", "purple"), ("invalid choice",)),
        Case(f"{m}:live-planned-minutes-too-long", (MONITOR, "live", "--planned-minutes", "1e9"), ("at most",)),
        Case(f"{m}:live-recordings-is-a-file", (MONITOR, "live", "--recordings", "{C}/afile.txt"), ("not a folder",)),
        Case(f"{m}:live-recordings-under-a-file", (MONITOR, "live", "--recordings", "{C}/afile.txt/rec"),
             ("not a folder",)),
        Case(f"{m}:live-unknown-scenario", (MONITOR, "live", "--port", "sim:ketamine-typcal", "--protocol", "datex"),
             ("no such built-in scenario", "ketamine-typical")),
        Case(f"{m}:record-nothing", (MONITOR, "record"), ("required",)),
        Case(f"{m}:record-unknown-option", (*RECORD, "--out", NEW_REC, "--dry-run"), ("unrecognized arguments",)),
        Case(f"{m}:record-without-out", RECORD, ("--out",)),
        Case(f"{m}:record-without-protocol", (MONITOR, "record", "--port", "/dev/ttyUSB9", "--out", NEW_REC),
             ("--protocol",)),  # a simulated monitor speaks datex unless told otherwise; a real one must be named
        Case(f"{m}:record-without-port", (MONITOR, "record", "--protocol", "datex", "--out", NEW_REC), ("--port",)),
        Case(f"{m}:record-out-exists", (*RECORD, "--out", "{C}/good.irm.sqlite"), ("already exists",)),
        Case(f"{m}:record-out-is-a-folder", (*RECORD, "--out", "{C}/adir"), ("is a folder",)),
        Case(f"{m}:record-out-under-a-file", (*RECORD, "--out", "{C}/afile.txt/new.irm.sqlite"), ("not a folder",)),
        Case(f"{m}:record-out-unwritable", (*RECORD, "--out", "/proc/irm-test/new.irm.sqlite"), ("cannot create",)),
        Case(f"{m}:record-port-missing", (*RECORD[:2], "--port", "/dev/ttyIRM-none", *RECORD[4:], "--out", NEW_REC),
             ("not found",)),
        Case(f"{m}:record-port-is-a-file", (*RECORD[:2], "--port", "{C}/afile.txt", *RECORD[4:], "--out", NEW_REC),
             ("afile.txt",)),
        Case(f"{m}:record-port-is-a-folder", (*RECORD[:2], "--port", "{C}/adir", *RECORD[4:], "--out", NEW_REC),
             ("adir",)),
        Case(f"{m}:record-socket-refused", (*RECORD[:2], "--port", "socket://127.0.0.1:9", *RECORD[4:],
                                            "--out", NEW_REC), ("refused",)),
        Case(f"{m}:record-socket-without-port", (*RECORD[:2], "--port", "socket://:abc", *RECORD[4:],
                                                 "--out", NEW_REC), ("socket://HOST:PORT",)),
        Case(f"{m}:record-unknown-scenario", (*RECORD[:2], "--port", "sim:nope", *RECORD[4:], "--out", NEW_REC),
             ("no such built-in scenario",)),
        Case(f"{m}:record-unknown-protocol", (*RECORD[:4], "--protocol", "hl7", "--out", NEW_REC), ("invalid choice",)),
        Case(f"{m}:review-two-files", (MONITOR, "review", "{C}/good.irm.sqlite", "{C}/good.irm.sqlite"),
             ("unrecognized arguments",)),
        Case(f"{m}:review-unknown-option", (MONITOR, "review", "--all"), ("unrecognized arguments",)),
        Case(f"{m}:review-missing-file", (MONITOR, "review", "{C}/nothing.irm.sqlite"), ("no such file",)),
        Case(f"{m}:export-nothing", (MONITOR, "export"), ("required",)),
        Case(f"{m}:export-unknown-option", (MONITOR, "export", "{C}/good.irm.sqlite", "--format", "csv", "--out",
                                            "{C}/existing.csv", "--overwrite"), ("unrecognized arguments",)),
        Case(f"{m}:export-without-out", (MONITOR, "export", "{C}/good.irm.sqlite", "--format", "csv"), ("--out",)),
        Case(f"{m}:export-without-format", (MONITOR, "export", "{C}/good.irm.sqlite", "--out", "{C}/out"),
             ("--format",)),
        Case(f"{m}:export-unknown-format", (MONITOR, "export", "{C}/good.irm.sqlite", "--format", "xls",
                                            "--out", "{C}/out"), ("invalid choice",)),
        Case(f"{m}:export-events-with-pdf", (MONITOR, "export", "{C}/good.irm.sqlite", "--format", "pdf",
                                             "--events", "--out", "{C}/out"), ("events file comes with csv",)),
        Case(f"{m}:export-missing-file", (MONITOR, "export", "{C}/nothing.irm.sqlite", "--format", "csv",
                                          "--out", "{C}/out"), ("no such file",)),
    ]
    export = (MONITOR, "export", "{C}/good.irm.sqlite", "--format", "csv", "--out")
    cases += [
        Case(f"{m}:export-out-exists", (*export, "{C}/existing.csv"), ("already exists",)),
        Case(f"{m}:export-out-default-name-exists", (*export, "{C}/"), ("good.csv already exists",),
             copies=("good.csv",)),
        Case(f"{m}:export-events-file-exists", (*export, "{C}/events.csv", "--events"), ("events-events.csv",),
             copies=("events-events.csv",)),
        Case(f"{m}:export-out-unwritable", (*export, "/proc/x.csv"), ("cannot write",)),
    ]
    # Every bad number for one option of each number type; one for each other option (the type
    # functions meet every bad number in-process).
    for what, value in BAD_NUMBERS.items():
        if what not in ("inf", "1e400"):
            cases.append(Case(f"{m}:record-duration-{what}", (*RECORD[:-2], "--duration", value, "--out", NEW_REC),
                              ("--duration",)))
        if what != "inf":
            cases.append(Case(f"{s}:speed-{what}", (SIM, "--pty", "--speed", value), ("--speed",)))
    cases += [
        Case(f"{m}:record-speed-nan", (*RECORD[:6], "--speed", "nan", "--out", NEW_REC), ("--speed",)),
        Case(f"{m}:live-speed-zero", (MONITOR, "live", "--speed", "0"), ("--speed",)),
        Case(f"{m}:live-planned-minutes-inf", (MONITOR, "live", "--planned-minutes", "inf"), ("--planned-minutes",)),
        Case(f"{m}:live-planned-minutes-negative", (MONITOR, "live", "--planned-minutes", "-40"),
             ("--planned-minutes",)),
        Case(f"{s}:duration-nan", (SIM, "--pty", "--duration", "nan"), ("--duration",)),
        Case(f"{s}:duration-zero", (SIM, "--pty", "--duration", "0"), ("--duration",)),
        Case(f"{s}:line-baud-1e400", (SIM, "--pty", "--line-baud", "1e400"), ("--line-baud",)),
    ]
    truth = (SIM, *SIM_RUN, "--truth")
    cases += [
        Case(f"{s}:unknown-option", (SIM, "--bogus"), ("unrecognized arguments",)),
        Case(f"{s}:extra-argument", (SIM, "stable"), ("unrecognized arguments",)),
        Case(f"{s}:unknown-protocol", (SIM, "--protocol", "hl7"), ("invalid choice",)),
        Case(f"{s}:speed-too-high", (SIM, "--pty", "--speed", "1e300"), ("at most",)),
        Case(f"{s}:seed-not-whole", (SIM, "--seed", "1.5"), ("--seed",)),
        Case(f"{s}:start-not-a-time", (SIM, "--start", "yesterday"), ("iso-8601",)),
        Case(f"{s}:pty-and-tcp", (SIM, "--pty", "--tcp", "127.0.0.1:0"), ("not allowed with",)),
        Case(f"{s}:tcp-without-port", (SIM, "--tcp", "localhost"), ("host:port",)),
        Case(f"{s}:tcp-port-not-a-number", (SIM, "--tcp", "127.0.0.1:http"), ("host:port",)),
        Case(f"{s}:tcp-port-too-large", (SIM, "--tcp", "127.0.0.1:99999"), ("0 to 65535",)),
        Case(f"{s}:tcp-port-in-use", (SIM, "--tcp", "127.0.0.1:{BUSY_PORT}"), ("cannot listen",)),
        Case(f"{s}:tcp-unknown-host", (SIM, "--tcp", "256.1.1.1:4001"), ("cannot listen",)),
        Case(f"{s}:port-missing", (SIM, "--port", "/dev/ttyIRM-none"), ("not found",)),
        Case(f"{s}:port-is-a-file", (SIM, "--port", "{C}/afile.txt"), ("afile.txt",)),
        Case(f"{s}:port-is-a-folder", (SIM, "--port", "{C}/adir"), ("adir",)),
        Case(f"{s}:truth-exists", (*truth, "{C}/existing.csv"), ("already exists",)),
        Case(f"{s}:truth-is-a-folder", (*truth, "{C}/adir"), ("folder",)),
        Case(f"{s}:truth-under-a-file", (*truth, "{C}/afile.txt/truth.jsonl"), ("not a directory",)),
        Case(f"{s}:truth-unwritable", (*truth, "/proc/irm-truth.jsonl"), ("cannot write",)),
        Case(f"{s}:truth-with-busy-port", (SIM, "--tcp", "127.0.0.1:{BUSY_PORT}", "--truth", "{C}/new.jsonl"),
             ("cannot listen",)),
    ]
    return cases


def _file_cases() -> list[Case]:
    cases = []
    for name in CLI_PROFILES:
        profile = f"{{C}}/profile-{name}.toml"
        cases.append(Case(f"profile:record-{name}", (*RECORD, "--out", NEW_REC, "--profile", profile),
                          (f"profile-{name}.toml",)))
        if name in LIVE_PROFILES:
            cases.append(Case(f"profile:live-{name}", (MONITOR, "live", "--profile", profile),
                              (f"profile-{name}.toml",)))
    for name, (path, says) in UNREADABLE.items():
        cases.append(Case(f"profile:record-{name}", (*RECORD, "--out", NEW_REC, "--profile", path), (says,)))
        if name == "fifo":
            cases.append(Case(f"profile:live-{name}", (MONITOR, "live", "--profile", path), (says,)))
    cases.append(Case("profile:unknown-built-in", (*RECORD, "--out", NEW_REC, "--profile", "ketamine"),
                      ("no built-in profile",)))
    cases.append(Case("profile:good-profile-existing-out",
                      (*RECORD, "--out", "{C}/good.irm.sqlite", "--profile", "{C}/good-profile.toml"),
                      ("already exists",)))
    for name in CLI_SCENARIOS:
        scenario = f"{{C}}/scenario-{name}.toml"
        cases.append(Case(f"scenario:sim-{name}", (SIM, "--scenario", scenario, *SIM_RUN), (f"scenario-{name}.toml",)))
        if name in ("deeply-nested-inline-tables", "nan-point"):
            cases.append(Case(f"scenario:record-{name}", (*RECORD[:2], "--port", f"sim:{scenario}", *RECORD[4:],
                                                          "--out", NEW_REC), (f"scenario-{name}.toml",)))
    for name, (path, says) in UNREADABLE.items():
        cases.append(Case(f"scenario:sim-{name}", (SIM, "--scenario", path, *SIM_RUN), (says,)))
    cases.append(Case("scenario:unknown-built-in", (SIM, "--scenario", "ketamine-typcal", *SIM_RUN),
                      ("did you mean 'ketamine-typical'",)))
    cases.append(Case("scenario:good-scenario-existing-truth",
                      (SIM, "--scenario", "{C}/good-scenario.toml", *SIM_RUN, "--truth", "{C}/existing.csv"),
                      ("already exists",)))
    for kind in (*DAMAGED_RECORDINGS, "directory", "fifo"):
        says = DAMAGED_RECORDINGS[kind][1] if kind in DAMAGED_RECORDINGS else ("folder" if kind == "directory" else "pipe")
        rec = f"{{C}}/rec-{kind}.irm.sqlite"
        if kind in REVIEWED:
            cases.append(Case(f"recording:review-{kind}", (MONITOR, "review", rec), (says,)))
        for fmt in ("csv", "edf", "pdf") if kind == "text-in-a-time-column" else ("csv",) if kind in EXPORTED else ():
            cases.append(Case(f"recording:export-{fmt}-{kind}", (MONITOR, "export", rec, "--format", fmt,
                                                                "--out", "{C}/out"), (says,)))
    cases.append(Case("recording:review-proc-mem", (MONITOR, "review", "/proc/self/mem"), ("cannot be read",)))
    cases.append(Case("recording:export-proc-mem", (MONITOR, "export", "/proc/self/mem", "--format", "csv",
                                                    "--out", "{C}/out"), ("cannot be read",)))
    cases.append(Case("recording:export-a-folder", (MONITOR, "export", "{C}/adir", "--format", "csv",
                                                    "--out", "{C}/out"), ("folder",)))
    replay = (SIM, "--protocol", "intellivue", "--pty", "--replay")
    captures = {**UNREADABLE, "missing": ("{C}/no-such-file.raw", "does not exist"),
                "empty": ("{C}/empty.raw", "empty"), "device": ("/dev/zero", "not a regular file")}
    for name, (path, says) in captures.items():
        cases.append(Case(f"capture:replay-{name}", (*replay, path), (says,)))
    return cases


CASES: tuple[Case, ...] = (*_argument_cases(), *_file_cases())


# -- running one case -----------------------------------------------------------------------------

BIN = Path(sys.executable).parent
MODULE_OF = {"infusion-monitor": "main", "infusion-sim": "devices.simulator"}
TIMEOUT_S = 90  # reached only by a hang, which fails the case


def command(argv: tuple[str, ...]) -> list[str]:
    """The installed console program, as a user runs it (``python -m`` where it is not installed)."""
    program, *args = argv
    exe = BIN / program
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", MODULE_OF[program], *args]


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: its type, and for files the sha256 and mtime (pipes are not read)."""
    found: dict[str, tuple] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            found[str(path.relative_to(folder))] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(),
                                                    info.st_mtime_ns)
        else:
            found[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_mtime_ns)
    return found


@dataclass
class Outcome:
    returncode: int | None  # None: still running after TIMEOUT_S (killed)
    stdout: str
    stderr: str
    before: dict[str, tuple]
    after: dict[str, tuple]


def prepare(case: Case, inputs: Path, folder: Path, busy_port: int) -> list[str]:
    """The case's folder with copies of what it names, and its command line."""
    folder.mkdir()
    argv = [arg.replace("{BUSY_PORT}", str(busy_port)) for arg in case.argv]
    named = [arg.split("{C}/", 1)[1].split("/", 1)[0] for arg in argv if "{C}/" in arg]
    for name in filter(None, (*named, *case.copies)):
        for source in inputs.glob(f"{name}*"):
            if source.name not in (name, f"{name}-wal") or (folder / source.name).exists():
                continue
            if stat.S_ISFIFO(source.lstat().st_mode):
                os.mkfifo(folder / source.name)
            elif source.is_dir():
                shutil.copytree(source, folder / source.name)
            else:
                shutil.copy2(source, folder / source.name)
    return command(tuple(arg.replace("{C}", str(folder)) for arg in argv))


def run_case(argv: list[str], folder: Path, env: dict[str, str]) -> Outcome:
    before = snapshot(folder)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        code = None
    return Outcome(code, stdout, stderr, before, snapshot(folder))


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, tuple]:
    """What differs, but for the -shm index SQLite keeps beside a -wal it reads (monitor/review/reader.py)."""
    return {name: (before.get(name), after.get(name)) for name in set(before) | set(after)
            if before.get(name) != after.get(name)
            and not (name.endswith("-shm") and f"{name[:-4]}-wal" in before)}

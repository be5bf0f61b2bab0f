"""Windows readiness: no module of the program imports what only POSIX systems have (issue 18).

Windows lacks ``pty``, ``termios``, ``tty``, ``fcntl``, ``resource``, ``pwd`` and ``grp``. Each
test runs a fresh interpreter in which our code cannot import them (an ``import`` statement
in a module of ours raises ``ModuleNotFoundError``, as on Windows), while libraries keep
theirs: pyserial chooses its own Windows back end there. Every runtime module must import;
``record`` must run on the in-process simulator; the simulator's TCP endpoint must work and its
pseudo-terminal, which needs POSIX, must refuse in one line naming what to use instead.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
POSIX_ONLY = ("pty", "termios", "tty", "fcntl", "resource", "pwd", "grp")


def runtime_top_level_names() -> list[str]:
    """What the wheel ships, read from pyproject.toml's own rules (so cli/ and later packages count)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = find_packages(str(ROOT), exclude=config["packages"]["find"]["exclude"])
    return sorted({p.split(".")[0] for p in packages} | set(config.get("py-modules", [])))


GUARD = textwrap.dedent(f"""
    import builtins, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    OURS = {runtime_top_level_names()!r}
    POSIX_ONLY = {POSIX_ONLY!r}
    _import = builtins.__import__

    def windows_import(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {{}}).get("__name__", "")
        if level == 0 and name.split(".")[0] in POSIX_ONLY and importer.split(".")[0] in OURS:
            raise ModuleNotFoundError(f"No module named {{name!r}} (as on Windows; imported by {{importer}})",
                                      name=name)
        return _import(name, globals, locals, fromlist, level)

    builtins.__import__ = windows_import
""")


def run_without_posix(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", GUARD + textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_guard_refuses_a_posix_import_from_our_code(tmp_path: Path):
    """The check can fail: a module of ours importing termios is caught, even with termios loaded."""
    done = run_without_posix("""
        import termios  # loaded, as pyserial loads it on Linux
        import devices
        exec("import termios", {"__name__": "devices.newmodule"})
    """, tmp_path)
    assert "No module named 'termios' (as on Windows; imported by devices.newmodule)" in done.stderr


def test_every_runtime_module_imports_without_posix_modules(tmp_path: Path):
    names = runtime_top_level_names()
    assert {"main", "monitor", "devices", "ui"} <= set(names)
    done = run_without_posix(f"""
        import importlib, pkgutil
        failed = []
        for top in {names!r}:
            module = importlib.import_module(top)
            for info in pkgutil.walk_packages(getattr(module, "__path__", []), top + "."):
                if info.name.endswith(".__main__"):
                    continue  # runs a program; its imports are the cli module's
                try:
                    importlib.import_module(info.name)
                except Exception as exc:
                    failed.append(f"{{info.name}}: {{exc!r}}")
        print("\\n".join(failed))
        print(len(sys.modules), "modules imported")
    """, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[:-1] == [], "\n".join(lines)


def test_record_runs_on_the_in_process_simulator_without_posix_modules(tmp_path: Path):
    out = tmp_path / "w.irm.sqlite"
    done = run_without_posix(f"""
        import main
        sys.exit(main.main(["record", "--port", "sim:stable", "--protocol", "datex", "--speed", "60",
                            "--duration", "30", "--jsonl", "--out", {str(out)!r}]))
    """, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"parameter": "HR"' in done.stdout and out.stat().st_size > 0


def test_simulator_serves_tcp_and_says_the_pty_needs_posix(tmp_path: Path):
    done = run_without_posix("""
        from devices.simulator.cli import main
        print("tcp", main(["--tcp", "127.0.0.1:0", "--scenario", "stable", "--speed", "100", "--duration", "2"]))
        print("pty", main(["--pty", "--scenario", "stable", "--duration", "2"]))
    """, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("socket://127.0.0.1:") and "tcp 0" in lines
    assert "pty 2" in lines
    (message,) = done.stderr.strip().splitlines()
    assert message.startswith("infusion-sim: ") and "needs Linux or macOS" in message
    assert "--tcp" in message and "COM5" in message

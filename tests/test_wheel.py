"""The wheel a clinic installs: built from this tree, installed into a new virtual environment
outside it, and run from a folder where the source tree cannot be imported (issue 18).

The wheel is built with ``python -m build`` (source archive first, then the wheel from it, as a
release is made) from a copy of the files git knows, so a file left out of the archive or the
wheel fails here. The new environment sees the dependencies this suite runs with (the locked
versions) through a ``.pth`` file, so the test downloads nothing; the project itself comes only
from the wheel. About 10 s; ``pytest -m 'not packaging'`` leaves it out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.packaging


def _tracked_files() -> list[str]:
    """What a fresh clone would have: files git tracks, plus new ones it does not ignore."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files a clone has")
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listing.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("clone")
    for name in _tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("infusion_room_monitor-*-py3-none-any.whl")
    return wheel


@pytest.fixture(scope="module")
def env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; returns its scripts folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
         "--no-deps", "--ignore-installed", str(wheel)],
        capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return scripts


def run(scripts: Path, program: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    environment["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(scripts / program), *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_installed_record_prints_readings_and_writes_the_recording(env: Path, tmp_path: Path):
    done = run(env, "infusion-monitor", "record", "--port", "sim:stable", "--protocol", "datex",
               "--speed", "60", "--duration", "120", "--jsonl", "--out", "s.irm.sqlite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    heart_rates = [x["value"] for x in lines
                   if x.get("type") == "reading" and x.get("parameter") == "HR" and x["value"] is not None]
    assert len(heart_rates) > 10 and all(40 <= hr <= 140 for hr in heart_rates)  # stable.toml: a calm adult
    assert (tmp_path / "s.irm.sqlite").stat().st_size > 0


def test_installed_simulator_lists_the_shipped_scenarios(env: Path, tmp_path: Path):
    done = run(env, "infusion-sim", "--list-scenarios", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()}
    assert listed == {p.stem for p in (ROOT / "devices/simulator/scenarios").glob("*.toml")}


def test_version_is_the_wheels(env: Path, wheel: Path, tmp_path: Path):
    version = wheel.name.split("-")[1]
    done = run(env, "infusion-monitor", "--version", cwd=tmp_path)
    assert done.stdout.strip() == f"infusion-monitor {version}"


def test_every_data_file_of_the_shipped_packages_is_in_the_wheel(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {name.split("/")[0] for name in names if "/" in name and ".dist-info/" not in name}
    data = {name for name in _tracked_files()
            if name.split("/")[0] in shipped and not name.endswith(".py")}
    assert data and not data - names, f"left out of the wheel: {sorted(data - names)}"
    assert not {"tests", "bench", "reliability", "tools"} & shipped


def test_every_installed_module_imports_from_the_environment_and_is_ours_alone(env: Path, wheel: Path,
                                                                             tmp_path: Path):
    """Each module imports (Qt offscreen) from the new environment, not from the source tree, and
    no other installed distribution ships a top-level name of ours (main, ui, ... are plain)."""
    with zipfile.ZipFile(wheel) as archive:
        modules = sorted({name[:-3].replace("/", ".").removesuffix(".__init__") for name in archive.namelist()
                          if name.endswith(".py") and not name.endswith("__main__.py")})
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib, importlib.metadata as md, json, sys\n"
        f"modules = {modules!r}\n"
        "files = {m: importlib.import_module(m).__file__ for m in modules}\n"
        "owners = md.packages_distributions()\n"
        "tops = {m.split('.')[0] for m in modules}\n"
        "json.dump({'files': files, 'owners': {t: sorted(set(owners.get(t, []))) for t in tops}}, sys.stdout)\n")
    done = run(env, "python", str(probe), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    home = env.parent.resolve()
    assert all(Path(f).resolve().is_relative_to(home) for f in found["files"].values()), found["files"]
    assert all(owners == ["infusion-room-monitor"] for owners in found["owners"].values()), found["owners"]

"""Bad input everywhere (issue 8): every command, profile, scenario, recording and capture a user can
get wrong is answered with one clear line on stderr and exit status 2 (in the window: a dialog), never
a traceback, never a hang, never a changed file.

The command-line cases (tests/reliability_cases.py) run the real console programs, several at once,
each in its own folder holding fresh copies of the files it names. Afterwards that folder must be
exactly as before: the same names, and every file with the same sha256 and mtime. So a good
recording, profile or existing output is never changed, and a refused command leaves nothing behind.
Case ids start with the input class; docs/RELIABILITY.md counts them from

    .venv/bin/python -m pytest tests/test_reliability_inputs.py -q -rA
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.support import bounded_float, positive_float, speed_factor
from devices.simulator import cli as sim_cli
from devices.simulator.scenario import ScenarioError, load_scenario
from devices.simulator.scenario_loader import scenario_from_text
from monitor.alarms import Profile, ProfileError, load_profile
from cli.support import bounded_float, positive_float, speed_factor
from ui.report import ExportError, export
from monitor.review import RecordingOpenError, open_recording
from tests.conftest import ROOT
from tests.reliability_cases import (
    BAD_EXPORT_TARGETS,
    BAD_NUMBERS,
    CASES,
    TIMEOUT_S,
    Case,
    Outcome,
    changes,
    command,
    prepare,
    run_case,
    snapshot,
)
from tests.reliability_inputs import (
    DAMAGED_RECORDINGS,
    GOOD_PROFILE,
    HOSTILE_PROFILES,
    HOSTILE_SCENARIOS,
    KEYS,
    MIN_SCENARIO,
    PROFILE_DOC,
    SCENARIO_DOC,
    VALUES,
    build_inputs,
    mutated,
    toml_document,
)
from tests.test_review_reader import simulated_recording

# The command-line cases all run in the first test's set-up: give it room beyond the usual 120 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Every input file the cases name, made once from one good recording."""
    folder = tmp_path_factory.mktemp("inputs")
    build_inputs(folder, simulated_recording(tmp_path_factory.mktemp("good") / "good.irm.sqlite"))
    return folder


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")  # live and review must not touch the user's settings
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", QT_QPA_PLATFORM="offscreen",
                HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))


@pytest.fixture(scope="module")
def outcomes(inputs, cli_env, tmp_path_factory) -> dict[str, Outcome]:
    """Every command-line case, run once, a few at a time (each is one short process)."""
    root = tmp_path_factory.mktemp("cases")
    busy = socket.socket()  # a TCP port already taken, for infusion-sim --tcp
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        folders = {case.id: root / f"case-{i}" for i, case in enumerate(CASES)}
        jobs = {case.id: prepare(case, inputs, folders[case.id], busy.getsockname()[1]) for case in CASES}
        with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
            futures = {cid: pool.submit(run_case, argv, folders[cid], cli_env) for cid, argv in jobs.items()}
            return {cid: future.result() for cid, future in futures.items()}
    finally:
        busy.close()


def test_case_ids_are_unique_and_name_their_class():
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.input_class for case in CASES} == {"args-monitor", "args-sim", "profile", "scenario",
                                                    "recording", "capture"}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_one_clear_line_exit_2_and_changes_nothing(outcomes, case: Case):
    out = outcomes[case.id]
    program = case.argv[0]
    assert out.returncode is not None, f"still running after {TIMEOUT_S} s: {out.stderr[-500:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert out.returncode == 2, (out.returncode, out.stderr[-1000:])
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr[-2000:]
    line = lines[0]
    assert line.startswith(f"{program}: ") or line.startswith(f"{program} "), line
    assert line.isprintable() and len(line) <= 600, line[:700]
    for phrase in case.says:
        assert phrase.lower() in line.lower(), line
    assert out.stdout == "", out.stdout[:500]  # no port address printed for a run that does not happen
    assert not changes(out.before, out.after)  # nothing changed, nothing left behind


# -- hostile TOML through the loaders themselves (hypothesis) --------------------------------------------

def _loads_or_refuses(load, error_type: type[Exception], text: str) -> None:
    try:
        load(text)
    except error_type as error:  # the documented refusal: one line naming the file
        assert "\n" not in str(error) and "fuzz.toml" in str(error)


@FUZZ
@given(doc=mutated(PROFILE_DOC) | st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_toml_profile_loads_or_is_refused_with_a_profile_error(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz", numbered=True) / "fuzz.toml"

    def load(text: str) -> Profile:
        path.write_text(text, encoding="utf-8")
        return load_profile(path)

    _loads_or_refuses(load, ProfileError, toml_document(doc))


@FUZZ
@given(doc=mutated(SCENARIO_DOC) | st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_toml_scenario_loads_or_is_refused_with_a_scenario_error(doc):
    _loads_or_refuses(lambda text: scenario_from_text(text, "fuzz.toml"), ScenarioError, toml_document(doc))


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(alphabet="[]{}=\"'.,#\n -_0123456789aeinfrtux\\", max_size=200)
       .map(str.encode))
def test_any_bytes_as_a_profile_or_scenario_file_are_loaded_or_refused(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("fuzz", numbered=True) / "fuzz.toml"
    path.write_bytes(raw)
    for load, error_type in ((load_profile, ProfileError), (load_scenario, ScenarioError)):
        try:
            load(str(path))
        except error_type as error:
            assert "\n" not in str(error)


def test_a_byte_order_mark_is_still_utf8(tmp_path):
    profile, scenario = tmp_path / "bom-profile.toml", tmp_path / "bom-scenario.toml"
    profile.write_bytes(b"\xef\xbb\xbf" + GOOD_PROFILE)
    scenario.write_bytes(b"\xef\xbb\xbf" + MIN_SCENARIO.encode())
    assert load_profile(profile).name == "ketamine-infusion"
    assert load_scenario(str(scenario)).name == "mini"


@pytest.mark.parametrize("value", BAD_NUMBERS.values(), ids=BAD_NUMBERS)
@pytest.mark.parametrize("parse", [positive_float, speed_factor, bounded_float(1440, "minutes"), sim_cli._baud],
                         ids=["duration", "speed", "planned-minutes", "line-baud"])
def test_every_number_option_refuses_every_bad_number(parse, value):
    with pytest.raises(argparse.ArgumentTypeError):
        parse(value)


# -- every hostile file through the loaders, every damaged recording through the reader, in-process ---------


def one_short_line(message: str, starts: str) -> None:
    assert message.startswith(starts), message[:300]
    assert message.isprintable() and len(message) <= 400, message[:500]


def copy_in(inputs: Path, name: str, folder: Path) -> Path:
    """``name`` (and its -wal) copied from the inputs into ``folder``: each test checks only its own."""
    folder.mkdir(exist_ok=True)
    for source in inputs.glob(f"{name}*"):
        if source.name not in (name, f"{name}-wal"):
            continue
        if stat.S_ISFIFO(source.lstat().st_mode):
            os.mkfifo(folder / source.name)
        elif source.is_dir():
            (folder / source.name).mkdir()
        else:
            shutil.copy2(source, folder / source.name)
    return folder / name


@pytest.mark.parametrize("name", HOSTILE_PROFILES)
def test_every_hostile_profile_is_refused_in_one_short_line(inputs, tmp_path, name):
    path = copy_in(inputs, f"profile-{name}.toml", tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    one_short_line(str(error.value), f"{path}: ")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", HOSTILE_SCENARIOS)
def test_every_hostile_scenario_is_refused_in_one_short_line(inputs, tmp_path, name):
    path = copy_in(inputs, f"scenario-{name}.toml", tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(ScenarioError) as error:
        load_scenario(str(path))
    one_short_line(str(error.value), str(path))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", [*DAMAGED_RECORDINGS, "directory", "fifo"])
def test_every_damaged_recording_is_refused_by_review_and_every_export(inputs, tmp_path, kind):
    path = copy_in(inputs, f"rec-{kind}.irm.sqlite", tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(path.parent)
    with pytest.raises(RecordingOpenError) as error:
        open_recording(path)
    one_short_line(str(error.value), f"{path}: ")
    with pytest.raises(RecordingOpenError) as reading_beside_the_check:  # how the review window opens
        open_recording(path, preload=True)
    assert str(reading_beside_the_check.value) == str(error.value)
    try:  # the library lists without the full check: it may open, or refuse, nothing else
        open_recording(path, verify=False).close()
    except RecordingOpenError:
        pass
    for fmt in ("csv", "edf", "pdf"):
        with pytest.raises(ExportError):
            export(path, fmt, out, events=fmt == "csv")
    assert list(out.iterdir()) == []
    assert not changes(before, snapshot(path.parent))


@pytest.mark.parametrize("name", BAD_EXPORT_TARGETS)
def test_export_refuses_every_bad_target_and_writes_nothing(inputs, tmp_path, name):
    for source in ("good.irm.sqlite", "existing.csv", "good.csv", "afile.txt"):
        shutil.copy2(inputs / source, tmp_path / source)
    os.mkfifo(tmp_path / "fifo")
    before = snapshot(tmp_path)
    with pytest.raises(ExportError) as error:
        export(tmp_path / "good.irm.sqlite", "csv", tmp_path / BAD_EXPORT_TARGETS[name], events=True)
    one_short_line(str(error.value), "")
    assert not changes(before, snapshot(tmp_path))


# -- what the windows show (in-process, pytest-qt) -----------------------------------------------------------


def _live(qtbot, tmp_path, port: str, recorder_path: Path):
    from PySide6.QtCore import QSettings

    from monitor.clock import ScaledClock
    from tests.conftest import build_test_bed
    from ui.app import show_bed

    bed = build_test_bed(port, ScaledClock(speed=30), recorder_path)
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    view = show_bed(bed, "dark", settings)
    qtbot.addWidget(view.window)
    return bed, view


def test_live_recording_that_cannot_be_created_is_a_dialog_and_monitoring_goes_on(qtbot, tmp_path, monkeypatch):
    shown: list[tuple[str, str]] = []

    class Box:  # the dialog as the nurse would see it, without blocking the test
        @staticmethod
        def critical(parent, title: str, text: str) -> None:
            shown.append((title, text))

    monkeypatch.setattr("ui.app.QMessageBox", Box)
    unwritable = Path("/proc/irm-no-such-folder/session.irm.sqlite")  # not even root can create it
    bed, view = _live(qtbot, tmp_path, "sim:stable", unwritable)
    window = view.window
    try:
        assert len(shown) == 1 and shown[0][0] == "Cannot record this session"
        assert str(unwritable) in shown[0][1] and "Monitoring continues" in shown[0][1]
        assert bed.recorder is None and "NOT RECORDING" in window.header.recording.text()
        qtbot.waitUntil(lambda: window.tiles["HR"].value.text().isdigit(), timeout=20000)
    finally:
        view.stop()
        bed.stop("ended normally")


def test_live_port_that_does_not_exist_is_said_on_the_dashboard(qtbot, tmp_path):
    bed, view = _live(qtbot, tmp_path, "/dev/ttyIRM-no-such-port", tmp_path / "s.irm.sqlite")
    try:
        qtbot.waitUntil(lambda: "was not found" in view.window.header.link.toolTip(), timeout=20000)
    finally:
        view.stop()
        bed.stop("program closed")


def test_the_library_lists_every_damaged_file_with_its_reason_and_opens_none(qtbot, inputs, tmp_path):
    from ui.review.library import LibraryWindow

    folder = tmp_path / "recordings"
    for kind in (*DAMAGED_RECORDINGS, "directory", "fifo"):
        copy_in(inputs, f"rec-{kind}.irm.sqlite", folder)
    before = snapshot(folder)
    window = LibraryWindow(folder, "dark")
    qtbot.addWidget(window)
    window.show()
    names = {info.name for info in window.infos}
    assert {f"rec-{kind}.irm.sqlite" for kind in ("fifo", "directory", "zero-length", "random-bytes")} <= names
    for row, info in enumerate(list(window.infos)):
        if info.openable:  # listed without the full check (damaged-page, cell damage): opening checks
            assert window.open_row(row) is None, info.name
        else:
            assert info.reason and window.open_row(row) is None
        assert window.message_box is not None and str(folder) in window.message_box.text()
        window.message_box.close()
    assert window.review_windows == []
    assert not changes(before, snapshot(folder))


# -- a capture of garbage, and the control: a good export ----------------------------------------------------


def test_a_capture_of_garbage_is_replayed_and_gives_no_reading(tmp_path, cli_env):
    capture = tmp_path / "garbage.raw"
    capture.write_bytes(random.Random(99).randbytes(6000))
    sim = subprocess.Popen(command(("infusion-sim", "--protocol", "datex", "--replay", str(capture), "--pty",
                                    "--speed", "20")), cwd=ROOT, env=cli_env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        port = sim.stdout.readline().strip()
        assert port.startswith("/dev/"), sim.stderr.read()
        result = subprocess.run(command(("infusion-monitor", "record", "--port", port, "--protocol", "datex",
                                         "--jsonl", "--speed", "20", "--duration", "40",
                                         "--out", str(tmp_path / "r.irm.sqlite"))),
                                cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=TIMEOUT_S)
        sim.terminate()  # the capture is sent; the line stays open until the simulator is stopped
        sim_out, sim_err = sim.communicate(timeout=TIMEOUT_S)
    finally:
        sim.kill()
    assert result.returncode == 0 and sim.returncode == 0, (result.stderr, sim_err)
    assert "Traceback" not in result.stderr + sim_err
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert not [e for e in events if e["type"] == "reading" and e["value"] is not None]


def test_a_good_export_writes_only_its_new_file(inputs, tmp_path, cli_env):
    shutil.copy2(inputs / "good.irm.sqlite", tmp_path / "good.irm.sqlite")
    before = snapshot(tmp_path)
    result = subprocess.run(command(("infusion-monitor", "export", str(tmp_path / "good.irm.sqlite"), "--format",
                                     "csv", "--out", str(tmp_path))),
                            cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    after = snapshot(tmp_path)
    assert set(after) - set(before) == {"good.csv"} and after["good.irm.sqlite"] == before["good.irm.sqlite"]

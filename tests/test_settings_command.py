"""``infusion-monitor settings`` and the settings at work in ``record`` and ``live``, run as a user
runs them: the real command in a process of its own, the settings files in a temporary folder
that platformdirs finds through the XDG variables."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import tomllib

import pytest
from PySide6.QtGui import QImage

from cli.settings import load_settings
from cli.settings_keys import KEYS
from tests.conftest import ROOT
from tests.test_settings import Config


@pytest.fixture
def config(tmp_path, cli_env, monkeypatch) -> Config:
    """The config and data folders, for this process and for the commands it starts."""
    for name, folder in (("XDG_CONFIG_HOME", "user"), ("XDG_CONFIG_DIRS", "system"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(name, str(tmp_path / folder))
        cli_env[name] = str(tmp_path / folder)
    return Config(tmp_path)


def run(python, env, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([python, str(ROOT / "main.py"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def rows(stdout: str) -> dict[str, str]:
    """key -> the rest of its line, from the "Settings in force" table."""
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"  (\w+)\s{2,}(.*)$", line)
        if match and match.group(1) in KEYS:
            found[match.group(1)] = match.group(2)
    return found


# -- settings ------------------------------------------------------------------------------------


def test_settings_lists_both_files_and_every_key_with_where_it_came_from(python, cli_env, config):
    config.system('administrator = "Clinic IT"\n[locked]\nalarm_profile = "adult-generic"\n')
    config.user('# my settings\ntheme = "light"\n')
    done = run(python, cli_env, "settings")
    assert done.returncode == 0, done.stderr
    assert f"  system-wide  {config.system_path}  (exists)" in done.stdout
    assert f"  user         {config.user_path}  (exists)" in done.stdout
    found = rows(done.stdout)
    assert set(found) == set(KEYS)
    assert re.fullmatch(r"LOCKED, system-wide file, line 3\s+adult-generic", found["alarm_profile"])
    assert re.fullmatch(r"user file, line 2\s+light", found["theme"])
    assert re.fullmatch(r"system-wide file, line 1\s+Clinic IT", found["administrator"])
    assert re.fullmatch(r"built-in default\s+the treatment profile's infusion time \(40 in ketamine-iv\)",
                        found["planned_minutes"])
    assert re.fullmatch(r"built-in default\s+no port: `live` asks in the connection dialog", found["port"])
    assert "Problems" not in done.stdout


def test_settings_says_where_a_missing_file_would_go_and_how_to_make_it(python, cli_env, config):
    done = run(python, cli_env, "settings")
    assert done.returncode == 0
    assert (f"  user         {config.user_path}  (not there: `infusion-monitor settings --init` writes one)"
            in done.stdout)
    assert "settings --init --system` writes one" in done.stdout


def test_settings_lists_the_problems_and_exits_1_for_a_deployment_script(python, cli_env, config):
    user = config.user('thme = "light"\n')
    done = run(python, cli_env, "settings")
    assert done.returncode == 1
    assert "Problems (1)" in done.stdout
    assert f"  {user} line 1: thme: unknown key (did you mean 'theme'?)" in done.stdout


def test_settings_json_has_the_same_for_a_program(python, cli_env, config):
    config.system('[locked]\nplanned_minutes = 45\n')
    done = run(python, cli_env, "settings", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["files"]["system"] == {"path": str(config.system_path), "exists": True}
    assert data["files"]["user"] == {"path": str(config.user_path), "exists": False}
    assert data["settings"]["planned_minutes"] == {
        "value": 45.0, "source": "locked", "file": str(config.system_path), "line": 2,
        "locked_by": f"Locked by the administrator in {config.system_path} line 2."}
    assert data["settings"]["theme"] == {"value": None, "source": "default", "file": None, "line": None,
                                         "locked_by": None}
    assert data["settings"]["recordings"]["value"] == str(config.root / "data" / "infusion-monitor" / "recordings")
    assert data["problems"] == []


def test_init_writes_a_commented_template_that_is_valid_once_uncommented(python, cli_env, config):
    done = run(python, cli_env, "settings", "--init")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(config.user_path)
    text = config.user_path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {}  # every key commented out: nothing changes until one is set
    assert "administrator" not in text and "[locked]" not in text  # the administrator's only
    # every key but the room (whose example file does not exist here) set to what the template says
    uncommented = re.sub(r"(?m)^#(?!room)(\w+ = )", r"\1", text)
    config.user(uncommented)
    settings = load_settings()
    assert settings.problems == ()
    assert settings.value("alarm_profile") == "ketamine-infusion" and settings.value("planned_minutes") == 40
    assert settings.value("recordings") == config.root / "data" / "infusion-monitor" / "recordings"
    assert settings.value("theme") == "dark" and settings.value("port") == "COM3"


def test_init_never_overwrites_a_file(python, cli_env, config):
    config.user('theme = "light"\n')
    done = run(python, cli_env, "settings", "--init")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"infusion-monitor: {config.user_path} already exists; edit it, or move it "
                                   "away first.")
    assert config.user_path.read_text() == 'theme = "light"\n'


def test_init_system_writes_the_administrators_file_with_a_locked_table(python, cli_env, config):
    done = run(python, cli_env, "settings", "--init", "--system")
    assert done.returncode == 0, done.stderr
    text = config.system_path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {"locked": {}}
    config.system(text.replace("#alarm_profile = ", "alarm_profile = ").replace("#administrator = ",
                                                                                  "administrator = "))
    listed = rows(run(python, cli_env, "settings").stdout)
    assert re.fullmatch(r"LOCKED, system-wide file, line \d+\s+ketamine-infusion", listed["alarm_profile"])
    assert re.fullmatch(r"system-wide file, line \d+\s+Clinic IT, extension 4410", listed["administrator"])


def test_system_without_init_is_refused(python, cli_env, config):
    done = run(python, cli_env, "settings", "--system")
    assert done.returncode == 2 and "--system goes with --init" in done.stderr


# -- the settings at work ------------------------------------------------------------------------


def session_info(path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT key, value FROM session_info"))


RECORD = ("record", "--port", "sim:stable", "--protocol", "datex", "--speed", "60", "--duration", "30")


def test_record_takes_the_alarm_profile_from_the_user_file(python, cli_env, config, tmp_path):
    config.user('alarm_profile = "adult-generic"\n')
    out = tmp_path / "s.irm.sqlite"
    done = run(python, cli_env, *RECORD, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert session_info(out)["alarm_profile"] == "adult-generic"  # the name in adult-generic.toml


def test_the_command_line_beats_the_user_file(python, cli_env, config, tmp_path):
    config.user('alarm_profile = "adult-generic"\n')
    out = tmp_path / "s.irm.sqlite"
    done = run(python, cli_env, *RECORD, "--profile", "ketamine-infusion", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert session_info(out)["alarm_profile"] == "ketamine-infusion"


def test_a_locked_profile_refuses_another_on_the_command_line_before_anything_is_recorded(
        python, cli_env, config, tmp_path):
    config.system('[locked]\nalarm_profile = "adult-generic"\n')
    out = tmp_path / "s.irm.sqlite"
    done = run(python, cli_env, *RECORD, "--profile", "ketamine-infusion", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr == (
        "infusion-monitor: --profile ketamine-infusion: alarm_profile is locked to adult-generic. Locked by "
        f"the administrator in {config.system_path} line 2. Leave out --profile, or ask the administrator.\n")
    assert not out.exists()


def test_a_broken_settings_file_never_stops_a_recording(python, cli_env, config, tmp_path):
    config.user('alarm_profile = "adult-generic"\ntheme = "blue\n')
    out = tmp_path / "s.irm.sqlite"
    done = run(python, cli_env, *RECORD, "--jsonl", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"infusion-monitor: settings: {config.user_path} line 2: TOML syntax error: ")
    assert done.stderr.endswith("; nothing in this file is used\n") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert session_info(out)["alarm_profile"] == "ketamine-infusion"  # the built-in default
    assert json.loads(done.stdout.splitlines()[0])["type"]  # stdout stays clean JSON lines


def test_live_opens_with_the_locked_theme_and_records_into_the_locked_folder(python, cli_env, config, tmp_path):
    folder = tmp_path / "share" / "recordings"
    config.system(f'[locked]\ntheme = "light"\nrecordings = "{folder}"\n')
    config.user('theme = "dark"\n')
    shot = tmp_path / "live.png"
    env = {**cli_env, "QT_QPA_PLATFORM": "offscreen", "INFUSION_MONITOR_SELF_CHECK": str(shot)}
    done = run(python, env, "live", "--port", "sim:stable", "--protocol", "datex", "--speed", "10", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert [p.suffix for p in folder.iterdir()] == [".sqlite"]  # one recording, where the lock says
    image = QImage(str(shot))
    corner = image.pixelColor(5, image.height() - 5)  # the window's own background
    assert corner.lightness() > 200, corner.name()  # light, not the user's dark
    assert os.path.getsize(shot) > 0


def test_review_opens_the_library_of_the_settings_folder_in_the_settings_theme(config, monkeypatch, tmp_path):
    """main.py's wiring, the window replaced by a recorder (the library itself: test_review_window_library)."""
    import main
    import ui.review

    folder = tmp_path / "share"
    config.user(f'theme = "light"\nrecordings = "{folder}"\n')
    opened = []
    monkeypatch.setattr(ui.review, "run_review", lambda *args: opened.append(args) or 0)
    assert main.main(["review"]) == 0
    assert opened == [(None, folder, "light")]
